//! One file per flow. Flows hold the rules of a sign-in; they parse nothing (the HTTP
//! layer hands them parsed types) and write nothing directly (the store does, in units of
//! work).

pub mod account;
pub mod api_keys;
pub mod audit;
pub mod headless;
pub mod issue;
pub mod messages;
pub mod paging;
pub mod password_login;
pub mod password_reset;
pub mod passwords;
pub mod poll_status;
pub mod rate_limits;
pub mod redeem_magic_link;
pub mod resend_passwordless;
pub mod sessions;
pub mod signup;
pub mod start_passwordless;
pub mod tokens;
pub mod users;
pub mod verify_code;

use std::net::IpAddr;

use crate::config::SignupPolicy;
use crate::crypto::{self, Hash};
use crate::state::AppState;
use crate::store::{Actor, SignedIn};

/// Who is asking, as far as the network can tell.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: IpAddr,
    pub user_agent: String,
    /// The best supported locale of the browser's `Accept-Language`, if any.
    pub accept_locale: Option<&'static str>,
    /// The session this browser's cookie names, if any: a new sign-in replaces it.
    pub prior_session: Option<PriorSession>,
    /// The name of the API key of a server-to-server request (`/admin/v1`), for the
    /// audit trail.
    pub api_key: Option<String>,
}

impl Client {
    /// The client as the audit trail records it.
    pub fn actor(&self) -> Actor {
        Actor { ip: self.ip.to_string(), user_agent: self.user_agent.clone(), api_key: self.api_key.clone() }
    }
}

/// The id and secret hash of the session cookie a browser sent (never the secret itself,
/// so it cannot end up in a log through `Debug`).
#[derive(Debug, Clone)]
pub struct PriorSession {
    pub id: String,
    pub token_hash: Hash,
}

impl PriorSession {
    pub fn from_cookie(token: &str) -> Option<Self> {
        crypto::split_token(token).map(|(id, token_hash)| Self { id: id.to_owned(), token_hash })
    }
}

/// A browser's binding to the sign-ins it started: the hash of a random value kept in a
/// cookie of that browser. It is how a link knows it was opened "in the browser that
/// asked", and how an approval reaches only that browser.
#[derive(Clone, Copy)]
pub struct DeviceBinding(pub Hash);

impl DeviceBinding {
    pub fn from_cookie(value: &str) -> Self {
        Self(crypto::sha256(value.as_bytes()))
    }

    pub fn matches(&self, stored: &[u8]) -> bool {
        crypto::constant_time_eq(&self.0, stored)
    }
}

/// A new session and the secret that goes into the browser's cookie.
pub struct Issued {
    pub token: String,
    pub signed_in: SignedIn,
}

/// The hash stored for a code: keyed with the server secret and bound to its request, so
/// the same code in another request has another hash.
pub fn code_hash(state: &AppState, request_id: &str, code: &str) -> Hash {
    crypto::hmac(&state.server_key[..], &[b"sign-in code", request_id.as_bytes(), code.as_bytes()])
}

/// `signup = "open"`: a verified identifier without an account gets one.
pub fn signup_open(state: &AppState) -> bool {
    state.settings.signup == SignupPolicy::Open
}

/// Minutes, rounded up, for messages and pages.
pub fn minutes(ms: i64) -> u64 {
    (ms.max(0) as u64).div_ceil(60_000)
}
