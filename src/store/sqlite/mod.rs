//! The embedded store: one SQLite file in WAL mode, written by one thread with group
//! commit and read by a few reader threads (see `threads.rs`). Each area's methods are in
//! the file of its name; every write method is one job on the writer thread, so one
//! transaction.

mod accounts;
mod api_keys;
mod audit;
mod migrate;
mod ops;
mod outbox;
mod sessions;
mod signin;
mod signing_keys;
mod threads;

use std::path::Path;

use rusqlite::Row;

use crate::store::{StoreError, User};
use threads::{Threads, db_error};

pub use migrate::run_migrations;

pub struct SqliteStore {
    db: Threads,
}

impl SqliteStore {
    /// Opens (creating if needed) and, with `migrate`, migrates the database, then starts
    /// its threads.
    pub fn open(path: &Path, readers: usize, max_batch: usize, migrate: bool) -> anyhow::Result<Self> {
        let mut writer = threads::open(path, false)?;
        if migrate {
            run_migrations(&mut writer)?;
        }
        let db = Threads::start(path, writer, readers, max_batch)?;
        Ok(Self { db })
    }

    /// `postern migrate`: applies pending migrations (or, with `check_only`, lists them).
    pub fn migrate_only(path: &Path, check_only: bool) -> anyhow::Result<Vec<i64>> {
        let mut conn = threads::open(path, false)?;
        if check_only { migrate::pending_migrations(&conn) } else { run_migrations(&mut conn) }
    }
}

/// Rusqlite errors inside a write job; `?` turns them into store errors.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        db_error(e)
    }
}

/// A listing newest `seq` first where only the filters given become clauses: an
/// `(? IS NULL OR …)` would keep SQLite from the index of the one that is given.
struct Filtered {
    sql: String,
    args: Vec<rusqlite::types::Value>,
}

impl Filtered {
    fn new(select: &str) -> Self {
        Self { sql: format!("{select} WHERE 1 = 1"), args: Vec::new() }
    }

    /// `AND <column> <op> ?` when `value` is given.
    fn and(mut self, column_op: &str, value: Option<impl Into<rusqlite::types::Value>>) -> Self {
        if let Some(value) = value {
            self.args.push(value.into());
            self.sql.push_str(&format!(" AND {column_op} ?{}", self.args.len()));
        }
        self
    }

    fn query<T>(
        mut self,
        conn: &rusqlite::Connection,
        limit: usize,
        row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<Vec<T>> {
        self.args.push((limit as i64).into());
        self.sql.push_str(&format!(" ORDER BY seq DESC LIMIT ?{}", self.args.len()));
        conn.prepare(&self.sql)?.query_map(rusqlite::params_from_iter(self.args), row)?.collect()
    }
}

/// A user from `id, email, phone, created_at, disabled_at` starting at column `at` (read
/// by the session lookup, written by a redemption).
fn user_from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(at)?,
        email: row.get(at + 1)?,
        phone: row.get(at + 2)?,
        created_at: row.get(at + 3)?,
        disabled: row.get::<_, Option<i64>>(at + 4)?.is_some(),
    })
}
