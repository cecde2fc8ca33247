//! What every request handler and flow can reach. Built once by `startup`.

use std::sync::Arc;

use ipnet::IpNet;
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::config::Settings;
use crate::store::Store;
use crate::templates::Templates;

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
    /// Wakes the outbox worker after a message is committed.
    pub outbox_wake: Arc<Notify>,
    /// Signalled by the outbox worker after it recorded deliveries (the dev inbox's
    /// `wait` listens to it).
    pub delivered: Arc<Notify>,
}

impl AppState {
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}
