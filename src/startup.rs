//! Building and running the server: `Application::build` binds (port 0 works, for tests)
//! and wires state, routes and the outbox worker; `run_until_stopped` serves until
//! Ctrl-C, SIGTERM or `shutdown()`, then drains requests and stops the worker.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::clock::{Clock, SystemClock};
use crate::config::Database;
use crate::config::Settings;
use crate::delivery::Delivered;
use crate::delivery::Senders;
use crate::delivery::worker::{OutboxWorker, Policy};
use crate::http;
use crate::passwords::PasswordHasher;
use crate::state::{AppState, Handoff};
use crate::store::postgres::{self, PgSettings, PgStore};
use crate::store::sqlite::SqliteStore;
use crate::store::{Actor, Rotate, Store};
use crate::templates::Templates;
use crate::tokens::{KeyEncryptionKey, KeyRing};

pub struct Application {
    listener: TcpListener,
    /// `metrics.listen`: a second listener serving only `/metrics`.
    metrics_listener: Option<TcpListener>,
    router: Router,
    worker: OutboxWorker,
    shutdown: CancellationToken,
    address: SocketAddr,
    pub state: AppState,
}

/// The store `database_url` names, migrated first unless `migrate_on_start` is off.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    match settings.database()? {
        Database::Sqlite(path) => {
            let (readers, batch, migrate) =
                (settings.sqlite.readers, settings.sqlite.max_batch, settings.migrate_on_start);
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path, readers, batch, migrate))
                .await
                .context("the store failed to open")??;
            Ok(Arc::new(store))
        }
        Database::Postgres(url) => {
            let store = PgStore::connect(&PgSettings {
                url,
                max_connections: settings.postgres.max_connections,
                acquire_timeout: settings.postgres.acquire_timeout,
                session_cache: settings.postgres.session_cache,
            })?;
            if settings.migrate_on_start {
                postgres::run_migrations(store.pool()).await?;
            }
            Ok(Arc::new(store))
        }
    }
}

/// `postern migrate [--check]`: the versions applied now, or (checking) still pending.
pub async fn migrate(settings: &Settings, check_only: bool) -> anyhow::Result<Vec<i64>> {
    match settings.database()? {
        Database::Sqlite(path) => {
            tokio::task::spawn_blocking(move || SqliteStore::migrate_only(&path, check_only)).await?
        }
        Database::Postgres(url) => {
            let store = PgStore::connect(&PgSettings {
                url,
                max_connections: 1,
                acquire_timeout: Duration::from_secs(10),
                session_cache: 0,
            })?;
            if check_only {
                postgres::pending_migrations(store.pool()).await
            } else {
                postgres::run_migrations(store.pool()).await
            }
        }
    }
}

/// The access-token keys as configured, none loaded yet.
pub(crate) fn key_ring(settings: &Settings, server_key: &[u8; 32]) -> anyhow::Result<KeyRing> {
    use secrecy::ExposeSecret;
    let configured = settings.tokens.encryption_key.as_ref().map(|k| k.expose_secret().to_owned());
    let kek = KeyEncryptionKey::new(configured.as_deref(), server_key)?;
    let issuer = settings.public_url();
    let audience = settings.tokens.audience.clone().unwrap_or_else(|| issuer.clone());
    Ok(KeyRing::new(kek, issuer, audience))
}

/// Removes rows that can no longer matter, a small batch at a time, every few minutes.
async fn run_cleanup(store: Arc<dyn Store>, clock: Arc<dyn Clock>, audit_retention_ms: i64, stop: CancellationToken) {
    const EVERY: Duration = Duration::from_secs(300);
    const BATCH: usize = 1000;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
        loop {
            match store.cleanup(clock.now_ms(), BATCH, audit_retention_ms).await {
                Ok(n) if n as usize >= BATCH => continue,
                Ok(n) => {
                    if n > 0 {
                        tracing::info!(deleted = n, "cleaned up expired rows");
                    }
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cleanup failed; will try again later");
                    break;
                }
            }
        }
    }
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(mut settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("failed to listen on {}", settings.listen))?;
        let address = listener.local_addr()?;
        // With port 0 the real port is known only now; the default public URL follows it.
        settings.listen = address;
        // Checked again here (settings built in code skip `Settings::validate`): the dev
        // inbox never faces a production setup (issue 10, finding 1).
        settings.delivery.check_dev_provider(&settings.public_url())?;
        if settings.dev_inbox_enabled() {
            tracing::warn!("the dev provider is active: every code and link shows on /dev/inbox (development only)");
        }
        if settings.is_https() && settings.tokens.encryption_key.is_none() {
            tracing::warn!(
                "tokens.encryption_key is not set: the access-token signing keys are sealed with a key derived \
                 from the server key, which lives in the same database (docs/forward-auth.md)"
            );
        }
        if !settings.rate_limits.enabled {
            tracing::warn!("rate limits are OFF (rate_limits.enabled = false): use this for benchmarks only");
        }
        let store = open_store(&settings).await?;
        let server_key = store.server_key(clock.now_ms()).await.context("failed to load the server key")?;
        let keys = Arc::new(key_ring(&settings, &server_key)?);
        // At first start a signing key is made (of several instances starting at once, one
        // makes it and the others load it).
        crate::flows::tokens::rotate(store.as_ref(), &keys, Rotate::IfNone, &Actor::system(), clock.now_ms())
            .await
            .context("failed to load the access-token signing keys")?;
        let templates = Arc::new(Templates::load(&settings)?);
        let senders = Senders::from_settings(&settings.delivery)?;
        crate::delivery::metrics::handle();
        let lease_ms = crate::clock::ms(settings.delivery.lease);
        let (outbox, handoff) = Handoff::new(lease_ms);
        let delivered = Delivered::default();
        let state = AppState {
            password_policy: Arc::new(settings.passwords.policy()?),
            hasher: PasswordHasher::new(PasswordHasher::default_concurrency())?,
            trusted_proxies: Arc::new(settings.trusted_proxy_nets()?),
            public_url: settings.public_url().into(),
            settings: Arc::new(settings),
            store: store.clone(),
            clock: clock.clone(),
            templates,
            server_key: Arc::new(server_key),
            outbox,
            delivered: delivered.clone(),
            keys,
        };
        let worker = OutboxWorker {
            store,
            senders,
            templates: state.templates.clone(),
            default_locale: state.default_locale(),
            clock,
            handoff,
            delivered,
            policy: Policy::from_settings(&state.settings.delivery),
        };
        let metrics_listener = match state.settings.metrics.listen {
            Some(at) => Some(
                TcpListener::bind(at).await.with_context(|| format!("failed to listen on {at} (metrics.listen)"))?,
            ),
            None => None,
        };
        let router = http::router(state.clone());
        Ok(Self { listener, metrics_listener, router, worker, shutdown: CancellationToken::new(), address, state })
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The address of the `metrics.listen` listener, when there is one.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Cancelling this token stops the server gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let shutdown = self.shutdown.clone();
        let worker_stop = CancellationToken::new();
        let retention = crate::clock::ms(self.state.settings.audit.retention);
        let (store, clock) = (self.state.store.clone(), self.state.clock.clone());
        let cleanup = tokio::spawn(run_cleanup(store, clock, retention, worker_stop.clone()));
        let worker = tokio::spawn(self.worker.run(worker_stop.clone()));
        tokio::spawn(crate::flows::tokens::maintain(self.state.clone(), worker_stop.clone()));
        tokio::spawn(crate::delivery::metrics::upkeep(worker_stop.clone()));
        if let Some(listener) = self.metrics_listener {
            let stop = worker_stop.clone();
            tracing::info!(address = ?listener.local_addr().ok(), "serving /metrics on its own listener");
            tokio::spawn(http::serve::serve(listener, http::metrics_router(), stop.cancelled_owned()));
        }
        tracing::info!(address = %self.address, public_url = %self.state.public_url, "postern is listening");
        // The signal is seen once and shared: it starts the graceful drain, and the grace
        // period after which connections that are still open are dropped.
        let stopping = CancellationToken::new();
        let signal = {
            let stopping = stopping.clone();
            async move {
                tokio::select! {
                    _ = shutdown.cancelled() => {}
                    _ = shutdown_signal() => {}
                }
                tracing::info!("shutting down: finishing requests in flight");
                stopping.cancel();
            }
        };
        let grace = self.state.settings.http.shutdown_grace;
        tokio::select! {
            () = http::serve::serve(self.listener, self.router, signal) => {}
            _ = async { stopping.cancelled().await; tokio::time::sleep(grace).await } => {
                tracing::warn!(grace = ?grace, "requests still open after the shutdown grace period were dropped");
            }
        }
        worker_stop.cancel();
        let _ = worker.await;
        let _ = cleanup.await;
        tracing::info!("stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
