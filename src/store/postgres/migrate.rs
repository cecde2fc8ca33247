//! Embedded PostgreSQL migrations. An advisory lock makes instances that start together
//! take turns: the first applies, the others find nothing left to do.

use anyhow::Context;
use sqlx::PgPool;

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

/// Any fixed number works; this one spells "postern" in ASCII, shortened to fit.
const LOCK_KEY: i64 = 0x706f_7374_6572;

async fn ensure_table(conn: &mut sqlx::PgConnection) -> anyhow::Result<()> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *conn)
    .await
    .context("failed to create schema_migrations")?;
    Ok(())
}

async fn applied(conn: &mut sqlx::PgConnection) -> anyhow::Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version").fetch_all(&mut *conn).await?)
}

/// Applies what is missing, each migration in its own transaction; returns the versions
/// applied now.
pub async fn run_migrations(pool: &PgPool) -> anyhow::Result<Vec<i64>> {
    let mut conn = pool.acquire().await.context("failed to connect to PostgreSQL")?;
    sqlx::query("SELECT pg_advisory_lock($1)").bind(LOCK_KEY).execute(&mut *conn).await?;
    let result = async {
        ensure_table(&mut conn).await?;
        let done = applied(&mut conn).await?;
        let mut now_applied = Vec::new();
        for (version, sql) in MIGRATIONS {
            if done.contains(version) {
                continue;
            }
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(*sql))
                .execute(&mut *tx)
                .await
                .with_context(|| format!("migration {version} failed"))?;
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(version)
                .bind(crate::clock::Clock::now_ms(&crate::clock::SystemClock))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            now_applied.push(*version);
        }
        Ok::<_, anyhow::Error>(now_applied)
    }
    .await;
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)").bind(LOCK_KEY).execute(&mut *conn).await;
    result
}

/// Versions a deploy would apply (`postern migrate --check`).
pub async fn pending_migrations(pool: &PgPool) -> anyhow::Result<Vec<i64>> {
    let mut conn = pool.acquire().await.context("failed to connect to PostgreSQL")?;
    ensure_table(&mut conn).await?;
    let done = applied(&mut conn).await?;
    Ok(MIGRATIONS.iter().map(|(v, _)| *v).filter(|v| !done.contains(v)).collect())
}
