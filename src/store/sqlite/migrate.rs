//! Embedded migrations, applied in order inside one transaction each.

use anyhow::Context;
use rusqlite::Connection;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_delivery.sql")),
    (3, include_str!("migrations/0003_code_failures.sql")),
    (4, include_str!("migrations/0004_live_requests.sql")),
    (5, include_str!("migrations/0005_accounts.sql")),
    (6, include_str!("migrations/0006_api_keys.sql")),
    (7, include_str!("migrations/0007_headless.sql")),
    (8, include_str!("migrations/0008_audit.sql")),
    (9, include_str!("migrations/0009_signing_keys.sql")),
    (10, include_str!("migrations/0010_session_notify.sql")),
    (11, include_str!("migrations/0011_cleanup_indexes.sql")),
];

/// Applies what is missing; returns the versions applied now.
pub fn run_migrations(conn: &mut Connection) -> anyhow::Result<Vec<i64>> {
    ensure_table(conn)?;
    let mut applied = Vec::new();
    for (version, sql) in MIGRATIONS {
        // IMMEDIATE: two processes migrating at once queue on the write lock.
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .context("failed to begin a migration")?;
        let done: bool = tx
            .query_row("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)", [version], |r| r.get(0))
            .context("failed to read schema_migrations")?;
        if !done {
            tx.execute_batch(sql).with_context(|| format!("migration {version} failed"))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                rusqlite::params![version, crate::clock::Clock::now_ms(&crate::clock::SystemClock)],
            )?;
            applied.push(*version);
        }
        tx.commit().context("failed to commit a migration")?;
    }
    Ok(applied)
}

fn ensure_table(conn: &Connection) -> anyhow::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .context("failed to create schema_migrations")
}

/// Versions a deploy would apply (`postern migrate --check`).
pub fn pending_migrations(conn: &Connection) -> anyhow::Result<Vec<i64>> {
    ensure_table(conn)?;
    let mut pending = Vec::new();
    for (version, _) in MIGRATIONS {
        let done: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)", [version], |r| {
                r.get(0)
            })?;
        if !done {
            pending.push(*version);
        }
    }
    Ok(pending)
}
