//! The `webhook` provider (email and SMS).

use std::sync::Arc;

use crate::config::DeliverySettings;
use crate::delivery::Sender;

pub fn build_email(_settings: &DeliverySettings, _http: &reqwest::Client) -> anyhow::Result<Arc<dyn Sender>> {
    anyhow::bail!("the webhook provider is not available yet")
}

pub fn build_sms(_settings: &DeliverySettings, _http: &reqwest::Client) -> anyhow::Result<Arc<dyn Sender>> {
    anyhow::bail!("the webhook provider is not available yet")
}
