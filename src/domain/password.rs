//! Passwords, parsed once at the edge, and the policy a new password must meet.
//!
//! The rules follow NIST SP 800-63B-4 §3.1.1.2 (memorized secrets):
//! - at least 8 characters, at most 128 accepted, and a longer password is refused, never
//!   truncated (truncation would make every password sharing the first 128 characters the
//!   same password);
//! - every printing character is allowed, spaces and emoji included; no composition rules
//!   (no "one digit, one symbol"), a strength estimate and a blocklist of breached
//!   passwords instead;
//! - Unicode is normalised (NFKC) before anything else, so the same password typed on two
//!   keyboards (a `ﬁ` ligature, a fullwidth `Ａ`, a precomposed `é`) is the same password;
//!   length is counted in Unicode scalar values of that normalised form.
//!
//! [`Password::parse`] is all a login needs; [`Password::check`] is for a password being
//! chosen (sign-up, reset), against a [`PasswordPolicy`].

use std::collections::HashSet;
use std::fmt;
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail, ensure};
use secrecy::{ExposeSecret, SecretString};
use sha1::{Digest, Sha1};
use unicode_normalization::UnicodeNormalization;

/// The shortest password any policy accepts (NIST SP 800-63B-4 §3.1.1.2: at least 8).
pub const MIN_LENGTH: usize = 8;
/// The longest password accepted (NIST SP 800-63B-4 §3.1.1.2: allow at least 64; 128 here).
pub const MAX_LENGTH: usize = 128;
/// The highest minimum length an operator may configure.
pub const MAX_MIN_LENGTH: usize = 64;
/// Highest zxcvbn score.
pub const MAX_SCORE: u8 = 4;

/// Input longer than this many bytes is refused before it is normalised: NFKC can shrink a
/// string (combining sequences compose), but not 8-fold, so nothing this long can be within
/// [`MAX_LENGTH`] characters afterwards, and the work done on hostile input stays bounded.
const MAX_INPUT_BYTES: usize = MAX_LENGTH * 4 * 8;

/// A password as typed, NFKC-normalised, within the length limits and free of control
/// characters. The value lives in a [`SecretString`], zeroed when dropped; `Debug` prints
/// `Password(***)` and there is no `Display`, so it cannot end up in a log by accident.
#[derive(Clone)]
pub struct Password(SecretString);

/// Why a password was refused. [`reason`](PasswordError::reason) is a sentence to show the
/// person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer characters than the minimum.
    #[error("{}", self.reason())]
    TooShort { length: usize, min: usize },
    /// More than [`MAX_LENGTH`] characters (never cut to fit).
    #[error("{}", self.reason())]
    TooLong { max: usize },
    /// A tab, line break or other control character.
    #[error("{}", self.reason())]
    ControlCharacter,
    /// zxcvbn estimates it too easy to guess; `advice` is its feedback as one sentence.
    #[error("{}", self.reason())]
    TooWeak { advice: String },
    /// On the configured list of breached passwords.
    #[error("{}", self.reason())]
    Breached,
}

impl PasswordError {
    /// Plain English for the person choosing the password.
    pub fn reason(&self) -> String {
        match self {
            Self::TooShort { length, min } => {
                format!("Use at least {min} characters; this password has {length}.")
            }
            Self::TooLong { max } => format!("Use at most {max} characters; longer passwords are not cut short."),
            Self::ControlCharacter => {
                "Passwords cannot contain control characters such as tabs or line breaks.".to_owned()
            }
            Self::TooWeak { advice } => advice.clone(),
            // NIST SP 800-63B-4 §3.1.1.2: say why a password from a blocklist is refused.
            Self::Breached => "This password has appeared in a data breach, so attackers try it early. \
                               Choose a different one."
                .to_owned(),
        }
    }
}

impl Password {
    /// Normalises (NFKC), then checks the length ([`MIN_LENGTH`]..=[`MAX_LENGTH`]
    /// characters) and refuses control characters. This is all a login needs; a password
    /// being chosen also goes through [`check`](Self::check).
    pub fn parse(input: &str) -> Result<Self, PasswordError> {
        if input.len() > MAX_INPUT_BYTES {
            return Err(PasswordError::TooLong { max: MAX_LENGTH });
        }
        let normalized: String = input.nfkc().collect();
        let length = normalized.chars().count();
        if length < MIN_LENGTH {
            return Err(PasswordError::TooShort { length, min: MIN_LENGTH });
        }
        // NIST SP 800-63B-4 §3.1.1.2: refuse, never truncate.
        if length > MAX_LENGTH {
            return Err(PasswordError::TooLong { max: MAX_LENGTH });
        }
        // Printing characters and spaces are all allowed (NIST: no composition rules);
        // control characters (Cc: NUL, tab, CR/LF, DEL, C1) cannot be typed into a
        // password field on purpose and break storage and display.
        if normalized.chars().any(char::is_control) {
            return Err(PasswordError::ControlCharacter);
        }
        Ok(Self(SecretString::from(normalized)))
    }

    /// Length in Unicode scalar values of the normalised password.
    pub fn char_count(&self) -> usize {
        self.0.expose_secret().chars().count()
    }

    /// Whether this password may be chosen under `policy`: its minimum length, then a
    /// zxcvbn score of at least `min_score` with `user_inputs` (the account's email, its
    /// local part, phone number, name: see [`account_inputs`]) counted as known to the
    /// attacker, then the breached list if one is configured.
    ///
    /// zxcvbn alone scores `ada-example-2026` as strong for `ada@example.com` (it does
    /// not see words between separators as user inputs), so the password must also
    /// reach the score with every user input taken out: NIST SP 800-63B-4 §3.1.1.2 puts
    /// "context-specific words, such as … the username, and derivatives thereof" on the
    /// blocklist, and what is left once they are known must still be hard to guess.
    ///
    /// Cost: up to about 5 ms of CPU for a 128-character password in a release build
    /// (zxcvbn, plus its dictionaries built once on first use). On the async runtime, run
    /// it in `tokio::task::spawn_blocking`, as the hash that follows runs.
    pub fn check(&self, policy: &PasswordPolicy, user_inputs: &[&str]) -> Result<(), PasswordError> {
        let length = self.char_count();
        if length < policy.min_length {
            return Err(PasswordError::TooShort { length, min: policy.min_length });
        }
        let entropy = zxcvbn::zxcvbn(self.expose_secret(), user_inputs);
        if u8::from(entropy.score()) < policy.min_score {
            return Err(PasswordError::TooWeak { advice: advice(entropy.feedback()) });
        }
        if let Some(rest) = without_inputs(self.expose_secret(), user_inputs)
            && u8::from(zxcvbn::zxcvbn(&rest, user_inputs).score()) < policy.min_score
        {
            return Err(PasswordError::TooWeak { advice: OWN_DETAILS.to_owned() });
        }
        if let Some(list) = &policy.breached
            && list.contains(self)
        {
            return Err(PasswordError::Breached);
        }
        Ok(())
    }

    /// The normalised password, for hashing. Never log it.
    pub(crate) fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

const OWN_DETAILS: &str = "Don't build your password from your name, email address or phone number.";

/// `password` (lowercased) with every user input of 3 characters or more taken out,
/// longest first; `None` when none occurs in it.
fn without_inputs(password: &str, user_inputs: &[&str]) -> Option<String> {
    let mut inputs: Vec<String> = user_inputs
        .iter()
        .map(|input| input.nfkc().collect::<String>().to_lowercase())
        .filter(|input| input.chars().count() >= 3)
        .collect();
    inputs.sort_by_key(|input| std::cmp::Reverse(input.len()));
    let mut rest = password.to_lowercase();
    let mut found = false;
    for input in &inputs {
        if rest.contains(input.as_str()) {
            rest = rest.replace(input.as_str(), "");
            found = true;
        }
    }
    found.then_some(rest)
}

/// zxcvbn's feedback as one sentence: its warning ("This is a very common password.")
/// when it has one, else its suggestion to add words. zxcvbn gives no feedback for a
/// score of 3 or more, so a policy asking for 4 gets the same suggestion.
fn advice(feedback: Option<&zxcvbn::feedback::Feedback>) -> String {
    const ADD_WORDS: &str = "Add another word or two. Uncommon words are better.";
    match feedback {
        Some(feedback) => match feedback.warning() {
            Some(warning) => warning.to_string(),
            None => feedback.suggestions().first().map_or_else(|| ADD_WORDS.to_owned(), ToString::to_string),
        },
        None => ADD_WORDS.to_owned(),
    }
}

/// What an account already tells an attacker, as zxcvbn user inputs for
/// [`Password::check`]: the email address, its local part and the words in it, the name of
/// its domain, the phone number with and without `+`, the name and its words. With these,
/// `ada@example.com` cannot choose `ada-example-2026`. Pieces under 3 characters are left
/// out (zxcvbn's own dictionaries already cover them).
/// `email` and `phone` are canonical (as parsed and stored).
pub fn account_inputs(email: Option<&str>, phone: Option<&str>, name: Option<&str>) -> Vec<String> {
    let mut inputs: Vec<String> = Vec::new();
    let mut push = |piece: &str| {
        let piece = piece.trim().to_lowercase();
        if piece.chars().count() >= 3 && !inputs.contains(&piece) {
            inputs.push(piece);
        }
    };
    if let Some(address) = email {
        push(address);
        if let Some((local, domain)) = address.split_once('@') {
            push(local);
            local.split(['.', '_', '-', '+']).for_each(&mut push);
            // `mail.acme.co.uk` → `mail`, `acme`, `co`: every label but the last.
            if let Some((labels, _tld)) = domain.rsplit_once('.') {
                labels.split('.').for_each(&mut push);
            }
        }
    }
    if let Some(phone) = phone {
        push(phone);
        push(phone.trim_start_matches('+'));
    }
    if let Some(name) = name {
        push(name);
        name.split(|c: char| !c.is_alphanumeric()).for_each(&mut push);
    }
    inputs
}

/// What a new password must meet. Built from `[passwords]` by
/// `PasswordSettings::policy`; the default is NIST's floor (8 characters), a zxcvbn score
/// of 3 and no breached list.
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    min_length: usize,
    min_score: u8,
    breached: Option<Arc<BreachedList>>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_length: MIN_LENGTH, min_score: 3, breached: None }
    }
}

impl PasswordPolicy {
    /// `min_length` in [`MIN_LENGTH`]..=[`MAX_MIN_LENGTH`], `min_score` in 0..=4.
    pub fn new(min_length: usize, min_score: u8, breached: Option<Arc<BreachedList>>) -> anyhow::Result<Self> {
        ensure!(
            (MIN_LENGTH..=MAX_MIN_LENGTH).contains(&min_length),
            "min_length must be between {MIN_LENGTH} and {MAX_MIN_LENGTH} (NIST SP 800-63B-4 §3.1.1.2: at least 8), \
             got {min_length}"
        );
        ensure!(min_score <= MAX_SCORE, "min_score must be between 0 and {MAX_SCORE} (zxcvbn scores), got {min_score}");
        Ok(Self { min_length, min_score, breached })
    }

    pub fn min_length(&self) -> usize {
        self.min_length
    }

    pub fn min_score(&self) -> u8 {
        self.min_score
    }

    pub fn breached(&self) -> Option<&BreachedList> {
        self.breached.as_deref()
    }
}

/// Passwords known from breaches (NIST SP 800-63B-4 §3.1.1.2: compare new passwords
/// against a blocklist of commonly used, expected or compromised values), kept as the
/// SHA-1 of each NFKC-normalised password.
///
/// The file has one entry a line: a SHA-1 in 40 hex digits, either case, optionally
/// followed by `:count` (the format of Have I Been Pwned's downloads), or a password in
/// plain text. Blank lines and lines starting with `#` are skipped; surrounding whitespace
/// is ignored. An entry of 32 or more hex digits that is not 40 long (a truncated line, an
/// NTLM or SHA-256 dump) is an error naming the file and line. Lines that are not UTF-8 are
/// skipped: no password typed into a form can equal them.
///
/// Every entry is held in memory (about 50 bytes each): load a list of the most common
/// breached passwords (say the top ten million), not a whole HIBP dump.
pub struct BreachedList {
    hashes: HashSet<[u8; 20]>,
}

impl BreachedList {
    /// Reads the list at `path`; fails with `path:line` on a malformed entry.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let file = std::fs::File::open(path)
            .with_context(|| format!("failed to open the breached password list {}", path.display()))?;
        Self::read(std::io::BufReader::new(file), &path.display().to_string())
    }

    /// Reads a list from `reader`; `name` stands for the source in error messages.
    pub fn read(mut reader: impl BufRead, name: &str) -> anyhow::Result<Self> {
        let mut hashes = HashSet::new();
        let mut line = Vec::new();
        let mut number = 0usize;
        loop {
            line.clear();
            let read =
                reader.read_until(b'\n', &mut line).with_context(|| format!("failed to read {name}:{}", number + 1))?;
            if read == 0 {
                break;
            }
            number += 1;
            let Ok(text) = std::str::from_utf8(&line) else { continue };
            let entry = text.trim();
            if entry.is_empty() || entry.starts_with('#') {
                continue;
            }
            let digest = parse_entry(entry).with_context(|| format!("{name}:{number}: malformed entry"))?;
            hashes.insert(digest);
        }
        Ok(Self { hashes })
    }

    /// Whether `password` (already normalised by [`Password::parse`]) is on the list.
    pub fn contains(&self, password: &Password) -> bool {
        self.hashes.contains(&sha1(password.expose_secret()))
    }

    /// Number of distinct entries.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

impl fmt::Debug for BreachedList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreachedList").field("entries", &self.hashes.len()).finish()
    }
}

/// One non-blank, non-comment line: a SHA-1 (with an optional `:count`) or a plain password.
fn parse_entry(entry: &str) -> anyhow::Result<[u8; 20]> {
    let head = match entry.rsplit_once(':') {
        Some((head, count)) if !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => entry,
    };
    let hex_looking = head.len() >= 32 && head.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex_looking {
        // A password in plain text, compared like a typed one: NFKC first.
        return Ok(sha1(&entry.nfkc().collect::<String>()));
    }
    if head.len() != 40 {
        bail!("{} hex digits, but a SHA-1 has 40", head.len());
    }
    let mut digest = [0u8; 20];
    for (byte, pair) in digest.iter_mut().zip(head.as_bytes().chunks_exact(2)) {
        *byte = (hex_value(pair[0]) << 4) | hex_value(pair[1]);
    }
    Ok(digest)
}

/// The value of an ASCII hex digit (checked by the caller).
fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0,
    }
}

fn sha1(text: &str) -> [u8; 20] {
    Sha1::digest(text.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EmailAddress, PhoneNumber};
    use proptest::prelude::*;

    fn parse(s: &str) -> Password {
        Password::parse(s).unwrap_or_else(|e| panic!("{s:?} was refused: {e}"))
    }

    fn list(text: &str) -> BreachedList {
        BreachedList::read(text.as_bytes(), "test list").unwrap()
    }

    fn policy_with(breached: BreachedList) -> PasswordPolicy {
        PasswordPolicy::new(8, 3, Some(Arc::new(breached))).unwrap()
    }

    const STRONG: &str = "correct horse battery staple";

    #[test]
    fn debug_never_shows_the_password() {
        let password = parse("hunter2-but-longer");
        assert_eq!(format!("{password:?}"), "Password(***)");
        assert_eq!(format!("{:?}", Some(&password)), "Some(Password(***))");
    }

    #[test]
    fn length_limits_are_8_and_128_characters() {
        assert_eq!(Password::parse("1234567").unwrap_err(), PasswordError::TooShort { length: 7, min: 8 });
        assert_eq!(Password::parse("").unwrap_err(), PasswordError::TooShort { length: 0, min: 8 });
        assert_eq!(parse("12345678").char_count(), 8);
        assert_eq!(parse(&"a".repeat(128)).char_count(), 128);
    }

    #[test]
    fn a_129_character_password_is_refused_not_truncated() {
        assert_eq!(Password::parse(&"a".repeat(129)).unwrap_err(), PasswordError::TooLong { max: 128 });
        assert_eq!(Password::parse(&"é".repeat(129)).unwrap_err(), PasswordError::TooLong { max: 128 });
        assert_eq!(Password::parse(&"x".repeat(100_000)).unwrap_err(), PasswordError::TooLong { max: 128 });
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 8 characters of 4 bytes each.
        assert_eq!(parse("🔑🔑🔑🔑🔑🔑🔑🔑").char_count(), 8);
        assert_eq!(parse(&"ж".repeat(128)).char_count(), 128);
    }

    #[test]
    fn length_is_counted_after_normalisation() {
        // `ﬁ` is one character that NFKC turns into two.
        assert_eq!(parse("ﬁﬁﬁﬁ").char_count(), 8);
        assert_eq!(
            Password::parse(&"ﬁ".repeat(65)).unwrap_err(),
            PasswordError::TooLong { max: 128 },
            "65 ligatures are 130 characters"
        );
    }

    #[test]
    fn spaces_emoji_and_symbols_are_allowed() {
        for ok in ["  leading and trailing  ", "pässwörd with ümlauts", "🦀 crab rave 🦀", "!@#$%^&*()_+{}|:\"<>?"]
        {
            assert_eq!(parse(ok).expose_secret(), ok, "{ok:?} must be kept as typed");
        }
    }

    #[test]
    fn control_characters_are_refused_and_said_so() {
        for bad in
            ["tab\there12", "new\nline1234", "carriage\r1234", "nul\0nul12345", "del\u{7f}12345", "c1\u{85}123456"]
        {
            let err = Password::parse(bad).unwrap_err();
            assert_eq!(err, PasswordError::ControlCharacter, "{bad:?}");
            assert!(err.reason().contains("control characters"), "{}", err.reason());
        }
    }

    #[test]
    fn every_reason_is_a_plain_sentence() {
        let errors = [
            PasswordError::TooShort { length: 5, min: 8 },
            PasswordError::TooLong { max: 128 },
            PasswordError::ControlCharacter,
            PasswordError::TooWeak { advice: "This is a very common password.".to_owned() },
            PasswordError::Breached,
        ];
        for err in errors {
            let reason = err.reason();
            assert!(reason.ends_with('.') && reason.starts_with(char::is_uppercase), "{reason:?}");
            assert_eq!(err.to_string(), reason);
        }
        assert_eq!(
            PasswordError::TooShort { length: 5, min: 8 }.reason(),
            "Use at least 8 characters; this password has 5."
        );
    }

    #[test]
    fn a_common_password_is_too_weak_with_zxcvbns_warning() {
        let err = parse("password1").check(&PasswordPolicy::default(), &[]).unwrap_err();
        let PasswordError::TooWeak { advice } = &err else { panic!("{err:?}") };
        assert!(advice.contains("common password"), "{advice}");
    }

    #[test]
    fn a_weak_password_without_a_warning_is_told_to_add_words() {
        // zxcvbn scores this 3 and gives no feedback; a policy asking for 4 still explains.
        let password = parse("zq8#Lm2vXp");
        password.check(&PasswordPolicy::default(), &[]).unwrap();
        let err = password.check(&PasswordPolicy::new(8, 4, None).unwrap(), &[]).unwrap_err();
        assert_eq!(
            err,
            PasswordError::TooWeak { advice: "Add another word or two. Uncommon words are better.".into() }
        );
    }

    #[test]
    fn a_long_passphrase_is_strong_enough() {
        parse(STRONG).check(&PasswordPolicy::default(), &[]).unwrap();
    }

    #[test]
    fn the_account_itself_is_known_to_the_attacker() {
        let email = EmailAddress::parse("ada@example.com").unwrap();
        let inputs = account_inputs(Some(email.as_str()), None, Some("Ada Lovelace"));
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let policy = PasswordPolicy::default();
        for own in
            ["ada-example-2026", "Ada.Example.2026", "lovelace@example.com", "AdaLovelace1815!", "ada@example.com"]
        {
            // Without the account's details these would pass.
            parse(own).check(&policy, &[]).unwrap_or_else(|e| panic!("{own}: {e}"));
            let err = parse(own).check(&policy, &inputs).unwrap_err();
            assert!(matches!(err, PasswordError::TooWeak { .. }), "{own}: {err:?}");
        }
        assert_eq!(
            parse("ada-example-2026").check(&policy, &inputs).unwrap_err().reason(),
            "Don't build your password from your name, email address or phone number."
        );
        // A strong passphrase stays strong with a name in it, or a word that contains one.
        for fine in [STRONG, "ada likes purple giraffes on tuesdays", "canada geese migrate north in spring"] {
            parse(fine).check(&policy, &inputs).unwrap_or_else(|e| panic!("{fine}: {e}"));
        }
    }

    #[test]
    fn user_inputs_are_taken_out_longest_first() {
        let inputs = ["ada", "ada@example.com", "example", "x"];
        assert_eq!(without_inputs("ADA@Example.com-2026", &inputs).as_deref(), Some("-2026"));
        assert_eq!(without_inputs("ada-example-2026", &inputs).as_deref(), Some("--2026"));
        assert_eq!(without_inputs("nothing known here", &inputs), None);
        assert_eq!(without_inputs("x marks the spot", &inputs), None, "inputs under 3 characters are ignored");
    }

    #[test]
    fn account_inputs_cover_the_address_phone_and_name() {
        let email = EmailAddress::parse("Ada.Lovelace@mail.acme.co.uk").unwrap();
        let phone = PhoneNumber::parse("+44 20 7946 0958").unwrap();
        let inputs = account_inputs(Some(email.as_str()), Some(phone.as_str()), Some("Ada King-Noel"));
        for want in [
            "ada.lovelace@mail.acme.co.uk",
            "ada.lovelace",
            "lovelace",
            "acme",
            "mail",
            "+442079460958",
            "442079460958",
        ] {
            assert!(inputs.iter().any(|i| i == want), "{want} missing from {inputs:?}");
        }
        for want in ["ada king-noel", "king", "noel", "ada"] {
            assert!(inputs.iter().any(|i| i == want), "{want} missing from {inputs:?}");
        }
        assert!(inputs.iter().all(|i| i.chars().count() >= 3), "{inputs:?}");
        assert_eq!(inputs.iter().filter(|i| *i == "ada").count(), 1, "no duplicates: {inputs:?}");
        assert!(account_inputs(None, None, None).is_empty());
    }

    #[test]
    fn the_policy_minimum_length_applies_to_new_passwords() {
        let policy = PasswordPolicy::new(12, 0, None).unwrap();
        let err = parse("zq8#Lm2vXp").check(&policy, &[]).unwrap_err();
        assert_eq!(err, PasswordError::TooShort { length: 10, min: 12 });
    }

    #[test]
    fn policy_ranges_follow_nist_and_zxcvbn() {
        assert!(PasswordPolicy::new(7, 3, None).is_err());
        assert!(PasswordPolicy::new(65, 3, None).is_err());
        assert!(PasswordPolicy::new(8, 5, None).is_err());
        let policy = PasswordPolicy::new(64, 0, None).unwrap();
        assert_eq!((policy.min_length(), policy.min_score()), (64, 0));
        let default = PasswordPolicy::default();
        assert_eq!((default.min_length(), default.min_score(), default.breached().is_none()), (8, 3, true));
    }

    #[test]
    fn a_breached_password_is_refused_even_when_strong() {
        let sha1_of_strong = hex(&sha1(STRONG));
        let breached = list(&format!("{}:42\n", sha1_of_strong.to_uppercase()));
        let err = parse(STRONG).check(&policy_with(breached), &[]).unwrap_err();
        assert_eq!(err, PasswordError::Breached);
        assert!(err.reason().contains("data breach"));
        let other = list("# nothing relevant\n");
        parse(STRONG).check(&policy_with(other), &[]).unwrap();
    }

    #[test]
    fn the_breached_list_reads_hibp_lines_plain_passwords_and_comments() {
        let text = format!(
            "# top breached passwords\n\n{}\n{}:3861493\r\n  {}  \ncorrect horse battery staple\n",
            hex(&sha1("first-password")),
            hex(&sha1("second-password")).to_uppercase(),
            hex(&sha1("third-password")),
        );
        let breached = list(&text);
        assert_eq!(breached.len(), 4);
        for present in ["first-password", "second-password", "third-password", STRONG] {
            assert!(breached.contains(&parse(present)), "{present}");
        }
        assert!(!breached.contains(&parse("not-on-the-list")));
        assert_eq!(format!("{breached:?}"), "BreachedList { entries: 4 }");
    }

    #[test]
    fn the_breached_list_compares_normalised_passwords() {
        // The list has `fi`, the person types the `ﬁ` ligature: the same password.
        let breached = list("finally-here\n");
        assert!(breached.contains(&parse("ﬁnally-here")));
        let breached = list("ﬁnally-here\n");
        assert!(breached.contains(&parse("finally-here")));
    }

    #[test]
    fn short_hex_lines_are_plain_passwords() {
        // `12345678` and `deadbeef` are passwords, not hashes.
        let breached = list("12345678\ndeadbeef\n");
        assert!(breached.contains(&parse("12345678")));
        assert!(breached.contains(&parse("deadbeef")));
    }

    #[test]
    fn a_malformed_hash_line_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("breached.txt");
        let good = hex(&sha1("fine"));
        // Line 3 lost two digits; line 4 is an NTLM hash.
        std::fs::write(&path, format!("# header\n{good}\n{}:12\n", &good[..38])).unwrap();
        let err = format!("{:#}", BreachedList::load(&path).unwrap_err());
        assert!(err.contains(&format!("{}:3", path.display())), "{err}");
        assert!(err.contains("38 hex digits"), "{err}");
        std::fs::write(&path, format!("{good}\n{good}\n\n8846F7EAEE8FB117AD06BDD830B7586C\n")).unwrap();
        let err = format!("{:#}", BreachedList::load(&path).unwrap_err());
        assert!(err.contains("breached.txt:4"), "{err}");
        std::fs::write(&path, format!("{good}\n")).unwrap();
        assert_eq!(BreachedList::load(&path).unwrap().len(), 1);
    }

    #[test]
    fn a_missing_breached_list_is_an_error_with_its_name() {
        let err = format!("{:#}", BreachedList::load(Path::new("/nonexistent/breached.txt")).unwrap_err());
        assert!(err.contains("/nonexistent/breached.txt"), "{err}");
    }

    #[test]
    fn non_utf8_lines_in_the_breached_list_are_skipped() {
        let breached = BreachedList::read(&b"caf\xe9-latin1\nsecond-entry\n"[..], "latin1").unwrap();
        assert_eq!(breached.len(), 1);
        assert!(breached.contains(&parse("second-entry")));
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Pairs of (compatibility form, NFKC form): the same password typed two ways.
    const EQUIVALENT: &[(&str, &str)] = &[
        ("ﬁ", "fi"),
        ("ﬀ", "ff"),
        ("Ａ", "A"),
        ("ｚ", "z"),
        ("①", "1"),
        ("²", "2"),
        ("Ⅻ", "XII"),
        ("e\u{301}", "é"),
        ("\u{a0}", " "),
        ("ｶ", "カ"),
        ("ℌ", "H"),
        ("\u{212a}", "K"),
        ("😀", "😀"),
    ];

    proptest! {
        #[test]
        fn no_input_up_to_128_characters_panics(chars in proptest::collection::vec(any::<char>(), 0..=128)) {
            let input: String = chars.into_iter().collect();
            let _ = Password::parse(&input);
        }

        #[test]
        fn an_accepted_password_keeps_its_normalised_length(input in "\\PC{0,160}") {
            if let Ok(password) = Password::parse(&input) {
                let normalized: String = input.nfkc().collect();
                prop_assert_eq!(password.char_count(), normalized.chars().count());
                prop_assert_eq!(password.expose_secret(), normalized.as_str());
            }
        }

        #[test]
        fn a_password_over_128_characters_is_always_refused(chars in proptest::collection::vec(any::<char>(), 129..=400)) {
            let input: String = chars.into_iter().collect();
            prop_assume!(input.nfkc().count() > MAX_LENGTH);
            prop_assert_eq!(Password::parse(&input).unwrap_err(), PasswordError::TooLong { max: MAX_LENGTH });
        }

        #[test]
        fn nfkc_equivalent_inputs_parse_to_the_same_password(
            picks in proptest::collection::vec(0..EQUIVALENT.len(), 0..=40),
        ) {
            let compat: String = picks.iter().map(|&i| EQUIVALENT[i].0).collect();
            let plain: String = picks.iter().map(|&i| EQUIVALENT[i].1).collect();
            match (Password::parse(&compat), Password::parse(&plain)) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a.expose_secret(), b.expose_secret()),
                (a, b) => prop_assert_eq!(a.err(), b.err()),
            }
        }
    }
}
