//! CSRF protection.
//!
//! Hosted forms: a random per-browser cookie plus a hidden field holding the HMAC of that
//! cookie and of the session the browser holds (signed double-submit bound to the session,
//! OWASP CSRF cheat sheet), and `Sec-Fetch-Site` refusing cross-site posts where the
//! browser sends it. The cookie is dropped at every sign-in and sign-out, so a token never
//! outlives the session it was issued for.
//!
//! The Origin header is deliberately not required: pages served with
//! `Referrer-Policy: no-referrer` post with `Origin: null` in real browsers (DESIGN.md).
//! A foreign Origin is refused, though, on the cookie-authenticated JSON API.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum_extra::extract::cookie::CookieJar;
use time::Duration;

use crate::crypto;
use crate::error::AppError;
use crate::http::cookies;
use crate::state::AppState;

/// The header a script sends the form token in, when it posts something else than JSON.
pub const HEADER: &str = "x-csrf-token";

fn token_for(state: &AppState, cookie: &str, session_id: Option<&str>) -> String {
    let session = session_id.unwrap_or("");
    crypto::b64(&crypto::hmac(&state.server_key[..], &[b"csrf", cookie.as_bytes(), session.as_bytes()]))
}

/// The form token for this browser, setting the cookie when it has none.
pub fn issue(state: &AppState, jar: CookieJar) -> (CookieJar, String) {
    let session = cookies::session_id(state, &jar);
    if let Some(cookie) = cookies::get(state, &jar, cookies::CSRF) {
        let token = token_for(state, &cookie, session.as_deref());
        return (jar, token);
    }
    let cookie = crypto::random_token();
    let token = token_for(state, &cookie, session.as_deref());
    (jar.add(cookies::build(state, cookies::CSRF, cookie, Duration::days(1))), token)
}

pub fn verify(state: &AppState, jar: &CookieJar, headers: &HeaderMap, submitted: Option<&str>) -> bool {
    if is_cross_site(headers) {
        return false;
    }
    let (Some(cookie), Some(submitted)) = (cookies::get(state, jar, cookies::CSRF), submitted) else {
        return false;
    };
    let expected = token_for(state, &cookie, cookies::session_id(state, jar).as_deref());
    crypto::constant_time_eq(expected.as_bytes(), submitted.as_bytes())
}

/// The guard of every cookie-authenticated change on the JSON API (logout, revoking a
/// session). A page on another origin can make the browser send a form or an empty POST
/// with its cookies, but not a JSON body or a custom header without a CORS preflight,
/// which Postern never grants. So a change needs (OWASP CSRF cheat sheet; issue 10,
/// finding 5):
/// - no `Sec-Fetch-Site: cross-site`, and an `Origin` that is absent, `null` (see above)
///   or this server's own (or an allow-listed app's) — a sibling subdomain is same-site
///   but not same-origin;
/// - for a POST from a browser, proof that this origin sent it: `Sec-Fetch-Site:
///   same-origin` (set by the browser, out of a page's reach), `Content-Type:
///   application/json`, or the form token in `X-CSRF-Token`. A request with neither
///   `Sec-Fetch-Site` nor `Origin` is not a browser's (every current browser sends one of
///   them on a cross-origin POST): a program holding the cookie itself, such as curl,
///   which no other site can drive, so it may post an empty body. Methods such as DELETE
///   always need a preflight cross-origin.
pub struct CookieChange;

impl FromRequestParts<AppState> for CookieChange {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let refused = || AppError::invalid("cross-origin requests are not accepted here");
        let headers = &parts.headers;
        if is_cross_site(headers) {
            return Err(refused());
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("");
            let own = public_origin(&state.public_url);
            if origin != "null" && origin != own && !state.settings.redirect_allowlist.iter().any(|o| o == origin) {
                return Err(refused());
            }
        }
        let fetch_site = headers.get("sec-fetch-site").map(|v| v.as_bytes());
        let from_a_browser = fetch_site.is_some() || headers.contains_key(header::ORIGIN);
        if parts.method == Method::POST && from_a_browser && fetch_site != Some(b"same-origin") {
            let jar = CookieJar::from_headers(headers);
            let token = headers.get(HEADER).and_then(|v| v.to_str().ok());
            if !is_json(headers) && !verify(state, &jar, headers, token) {
                return Err(AppError::invalid(
                    "send this request with Content-Type: application/json (or the form token in X-CSRF-Token)",
                ));
            }
        }
        Ok(CookieChange)
    }
}

/// `Content-Type: application/json` (a type no page can send cross-origin without a
/// preflight).
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"))
}

/// `https://auth.example.com` of `https://auth.example.com/base`.
pub fn public_origin(public_url: &str) -> &str {
    let after_scheme = public_url.find("://").map_or(0, |i| i + 3);
    match public_url[after_scheme..].find('/') {
        Some(slash) => &public_url[..after_scheme + slash],
        None => public_url,
    }
}

/// `/base` of `https://auth.example.com/base` (`""` at the root): the path a proxy serves
/// Postern under (`public_url` never ends in `/`).
pub fn base_path(public_url: &str) -> &str {
    &public_url[public_origin(public_url).len()..]
}

/// `Sec-Fetch-Site: cross-site` marks a request another site's page made this browser send.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site")
}
