//! Languages: which locale a message or page is rendered in.

/// Every locale with a full catalogue; the first is the fallback of last resort.
pub const LOCALES: &[&str] = &["en", "de", "fr", "es", "pt", "nl"];

/// The supported locale for a language tag (`pt-BR` → `pt`), if any.
pub fn supported(tag: &str) -> Option<&'static str> {
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    LOCALES.iter().copied().find(|l| *l == primary)
}

/// The best supported locale of an `Accept-Language` header, by quality.
pub fn from_accept_language(header: &str) -> Option<&'static str> {
    let mut best: Option<(&'static str, f32)> = None;
    for part in header.split(',').take(32) {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or("").trim();
        let q =
            pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        if let Some(locale) = supported(tag)
            && best.is_none_or(|(_, bq)| q > bq)
        {
            best = Some((locale, q));
        }
    }
    best.map(|(l, _)| l)
}

/// The first supported locale among `candidates`, else `default`.
pub fn negotiate<'a>(candidates: impl IntoIterator<Item = Option<&'a str>>, default: &'static str) -> &'static str {
    candidates.into_iter().flatten().find_map(supported).unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported_tag() {
        assert_eq!(from_accept_language("ja, de-CH;q=0.8, fr;q=0.9"), Some("fr"));
        assert_eq!(from_accept_language("pt-BR"), Some("pt"));
        assert_eq!(from_accept_language("ja, zh;q=0.5"), None);
        assert_eq!(from_accept_language("de;q=0, nl;q=0.1"), Some("nl"));
    }

    #[test]
    fn negotiation_falls_back_in_order() {
        assert_eq!(negotiate([None, Some("xx"), Some("es-MX")], "en"), "es");
        assert_eq!(negotiate([None, None], "de"), "de");
    }
}
