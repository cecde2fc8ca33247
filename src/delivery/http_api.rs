//! What the HTTP providers share: one connection-pooling client, and how an answer maps
//! to delivered / temporary failure / permanent failure.

use crate::config::DeliverySettings;

/// One client for every HTTP provider (connections are pooled per host). Every call is
/// bounded by `delivery.send_timeout`.
pub fn client(settings: &DeliverySettings) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(settings.send_timeout)
        .connect_timeout(settings.send_timeout)
        .pool_max_idle_per_host(settings.concurrency)
        .user_agent(concat!("postern/", env!("CARGO_PKG_VERSION")))
        .build()?)
}
