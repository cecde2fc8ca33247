//! `[passwords]`: what a new password must meet (sign-up, reset). Hashing parameters are
//! not configurable: they are OWASP's (see `crate::passwords`).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::bail;
use serde::Deserialize;

use crate::domain::password::{BreachedList, MAX_MIN_LENGTH, MAX_SCORE, MIN_LENGTH, PasswordPolicy};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordSettings {
    /// Fewest characters a new password may have, counted after Unicode normalisation:
    /// 8 to 64 (NIST SP 800-63B-4 §3.1.1.2: at least 8). Passwords are accepted up to
    /// 128 characters and never truncated.
    pub min_length: usize,
    /// Lowest zxcvbn strength score (0 to 4) a new password must reach, with the
    /// account's email, phone number and name counted as known to an attacker. 3 means
    /// about 10^10 guesses; 0 turns the check off.
    pub min_score: u8,
    /// A file of breached passwords new passwords are refused against: one a line, as a
    /// SHA-1 in hex (Have I Been Pwned's format, with or without `:count`) or in plain
    /// text; `#` comments. Held in memory: use the most common entries, not a whole dump.
    pub breached_list: Option<PathBuf>,
    /// Lifetime of a password reset link and code (DESIGN.md: 30 min).
    #[serde(with = "humantime_serde")]
    pub reset_lifetime: Duration,
    /// Lifetime of a sign-up verification link and code (DESIGN.md: 24 h).
    #[serde(with = "humantime_serde")]
    pub verification_lifetime: Duration,
    /// A completed reset signs the browser in (OWASP Forgot Password: off by default, so
    /// the person logs in with the new password and a password manager can save it).
    pub sign_in_after_reset: bool,
    /// Accounts whose address is not verified yet may log in with their password.
    pub unverified_login: bool,
    /// A password change needs the current password, unless the session signed in this
    /// recently (a fresh proof of control, e.g. right after a reset-less code sign-in).
    #[serde(with = "humantime_serde")]
    pub recent_sign_in: Duration,
    /// Password logins per hour from one client IP (with `rate_limits.enabled`).
    pub login_per_ip_per_hour: u32,
    /// The list as `validate` loaded it, so the file is read once.
    #[serde(skip)]
    loaded: OnceLock<Arc<BreachedList>>,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self {
            min_length: MIN_LENGTH,
            min_score: 3,
            breached_list: None,
            reset_lifetime: Duration::from_secs(30 * 60),
            verification_lifetime: Duration::from_secs(24 * 3600),
            sign_in_after_reset: false,
            unverified_login: false,
            recent_sign_in: Duration::from_secs(10 * 60),
            login_per_ip_per_hour: 100,
            loaded: OnceLock::new(),
        }
    }
}

impl PasswordSettings {
    /// Checks the ranges and loads the breached list, so `postern config check` and
    /// startup fail early, naming the file and line of a malformed entry.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(MIN_LENGTH..=MAX_MIN_LENGTH).contains(&self.min_length) {
            bail!(
                "passwords.min_length must be between {MIN_LENGTH} and {MAX_MIN_LENGTH} \
                 (NIST SP 800-63B-4 §3.1.1.2: at least 8), got {}",
                self.min_length
            );
        }
        if self.min_score > MAX_SCORE {
            bail!("passwords.min_score must be between 0 and {MAX_SCORE} (zxcvbn scores), got {}", self.min_score);
        }
        if self.login_per_ip_per_hour == 0 {
            bail!("passwords.login_per_ip_per_hour must be at least 1");
        }
        for (key, value) in
            [("reset_lifetime", self.reset_lifetime), ("verification_lifetime", self.verification_lifetime)]
        {
            if value < Duration::from_secs(60) || value > Duration::from_secs(7 * 24 * 3600) {
                bail!("passwords.{key} must be between 1 minute and 7 days");
            }
        }
        self.breached()?;
        Ok(())
    }

    /// The policy new passwords are checked against. The breached list is read once,
    /// by `validate` or by the first call, and shared by every policy built after.
    pub fn policy(&self) -> anyhow::Result<PasswordPolicy> {
        PasswordPolicy::new(self.min_length, self.min_score, self.breached()?)
    }

    /// One line for `postern config check`.
    pub fn summary(&self) -> String {
        let list = match (&self.breached_list, self.loaded.get()) {
            (None, _) => "(none)".to_owned(),
            (Some(path), Some(list)) => format!("{} (entries: {})", path.display(), list.len()),
            (Some(path), None) => path.display().to_string(),
        };
        format!(
            "min_length = {}, min_score = {}, breached_list = {list}, reset_lifetime = {:?}, \
             verification_lifetime = {:?}, sign_in_after_reset = {}, unverified_login = {}, recent_sign_in = {:?}, \
             login_per_ip_per_hour = {}",
            self.min_length,
            self.min_score,
            self.reset_lifetime,
            self.verification_lifetime,
            self.sign_in_after_reset,
            self.unverified_login,
            self.recent_sign_in,
            self.login_per_ip_per_hour
        )
    }

    fn breached(&self) -> anyhow::Result<Option<Arc<BreachedList>>> {
        let Some(path) = &self.breached_list else { return Ok(None) };
        if let Some(list) = self.loaded.get() {
            return Ok(Some(Arc::clone(list)));
        }
        let list = Arc::new(BreachedList::load(path)?);
        Ok(Some(Arc::clone(self.loaded.get_or_init(|| list))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::domain::password::{Password, PasswordError};

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_follow_the_design() {
        let s = Settings::from_sources(None, &[]).unwrap();
        assert_eq!((s.passwords.min_length, s.passwords.min_score), (8, 3));
        assert!(s.passwords.breached_list.is_none());
        let policy = s.passwords.policy().unwrap();
        assert_eq!((policy.min_length(), policy.min_score()), (8, 3));
        assert!(policy.breached().is_none());
        assert!(s.redacted_summary().contains("passwords = min_length = 8, min_score = 3, breached_list = (none)"));
    }

    #[test]
    fn the_environment_sets_the_policy() {
        let s = Settings::from_sources(
            None,
            &env(&[("POSTERN_PASSWORDS__MIN_LENGTH", "12"), ("POSTERN_PASSWORDS__MIN_SCORE", "4")]),
        )
        .unwrap();
        let policy = s.passwords.policy().unwrap();
        assert_eq!((policy.min_length(), policy.min_score()), (12, 4));
    }

    #[test]
    fn out_of_range_values_are_explained() {
        for (key, value, says) in [
            ("POSTERN_PASSWORDS__MIN_LENGTH", "7", "passwords.min_length"),
            ("POSTERN_PASSWORDS__MIN_LENGTH", "65", "passwords.min_length"),
            ("POSTERN_PASSWORDS__MIN_SCORE", "5", "passwords.min_score"),
            ("POSTERN_PASSWORDS__MIN_SCORE", "-1", "expected u8"),
            ("POSTERN_PASSWORDS__MAX_LENGTH", "256", "max_length"),
        ] {
            let err = Settings::from_sources(None, &env(&[(key, value)])).unwrap_err();
            assert!(format!("{err:#}").contains(says), "{key}={value}: {err:#}");
        }
    }

    #[test]
    fn a_malformed_breached_list_fails_the_configuration_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("breached.txt");
        std::fs::write(&path, "# comment\npassword\n5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD:3\n").unwrap();
        let err = Settings::from_sources(None, &env(&[("POSTERN_PASSWORDS__BREACHED_LIST", path.to_str().unwrap())]))
            .unwrap_err();
        assert!(format!("{err:#}").contains(&format!("{}:3", path.display())), "{err:#}");

        let missing = dir.path().join("missing.txt");
        let err =
            Settings::from_sources(None, &env(&[("POSTERN_PASSWORDS__BREACHED_LIST", missing.to_str().unwrap())]))
                .unwrap_err();
        assert!(format!("{err:#}").contains("missing.txt"), "{err:#}");
    }

    #[test]
    fn the_breached_list_is_loaded_once_and_refuses_its_passwords() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("breached.txt");
        std::fs::write(&path, "correct horse battery staple\n").unwrap();
        let config = dir.path().join("postern.toml");
        std::fs::write(&config, format!("[passwords]\nbreached_list = {:?}\n", path.to_str().unwrap())).unwrap();
        let s = Settings::from_sources(Some(&config), &[]).unwrap();
        // Validation loaded it; removing the file does not matter any more.
        std::fs::remove_file(&path).unwrap();
        let policy = s.passwords.policy().unwrap();
        assert_eq!(policy.breached().map(BreachedList::len), Some(1));
        let again = s.passwords.policy().unwrap();
        assert!(std::ptr::eq(policy.breached().unwrap(), again.breached().unwrap()), "one list, shared");
        let err = Password::parse("correct horse battery staple").unwrap().check(&policy, &[]).unwrap_err();
        assert_eq!(err, PasswordError::Breached);
        assert!(s.redacted_summary().contains("breached.txt (entries: 1)"), "{}", s.redacted_summary());
    }
}
