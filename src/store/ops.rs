//! Running the store: health, the server key, and removing rows that no longer matter.

use async_trait::async_trait;

use crate::store::StoreError;

/// How long finished rows are kept before `cleanup` removes them.
pub const RETENTION_MS: i64 = 7 * 24 * 3600 * 1000;

/// The store as a whole: whether it answers, the server-wide key, and cleanup across
/// every area's tables.
#[async_trait]
pub trait OpsStore: Send + Sync {
    /// Succeeds when the database answers a query.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The server-wide secret that keys code hashes and CSRF tokens, created on first use
    /// and shared by every instance through the database.
    async fn server_key(&self, now: i64) -> Result<[u8; 32], StoreError>;

    /// Deletes up to `batch` rows of each kind that can no longer matter (expired
    /// requests, ended sessions, old delivered messages, idle rate-limit keys); returns how
    /// many went. Called repeatedly in small batches, so it never holds long locks.
    /// Audit events go `audit_retention_ms` after they were written.
    async fn cleanup(&self, now: i64, batch: usize, audit_retention_ms: i64) -> Result<u64, StoreError>;
}
