//! Email addresses, parsed once at the edge into a canonical form.
//!
//! The rules follow OWASP's Input Validation cheat sheet (allow-list, canonicalise before
//! validating) and the design's identifier rules: one address only, no display names, no
//! lists, no quoted local parts, no comments, no CR/LF, no compatibility characters such as
//! a fullwidth `@` that NFKC would silently turn into a different address.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// RFC 5321 limits: 64 octets of local part, 254 octets of path.
const MAX_LOCAL_LEN: usize = 64;
const MAX_ADDRESS_LEN: usize = 254;
/// Anything longer than this is refused before any Unicode work is done on it.
const MAX_INPUT_LEN: usize = 320;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("the email address is empty")]
    Empty,
    #[error("the email address is too long")]
    TooLong,
    #[error("the email address contains characters that are not allowed")]
    ForbiddenCharacter,
    #[error("the email address uses look-alike (compatibility) characters")]
    NotNormalized,
    #[error("give exactly one email address, with one @")]
    NotOneAt,
    #[error("the part before the @ is not valid")]
    InvalidLocalPart,
    #[error("the domain of the email address is not valid")]
    InvalidDomain,
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        if input.len() > MAX_INPUT_LEN {
            return Err(EmailError::TooLong);
        }
        let trimmed = input.trim_matches(|c: char| c == ' ' || c == '\t');
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        // Any control character (CR/LF header injection, NUL, tabs inside), whitespace,
        // list separators, display-name and comment syntax, quoting and domain literals
        // are refused outright: they are how one string smuggles a second recipient.
        if trimmed.chars().any(|c| {
            c.is_control()
                || c.is_whitespace()
                || matches!(c, ',' | ';' | '<' | '>' | '"' | '(' | ')' | '[' | ']' | '\\' | ':')
                || is_invisible(c)
        }) {
            return Err(EmailError::ForbiddenCharacter);
        }
        // NFKC-safe: if normalisation would change the string (fullwidth `＠`, ligatures,
        // superscripts…), refuse rather than guess which address was meant.
        if !trimmed.is_ascii() && trimmed.nfkc().ne(trimmed.chars()) {
            return Err(EmailError::NotNormalized);
        }
        let mut parts = trimmed.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EmailError::NotOneAt);
        };
        let local = canonical_local_part(local)?;
        let domain = canonical_domain(domain)?;
        let address = format!("{local}@{domain}");
        if address.len() > MAX_ADDRESS_LEN {
            return Err(EmailError::TooLong);
        }
        Ok(Self(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `j•••@example.com`: enough for a person to recognise their address on a page,
    /// not enough to harvest it.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}•••@{domain}")
    }
}

fn is_invisible(c: char) -> bool {
    // Zero-width and bidi control characters render as nothing and make two different
    // strings look identical (OWASP: Unicode spoofing).
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

fn canonical_local_part(local: &str) -> Result<String, EmailError> {
    if local.is_empty() || local.len() > MAX_LOCAL_LEN {
        return Err(EmailError::InvalidLocalPart);
    }
    // Dot-atom only (RFC 5322 §3.2.3), ASCII only: quoted strings and SMTPUTF8 local parts
    // are refused, since mail systems disagree on how to compare them.
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailError::InvalidLocalPart);
    }
    if !local.chars().all(|c| c == '.' || atext(c)) {
        return Err(EmailError::InvalidLocalPart);
    }
    Ok(local.to_ascii_lowercase())
}

fn canonical_domain(domain: &str) -> Result<String, EmailError> {
    if domain.is_empty() {
        return Err(EmailError::InvalidDomain);
    }
    // IDNA (UTS #46) maps a Unicode domain to its one ASCII form, so `münchen.de` and
    // `xn--mnchen-3ya.de` are the same account.
    let ascii = idna::domain_to_ascii_strict(domain).map_err(|_| EmailError::InvalidDomain)?;
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 {
        return Err(EmailError::InvalidDomain);
    }
    for label in &labels {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !ok {
            return Err(EmailError::InvalidDomain);
        }
    }
    let tld = labels[labels.len() - 1];
    if tld.chars().all(|c| c.is_ascii_digit()) {
        // An IP address is not a mail domain here.
        return Err(EmailError::InvalidDomain);
    }
    Ok(ascii.to_ascii_lowercase())
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Debug never prints the whole address: it ends up in logs.
impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonicalises_case_and_surrounding_spaces() {
        let e = EmailAddress::parse("  Alice.Smith@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "alice.smith@example.com");
    }

    #[test]
    fn unicode_domains_become_their_ascii_form() {
        let a = EmailAddress::parse("a@münchen.de").unwrap();
        let b = EmailAddress::parse("a@xn--mnchen-3ya.de").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn rejects_the_tricks_that_smuggle_a_second_recipient_or_a_look_alike() {
        let cases = [
            ("", "empty"),
            ("   ", "blank"),
            ("a@b", "no dot in domain"),
            ("a@@b.com", "two @"),
            ("a@b.com,c@d.com", "comma list"),
            ("a@b.com;c@d.com", "semicolon list"),
            ("a@b.com c@d.com", "space list"),
            ("a@b.com\r\nBcc: c@d.com", "CRLF injection"),
            ("a@b.com\n", "trailing LF"),
            ("a\u{0000}@b.com", "NUL"),
            ("a＠b.com", "fullwidth at"),
            ("ａ@b.com", "fullwidth letter"),
            ("\"a b\"@b.com", "quoted local part"),
            ("\"a\"@b.com", "quoted local part without space"),
            ("Alice <a@b.com>", "display name"),
            ("a(comment)@b.com", "comment"),
            ("a@[127.0.0.1]", "domain literal"),
            ("a@127.0.0.1", "ip address"),
            (".a@b.com", "leading dot"),
            ("a.@b.com", "trailing dot"),
            ("a..b@b.com", "double dot"),
            ("a@-b.com", "label starts with hyphen"),
            ("a@b..com", "empty label"),
            ("a\u{200B}@b.com", "zero width space"),
            ("a\u{202E}@b.com", "bidi override"),
            ("ä@b.com", "non-ascii local part"),
        ];
        for (input, why) in cases {
            assert!(EmailAddress::parse(input).is_err(), "{why}: {input:?} was accepted");
        }
        let long_local = format!("{}@b.com", "a".repeat(65));
        assert!(EmailAddress::parse(&long_local).is_err(), "local part over 64");
        let long = format!("a@{}.com", "b".repeat(400));
        assert!(EmailAddress::parse(&long).is_err(), "address over 254");
    }

    #[test]
    fn masking_keeps_the_domain_and_one_letter() {
        let e = EmailAddress::parse("jane@example.com").unwrap();
        assert_eq!(e.masked(), "j•••@example.com");
        assert!(!format!("{e:?}").contains("jane"));
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "\\PC{0,400}") {
            let _ = EmailAddress::parse(&s);
        }

        #[test]
        fn canonical_form_is_a_fixed_point(local in "[a-zA-Z0-9_+-]{1,20}(\\.[a-zA-Z0-9_+-]{1,10}){0,2}", domain in "[a-zA-Z0-9]{1,20}\\.[a-zA-Z]{2,6}") {
            let e = EmailAddress::parse(&format!("{local}@{domain}")).unwrap();
            let again = EmailAddress::parse(e.as_str()).unwrap();
            prop_assert_eq!(&e, &again);
            prop_assert_eq!(e.as_str(), e.as_str().to_lowercase());
        }

        #[test]
        fn anything_accepted_has_exactly_one_at_and_no_control_or_space(s in "[ -~\\r\\n\\t]{0,80}") {
            if let Ok(e) = EmailAddress::parse(&s) {
                prop_assert_eq!(e.as_str().matches('@').count(), 1);
                prop_assert!(!e.as_str().chars().any(|c| c.is_control() || c.is_whitespace()));
            }
        }
    }
}
