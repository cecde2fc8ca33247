//! How many SMS a text costs (3GPP TS 23.038): a text every character of which is in the
//! GSM 7-bit alphabet goes in 160 septets (the extension table's characters take two),
//! 153 per segment once it is split; any other character makes the whole text UCS-2: 70
//! UTF-16 units, 67 per segment once split. Providers bill per segment (issue 15).

/// The GSM 03.38 basic character set.
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                     ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table (each sent as an escape and the character: two septets).
const EXTENSION: &str = "^{}\\[~]|€\u{c}";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// The encoding a text needs and its length in that encoding's units.
pub fn measure(text: &str) -> (Encoding, usize) {
    let mut septets = 0;
    for c in text.chars() {
        if BASIC.contains(c) {
            septets += 1;
        } else if EXTENSION.contains(c) {
            septets += 2;
        } else {
            return (Encoding::Ucs2, text.encode_utf16().count());
        }
    }
    (Encoding::Gsm7, septets)
}

/// The segments a text is sent in.
pub fn segments(text: &str) -> usize {
    let (encoding, len) = measure(text);
    let (single, each) = match encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    };
    if len <= single { 1 } else { len.div_ceil(each) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm_texts_fit_160_and_split_by_153() {
        assert_eq!(measure("123456 is your code"), (Encoding::Gsm7, 19));
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(segments(&"a".repeat(306)), 2);
        assert_eq!(segments(&"a".repeat(307)), 3);
        assert_eq!(measure("€[]"), (Encoding::Gsm7, 6), "extension characters take two septets");
        assert_eq!(measure("Müller à Ñoño"), (Encoding::Gsm7, 13));
    }

    #[test]
    fn one_character_outside_gsm_makes_the_text_ucs2() {
        assert_eq!(measure("código").0, Encoding::Ucs2, "ó is not GSM (ò is)");
        assert_eq!(measure("Passwort geändert").0, Encoding::Gsm7);
    }

    #[test]
    fn ucs2_texts_fit_70_and_split_by_67() {
        assert_eq!(measure("ção"), (Encoding::Ucs2, 3));
        assert_eq!(segments(&format!("ã{}", "a".repeat(69))), 1);
        assert_eq!(segments(&format!("ã{}", "a".repeat(70))), 2);
        assert_eq!(segments(&format!("ã{}", "a".repeat(133))), 2);
        assert_eq!(segments(&format!("ã{}", "a".repeat(134))), 3);
        assert_eq!(measure("😀"), (Encoding::Ucs2, 2), "a character beyond the BMP is two UTF-16 units");
    }
}
