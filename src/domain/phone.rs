//! Phone numbers in E.164, parsed with libphonenumber's rules (the `phonenumber` crate).

use std::fmt;

/// E.164 allows 15 digits; with spaces, dashes and brackets a real number stays far below
/// this. Longer input is refused before the parser sees it (DEPENDENCIES.md: cap the input).
const MAX_INPUT_LEN: usize = 32;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("the phone number is too long")]
    TooLong,
    #[error("write the phone number in international form, starting with + and the country code")]
    NotInternational,
    #[error("the phone number contains characters that are not allowed")]
    ForbiddenCharacter,
    #[error("this is not a valid phone number")]
    Invalid,
}

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        if input.len() > MAX_INPUT_LEN {
            return Err(PhoneError::TooLong);
        }
        let trimmed = input.trim_matches(' ');
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        // Digits and the usual visual separators only: no letters (vanity numbers), no
        // extensions, no Unicode digits from other scripts.
        if !trimmed.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')')) {
            return Err(PhoneError::ForbiddenCharacter);
        }
        if !trimmed.starts_with('+') || trimmed[1..].contains('+') {
            return Err(PhoneError::NotInternational);
        }
        let parsed = phonenumber::parse(None, trimmed).map_err(|_| PhoneError::Invalid)?;
        if !phonenumber::is_valid(&parsed) {
            return Err(PhoneError::Invalid);
        }
        Ok(Self(parsed.format().mode(phonenumber::Mode::E164).to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country calling code (`44`) and ISO 3166 region (`GB`) of the number; the
    /// region is `None` for non-geographic numbers.
    pub fn country(&self) -> (u16, Option<String>) {
        match phonenumber::parse(None, &self.0) {
            Ok(parsed) => {
                let country = parsed.country();
                (country.code(), country.id().map(|id| id.as_ref().to_owned()))
            }
            Err(_) => (0, None),
        }
    }

    /// libphonenumber's type of the number (mobile, premium-rate, …).
    pub fn number_type(&self) -> phonenumber::Type {
        match phonenumber::parse(None, &self.0) {
            Ok(parsed) => parsed.number_type(&phonenumber::metadata::DATABASE),
            Err(_) => phonenumber::Type::Unknown,
        }
    }

    /// `+44•••••••89`: the country code and the last two digits.
    pub fn masked(&self) -> String {
        let digits: Vec<char> = self.0.chars().collect();
        let keep_tail = 2.min(digits.len());
        let head: String = digits.iter().take(3.min(digits.len())).collect();
        let tail: String = digits[digits.len() - keep_tail..].iter().collect();
        format!("{head}•••{tail}")
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn number_types_tell_premium_rate_and_shared_cost_from_mobile() {
        use phonenumber::Type;
        for (number, want) in [
            ("+19002345678", Type::PremiumRate),
            ("+449012345678", Type::PremiumRate),
            ("+33884012345", Type::SharedCost),
            ("+447911123456", Type::Mobile),
            ("+4915112345678", Type::Mobile),
        ] {
            assert_eq!(PhoneNumber::parse(number).unwrap().number_type(), want, "{number}");
        }
    }

    #[test]
    fn the_country_of_a_number_is_its_calling_code_and_region() {
        assert_eq!(PhoneNumber::parse("+44 20 7946 0958").unwrap().country(), (44, Some("GB".to_owned())));
        assert_eq!(PhoneNumber::parse("+1 415 555 2671").unwrap().country(), (1, Some("US".to_owned())));
        assert_eq!(PhoneNumber::parse("+49 151 12345678").unwrap().country(), (49, Some("DE".to_owned())));
    }

    #[test]
    fn formats_to_e164() {
        assert_eq!(PhoneNumber::parse("+44 20 7946 0958").unwrap().as_str(), "+442079460958");
        assert_eq!(PhoneNumber::parse("+1 (415) 555-2671").unwrap().as_str(), "+14155552671");
    }

    #[test]
    fn rejects_what_is_not_one_international_number() {
        let cases = [
            ("", "empty"),
            ("020 7946 0958", "national form"),
            ("+44 20 7946 0958 ext 12", "extension"),
            ("+1-800-FLOWERS", "letters"),
            ("+12", "too short"),
            ("+44 20 7946 0958, +1 415 555 2671", "list"),
            ("+４４２０７９４６０９５８", "fullwidth digits"),
            ("+999 123456789", "no such country"),
            ("+44\n2079460958", "line break"),
            ("+4420794609581234567890123456789", "over 32 characters"),
        ];
        for (input, why) in cases {
            assert!(PhoneNumber::parse(input).is_err(), "{why}: {input:?} was accepted");
        }
    }

    #[test]
    fn masking_hides_the_middle() {
        let p = PhoneNumber::parse("+442079460958").unwrap();
        assert_eq!(p.masked(), "+44•••58");
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "\\PC{0,40}") {
            let _ = PhoneNumber::parse(&s);
        }

        #[test]
        fn accepted_numbers_are_e164_fixed_points(s in "\\+[0-9 ()-]{4,20}") {
            if let Ok(p) = PhoneNumber::parse(&s) {
                prop_assert!(p.as_str().starts_with('+'));
                prop_assert!(p.as_str()[1..].chars().all(|c| c.is_ascii_digit()));
                prop_assert!(p.as_str().len() <= 16);
                prop_assert_eq!(PhoneNumber::parse(p.as_str()).unwrap(), p);
            }
        }
    }
}
