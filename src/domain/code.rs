//! The 6-digit one-time code a person types.

use std::fmt;

pub const CODE_DIGITS: usize = 6;

#[derive(Clone, PartialEq, Eq)]
pub struct OtpCode(String);

impl OtpCode {
    /// Accepts what people paste: `123456`, `123 456`, `123-456`. Only ASCII digits count
    /// (a code in another script's digits is refused, not mapped).
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        if input.len() > 32 {
            return Err("the code must be 6 digits");
        }
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() != CODE_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("the code must be 6 digits");
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never printed: codes are secrets.
impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpCode(******)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_spaced_and_dashed_codes() {
        assert_eq!(OtpCode::parse("123 456").unwrap().as_str(), "123456");
        assert_eq!(OtpCode::parse("123-456").unwrap().as_str(), "123456");
    }

    #[test]
    fn rejects_everything_else() {
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "１２３４５６", "123456\n"] {
            assert!(OtpCode::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "\\PC{0,40}") {
            let _ = OtpCode::parse(&s);
        }
    }
}
