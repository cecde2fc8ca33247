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
///
/// Each finds its rows by an index (issue 15, item 3: a scan here runs in the writer's
/// transaction, on the whole table, once per batch): the three ends of a session apart, and
/// finished messages by age (`+status`: not by the status index, which on SQLite would walk
/// every sent message to find the old ones).
const CLEANUP: [&str; 8] = [
    "DELETE FROM auth_requests WHERE id IN (SELECT id FROM auth_requests WHERE expires_at < ?1 LIMIT ?3)",
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < ?1 LIMIT ?3)",
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE idle_expires_at < ?1 LIMIT ?3)",
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE revoked_at < ?1 LIMIT ?3)",
    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox
     WHERE created_at < ?2 AND +status IN ('sent', 'failed', 'suppressed') LIMIT ?3)",
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

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::{AUDIT_CLEANUP, CLEANUP};

    /// Issue 15, item 3: cleanup runs in the writer's transaction, so a statement that scans
    /// a table stalls every write for as long as the table is big.
    #[test]
    fn every_cleanup_statement_finds_its_rows_by_an_index() {
        let mut conn = Connection::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
        super::super::run_migrations(&mut conn).unwrap_or_else(|e| panic!("{e}"));
        // signing_keys holds a row per key rotation: a handful, a scan is the cheapest way.
        for sql in CLEANUP.iter().chain([&AUDIT_CLEANUP]).filter(|sql| !sql.contains("signing_keys")) {
            let mut plan = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap_or_else(|e| panic!("{e}"));
            let zeros = rusqlite::params_from_iter(vec![0_i64; plan.parameter_count()]);
            let steps: Vec<String> = plan
                .query_map(zeros, |r| r.get::<_, String>(3))
                .and_then(Iterator::collect)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(!steps.iter().any(|s| s.starts_with("SCAN ")), "{sql}\nscans a table: {steps:?}");
            // Through the status index it would walk every sent message to find the old.
            if sql.contains("FROM outbox") {
                assert!(steps.iter().any(|s| s.contains("outbox_created_at")), "{sql}\n{steps:?}");
            }
        }
    }
}
