//! The catalogue of messages: their kinds, the payload a message carries from the request
//! that queues it to the templates that render it, and the samples templates are checked
//! with. Flows, templates and delivery all depend on it; it depends on none of them.

use serde::{Deserialize, Serialize};

use crate::clock::rfc3339;

/// Message kinds; each has a subject, HTML and text for email, and a text for SMS.
pub const KIND_SIGN_IN: &str = "sign_in";
pub const KIND_VERIFICATION: &str = "verification";
pub const KIND_RESET_LINK: &str = "reset_link";
pub const KIND_RESET_CODE: &str = "reset_code";
pub const KIND_PASSWORD_CHANGED: &str = "password_changed";
pub const KIND_ACCOUNT_EXISTS: &str = "account_exists";
pub const KIND_IDENTIFIER_CHANGED: &str = "identifier_changed";
pub const KINDS: &[&str] = &[
    KIND_SIGN_IN,
    KIND_VERIFICATION,
    KIND_RESET_LINK,
    KIND_RESET_CODE,
    KIND_PASSWORD_CHANGED,
    KIND_ACCOUNT_EXISTS,
    KIND_IDENTIFIER_CHANGED,
];

/// The variables of every kind (a kind uses those it needs: a notice has no code).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Payload {
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    /// When the link and code stop working (unix ms); 0 when the message has no secret.
    #[serde(default)]
    pub expires_at: i64,
    #[serde(default)]
    pub lifetime_minutes: u64,
    /// "Chrome on macOS", shown so the person can tell whether the request was theirs.
    #[serde(default)]
    pub requested_from: String,
    /// Host of the public URL, for the WebOTP line of SMS (`@host #code`).
    #[serde(default)]
    pub origin_host: String,
    /// A verification of a new address for an existing account (not a sign-up).
    #[serde(default)]
    pub change: bool,
}

/// The variables of a message template (docs/templates.md lists them). `app_name`,
/// `theme` and `t()` are there in every template.
pub fn context(kind: &str, locale: &str, p: &Payload, subject: &str) -> minijinja::Value {
    minijinja::context! {
        kind,
        locale,
        subject,
        link => p.link.clone(),
        code => p.code.clone(),
        expires_at => rfc3339(p.expires_at),
        lifetime_minutes => p.lifetime_minutes,
        lifetime => crate::i18n::duration(locale, p.lifetime_minutes),
        requested_from => p.requested_from.clone(),
        origin_host => p.origin_host.clone(),
        change => p.change,
    }
}

/// The host of the public URL, without port (the WebOTP `@host` of SMS).
pub fn origin_host(public_url: &str) -> String {
    let rest = public_url.split_once("://").map(|(_, r)| r).unwrap_or(public_url);
    let host = rest.split('/').next().unwrap_or(rest);
    match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.is_empty() => h.to_owned(),
        _ => host.to_owned(),
    }
}

/// Payloads a kind's templates are checked with at start (overrides) and in tests: each
/// variant the flows send (a verification with and without a code, …).
pub fn samples(kind: &str) -> Vec<Payload> {
    let full = Payload {
        link: Some("https://auth.example.com/login/link?token=sample-token".to_owned()),
        code: Some("123456".to_owned()),
        expires_at: 1_767_225_600_000,
        lifetime_minutes: 10,
        requested_from: "Firefox on Linux".to_owned(),
        origin_host: "auth.example.com".to_owned(),
        change: false,
    };
    let no_code = Payload { code: None, ..full.clone() };
    let no_link = Payload { link: None, ..full.clone() };
    let notice = Payload { link: None, code: None, expires_at: 0, lifetime_minutes: 0, ..full.clone() };
    let anonymous = Payload { requested_from: String::new(), ..full.clone() };
    match kind {
        KIND_SIGN_IN => vec![full, anonymous],
        KIND_VERIFICATION => vec![full.clone(), no_code, anonymous, Payload { change: true, ..full }],
        KIND_RESET_LINK => vec![full, no_code, anonymous],
        KIND_RESET_CODE => vec![no_link, anonymous],
        KIND_PASSWORD_CHANGED | KIND_IDENTIFIER_CHANGED => {
            vec![notice.clone(), Payload { requested_from: String::new(), ..notice }]
        }
        _ => vec![
            notice.clone(),
            Payload { link: full.link.clone(), ..notice.clone() },
            Payload { requested_from: String::new(), ..notice },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::origin_host;

    #[test]
    fn the_webotp_host_has_no_port() {
        assert_eq!(origin_host("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(origin_host("https://auth.example.com"), "auth.example.com");
        assert_eq!(origin_host("https://auth.example.com/base"), "auth.example.com");
    }
}
