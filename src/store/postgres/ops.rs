//! Health, the server key and cleanup.

use async_trait::async_trait;

use super::PgStore;
use crate::crypto;
use crate::store::{OpsStore, RETENTION_MS, StoreError};

/// What cleanup deletes, a batch of each at a time: expired requests, ended sessions,
/// messages done for a retention period, idle rate-limit keys, and runs of wrong codes a
/// retention period after their last failure once no lock is running, and signing keys
/// whose last token expired. Every statement
/// takes $1 = now, $2 = now − retention, $3 = the batch size.
///
/// Each finds its rows by an index (issue 15, item 3: a scan here runs in the writer's
/// transaction on SQLite, on the whole table, once per batch): the three ends of a session
/// apart, and finished messages by age.
const CLEANUP: [&str; 8] = [
    "DELETE FROM auth_requests WHERE id IN (SELECT id FROM auth_requests WHERE expires_at < $1 LIMIT $3)",
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < $1 LIMIT $3)",
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE idle_expires_at < $1 LIMIT $3)",
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE revoked_at < $1 LIMIT $3)",
    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox
     WHERE created_at < $2 AND status IN ('sent', 'failed', 'suppressed') LIMIT $3)",
    "DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE tat < $1 LIMIT $3)",
    "DELETE FROM auth_failures WHERE identifier IN (SELECT identifier FROM auth_failures
     WHERE updated_at < $2 AND (locked_until IS NULL OR locked_until < $1) LIMIT $3)",
    "DELETE FROM signing_keys WHERE kid IN (SELECT kid FROM signing_keys WHERE expires_at < $1 LIMIT $3)",
];

/// Audit events older than `audit.retention` ($1 = the oldest time kept, $2 = the batch).
const AUDIT_CLEANUP: &str =
    "DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events WHERE created_at < $1 LIMIT $2)";

#[async_trait]
impl OpsStore for PgStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn server_key(&self, now: i64) -> Result<[u8; 32], StoreError> {
        let candidate = crypto::random_key();
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_at) VALUES ('hmac', $1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&candidate[..])
        .bind(now)
        .execute(&self.pool)
        .await?;
        let value: Vec<u8> =
            sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = 'hmac'").fetch_one(&self.pool).await?;
        value.try_into().map_err(|_| StoreError::Other(anyhow::anyhow!("the stored server key has the wrong length")))
    }

    async fn cleanup(&self, now: i64, batch: usize, audit_retention_ms: i64) -> Result<u64, StoreError> {
        let batch = i64::try_from(batch).unwrap_or(i64::MAX);
        let mut deleted = 0;
        // Each statement commits on its own: short transactions, no long locks.
        for sql in CLEANUP {
            let query = sqlx::query(sql).bind(now).bind(now - RETENTION_MS).bind(batch);
            deleted += query.execute(&self.pool).await?.rows_affected();
        }
        let query = sqlx::query(AUDIT_CLEANUP).bind(now - audit_retention_ms).bind(batch);
        deleted += query.execute(&self.pool).await?.rows_affected();
        Ok(deleted)
    }
}
