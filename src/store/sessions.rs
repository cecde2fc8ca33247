//! Sessions and the accounts they belong to. Times are unix milliseconds.

use async_trait::async_trait;

use crate::crypto::Hash;
use crate::store::{Actor, StoreError};

/// Sessions: finding, touching, listing and revoking them (a revocation is audited). They are opened by a
/// redemption (`SignInStore`), in the same transaction that spends the secret.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// A live session (not revoked, not past either deadline) of an enabled user, by id.
    async fn session(&self, id: &str, now: i64) -> Result<Option<(Session, User)>, StoreError>;

    /// Pushes back the idle deadline of a session.
    async fn touch_session(&self, id: &str, now: i64, idle_expires_at: i64) -> Result<(), StoreError>;

    async fn list_sessions(&self, user_id: &str, now: i64) -> Result<Vec<Session>, StoreError>;

    /// Revokes one of the user's sessions; `false` if it is not theirs or already gone.
    async fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
        now: i64,
        actor: &Actor,
    ) -> Result<bool, StoreError>;

    /// Revokes every live session of the user except `keep`.
    async fn revoke_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
        now: i64,
        actor: &Actor,
    ) -> Result<u64, StoreError>;
}

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
