//! Storage: one trait per area, one implementation per database. No SQL lives outside
//! this folder.
//!
//! Each area's trait sits next to its rows: `signin.rs` (`SignInStore`: auth requests of
//! every purpose, their rate limits and the one redemption path), `accounts.rs`
//! (`AccountStore`: profiles, passwords, password login and its failures), `api_keys.rs`
//! (`ApiKeyStore`: the keys of the server-to-server API), `audit.rs` (`AuditStore`: the
//! audit trail, whose rows every other area writes inside its units of work),
//! `signing_keys.rs` (`SigningKeyStore`: the keys that sign access tokens),
//! `sessions.rs` (`SessionStore`: sessions and the users behind them), `outbox.rs` (`OutboxStore`: the message queue), `ops.rs` (`OpsStore`: health,
//! server key, cleanup). `Store` is all of them; callers hold `Arc<dyn Store>`. Each
//! backend implements the areas in files of the same names (`sqlite/`, `postgres/`), and
//! `rules.rs` holds the decisions both share.
//!
//! Methods are units of work: each runs in one transaction, so a flow never sees half of a
//! sign-in (a request without its message, a consumed code without its session).

mod accounts;
mod api_keys;
mod audit;
mod ops;
mod outbox;
pub mod postgres;
pub mod rules;
mod sessions;
mod signin;
mod signing_keys;
pub mod sqlite;

pub use accounts::*;
pub use api_keys::*;
pub use audit::*;
pub use ops::*;
pub use outbox::*;
pub use sessions::*;
pub use signin::*;
pub use signing_keys::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A rate limit refused the unit of work; nothing was written.
    #[error("rate limited")]
    RateLimited { key: String, retry_after_ms: i64 },
    /// Another account already holds the email address or phone number; nothing was
    /// written.
    #[error("the identifier is taken")]
    Conflict,
    /// The database cannot be reached or refused the work.
    #[error("the database is unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Everything the server stores: every area's trait, implemented by each backend.
pub trait Store:
    SignInStore
    + SessionStore
    + AccountStore
    + ApiKeyStore
    + AuditStore
    + SigningKeyStore
    + OutboxStore
    + OpsStore
    + Send
    + Sync
    + 'static
{
}

impl<
    T: SignInStore
        + SessionStore
        + AccountStore
        + ApiKeyStore
        + AuditStore
        + SigningKeyStore
        + OutboxStore
        + OpsStore
        + Send
        + Sync
        + 'static,
> Store for T
{
}
