//! SMS providers, one file each, chosen by `delivery.sms.provider` / `fallback`.

pub mod segments;
pub mod twilio;
pub mod vonage;

use std::sync::Arc;

use super::Sender;
use crate::config::{DeliverySettings, SmsProvider};

/// The sender for `provider`; `None` for a channel switched off.
pub fn build(
    provider: SmsProvider,
    settings: &DeliverySettings,
    http: &reqwest::Client,
) -> anyhow::Result<Option<Arc<dyn Sender>>> {
    Ok(Some(match provider {
        SmsProvider::None => return Ok(None),
        SmsProvider::Dev => Arc::new(super::dev::DevInbox),
        SmsProvider::Twilio => twilio::build(settings, http)?,
        SmsProvider::Vonage => vonage::build(settings, http)?,
        SmsProvider::Webhook => super::webhook::build_sms(settings, http)?,
    }))
}
