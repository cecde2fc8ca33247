//! Languages: which locale a message or page is rendered in, and the Fluent catalogues
//! (`locales/<locale>/postern.ftl`) that say it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_templates::LanguageIdentifier;
use fluent_templates::fluent_bundle::FluentValue;

/// Every locale with a full catalogue; the first is the fallback of last resort.
pub const LOCALES: &[&str] = &["en", "de", "fr", "es", "pt", "nl"];

fluent_templates::static_loader! {
    static CATALOGUE = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode bidi isolation marks (U+2068/U+2069) around every placeable would end up
        // inside codes, links and subjects, where a person copying them gets invisible
        // characters; every catalogue here is left-to-right.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static LANGIDS: LazyLock<Vec<LanguageIdentifier>> =
    LazyLock::new(|| LOCALES.iter().filter_map(|l| l.parse::<LanguageIdentifier>().ok()).collect());

/// Arguments of a Fluent message.
pub type Args = HashMap<Cow<'static, str>, FluentValue<'static>>;

/// The message `id` in `locale`, else in English; an error when English does not have it
/// either (or its arguments do not fit).
pub fn translate(locale: &str, id: &str, args: &Args) -> Result<String, String> {
    let position = LOCALES.iter().position(|l| *l == locale).unwrap_or(0);
    let fallback = &LANGIDS[0];
    let wanted = LANGIDS.get(position).unwrap_or(fallback);
    let args = (!args.is_empty()).then_some(args);
    match CATALOGUE.lookup_single_language(wanted, id, args) {
        Ok(text) => Ok(text),
        Err(_) if wanted != fallback => CATALOGUE
            .lookup_single_language(fallback, id, args)
            .map_err(|e| format!("no message {id:?} in the catalogue: {e}")),
        Err(e) => Err(format!("no message {id:?} in the catalogue: {e}")),
    }
}

/// A duration as people say it in `locale`: "10 minutes", "24 hours", "1 day".
pub fn duration(locale: &str, minutes: u64) -> String {
    let (id, key, n) = if minutes >= 2 * 60 && minutes.is_multiple_of(24 * 60) {
        ("duration-days", "days", minutes / (24 * 60))
    } else if minutes >= 2 * 60 && minutes.is_multiple_of(60) {
        ("duration-hours", "hours", minutes / 60)
    } else {
        ("duration-minutes", "minutes", minutes)
    };
    let args = Args::from([(Cow::Borrowed(key), FluentValue::from(n))]);
    translate(locale, id, &args).unwrap_or_else(|_| format!("{n} {key}"))
}

/// "45 seconds" or "3 minutes", for how long to wait before trying again.
pub fn wait(locale: &str, secs: u64) -> String {
    if secs < 90 {
        let args = Args::from([(Cow::Borrowed("seconds"), FluentValue::from(secs))]);
        translate(locale, "duration-seconds", &args).unwrap_or_else(|_| format!("{secs} s"))
    } else {
        duration(locale, secs.div_ceil(60))
    }
}

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

    /// The message ids of a catalogue file (messages start a line with an identifier).
    fn ids(source: &str) -> Vec<&str> {
        source
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim()))
            .collect()
    }

    fn catalogue_source(locale: &str) -> String {
        let path = format!("{}/locales/{locale}/postern.ftl", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Every variable any message uses, with a value of the right kind.
    fn sample_args() -> Args {
        let mut args = Args::new();
        for (key, value) in [
            ("app", "Acme"),
            ("code", "123456"),
            ("from", "Firefox on Linux"),
            ("lifetime", "10 minutes"),
            ("expires_at", "2026-01-01T00:00:00Z"),
            ("support", "help@example.com"),
            ("masked", "a•••@example.com"),
            ("who", "ada@example.com"),
            ("ip", "127.0.0.1"),
            ("created", "2026-01-01"),
            ("seen", "2026-01-02"),
            ("provider", "dev"),
            ("to", "ada@example.com"),
            ("wait", "5 seconds"),
            ("recent", "10 minutes"),
            ("device", "Firefox on Linux"),
            ("time", "2026-01-02T00:00:00Z"),
        ] {
            args.insert(Cow::Borrowed(key), FluentValue::from(value.to_owned()));
        }
        for key in ["seconds", "minutes", "hours", "days", "remaining", "min"] {
            args.insert(Cow::Borrowed(key), FluentValue::from(2));
        }
        args
    }

    #[test]
    fn every_locale_has_every_message_of_english_and_no_other() {
        let english = ids(include_str!("../locales/en/postern.ftl"));
        assert!(english.len() > 100, "the English catalogue is read: {} ids", english.len());
        for locale in LOCALES {
            let source = catalogue_source(locale);
            let theirs = ids(&source);
            let missing: Vec<_> = english.iter().filter(|id| !theirs.contains(id)).collect();
            let extra: Vec<_> = theirs.iter().filter(|id| !english.contains(id)).collect();
            assert!(missing.is_empty(), "{locale} lacks {missing:?}");
            assert!(extra.is_empty(), "{locale} has ids English does not: {extra:?}");
        }
    }

    #[test]
    fn every_message_formats_in_every_locale_without_errors() {
        let args = sample_args();
        let english = ids(include_str!("../locales/en/postern.ftl"));
        for locale in LOCALES {
            let langid: LanguageIdentifier = locale.parse().unwrap();
            for id in &english {
                let text = CATALOGUE
                    .lookup_single_language(&langid, id, Some(&args))
                    .unwrap_or_else(|e| panic!("{locale} {id}: {e}"));
                assert!(!text.contains(['\u{2068}', '\u{2069}']), "{locale} {id}: no bidi isolation marks");
                assert!(!text.trim().is_empty(), "{locale} {id} is empty");
            }
        }
    }

    #[test]
    fn every_audit_event_type_has_an_activity_label() {
        let english = ids(include_str!("../locales/en/postern.ftl"));
        for kind in crate::store::EventType::ALL {
            let label = crate::http::views::activity_label(kind.as_str());
            assert!(english.contains(&label.as_str()), "{label} is missing for {}", kind.as_str());
        }
    }

    #[test]
    fn a_message_missing_in_a_locale_falls_back_to_english_and_an_unknown_id_is_an_error() {
        assert_eq!(translate("de", "page-login-submit", &Args::new()).unwrap(), "Weiter");
        assert_eq!(translate("xx", "page-login-submit", &Args::new()).unwrap(), "Continue");
        assert!(translate("de", "no-such-message", &Args::new()).is_err());
        assert!(translate("en", "no-such-message", &Args::new()).is_err());
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration("en", 10), "10 minutes");
        assert_eq!(duration("en", 1), "1 minute");
        assert_eq!(duration("en", 30), "30 minutes");
        assert_eq!(duration("en", 24 * 60), "1 day");
        assert_eq!(duration("de", 120), "2 Stunden");
        assert_eq!(wait("en", 59), "59 seconds");
        assert_eq!(wait("fr", 300), "5 minutes");
    }

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
