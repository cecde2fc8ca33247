//! Where to send the browser after sign-in.
//!
//! OWASP Unvalidated Redirects and Forwards: only a same-origin relative path or an exact
//! origin from the operator's allow-list; anything else is refused, never "fixed up".

/// Longest `redirect_to` accepted; a URL longer than this is not a navigation target.
const MAX_LEN: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectTo(String);

impl RedirectTo {
    /// Postern's account page under the path Postern is served from (`AppState::at`).
    pub fn default_target(base_path: &str) -> Self {
        Self(format!("{base_path}/account"))
    }

    pub fn parse(input: &str, allowed_origins: &[String]) -> Result<Self, &'static str> {
        if input.is_empty() || input.len() > MAX_LEN {
            return Err("redirect_to must be a path on this site or an allowed origin");
        }
        if input.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
            return Err("redirect_to contains characters that are not allowed");
        }
        if input.starts_with('/') {
            // `//evil.example` and `/\evil.example` are protocol-relative in browsers.
            if input.starts_with("//") {
                return Err("redirect_to must be a path on this site or an allowed origin");
            }
            return Ok(Self(input.to_owned()));
        }
        for origin in allowed_origins {
            let rest = match input.strip_prefix(origin.as_str()) {
                Some(rest) => rest,
                None => continue,
            };
            // The origin must end exactly where the allow-listed one ends: no
            // `https://app.example.com.evil.net` or `…example.com@evil.net`.
            if rest.is_empty() || rest.starts_with('/') || rest.starts_with('?') || rest.starts_with('#') {
                if rest.starts_with("//") {
                    continue;
                }
                return Ok(Self(input.to_owned()));
            }
        }
        Err("redirect_to must be a path on this site or an allowed origin")
    }

    /// For values read back from the store, which were checked when they were written.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_same_origin_paths_and_exact_allowed_origins() {
        let allowed = vec!["https://app.example.com".to_owned()];
        for ok in ["/", "/dashboard?x=1#y", "https://app.example.com", "https://app.example.com/after"] {
            assert!(RedirectTo::parse(ok, &allowed).is_ok(), "{ok} was refused");
        }
    }

    #[test]
    fn refuses_off_site_targets() {
        let allowed = vec!["https://app.example.com".to_owned()];
        let cases = [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "https://app.example.com.evil.net/",
            "https://app.example.com@evil.net/",
            "http://app.example.com/",
            "https://app.example.com//evil.example",
            "javascript:alert(1)",
            "data:text/html,hi",
            "evil.example",
            "/ok\r\nSet-Cookie: x=y",
            "",
        ];
        for bad in cases {
            assert!(RedirectTo::parse(bad, &allowed).is_err(), "{bad:?} was accepted");
        }
    }
}
