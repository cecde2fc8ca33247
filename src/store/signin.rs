//! One-time secrets: a request issues a code and a link, redeeming either has the effect
//! its purpose names. Times are unix milliseconds.

use async_trait::async_trait;

use crate::crypto::Hash;
use crate::domain::{Channel, Identifier};
use crate::store::{
    Actor, NewMessage, NewSession, Notice, OutboxMessage, PasswordReset, PasswordWasReset, SignUpDetails, SignedIn,
    StoreError, User,
};

/// Auth requests: issuing, resending and redeeming their code and link, under the rate
/// limits and the per-identifier failure count. Starts of a purpose other than sign-in,
/// every redemption and every failed one write their audit events (`audit.rs`) in the
/// same transaction, with `actor` as the one who acted.
#[async_trait]
pub trait SignInStore: Send + Sync {
    /// Consumes the rate limits, then records the request and queues its message, all in
    /// one transaction, and returns the message to hand to the worker. The account, if
    /// any, is looked up inside the transaction; an identifier that may not sign in
    /// (`rules::may_sign_in`: closed sign-up and no account, or a disabled account) gets
    /// a request whose secrets are unusable and a `suppressed` message row instead: the
    /// same rows written, nothing sent, nothing returned.
    async fn start_auth_request(
        &self,
        new: NewAuthRequest,
        message: NewMessage,
        signup_open: bool,
        limits: Vec<RateLimit>,
        actor: &Actor,
    ) -> Result<Option<OutboxMessage>, StoreError>;

    /// A request by id, of any purpose (callers check `purpose`).
    async fn auth_request(&self, id: &str) -> Result<Option<AuthRequest>, StoreError>;

    /// Replaces the code and link of a pending, unexpired request and queues the new
    /// message, by the same rule as `start_auth_request`. The failure count is kept.
    async fn rotate_auth_request(
        &self,
        id: &str,
        secrets: RotatedSecrets,
        message: NewMessage,
        signup_open: bool,
        limits: Vec<RateLimit>,
    ) -> Result<Rotation, StoreError>;

    /// Checks a code against a request and, when it matches, consumes the request, finds or
    /// creates the account and opens a session, in one transaction.
    async fn redeem_code(&self, redeem: RedeemCode, actor: &Actor) -> Result<CodeOutcome, StoreError>;

    /// Consumes a link (its secret's hash must match): signs this browser in, or approves
    /// the waiting browser when the person picked the right number (a wrong pick kills
    /// the request).
    async fn redeem_link(&self, redeem: RedeemLink, actor: &Actor) -> Result<LinkOutcome, StoreError>;

    /// Turns an approved request into a session for the browser that asked.
    async fn claim_approved(
        &self,
        id: &str,
        session: NewSession,
        now: i64,
        actor: &Actor,
    ) -> Result<Option<SignedIn>, StoreError>;
}

/// What a request's secrets are for, stored in `auth_requests.purpose`. Every purpose is
/// issued and redeemed the same way; the purpose decides what a redemption does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    SignUpVerification,
    PasswordReset,
    IdentifierChange,
    /// A sign-in an app started from its server (`/admin/v1/passwordless/send`): verified
    /// by the app, which gets the user back and no session.
    Headless,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::SignIn => "signin",
            Purpose::SignUpVerification => "signup",
            Purpose::PasswordReset => "reset",
            Purpose::IdentifierChange => "change",
            Purpose::Headless => "headless",
        }
    }

    /// Sign-in and sign-up verification end the same way: a session.
    pub fn completes_like_sign_in(self) -> bool {
        matches!(self, Purpose::SignIn | Purpose::SignUpVerification)
    }

    /// `None` for a string no version of Postern writes.
    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "signin" => Some(Purpose::SignIn),
            "signup" => Some(Purpose::SignUpVerification),
            "reset" => Some(Purpose::PasswordReset),
            "change" => Some(Purpose::IdentifierChange),
            "headless" => Some(Purpose::Headless),
            _ => None,
        }
    }
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
    pub purpose: Purpose,
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
    /// Headless: the app's page the link lands on, and the state it gets back.
    pub link_base: Option<String>,
    pub app_state: Option<String>,
}

pub struct NewAuthRequest {
    pub id: String,
    pub purpose: Purpose,
    /// Where the secret goes: the identifier whose control a redemption proves.
    pub identifier: Identifier,
    /// The signed-in account an identifier change is for; other purposes find the
    /// account by the identifier.
    pub user_id: Option<String>,
    /// A sign-up's details, applied when it is verified.
    pub details: Option<SignUpDetails>,
    /// Headless: the app's page the link lands on, and the state it gets back.
    pub link_base: Option<String>,
    pub app_state: Option<String>,
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

/// A GCRA limit: at most `burst` hits at once, refilled one per `interval_ms`. Start and
/// resend consume theirs in the same transaction as the request they write.
#[derive(Debug, Clone)]
pub struct RateLimit {
    pub key: String,
    pub interval_ms: i64,
    pub burst: u32,
    pub now: i64,
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
    pub effect: Effect,
}

/// What redeeming a secret does. Each purpose takes one effect (`Effect::fits`); a secret
/// redeemed for another effect than its purpose's is not valid (a reset code typed into
/// the sign-in form does not sign in).
pub enum Effect {
    /// Sign-in and sign-up verification: verify the identifier and open a session.
    SignIn(NewSession),
    /// Password reset: set the new password, end every session and secret, notify.
    ResetPassword(PasswordReset),
    /// Identifier change: the signed-in account `user_id` takes the verified identifier.
    ChangeIdentifier { user_id: String, notice: Notice },
    /// Headless sign-in: verify the identifier (finding or creating the account), no
    /// session: the app that asked gets the user.
    Identify,
}

impl Effect {
    pub fn fits(&self, req: &AuthRequest) -> bool {
        match self {
            Effect::SignIn(_) => matches!(req.purpose, Purpose::SignIn | Purpose::SignUpVerification),
            Effect::ResetPassword(_) => req.purpose == Purpose::PasswordReset,
            Effect::ChangeIdentifier { user_id, .. } => {
                req.purpose == Purpose::IdentifierChange && req.user_id.as_deref() == Some(user_id.as_str())
            }
            Effect::Identify => req.purpose == Purpose::Headless,
        }
    }
}

/// What a redemption did.
#[derive(Debug)]
pub enum Redeemed {
    SignedIn(SignedIn),
    PasswordReset(PasswordWasReset),
    /// The account now holds the identifier; notices to the old one are queued.
    IdentifierChanged {
        user_id: String,
        notices: Vec<OutboxMessage>,
    },
    /// Headless: the verified user, whether this created the account, the app's state.
    Identified {
        user: User,
        created: bool,
        app_state: Option<String>,
    },
}

#[derive(Debug)]
pub enum CodeOutcome {
    Redeemed(Redeemed),
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
    /// Redeem here (sign this browser in, set the new password, …).
    Redeem(Effect),
    Approve {
        picked: u8,
    },
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
    Redeemed(Redeemed),
    Approved,
    WrongNumber,
    Expired,
    Invalid,
}

/// What a resend did.
#[derive(Debug)]
pub enum Rotation {
    /// The request is no longer pending: nothing changed.
    Refused,
    /// New secrets are in place; `message` is the queued message, if one was queued.
    Rotated { message: Option<OutboxMessage> },
}
