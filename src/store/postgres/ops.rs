//! Health, the server key and cleanup.

use async_trait::async_trait;

use super::PgStore;
use crate::crypto;
use crate::store::{OpsStore, RETENTION_MS, StoreError};

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

    async fn cleanup(&self, now: i64, batch: usize) -> Result<u64, StoreError> {
        let batch = i64::try_from(batch).unwrap_or(i64::MAX);
        let mut deleted = 0;
        // Each statement commits on its own: short transactions, no long locks.
        deleted += sqlx::query(
            "DELETE FROM auth_requests WHERE id IN (SELECT id FROM auth_requests WHERE expires_at < $1 LIMIT $2)",
        )
        .bind(now)
        .bind(batch)
        .execute(&self.pool)
        .await?
        .rows_affected();
        deleted += sqlx::query(
            "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions
             WHERE expires_at < $1 OR idle_expires_at < $1 OR revoked_at < $1 LIMIT $2)",
        )
        .bind(now)
        .bind(batch)
        .execute(&self.pool)
        .await?
        .rows_affected();
        deleted += sqlx::query(
            "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox
             WHERE status IN ('sent', 'failed', 'suppressed') AND created_at < $1 LIMIT $2)",
        )
        .bind(now - RETENTION_MS)
        .bind(batch)
        .execute(&self.pool)
        .await?
        .rows_affected();
        // A run of wrong codes is forgotten a retention period after its last failure,
        // once no lock is running.
        deleted += sqlx::query(
            "DELETE FROM code_failures WHERE identifier IN (SELECT identifier FROM code_failures
             WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $2) LIMIT $3)",
        )
        .bind(now - RETENTION_MS)
        .bind(now)
        .bind(batch)
        .execute(&self.pool)
        .await?
        .rows_affected();
        deleted +=
            sqlx::query("DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE tat < $1 LIMIT $2)")
                .bind(now)
                .bind(batch)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(deleted)
    }
}
