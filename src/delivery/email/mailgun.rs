//! The `mailgun` provider.

use std::sync::Arc;

use crate::config::DeliverySettings;
use crate::delivery::Sender;

pub fn build(_settings: &DeliverySettings, _http: &reqwest::Client) -> anyhow::Result<Arc<dyn Sender>> {
    anyhow::bail!("the mailgun provider is not available yet")
}
