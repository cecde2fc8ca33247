//! The rows the store hands out and takes in. Times are unix milliseconds.

use crate::crypto::Hash;
use crate::domain::{Channel, Identifier};

#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(skip)]
    pub created_at: i64,
    #[serde(skip)]
    pub disabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthState {
    Pending,
    Approved,
    Consumed,
    Dead,
}

impl AuthState {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthState::Pending => "pending",
            AuthState::Approved => "approved",
            AuthState::Consumed => "consumed",
            AuthState::Dead => "dead",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "pending" => AuthState::Pending,
            "approved" => AuthState::Approved,
            "consumed" => AuthState::Consumed,
            _ => AuthState::Dead,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub id: String,
    pub identifier: Identifier,
    pub user_id: Option<String>,
    pub channel: Channel,
    pub device_hash: Vec<u8>,
    /// SHA-256 of the link's secret, compared in constant time.
    pub token_hash: Vec<u8>,
    pub match_number: u8,
    pub redirect_to: String,
    pub state: AuthState,
    pub failed_attempts: u32,
    pub requester_ip: String,
    pub requester_agent: String,
    pub created_at: i64,
    pub last_sent_at: i64,
    pub expires_at: i64,
    /// The locale the request named, if any.
    pub locale: Option<String>,
}

pub struct NewAuthRequest {
    pub id: String,
    pub identifier: Identifier,
    pub channel: Channel,
    pub code_hash: Hash,
    pub token_hash: Hash,
    pub device_hash: Hash,
    pub match_number: u8,
    pub redirect_to: String,
    pub locale: Option<String>,
    pub requester_ip: String,
    pub requester_agent: String,
    pub created_at: i64,
    pub expires_at: i64,
}

pub struct RotatedSecrets {
    pub code_hash: Hash,
    pub token_hash: Hash,
    pub now: i64,
    pub expires_at: i64,
}

/// A message to queue in the outbox with its secret. The payload holds what the templates
/// need, including the link and code: it is the message, until it is delivered.
pub struct NewMessage {
    /// `Some(deadline)`: the message is queued already leased to this instance until the
    /// deadline (its worker gets it straight from the request, with no claim round trip;
    /// if this instance dies, the lease runs out and any instance takes the message).
    pub lease_until: Option<i64>,
    pub channel: Channel,
    pub recipient: String,
    pub kind: String,
    pub payload: String,
    /// The locale the request named; when `None` the account's stored locale is used,
    /// else `fallback_locale` (the browser's `Accept-Language`).
    pub locale: Option<String>,
    pub fallback_locale: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A GCRA limit: at most `burst` hits at once, refilled one per `interval_ms`.
#[derive(Debug, Clone)]
pub struct RateLimit {
    pub key: String,
    pub interval_ms: i64,
    pub burst: u32,
    pub now: i64,
}

pub struct NewSession {
    /// The session this browser held until now (from its cookie): revoked in the same
    /// unit of work, so signing in as someone else leaves no session behind (issue 10,
    /// finding 10). Revoked only when the cookie's secret matches.
    pub replaces: Option<ReplacedSession>,
    pub id: String,
    pub token_hash: Hash,
    pub created_at: i64,
    pub expires_at: i64,
    pub idle_expires_at: i64,
    pub ip: String,
    pub user_agent: String,
}

pub struct ReplacedSession {
    pub id: String,
    pub token_hash: Hash,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    /// SHA-256 of the cookie's secret, compared in constant time.
    pub token_hash: Vec<u8>,
    pub user_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub idle_expires_at: i64,
    pub expires_at: i64,
    pub ip: String,
    pub user_agent: String,
}

#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session: Session,
    pub redirect_to: String,
}

pub struct RedeemCode {
    pub request_id: String,
    pub code_hash: Hash,
    pub now: i64,
    /// `signup = "open"`: an identifier without an account may be signed up.
    pub signup_open: bool,
    pub max_attempts: u32,
    pub account_max_failures: u32,
    pub account_lockout_ms: i64,
    pub session: NewSession,
}

#[derive(Debug)]
pub enum CodeOutcome {
    SignedIn(SignedIn),
    WrongCode {
        remaining: u32,
    },
    TooManyAttempts,
    AccountLocked {
        retry_after_ms: i64,
    },
    Expired,
    /// No such request, already used, or not for sign-in.
    Invalid,
}

pub enum LinkAction {
    SignInHere(NewSession),
    Approve { picked: u8 },
}

pub struct RedeemLink {
    pub request_id: String,
    pub token_hash: Hash,
    pub action: LinkAction,
    pub now: i64,
    pub signup_open: bool,
}

#[derive(Debug)]
pub enum LinkOutcome {
    SignedIn(SignedIn),
    Approved,
    WrongNumber,
    Expired,
    Invalid,
}

#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub seq: i64,
    pub channel: Channel,
    pub recipient: String,
    pub kind: String,
    pub payload: String,
    pub attempts: u32,
    pub created_at: i64,
    /// Past this, the message's secret no longer works: it is not sent late.
    pub expires_at: i64,
    pub locale: Option<String>,
}

pub enum DeliveryStatus {
    Sent { provider: String, provider_message_id: Option<String> },
    Retry { error: String, next_attempt_at: i64 },
    Failed { error: String },
}

/// What a resend did.
#[derive(Debug)]
pub enum Rotation {
    /// The request is no longer pending: nothing changed.
    Refused,
    /// New secrets are in place; `message` is the queued message, if one was queued.
    Rotated { message: Option<OutboxMessage> },
}

pub struct DeliveryResult {
    pub seq: i64,
    pub status: DeliveryStatus,
}
