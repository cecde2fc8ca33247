//! The operator's template directory (`templates_dir`): which files it may hold, read once
//! at start. A file whose name Postern does not know is an error, so a typo
//! (`email/sigin_in.txt`) fails the start instead of being silently ignored.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::Part;
use crate::i18n::LOCALES;
use crate::messages::KINDS;

/// One override file.
#[derive(Debug)]
pub struct Override {
    pub path: PathBuf,
    pub kind: &'static str,
    pub locale: Option<&'static str>,
    pub part: Part,
    /// An `email/<kind>.mjml`: compiled to the HTML part.
    pub mjml: bool,
    pub source: String,
}

impl Override {
    /// The name the template is registered under (an `.mjml` file becomes the `.html`).
    pub fn template_name(&self) -> String {
        super::template_name(self.kind, self.locale, self.part)
    }

    /// The name the MJML source of an `.mjml` file is checked under.
    pub fn source_name(&self) -> String {
        match self.locale {
            Some(locale) => format!("email/{}.{locale}.mjml", self.kind),
            None => format!("email/{}.mjml", self.kind),
        }
    }
}

pub const EXPECTED: &str = "email/<kind>.html, email/<kind>.mjml, email/<kind>.txt, email/<kind>.subject.txt, \
                            sms/<kind>.txt, or the same with a locale before the extension (email/<kind>.de.txt)";

/// Every override file of `dir`. Hidden files (editor and OS droppings) are skipped.
pub fn scan(dir: &Path) -> anyhow::Result<Vec<Override>> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("templates_dir {} cannot be read", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("templates_dir {} cannot be read", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with('.') {
            continue;
        }
        let channel_dir = match name.as_str() {
            "email" | "sms" if path.is_dir() => name,
            _ => bail!("{}: unknown template file or directory (expected {EXPECTED})", path.display()),
        };
        let files = std::fs::read_dir(&path).with_context(|| format!("{} cannot be read", path.display()))?;
        for file in files {
            let file = file.with_context(|| format!("{} cannot be read", path.display()))?;
            let file_name = file.file_name().to_string_lossy().into_owned();
            let file_path = file.path();
            if file_name.starts_with('.') {
                continue;
            }
            let Some((kind, locale, part, mjml)) = parse_name(&channel_dir, &file_name).filter(|_| file_path.is_file())
            else {
                bail!("{}: unknown template file (expected {EXPECTED})", file_path.display());
            };
            let source = std::fs::read_to_string(&file_path)
                .with_context(|| format!("{} cannot be read as UTF-8 text", file_path.display()))?;
            found.push(Override { path: file_path, kind, locale, part, mjml, source });
        }
    }
    // The same message part twice (`sign_in.html` and `sign_in.mjml`) is ambiguous.
    found.sort_by(|a, b| a.path.cmp(&b.path));
    for (i, a) in found.iter().enumerate() {
        if let Some(b) = found[i + 1..].iter().find(|b| b.template_name() == a.template_name()) {
            bail!("{} and {} are the same template: keep one", a.path.display(), b.path.display());
        }
    }
    Ok(found)
}

/// `sign_in.de.subject.txt` in `email` → (sign_in, Some(de), Subject, false).
fn parse_name(dir: &str, file: &str) -> Option<(&'static str, Option<&'static str>, Part, bool)> {
    let (stem, part, mjml) = match dir {
        "email" => {
            if let Some(stem) = file.strip_suffix(".subject.txt") {
                (stem, Part::Subject, false)
            } else if let Some(stem) = file.strip_suffix(".txt") {
                (stem, Part::Text, false)
            } else if let Some(stem) = file.strip_suffix(".html") {
                (stem, Part::Html, false)
            } else {
                (file.strip_suffix(".mjml")?, Part::Html, true)
            }
        }
        "sms" => (file.strip_suffix(".txt")?, Part::Sms, false),
        _ => return None,
    };
    let (kind, locale) = match stem.split_once('.') {
        Some((kind, locale)) => (kind, Some(LOCALES.iter().copied().find(|l| *l == locale)?)),
        None => (stem, None),
    };
    let kind = KINDS.iter().copied().find(|k| *k == kind)?;
    Some((kind, locale, part, mjml))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_map_to_kind_locale_and_part() {
        assert_eq!(parse_name("email", "sign_in.txt"), Some(("sign_in", None, Part::Text, false)));
        assert_eq!(parse_name("email", "sign_in.de.subject.txt"), Some(("sign_in", Some("de"), Part::Subject, false)));
        assert_eq!(parse_name("email", "reset_code.mjml"), Some(("reset_code", None, Part::Html, true)));
        assert_eq!(parse_name("email", "reset_code.fr.html"), Some(("reset_code", Some("fr"), Part::Html, false)));
        assert_eq!(parse_name("sms", "sign_in.nl.txt"), Some(("sign_in", Some("nl"), Part::Sms, false)));
        for (dir, typo) in [
            ("email", "sigin_in.txt"),
            ("email", "sign_in.xx.txt"),
            ("email", "sign_in.htm"),
            ("sms", "sign_in.html"),
            ("email", "sign_in.de.fr.txt"),
        ] {
            assert_eq!(parse_name(dir, typo), None, "{dir}/{typo} is not a template name");
        }
    }
}
