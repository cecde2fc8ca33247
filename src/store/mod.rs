//! Storage: one trait, one implementation per database. No SQL lives outside this folder.
//!
//! Methods are units of work: each runs in one transaction, so a flow never sees half of a
//! sign-in (a request without its message, a consumed code without its session).

pub mod postgres;
mod records;
pub mod rules;
pub mod sqlite;

use async_trait::async_trait;

pub use records::*;

/// How long finished rows are kept before `cleanup` removes them.
pub const RETENTION_MS: i64 = 7 * 24 * 3600 * 1000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A rate limit refused the unit of work; nothing was written.
    #[error("rate limited")]
    RateLimited { key: String, retry_after_ms: i64 },
    /// The database cannot be reached or refused the work.
    #[error("the database is unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Succeeds when the database answers a query.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The server-wide secret that keys code hashes and CSRF tokens, created on first use
    /// and shared by every instance through the database.
    async fn server_key(&self, now: i64) -> Result<[u8; 32], StoreError>;

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
    ) -> Result<Option<OutboxMessage>, StoreError>;

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
    async fn redeem_code(&self, redeem: RedeemCode) -> Result<CodeOutcome, StoreError>;

    /// Consumes a link (its secret's hash must match): signs this browser in, or approves
    /// the waiting browser when the person picked the right number (a wrong pick kills
    /// the request).
    async fn redeem_link(&self, redeem: RedeemLink) -> Result<LinkOutcome, StoreError>;

    /// Turns an approved request into a session for the browser that asked.
    async fn claim_approved(&self, id: &str, session: NewSession, now: i64) -> Result<Option<SignedIn>, StoreError>;

    /// A live session (not revoked, not past either deadline) of an enabled user, by id.
    async fn session(&self, id: &str, now: i64) -> Result<Option<(Session, User)>, StoreError>;

    /// Pushes back the idle deadline of a session.
    async fn touch_session(&self, id: &str, now: i64, idle_expires_at: i64) -> Result<(), StoreError>;

    async fn list_sessions(&self, user_id: &str, now: i64) -> Result<Vec<Session>, StoreError>;

    /// Revokes one of the user's sessions; `false` if it is not theirs or already gone.
    async fn revoke_session(&self, user_id: &str, session_id: &str, now: i64) -> Result<bool, StoreError>;

    /// Revokes every live session of the user except `keep`.
    async fn revoke_sessions(&self, user_id: &str, keep: Option<&str>, now: i64) -> Result<u64, StoreError>;

    /// Leases up to `limit` messages that are due (or whose lease ran out: a crashed
    /// worker's messages come back). Messages whose secret expired are failed instead.
    async fn claim_outbox(&self, now: i64, lease_ms: i64, limit: usize) -> Result<Vec<OutboxMessage>, StoreError>;

    async fn finish_outbox(&self, results: Vec<DeliveryResult>, now: i64) -> Result<(), StoreError>;

    /// Deletes up to `batch` rows of each kind that can no longer matter (expired
    /// requests, ended sessions, old delivered messages, idle rate-limit keys); returns how
    /// many went. Called repeatedly in small batches, so it never holds long locks.
    async fn cleanup(&self, now: i64, batch: usize) -> Result<u64, StoreError>;

    /// Messages delivered by the dev provider, newest first.
    async fn dev_inbox(&self, recipient: Option<String>, limit: usize) -> Result<Vec<OutboxMessage>, StoreError>;
}
