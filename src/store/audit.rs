//! The audit trail: who did what to which account, and when. Each row is written by the
//! unit of work that makes the change it records, in the same transaction (STYLE.md;
//! issue 12): no event without its change, no change without its event. The only events
//! written on their own are refusals whose work rolled back (a rate limit hit).
//!
//! A row holds the event type, the account, the client's IP and user agent, the name of
//! the API key for server-to-server calls, and a few details (a method, a count, the
//! fields changed) — never a secret, a code, a token, a password or a hash.

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::store::{Account, AuthRequest, CodeOutcome, LinkOutcome, ProfileChange, Purpose, Redeemed, StoreError};

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Writes events that record no other change (a refusal whose work rolled back).
    /// An event with a `dedupe_key` already written is skipped.
    async fn record_events(&self, events: Vec<Event>, actor: &Actor, now: i64) -> Result<(), StoreError>;

    /// Events newest first, matching the filter, at most `limit`.
    async fn list_events(&self, filter: AuditFilter, limit: usize) -> Result<Vec<AuditEvent>, StoreError>;
}

/// Who made a change: the client as the network tells it, and the API key's name when
/// an app's server made it (`/admin/v1`), or the operator's command line.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub ip: String,
    pub user_agent: String,
    pub api_key: Option<String>,
}

impl Actor {
    /// `postern users …` on the operator's machine.
    pub fn cli() -> Self {
        Self { ip: "local".to_owned(), user_agent: "postern cli".to_owned(), api_key: None }
    }

    /// The server itself (a scheduled key rotation).
    pub fn system() -> Self {
        Self { ip: "local".to_owned(), user_agent: "postern".to_owned(), api_key: None }
    }
}

/// Every event type, as stored and as `GET /admin/v1/audit?type=` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    SignInRequested,
    SignInSucceeded,
    SignInFailed,
    SignInApproved,
    CodeFailed,
    LinkFailed,
    RateLimited,
    SignUpRequested,
    SignUpVerified,
    AccountClaimed,
    AccountCreated,
    AccountUpdated,
    ProfileUpdated,
    PasswordResetRequested,
    PasswordResetCompleted,
    PasswordChanged,
    ReauthFailed,
    IdentifierChangeRequested,
    EmailChanged,
    PhoneChanged,
    SessionsRevoked,
    AccountDisabled,
    AccountEnabled,
    AccountDeleted,
    ApiKeyCreated,
    ApiKeyRevoked,
    SigningKeyRotated,
}

impl EventType {
    pub const ALL: [EventType; 27] = [
        EventType::SignInRequested,
        EventType::SignInSucceeded,
        EventType::SignInFailed,
        EventType::SignInApproved,
        EventType::CodeFailed,
        EventType::LinkFailed,
        EventType::RateLimited,
        EventType::SignUpRequested,
        EventType::SignUpVerified,
        EventType::AccountClaimed,
        EventType::AccountCreated,
        EventType::AccountUpdated,
        EventType::ProfileUpdated,
        EventType::PasswordResetRequested,
        EventType::PasswordResetCompleted,
        EventType::PasswordChanged,
        EventType::ReauthFailed,
        EventType::IdentifierChangeRequested,
        EventType::EmailChanged,
        EventType::PhoneChanged,
        EventType::SessionsRevoked,
        EventType::AccountDisabled,
        EventType::AccountEnabled,
        EventType::AccountDeleted,
        EventType::ApiKeyCreated,
        EventType::ApiKeyRevoked,
        EventType::SigningKeyRotated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::SignInRequested => "sign_in.requested",
            EventType::SignInSucceeded => "sign_in.succeeded",
            EventType::SignInFailed => "sign_in.failed",
            EventType::SignInApproved => "sign_in.approved",
            EventType::CodeFailed => "code.failed",
            EventType::LinkFailed => "link.failed",
            EventType::RateLimited => "rate_limit.hit",
            EventType::SignUpRequested => "sign_up.requested",
            EventType::SignUpVerified => "sign_up.verified",
            EventType::AccountClaimed => "account.claimed",
            EventType::AccountCreated => "account.created",
            EventType::AccountUpdated => "account.updated",
            EventType::ProfileUpdated => "profile.updated",
            EventType::PasswordResetRequested => "password_reset.requested",
            EventType::PasswordResetCompleted => "password_reset.completed",
            EventType::PasswordChanged => "password.changed",
            EventType::ReauthFailed => "reauthentication.failed",
            EventType::IdentifierChangeRequested => "identifier_change.requested",
            EventType::EmailChanged => "email.changed",
            EventType::PhoneChanged => "phone.changed",
            EventType::SessionsRevoked => "sessions.revoked",
            EventType::AccountDisabled => "account.disabled",
            EventType::AccountEnabled => "account.enabled",
            EventType::AccountDeleted => "account.deleted",
            EventType::ApiKeyCreated => "api_key.created",
            EventType::ApiKeyRevoked => "api_key.revoked",
            EventType::SigningKeyRotated => "signing_key.rotated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// An event to write. `details` is a small JSON object without secrets.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventType,
    pub user_id: Option<String>,
    pub details: Option<Value>,
    /// Events with the same key are written once (`rate_limit.hit`: once a minute per
    /// limit key).
    pub dedupe_key: Option<String>,
}

impl Event {
    pub fn new(kind: EventType, user_id: Option<&str>, details: Option<Value>) -> Self {
        Self { kind, user_id: user_id.map(str::to_owned), details, dedupe_key: None }
    }

    pub fn details_json(&self) -> Option<String> {
        self.details.as_ref().map(Value::to_string)
    }

    /// A rate limit refused a request. The row names the kind of limit (`send:ip`,
    /// `login:ip`, …), never the address or number in its key; one row per key per
    /// minute, so a flood of refusals is not a flood of writes that keep.
    pub fn rate_limited(key: &str, now: i64) -> Self {
        let kind: Vec<&str> = key.splitn(3, ':').take(2).collect();
        let digest = crate::crypto::sha256(key.as_bytes());
        let bucket = now / 60_000;
        Self {
            kind: EventType::RateLimited,
            user_id: None,
            details: Some(json!({ "limit": kind.join(":") })),
            dedupe_key: Some(format!("{}:{bucket}", crate::crypto::b64(&digest[..12]))),
        }
    }
}

/// A stored event, as `GET /admin/v1/audit` lists it.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub seq: i64,
    pub kind: String,
    pub user_id: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub api_key: Option<String>,
    pub details: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub user_id: Option<String>,
    pub kind: Option<String>,
    pub since: Option<i64>,
    /// Events older than this `seq` (the cursor).
    pub before: Option<i64>,
}

/// The events a start records: the purposes that change or will change an account (a
/// plain sign-in start records nothing; its success or failure does). `sent` is whether
/// a real secret went out (`rules::may_start`).
pub fn of_start(purpose: Purpose, user_id: Option<&str>, channel: &str, sent: bool) -> Option<Event> {
    let kind = match purpose {
        Purpose::SignIn => return None,
        Purpose::Headless => EventType::SignInRequested,
        Purpose::SignUpVerification => EventType::SignUpRequested,
        Purpose::PasswordReset => EventType::PasswordResetRequested,
        Purpose::IdentifierChange => EventType::IdentifierChangeRequested,
    };
    Some(Event::new(kind, user_id, Some(json!({ "channel": channel, "sent": sent }))))
}

/// The events of a redemption by code or link (`method`), from what it did.
/// `existed`: the identifier had an account before; `claimed`: this verification took
/// over an account nobody had verified.
pub fn of_redeemed(req: &AuthRequest, redeemed: &Redeemed, method: &str, existed: bool, claimed: bool) -> Vec<Event> {
    let (user_id, created) = match redeemed {
        Redeemed::SignedIn(s) => return of_sign_in(req, Some(s.user.id.as_str()), method, existed, claimed),
        Redeemed::PasswordReset(r) => (r.user_id.as_str(), false),
        Redeemed::IdentifierChanged { user_id, .. } => (user_id.as_str(), false),
        Redeemed::Identified { user, .. } => (user.id.as_str(), !existed),
    };
    let user_id = Some(user_id);
    let channel = req.identifier.kind();
    let mut events = of_account(channel, user_id, method, created, claimed);
    match redeemed {
        Redeemed::SignedIn(_) => {}
        Redeemed::PasswordReset(r) => {
            events.push(Event::new(EventType::PasswordResetCompleted, user_id, Some(json!({ "method": method }))));
            if r.signed_in.is_some() {
                events.push(Event::new(
                    EventType::SignInSucceeded,
                    user_id,
                    Some(json!({ "method": "password_reset" })),
                ));
            }
        }
        Redeemed::IdentifierChanged { .. } => {
            let kind = if channel == "email" { EventType::EmailChanged } else { EventType::PhoneChanged };
            events.push(Event::new(kind, user_id, Some(json!({ "verified_by": method }))));
        }
        Redeemed::Identified { .. } => {
            events.push(Event::new(
                EventType::SignInSucceeded,
                user_id,
                Some(json!({ "method": method, "headless": true })),
            ));
        }
    }
    events
}

/// `of_redeemed` for a redemption that signs in. Every event is about the account signed
/// in: `user_id` `None` leaves it to the store to fill in the statement that creates or
/// finds that account (PostgreSQL writes them in that one statement, issue 15 item 7).
pub fn of_sign_in(req: &AuthRequest, user_id: Option<&str>, method: &str, existed: bool, claimed: bool) -> Vec<Event> {
    let channel = req.identifier.kind();
    let mut events = of_account(channel, user_id, method, !existed, claimed);
    if req.purpose == Purpose::SignUpVerification {
        events.push(Event::new(EventType::SignUpVerified, user_id, Some(json!({ "identifier": channel }))));
    }
    events.push(Event::new(EventType::SignInSucceeded, user_id, Some(json!({ "method": method }))));
    events
}

/// What a redemption did to the account itself: took it over from a squatter (`claimed`),
/// created it.
fn of_account(channel: &str, user_id: Option<&str>, method: &str, created: bool, claimed: bool) -> Vec<Event> {
    let mut events = Vec::new();
    if claimed {
        events.push(Event::new(EventType::AccountClaimed, user_id, Some(json!({ "identifier": channel }))));
    }
    if created {
        events.push(Event::new(EventType::AccountCreated, user_id, Some(json!({ "via": method }))));
    }
    events
}

/// A code that did not redeem its request (`None`: nothing to record, e.g. a request
/// that does not exist).
pub fn of_code_failure(req: &AuthRequest, user_id: Option<&str>, outcome: &CodeOutcome) -> Option<Event> {
    let details = match outcome {
        CodeOutcome::WrongCode { remaining } => json!({ "reason": "wrong_code", "attempts_left": remaining }),
        CodeOutcome::TooManyAttempts => json!({ "reason": "too_many_attempts" }),
        CodeOutcome::AccountLocked { .. } => json!({ "reason": "locked" }),
        CodeOutcome::Expired => json!({ "reason": "expired" }),
        CodeOutcome::Invalid => json!({ "reason": "not_usable" }),
        CodeOutcome::Redeemed(_) => return None,
    };
    Some(Event::new(EventType::CodeFailed, user_id, Some(with_purpose(details, req.purpose))))
}

/// A link that did not redeem its request, or an approval.
pub fn of_link(req: &AuthRequest, user_id: Option<&str>, outcome: &LinkOutcome) -> Option<Event> {
    let (kind, details) = match outcome {
        LinkOutcome::Approved => (EventType::SignInApproved, json!({})),
        LinkOutcome::WrongNumber => (EventType::LinkFailed, json!({ "reason": "wrong_number" })),
        LinkOutcome::Expired => (EventType::LinkFailed, json!({ "reason": "expired" })),
        LinkOutcome::Invalid => (EventType::LinkFailed, json!({ "reason": "not_usable" })),
        LinkOutcome::Redeemed(_) => return None,
    };
    Some(Event::new(kind, user_id, Some(with_purpose(details, req.purpose))))
}

fn with_purpose(mut details: Value, purpose: Purpose) -> Value {
    details["purpose"] = Value::from(purpose.as_str());
    details
}

/// A password login (`ok`) or a wrong password for the identifier's account, if any; the
/// failure says whether it started a lockout.
pub fn of_password(kind: EventType, user_id: Option<&str>, locked: bool) -> Event {
    let details = match kind {
        EventType::SignInSucceeded => json!({ "method": "password" }),
        _ => json!({ "method": "password", "locked": locked }),
    };
    Event::new(kind, user_id, Some(details))
}

/// A change that ended sessions (a password change, a disable) says how many.
pub fn with_sessions_revoked(kind: EventType, user_id: &str, revoked: u64) -> Event {
    Event::new(kind, Some(user_id), Some(json!({ "sessions_revoked": revoked })))
}

/// The owner's profile change: which fields it set (never their values).
pub fn of_profile(user_id: &str, change: &ProfileChange) -> Event {
    let fields: Vec<&str> = [
        change.name.is_some().then_some("name"),
        change.preferred_channel.is_some().then_some("preferred_channel"),
        change.locale.is_some().then_some("locale"),
    ]
    .into_iter()
    .flatten()
    .collect();
    Event::new(EventType::ProfileUpdated, Some(user_id), Some(json!({ "fields": fields })))
}

/// An operator's change: `account.updated` with the fields that changed, and
/// `email.changed` / `phone.changed` when an address did.
pub fn of_account_change(before: &Account, after: &Account) -> Vec<Event> {
    let changed = |field: &'static str, differs: bool| differs.then_some(field);
    let fields: Vec<&str> = [
        changed("name", before.name != after.name),
        changed("email", before.email != after.email),
        changed("phone", before.phone != after.phone),
        changed("email_verified", before.email_verified != after.email_verified),
        changed("phone_verified", before.phone_verified != after.phone_verified),
        changed("preferred_channel", before.preferred_channel != after.preferred_channel),
        changed("locale", before.locale != after.locale),
    ]
    .into_iter()
    .flatten()
    .collect();
    let id = Some(after.id.as_str());
    let mut events = vec![Event::new(EventType::AccountUpdated, id, Some(json!({ "fields": fields })))];
    if before.email != after.email {
        events.push(Event::new(EventType::EmailChanged, id, Some(json!({ "by": "operator" }))));
    }
    if before.phone != after.phone {
        events.push(Event::new(EventType::PhoneChanged, id, Some(json!({ "by": "operator" }))));
    }
    events
}

/// Sessions someone ended (`scope`: `one`, `others`, `all`); nothing when none was live.
pub fn of_revocation(user_id: &str, revoked: u64, scope: &str) -> Option<Event> {
    (revoked > 0).then(|| {
        Event::new(EventType::SessionsRevoked, Some(user_id), Some(json!({ "count": revoked, "scope": scope })))
    })
}

/// The scope of `revoke_sessions`: all, or all but the caller's own.
pub fn revocation_scope(keep: Option<&str>) -> &'static str {
    if keep.is_some() { "others" } else { "all" }
}

/// An API key created or revoked (its name, never its secret).
pub fn of_api_key(kind: EventType, name: &str) -> Event {
    Event::new(kind, None, Some(json!({ "name": name })))
}
