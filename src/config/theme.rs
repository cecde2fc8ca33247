//! `[theme]`: the operator's brand on emails and hosted pages.

use anyhow::bail;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThemeSettings {
    /// Absolute `https://` URL of the logo shown above emails and pages.
    pub logo_url: Option<String>,
    /// Buttons and links, as `#rrggbb` or `#rgb`.
    pub brand_color: String,
    /// Text on buttons, as `#rrggbb` or `#rgb`.
    pub button_text_color: String,
    /// Shown in message footers ("questions? write to …").
    pub support_email: Option<String>,
}

impl Default for ThemeSettings {
    fn default() -> Self {
        Self {
            logo_url: None,
            brand_color: "#2f5bd3".to_owned(),
            button_text_color: "#ffffff".to_owned(),
            support_email: None,
        }
    }
}

impl ThemeSettings {
    pub fn validate(&self) -> anyhow::Result<()> {
        // Colours and the logo URL end up inside CSS and attributes: only values of a
        // known shape pass, so configuration cannot inject markup or styles.
        for (key, value) in [("brand_color", &self.brand_color), ("button_text_color", &self.button_text_color)] {
            if !is_hex_color(value) {
                bail!("theme.{key} must be a colour like #2f5bd3, got {value:?}");
            }
        }
        if let Some(url) = &self.logo_url {
            let ok = (url.starts_with("https://") || url.starts_with("http://"))
                && !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>'));
            if !ok {
                bail!("theme.logo_url must be an absolute http(s) URL, got {url:?}");
            }
        }
        if let Some(address) = &self.support_email
            && crate::domain::EmailAddress::parse(address).is_err()
        {
            bail!("theme.support_email {address:?} is not an email address");
        }
        Ok(())
    }

    /// Origin of the logo, for the pages' Content-Security-Policy `img-src`.
    pub fn logo_origin(&self) -> Option<String> {
        let url = self.logo_url.as_deref()?;
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split(['/', '?', '#']).next()?;
        Some(format!("{scheme}://{host}"))
    }
}

fn is_hex_color(s: &str) -> bool {
    s.strip_prefix('#').is_some_and(|h| (h.len() == 3 || h.len() == 6) && h.chars().all(|c| c.is_ascii_hexdigit()))
}
