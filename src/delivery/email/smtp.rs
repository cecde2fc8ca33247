//! The `smtp` provider.

use std::sync::Arc;

use crate::config::DeliverySettings;
use crate::delivery::Sender;

pub fn build(_settings: &DeliverySettings) -> anyhow::Result<Arc<dyn Sender>> {
    anyhow::bail!("the smtp provider is not available yet")
}
