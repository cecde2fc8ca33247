//! Health, the server key and cleanup.

use async_trait::async_trait;
use rusqlite::params;

use super::SqliteStore;
use crate::crypto;
use crate::store::{OpsStore, RETENTION_MS, StoreError};

/// What cleanup deletes, a batch of each at a time: expired requests, ended sessions,
/// messages done for a retention period, idle rate-limit keys, and runs of wrong codes a
/// retention period after their last failure once no lock is running, and signing keys
/// whose last token expired. Every statement
/// takes ?1 = now, ?2 = now − retention, ?3 = the batch size.
const CLEANUP: [&str; 6] = [
    "DELETE FROM auth_requests WHERE id IN (SELECT id FROM auth_requests WHERE expires_at < ?1 LIMIT ?3)",
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions
     WHERE expires_at < ?1 OR idle_expires_at < ?1 OR revoked_at < ?1 LIMIT ?3)",
    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox
     WHERE status IN ('sent', 'failed', 'suppressed') AND created_at < ?2 LIMIT ?3)",
    "DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE tat < ?1 LIMIT ?3)",
    "DELETE FROM auth_failures WHERE identifier IN (SELECT identifier FROM auth_failures
     WHERE updated_at < ?2 AND (locked_until IS NULL OR locked_until < ?1) LIMIT ?3)",
    "DELETE FROM signing_keys WHERE kid IN (SELECT kid FROM signing_keys WHERE expires_at < ?1 LIMIT ?3)",
];

/// Audit events older than `audit.retention` (?1 = the oldest time kept, ?2 = the batch).
const AUDIT_CLEANUP: &str =
    "DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events WHERE created_at < ?1 LIMIT ?2)";

#[async_trait]
impl OpsStore for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.db.read(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))).await.map(|_| ())
    }

    async fn server_key(&self, now: i64) -> Result<[u8; 32], StoreError> {
        let candidate = crypto::random_key();
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO server_secrets (name, value, created_at) VALUES ('hmac', ?1, ?2) ON CONFLICT (name) DO NOTHING",
                    params![&candidate[..], now],
                )?;
                let value: Vec<u8> = c.query_row("SELECT value FROM server_secrets WHERE name = 'hmac'", [], |r| r.get(0))?;
                value
                    .try_into()
                    .map_err(|_| StoreError::Other(anyhow::anyhow!("the stored server key has the wrong length")))
            })
            .await
    }

    async fn cleanup(&self, now: i64, batch: usize, audit_retention_ms: i64) -> Result<u64, StoreError> {
        let old = now - RETENTION_MS;
        self.db
            .write(move |c| {
                let mut deleted = 0;
                for sql in CLEANUP {
                    deleted += c.prepare_cached(sql)?.execute(params![now, old, batch as i64])?;
                }
                deleted += c.prepare_cached(AUDIT_CLEANUP)?.execute(params![now - audit_retention_ms, batch as i64])?;
                Ok(deleted as u64)
            })
            .await
    }
}
