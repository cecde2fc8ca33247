//! The production store: PostgreSQL through a sqlx pool. Every unit of work is one
//! transaction; rows that decide an outcome are locked (`FOR UPDATE`) before the shared
//! rules in `store::rules` look at them, so concurrent instances agree. Each area's
//! methods are in the file of its name.

mod accounts;
mod api_keys;
mod audit;
mod migrate;
mod ops;
mod outbox;
mod session_cache;
mod sessions;
mod signin;
mod signing_keys;

use std::time::Duration;

use std::sync::Arc;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};

use crate::store::{StoreError, User};
use session_cache::SessionCache;

pub use migrate::{pending_migrations, run_migrations};

pub struct PgStore {
    pool: PgPool,
    /// Live sessions of this instance, kept current by notifications (`session_cache.rs`).
    sessions: Option<Arc<SessionCache>>,
}

pub struct PgSettings {
    pub url: String,
    pub max_connections: u32,
    /// How long a request waits for a connection before it is answered 503.
    pub acquire_timeout: Duration,
    /// Sessions the cache holds at most; 0 turns it off.
    pub session_cache: usize,
}

impl PgStore {
    /// Connects lazily: an unreachable database makes requests fail fast with
    /// `Unavailable`, and the pool reconnects by itself when it is back.
    pub fn connect(settings: &PgSettings) -> anyhow::Result<Self> {
        let options: PgConnectOptions =
            settings.url.parse().map_err(|e| anyhow::anyhow!("database_url is not a valid PostgreSQL URL: {e}"))?;
        let options = options.application_name("postern");
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .min_connections(0)
            .acquire_timeout(settings.acquire_timeout)
            // No ping before every checkout (it doubles the round trips of a session
            // check); a broken connection fails its query, is dropped and answers 503.
            .test_before_acquire(false)
            .idle_timeout(Duration::from_secs(300))
            .connect_lazy_with(options);
        let sessions = (settings.session_cache > 0).then(|| {
            let cache = SessionCache::new(settings.session_cache);
            cache.spawn(settings.url.clone(), pool.clone());
            cache
        });
        Ok(Self { pool, sessions })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// After a commit that revoked sessions or changed the user behind them: returns once
    /// every instance's session cache has applied it (the triggers' notifications reach
    /// this instance's cache too; `SessionCache::settle`), so the client's next request
    /// finds it on any instance. Nothing to wait for without a cache.
    async fn settle(&self) {
        if let Some(cache) = &self.sessions {
            cache.settle(&self.pool).await;
        }
    }
}

pub fn pg_error(e: sqlx::Error) -> StoreError {
    match &e {
        // Anything that breaks getting or keeping a connection is an outage (503), not a
        // bug (500): a dead server behind a TCP balancer accepts and hangs up, which the
        // driver reports as a protocol error during the TLS/startup handshake.
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.into()),
        sqlx::Error::Database(db)
            if db.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300") =>
        {
            // Connection exceptions, admin shutdown, too many connections.
            StoreError::Unavailable(e.into())
        }
        // A unique index refused a second holder of an email address or phone number.
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") && db.table() == Some("users") => {
            StoreError::Conflict
        }
        _ => StoreError::Other(e.into()),
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        pg_error(e)
    }
}

type Tx = Transaction<'static, Postgres>;

type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// A user from `id, email, phone, created_at, disabled_at` starting at column `at` (read
/// by the session lookup, written by a redemption).
/// A listing newest `seq` first where only the filters given become clauses.
struct Filtered(sqlx::QueryBuilder<Postgres>);

impl Filtered {
    fn new(select: &str) -> Self {
        Self(sqlx::QueryBuilder::new(format!("{select} WHERE TRUE")))
    }

    /// `AND <column> <op> $n` when `value` is given.
    fn and<'t, T>(mut self, column_op: &str, value: Option<T>) -> Self
    where
        T: sqlx::Encode<'t, Postgres> + sqlx::Type<Postgres>,
    {
        if let Some(value) = value {
            self.0.push(format!(" AND {column_op} ")).push_bind(value);
        }
        self
    }

    async fn fetch(mut self, pool: &PgPool, limit: usize) -> Result<Vec<PgRow>, sqlx::Error> {
        self.0.push(" ORDER BY seq DESC LIMIT ").push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
        self.0.build().fetch_all(pool).await
    }
}

fn user_from_row(row: &PgRow, at: usize) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get(at)?,
        email: row.try_get(at + 1)?,
        phone: row.try_get(at + 2)?,
        created_at: row.try_get(at + 3)?,
        disabled: row.try_get::<Option<i64>, _>(at + 4)?.is_some(),
    })
}
