//! The "grown" database: accounts, sessions and delivered messages put in by bulk SQL
//! before the server starts, and the row counts of the main tables.
//!
//! The rows follow the migrations of `src/store/{sqlite,postgres}/migrations`: users with
//! a verified email `user<n>@grown.example`, live sessions of those users (expiring in 7 and
//! 30 days, so cleanup keeps them), and messages the dev provider delivered within the
//! last hour (`status = 'sent'`, younger than the outbox retention of 7 days).
//! Secondary indexes are dropped before the inserts and created again after them (from
//! their own definitions in the schema), all in one transaction: building an index once
//! is much faster than growing it row by row.

use anyhow::{Context, Result};
use sqlx::Row;

/// How many rows the fill puts in.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub users: u64,
    pub sessions: u64,
    pub messages: u64,
}

impl Sizes {
    /// 1,000,000 accounts, 1,000,000 sessions, 5,000,000 messages at scale 1.
    pub fn at(scale: f64) -> Self {
        let n = |base: f64| ((base * scale).round() as u64).max(1);
        Sizes { users: n(1_000_000.0), sessions: n(1_000_000.0), messages: n(5_000_000.0) }
    }
}

const TABLES: [&str; 3] = ["users", "sessions", "outbox"];
/// Tables whose sizes show whether cleanup bounds them.
pub const COUNTED: [&str; 5] = ["auth_requests", "outbox", "sessions", "users", "audit_events"];

const DAY_MS: i64 = 24 * 3600 * 1000;
const PAYLOAD_PREFIX: &str = r#"{"link":"http://127.0.0.1:8080/login/link?token=grown."#;

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Fills a migrated SQLite file.
pub fn sqlite(path: &std::path::Path, s: Sizes) -> Result<()> {
    let mut c = rusqlite::Connection::open(path).with_context(|| format!("failed to open {}", path.display()))?;
    // A bulk load: no fsync per page, a page cache large enough for the indexes.
    c.execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY;")?;
    let tx = c.transaction()?;
    let indexes: Vec<(String, String)> = {
        let mut st = tx.prepare(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('users', 'sessions', 'outbox')",
        )?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?
    };
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    let now = now_ms();
    tx.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO users (id, email, email_verified_at, created_at, updated_at)
         SELECT printf('gu%020d', i), 'user' || i || '@grown.example', ?2, ?2 - i, ?2 FROM n",
        rusqlite::params![s.users, now],
    )?;
    tx.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at, expires_at, ip, user_agent)
         SELECT printf('gs%020d', i), randomblob(32), printf('gu%020d', (i - 1) % ?2 + 1), ?3 - i, ?3, ?3 + ?4, ?3 + ?5,
                '127.0.0.1', 'postern-bench grown'
         FROM n",
        rusqlite::params![s.sessions, s.users, now, 7 * DAY_MS, 30 * DAY_MS],
    )?;
    tx.execute(
        &format!(
            r##"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO outbox (channel, recipient, kind, payload, status, attempts, next_attempt_at, expires_at,
                                 provider, created_at, sent_at)
             SELECT 'email', 'user' || ((i - 1) % ?2 + 1) || '@grown.example', 'sign_in',
                    '{PAYLOAD_PREFIX}' || i || '","code":"' || printf('%06d', i % 1000000)
                      || '","expires_at":' || (?3 + 900000) || ',"lifetime_minutes":15,'
                      || '"requested_from":"Firefox on Linux","origin_host":"127.0.0.1","change":false}}',
                    'sent', 1, t, t + 900000, 'dev', t, t
             FROM (SELECT i, ?3 - (?1 - i) / 2 AS t FROM n)"##
        ),
        rusqlite::params![s.messages, s.users, now],
    )?;
    for (_, sql) in &indexes {
        tx.execute_batch(sql)?;
    }
    tx.commit()?;
    Ok(())
}

/// Fills a migrated PostgreSQL database.
pub async fn postgres(url: &str, s: Sizes) -> Result<()> {
    let mut c = postern_harness::pg_connect(url).await?;
    let mut tx = sqlx::Connection::begin(&mut c).await?;
    sqlx::raw_sql("SET LOCAL synchronous_commit = off; SET LOCAL maintenance_work_mem = '512MB'")
        .execute(&mut *tx)
        .await?;
    // Secondary indexes only: those behind a primary key or UNIQUE stay.
    let indexes: Vec<(String, String)> = sqlx::query(
        "SELECT indexname, indexdef FROM pg_indexes
         WHERE schemaname = current_schema() AND tablename = ANY($1)
           AND indexname NOT IN (SELECT conname FROM pg_constraint)",
    )
    .bind(TABLES.map(String::from).to_vec())
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    for (name, _) in &indexes {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP INDEX \"{name}\""))).execute(&mut *tx).await?;
    }
    let now = now_ms();
    sqlx::query(
        "INSERT INTO users (id, email, email_verified_at, created_at, updated_at)
         SELECT 'gu' || lpad(i::text, 20, '0'), 'user' || i || '@grown.example', $2, $2 - i, $2
         FROM generate_series(1, $1) AS i",
    )
    .bind(s.users as i64)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at, expires_at, ip, user_agent)
         SELECT 'gs' || lpad(i::text, 20, '0'), sha256(i::text::bytea), 'gu' || lpad(((i - 1) % $2 + 1)::text, 20, '0'),
                $3 - i, $3, $3 + $4, $3 + $5, '127.0.0.1', 'postern-bench grown'
         FROM generate_series(1, $1) AS i",
    )
    .bind(s.sessions as i64)
    .bind(s.users as i64)
    .bind(now)
    .bind(7 * DAY_MS)
    .bind(30 * DAY_MS)
    .execute(&mut *tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO outbox (channel, recipient, kind, payload, status, attempts, next_attempt_at, expires_at,
                             provider, created_at, sent_at)
         SELECT 'email', 'user' || ((i - 1) % $2 + 1) || '@grown.example', 'sign_in',
                '{PAYLOAD_PREFIX}' || i || '\",\"code\":\"' || lpad((i % 1000000)::text, 6, '0')
                  || '\",\"expires_at\":' || ($3 + 900000) || ',\"lifetime_minutes\":15,'
                  || '\"requested_from\":\"Firefox on Linux\",\"origin_host\":\"127.0.0.1\",\"change\":false}}',
                'sent', 1, t, t + 900000, 'dev', t, t
         FROM (SELECT i, $3 - ($1 - i) / 2 AS t FROM generate_series(1::bigint, $1) AS i) AS n"
    )))
    .bind(s.messages as i64)
    .bind(s.users as i64)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for (_, def) in &indexes {
        sqlx::raw_sql(sqlx::AssertSqlSafe(def.clone())).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    // What autovacuum would do soon after a load this size: fresh planner statistics.
    sqlx::raw_sql("ANALYZE users, sessions, outbox").execute(&mut c).await?;
    Ok(())
}

/// Row counts of `COUNTED`, read-only (the server may still run).
pub async fn counts(db: &crate::stack::Db) -> Result<Vec<(&'static str, i64)>> {
    match db {
        crate::stack::Db::Sqlite { path, .. } => {
            let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            COUNTED
                .iter()
                .map(|t| Ok((*t, c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?)))
                .collect()
        }
        crate::stack::Db::Postgres { url, .. } => {
            let mut c = postern_harness::pg_connect(url).await?;
            let mut out = Vec::new();
            for t in COUNTED {
                let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {t}")))
                    .fetch_one(&mut c)
                    .await?
                    .get(0);
                out.push((t, n));
            }
            Ok(out)
        }
    }
}

/// One statement on `db`, e.g. a count, or an UPDATE while no server runs: the first
/// column of its first row, 0 when it has none.
pub async fn scalar(db: &crate::stack::Db, sql: &str) -> Result<i64> {
    match db {
        crate::stack::Db::Sqlite { path, .. } => {
            let c = rusqlite::Connection::open(path).with_context(|| format!("failed to open {}", path.display()))?;
            let mut st = c.prepare(sql).with_context(|| format!("SQL {sql:?}"))?;
            let mut rows = st.query([]).with_context(|| format!("SQL {sql:?}"))?;
            Ok(match rows.next()? {
                Some(r) => r.get(0)?,
                None => 0,
            })
        }
        crate::stack::Db::Postgres { url, .. } => {
            let mut c = postern_harness::pg_connect(url).await?;
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .fetch_optional(&mut c)
                .await
                .with_context(|| format!("SQL {sql:?}"))?;
            Ok(row.map(|r| r.get::<i64, _>(0)).unwrap_or(0))
        }
    }
}
