//! Who is asking — the client as the network tells it (`Client`), the signed-in user of
//! a session cookie (`Authenticated`) — and what they send: JSON bodies whose every
//! rejection is an `invalid_request` (or 413) in Postern's error shape, identifiers and
//! request ids.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use ipnet::IpNet;
use serde::de::DeserializeOwned;

use crate::domain::{EmailAddress, Identifier, PhoneNumber};
use crate::error::{AppError, AppResult};
use crate::flows::api_keys::AdminKey;
use crate::flows::sessions::current_session;
use crate::flows::{Client, PriorSession};
use crate::http::cookies;
use crate::state::AppState;
use crate::store::{Session, User};

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let mut client = network_client(parts, state);
        // The key is looked up only when an end-user header is there.
        if names_end_user(&parts.headers)
            && let Some(key) = api_key_of(&parts.headers)
            && let Ok(key) = crate::flows::api_keys::authenticate(state.store.as_ref(), key, state.now()).await
        {
            speaking_for(&parts.headers, &key, &mut client);
        }
        Ok(client)
    }
}

/// The client as the connection and its headers tell it.
fn network_client(parts: &Parts, state: &AppState) -> Client {
    let peer =
        parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let user_agent =
        parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(512).collect();
    let accept_locale = parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::i18n::from_accept_language);
    let jar = axum_extra::extract::cookie::CookieJar::from_headers(&parts.headers);
    let prior_session = cookies::get(state, &jar, cookies::SESSION).and_then(|t| PriorSession::from_cookie(&t));
    Client {
        ip: client_ip(peer, &parts.headers, &state.trusted_proxies),
        user_agent,
        accept_locale,
        prior_session,
        api_key: None,
    }
}

/// The end user an app's server speaks for (issue 14: the Next.js package proxies its
/// users' requests): with an API key that has the `proxy` scope (`Authorization: Bearer
/// pst_…`), these headers name the end user's address and browser, which then count for
/// rate limits, the audit trail and the approval page.
pub const END_USER_IP: &str = "x-postern-client-ip";
pub const END_USER_AGENT: &str = "x-postern-client-user-agent";

fn end_user_header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

fn names_end_user(headers: &HeaderMap) -> bool {
    headers.contains_key(END_USER_IP) || headers.contains_key(END_USER_AGENT)
}

/// Applies the end-user headers for a live `key` with the `proxy` scope. From anyone else
/// they are ignored: a header any client can send must not choose its own rate-limit
/// bucket or what the audit trail records (OWASP: do not trust client-supplied forwarding
/// headers).
fn speaking_for(headers: &HeaderMap, key: &AdminKey, client: &mut Client) {
    if !key.scopes.contains(&crate::domain::scope::Scope::Proxy) {
        return;
    }
    if let Some(ip) = end_user_header(headers, END_USER_IP).and_then(|ip| ip.parse::<IpAddr>().ok()) {
        client.ip = ip;
    }
    if let Some(agent) = end_user_header(headers, END_USER_AGENT) {
        client.user_agent = agent.chars().take(512).collect();
    }
    client.api_key = Some(key.name.clone());
}

/// The API key of `Authorization: Bearer pst_…`, if that is what the header holds.
pub fn api_key_of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|k| k.starts_with("pst_"))
}

/// The client's address: the TCP peer, unless the peer is a configured trusted proxy, in
/// which case the right-most `X-Forwarded-For` entry that is not itself a trusted proxy
/// (entries to its left can be written by the client and are not believed).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut last_good = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => last_good = ip,
            Ok(ip) => return ip,
            Err(_) => return last_good,
        }
    }
    last_good
}

/// The signed-in user of this request, from the session cookie.
pub struct Authenticated {
    pub session: Session,
    pub user: User,
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let jar = axum_extra::extract::cookie::CookieJar::from_headers(&parts.headers);
        let token = cookies::get(state, &jar, cookies::SESSION).ok_or(AppError::Unauthorized)?;
        let (session, user) = current_session(state, &token).await?;
        Ok(Authenticated { session, user })
    }
}

/// Exactly one of `email` and `phone`, parsed.
pub fn identifier_from(email: Option<&str>, phone: Option<&str>) -> AppResult<Identifier> {
    match (email, phone) {
        (Some(e), None) => {
            EmailAddress::parse(e).map(Identifier::Email).map_err(|e| AppError::invalid(format!("email: {e}")))
        }
        (None, Some(p)) => {
            PhoneNumber::parse(p).map(Identifier::Phone).map_err(|e| AppError::invalid(format!("phone: {e}")))
        }
        (Some(_), Some(_)) => Err(AppError::invalid("give either email or phone, not both")),
        (None, None) => Err(AppError::invalid("email or phone is required")),
    }
}

/// An optional email field: absent is `None`, anything else must be an address.
pub fn optional_email(email: Option<&str>) -> AppResult<Option<EmailAddress>> {
    email.map(EmailAddress::parse).transpose().map_err(|e| AppError::invalid(format!("email: {e}")))
}

/// An optional phone field: absent is `None`, anything else must be an E.164 number.
pub fn optional_phone(phone: Option<&str>) -> AppResult<Option<PhoneNumber>> {
    phone.map(PhoneNumber::parse).transpose().map_err(|e| AppError::invalid(format!("phone: {e}")))
}

pub fn check_request_id(id: &str) -> AppResult<()> {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(AppError::invalid("auth_request_id is not valid"));
    }
    Ok(())
}

/// `axum::Json` with Postern's errors.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            let text = e.body_text();
            let detail = text.split_once("target type: ").map(|(_, d)| d).unwrap_or(&text);
            AppError::invalid(format!("the request body has a wrong or missing field: {detail}"))
        }
        JsonRejection::JsonSyntaxError(_) => AppError::invalid("the request body is not valid JSON"),
        JsonRejection::MissingJsonContentType(_) => {
            AppError::invalid("send the body as JSON with Content-Type: application/json")
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        other => AppError::invalid(other.body_text()),
    }
}

/// An optional JSON body: nothing (or whitespace) is `None`; anything else must be JSON
/// with a JSON content type — a text/plain or form body is what a page of another site
/// can post without a preflight (OWASP CSRF).
pub fn optional_json<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> AppResult<Option<T>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if !crate::http::csrf::is_json(headers) {
        return Err(AppError::invalid("send the body as JSON with Content-Type: application/json"));
    }
    serde_json::from_slice(body).map(Some).map_err(|e| AppError::invalid(format!("the request body is not valid: {e}")))
}

/// The caller of a server-to-server request: its API key (`Authorization: Bearer
/// pst_…`; 401 without a live one) and the client, named by the key in the audit trail.
/// Routes check the key's scope with `Admin::require`.
pub struct Admin {
    pub key: AdminKey,
    pub client: Client,
}

impl Admin {
    pub fn require(&self, scope: crate::domain::scope::Scope) -> AppResult<()> {
        self.key.require(scope)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let bearer = api_key_of(&parts.headers).ok_or(AppError::Unauthorized)?;
        let key = crate::flows::api_keys::authenticate(state.store.as_ref(), bearer, state.now()).await?;
        let mut client = network_client(parts, state);
        speaking_for(&parts.headers, &key, &mut client);
        client.api_key = Some(key.name.clone());
        Ok(Admin { key, client })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(xff).unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(client_ip(peer, &headers("1.2.3.4"), &[]), peer);
        let trusted: Vec<IpNet> = vec!["127.0.0.1/32".parse().unwrap()];
        assert_eq!(client_ip(peer, &headers("1.2.3.4"), &trusted), peer);
    }

    #[test]
    fn a_trusted_proxy_yields_the_rightmost_untrusted_hop() {
        let trusted: Vec<IpNet> = vec!["127.0.0.1/32".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let ip = client_ip(peer, &headers("6.6.6.6, 198.51.100.7, 10.0.0.2"), &trusted);
        assert_eq!(ip, "198.51.100.7".parse::<IpAddr>().unwrap(), "the spoofable left part is skipped");
        assert_eq!(client_ip(peer, &headers("garbage"), &trusted), peer);
    }
}
