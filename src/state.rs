//! What every request handler and flow can reach. Built once by `startup`.

use std::sync::Arc;

use ipnet::IpNet;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::clock::Clock;
use crate::config::Settings;
use crate::delivery::Delivered;
use crate::domain::password::PasswordPolicy;
use crate::passwords::PasswordHasher;
use crate::store::{OutboxMessage, Store};
use crate::templates::Templates;
use crate::tokens::KeyRing;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub templates: Arc<Templates>,
    /// Keys code hashes and CSRF tokens; shared by all instances through the store.
    pub server_key: Arc<[u8; 32]>,
    pub trusted_proxies: Arc<Vec<IpNet>>,
    pub public_url: Arc<str>,
    /// Hands committed messages to this instance's outbox worker.
    pub outbox: Handoff,
    /// Told by the outbox worker whom each recorded batch went to (the dev inbox's `wait`
    /// listens to it).
    pub delivered: Delivered,
    /// Hashes and verifies passwords off the async runtime, one at a time per core.
    pub hasher: PasswordHasher,
    /// What a new password must meet (`[passwords]`).
    pub password_policy: Arc<PasswordPolicy>,
    /// The keys that sign and verify access tokens (`tokens.rs`).
    pub keys: Arc<KeyRing>,
}

impl AppState {
    /// The path Postern is served under (`Settings::base_path`), `""` at the root.
    pub fn base_path(&self) -> &str {
        crate::http::csrf::base_path(&self.public_url)
    }

    /// One of Postern's own paths under `base_path`: what every page link, form and
    /// redirect uses, so Postern works mounted under a prefix.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base_path())
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The configured default locale (validated at start to be a supported one).
    pub fn default_locale(&self) -> &'static str {
        crate::i18n::supported(&self.settings.default_locale).unwrap_or(crate::i18n::LOCALES[0])
    }
}

/// The fast path from a request to the outbox worker of the same instance: a message is
/// committed already leased to this instance and handed over in memory, so it goes out
/// without waiting for the worker to claim it. The lease is the safety net: if the
/// process dies first, the message is claimed again from the database once it runs out.
#[derive(Clone)]
pub struct Handoff {
    sender: UnboundedSender<OutboxMessage>,
    lease_ms: i64,
}

impl Handoff {
    pub fn new(lease_ms: i64) -> (Self, UnboundedReceiver<OutboxMessage>) {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        (Self { sender, lease_ms }, receiver)
    }

    /// The lease deadline to commit a new message with.
    pub fn lease_until(&self, now: i64) -> Option<i64> {
        Some(now + self.lease_ms)
    }

    pub fn hand_off(&self, message: Option<OutboxMessage>) {
        if let Some(message) = message {
            // A stopped worker drops it; the lease brings it back.
            let _ = self.sender.send(message);
        }
    }
}
