//! Postern's cookies. All are HttpOnly and SameSite=Lax; on https they are Secure and
//! carry the `__Host-` prefix, which pins them to this host and path `/` (OWASP Session
//! Management; RFC 6265bis §4.1.3.2).

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use time::Duration;

use crate::crypto;
use crate::flows::DeviceBinding;
use crate::state::AppState;

pub const SESSION: &str = "postern_session";
pub const DEVICE: &str = "postern_device";
pub const CSRF: &str = "postern_csrf";

/// The name a cookie has on this deployment.
pub fn name(state: &AppState, base: &str) -> String {
    if state.settings.is_https() { format!("__Host-{base}") } else { base.to_owned() }
}

pub fn build(state: &AppState, base: &str, value: String, max_age: Duration) -> Cookie<'static> {
    Cookie::build((name(state, base), value))
        .path("/")
        .http_only(true)
        .secure(state.settings.is_https())
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .build()
}

pub fn removal(state: &AppState, base: &str) -> Cookie<'static> {
    build(state, base, String::new(), Duration::ZERO)
}

pub fn get(state: &AppState, jar: &CookieJar, base: &str) -> Option<String> {
    jar.get(&name(state, base)).map(|c| c.value().to_owned()).filter(|v| !v.is_empty() && v.len() <= 128)
}

fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    let secs = state.settings.sessions.absolute_lifetime.as_secs() as i64;
    build(state, SESSION, token, Duration::seconds(secs))
}

/// The cookies of a new sign-in: the session, and the CSRF cookie dropped so the next
/// page issues one bound to the new session (OWASP CSRF: rotate the token when the
/// session changes; issue 10, finding 10).
pub fn signed_in(state: &AppState, jar: CookieJar, token: String) -> CookieJar {
    jar.add(session_cookie(state, token)).add(removal(state, CSRF))
}

/// The cookies of a sign-out: no session, and a CSRF cookie that is not reused.
pub fn signed_out(state: &AppState, jar: CookieJar) -> CookieJar {
    jar.add(removal(state, SESSION)).add(removal(state, CSRF))
}

/// The id of the session this browser's cookie names (unchecked: it only binds CSRF
/// tokens to the session, it proves nothing).
pub fn session_id(state: &AppState, jar: &CookieJar) -> Option<String> {
    get(state, jar, SESSION).and_then(|t| t.split_once('.').map(|(id, _)| id.to_owned()))
}

/// This browser's device binding, creating the cookie when it has none.
pub fn device(state: &AppState, jar: CookieJar) -> (CookieJar, DeviceBinding) {
    if let Some(value) = get(state, &jar, DEVICE) {
        return (jar, DeviceBinding::from_cookie(&value));
    }
    let value = crypto::random_token();
    let binding = DeviceBinding::from_cookie(&value);
    (jar.add(build(state, DEVICE, value, Duration::days(30))), binding)
}

pub fn existing_device(state: &AppState, jar: &CookieJar) -> Option<DeviceBinding> {
    get(state, jar, DEVICE).map(|v| DeviceBinding::from_cookie(&v))
}
