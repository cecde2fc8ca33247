//! CSRF protection for the hosted forms: a random per-browser cookie plus a hidden field
//! holding the HMAC of that cookie (signed double-submit, OWASP CSRF cheat sheet), and
//! `Sec-Fetch-Site` refusing cross-site posts where the browser sends it.
//!
//! The Origin header is deliberately not required: pages served with
//! `Referrer-Policy: no-referrer` post with `Origin: null` in real browsers (DESIGN.md).

use axum::http::HeaderMap;
use axum_extra::extract::cookie::CookieJar;
use time::Duration;

use crate::crypto;
use crate::http::cookies;
use crate::state::AppState;

fn token_for(state: &AppState, cookie: &str) -> String {
    crypto::b64(&crypto::hmac(&state.server_key[..], &[b"csrf", cookie.as_bytes()]))
}

/// The form token for this browser, setting the cookie when it has none.
pub fn issue(state: &AppState, jar: CookieJar) -> (CookieJar, String) {
    if let Some(cookie) = cookies::get(state, &jar, cookies::CSRF) {
        let token = token_for(state, &cookie);
        return (jar, token);
    }
    let cookie = crypto::random_token();
    let token = token_for(state, &cookie);
    (jar.add(cookies::build(state, cookies::CSRF, cookie, Duration::days(1))), token)
}

pub fn verify(state: &AppState, jar: &CookieJar, headers: &HeaderMap, submitted: Option<&str>) -> bool {
    if is_cross_site(headers) {
        return false;
    }
    let (Some(cookie), Some(submitted)) = (cookies::get(state, jar, cookies::CSRF), submitted) else {
        return false;
    };
    crypto::constant_time_eq(token_for(state, &cookie).as_bytes(), submitted.as_bytes())
}

/// `Sec-Fetch-Site: cross-site` marks a request another site's page made this browser send.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site")
}
