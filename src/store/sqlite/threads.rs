//! SQLite behind dedicated threads: one writer that folds concurrent writes into one
//! transaction (group commit), and a few readers. Async callers never block the runtime;
//! they send a closure and await its answer.
//!
//! Why: with one SQLite file only one writer can commit at a time, and each commit costs
//! a WAL append and (in FULL mode) an fsync. Measured on this machine class, one writer
//! thread batching concurrent writes serves ~58k two-row writes/s against ~6k through a
//! connection pool that fights over the write lock (issue 2).

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::thread;

use anyhow::Context;
use crossbeam_channel::{Receiver, Sender};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

use crate::store::StoreError;

type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
type WriteJob = Box<dyn FnOnce(&Connection) -> (bool, Finish) + Send>;
type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

pub struct Threads {
    writer: Sender<WriteJob>,
    readers: Sender<ReadJob>,
    /// Dropped with the store: the checkpoint thread then ends.
    _checkpoint_stop: Sender<()>,
}

/// WAL frames (pages) after which the writer catches the checkpoint up itself: 16 MiB
/// (64 MiB measured start p99 14-32 ms per 10-s window: too much left to copy at once).
const WAL_RESTART_FRAMES: i64 = 4_096;

pub fn open(path: &Path, readonly: bool) -> anyhow::Result<Connection> {
    let flags = if readonly {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI
    };
    let conn = Connection::open_with_flags(path, flags)
        .with_context(|| format!("failed to open the SQLite database {}", path.display()))?;
    // WAL lets readers run beside the writer. synchronous=NORMAL in WAL mode survives a
    // killed process (every commit is in the WAL before the call returns); only an OS
    // crash or power cut can roll back the last commits.
    conn.execute_batch(
        "PRAGMA busy_timeout = 5000;
         PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -2000;",
    )
    .context("failed to configure the SQLite connection")?;
    if !readonly {
        conn.pragma_update(None, "journal_mode", "WAL").context("failed to switch SQLite to WAL")?;
        // Checkpoints (copying the WAL back into the database file) run on their own
        // thread (`checkpoint_loop`), not inside the writer's commits: a commit does not
        // wait for the copy. But under a steady write load that thread never catches up
        // (the writer appends while it copies), and the WAL can only start over once a
        // checkpoint has copied all of it: measured, it grew by ~170 MB/s, 4.9 GB in 30 s
        // (issue 15). So past WAL_RESTART_FRAMES the writer's own commit finishes the copy
        // (PASSIVE: it never waits for readers, and what is left is the little the thread
        // has not copied yet), and the next write transaction starts the WAL over.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_RESTART_FRAMES)
            .context("failed to configure checkpoints")?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024).context("failed to limit the WAL")?;
    }
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl Threads {
    pub fn start(path: &Path, writer: Connection, readers: usize, max_batch: usize) -> anyhow::Result<Self> {
        let (write_tx, write_rx) = crossbeam_channel::unbounded::<WriteJob>();
        thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_loop(writer, write_rx, max_batch))
            .context("failed to start the SQLite writer thread")?;
        let checkpointer = open(path, false)?;
        let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(0);
        thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpointer, stop_rx))
            .context("failed to start the SQLite checkpoint thread")?;
        let (read_tx, read_rx) = crossbeam_channel::unbounded::<ReadJob>();
        for i in 0..readers {
            let conn = open(path, true)?;
            let rx = read_rx.clone();
            thread::Builder::new()
                .name(format!("sqlite-reader-{i}"))
                .spawn(move || read_loop(conn, rx))
                .context("failed to start a SQLite reader thread")?;
        }
        Ok(Self { writer: write_tx, readers: read_tx, _checkpoint_stop: stop_tx })
    }

    /// Runs `f` on a reader connection.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: ReadJob = Box::new(move |conn| {
            let _ = tx.send(f(conn));
        });
        self.readers.send(job).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?.map_err(db_error)
    }

    /// Runs `f` inside the writer's current transaction, in its own savepoint: an `Err`
    /// rolls back only this unit of work. The answer arrives after the commit.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T, StoreError>>();
        let job: WriteJob = Box::new(move |conn| {
            let result = f(conn);
            let ok = result.is_ok();
            let finish: Finish = Box::new(move |commit| {
                let answer = match commit {
                    Ok(()) => result,
                    Err(e) => Err(StoreError::Unavailable(anyhow::anyhow!("commit failed: {e}"))),
                };
                let _ = tx.send(answer);
            });
            (ok, finish)
        });
        self.writer.send(job).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }
}

fn gone() -> StoreError {
    StoreError::Unavailable(anyhow::anyhow!("the SQLite worker thread stopped"))
}

pub fn db_error(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked
                    | rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::DiskFull
                    | rusqlite::ErrorCode::SystemIoFailure
                    | rusqlite::ErrorCode::ReadOnly
            ) =>
        {
            StoreError::Unavailable(e.into())
        }
        _ => StoreError::Other(e.into()),
    }
}

/// Copies committed WAL frames into the database file every so often, without blocking
/// the writer (PASSIVE never waits for it). Once a checkpoint has caught up, the next
/// write transaction starts the WAL over; `journal_size_limit` keeps the file small.
///
/// While writes keep coming it runs again soon (`BUSY_EVERY`), so that what is left for the
/// writer to copy when it restarts the WAL (see `WAL_RESTART_FRAMES`) stays small.
fn checkpoint_loop(conn: Connection, stop: Receiver<()>) {
    const IDLE_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
    const BUSY_EVERY: std::time::Duration = std::time::Duration::from_millis(10);
    let mut every = IDLE_EVERY;
    let mut copied_before = -1;
    while let Err(crossbeam_channel::RecvTimeoutError::Timeout) = stop.recv_timeout(every) {
        // (busy, frames in the WAL, frames copied): new frames since the last run mean
        // writes are coming.
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(2)) {
            Ok(copied) => {
                every = if copied != copied_before { BUSY_EVERY } else { IDLE_EVERY };
                copied_before = copied;
            }
            Err(e) => tracing::warn!(error = %e, "SQLite checkpoint failed"),
        }
    }
}

fn read_loop(conn: Connection, jobs: Receiver<ReadJob>) {
    while let Ok(job) = jobs.recv() {
        // A panicking job drops its answer channel (the caller sees an error); the
        // connection and the thread live on.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&conn)));
    }
}

fn write_loop(conn: Connection, jobs: Receiver<WriteJob>, max_batch: usize) {
    let mut batch: Vec<WriteJob> = Vec::with_capacity(max_batch);
    let mut finishers: Vec<Finish> = Vec::with_capacity(max_batch);
    while let Ok(first) = jobs.recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // BEGIN IMMEDIATE takes the write lock up front, so another process (a
        // concurrent `postern migrate`) makes us wait instead of failing mid-batch.
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            // Dropping the jobs drops their answer channels: each caller gets Unavailable.
            tracing::error!(error = %e, batch = batch.len(), "SQLite could not begin a write transaction");
            batch.clear();
            continue;
        }
        for job in batch.drain(..) {
            if let Some(finish) = job_in_savepoint(&conn, job) {
                finishers.push(finish);
            }
        }
        let commit = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
        if let Err(e) = &commit {
            tracing::error!(error = %e, batch = finishers.len(), "SQLite commit failed");
            let _ = conn.execute_batch("ROLLBACK");
        }
        for finish in finishers.drain(..) {
            finish(commit.clone());
        }
    }
}

/// Runs one job between SAVEPOINT and RELEASE, or ROLLBACK TO when it failed. A job that
/// panicked is rolled back and answers nothing (its caller sees the channel close).
fn job_in_savepoint(conn: &Connection, job: WriteJob) -> Option<Finish> {
    if let Err(e) = conn.prepare_cached("SAVEPOINT job").and_then(|mut s| s.execute([])) {
        tracing::error!(error = %e, "SQLite savepoint failed");
        return None;
    }
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| job(conn)));
    let keep = matches!(outcome, Ok((true, _)));
    let end = if keep {
        conn.prepare_cached("RELEASE job").and_then(|mut s| s.execute([])).map(|_| ())
    } else {
        conn.execute_batch("ROLLBACK TO job; RELEASE job")
    };
    if let Err(e) = end {
        tracing::error!(error = %e, "SQLite savepoint release failed");
    }
    match outcome {
        Ok((_, finish)) => Some(finish),
        Err(_) => {
            tracing::error!("a SQLite write job panicked; its work was rolled back");
            None
        }
    }
}
