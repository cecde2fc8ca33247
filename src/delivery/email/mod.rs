//! Email providers, one file each, chosen by `delivery.email.provider` / `fallback`.

pub mod forwardemail;
pub mod mailgun;
pub mod postmark;
pub mod resend;
pub mod sendgrid;
pub mod smtp;
mod smtp_pool;

use std::sync::Arc;

use super::Sender;
use crate::config::{DeliverySettings, EmailProvider};

/// The sender for `provider`; `None` for a channel switched off.
pub fn build(
    provider: EmailProvider,
    settings: &DeliverySettings,
    http: &reqwest::Client,
) -> anyhow::Result<Option<Arc<dyn Sender>>> {
    Ok(Some(match provider {
        EmailProvider::None => return Ok(None),
        EmailProvider::Dev => Arc::new(super::dev::DevInbox),
        EmailProvider::Smtp => smtp::build(settings)?,
        EmailProvider::Resend => resend::build(settings, http)?,
        EmailProvider::Postmark => postmark::build(settings, http)?,
        EmailProvider::Sendgrid => sendgrid::build(settings, http)?,
        EmailProvider::Mailgun => mailgun::build(settings, http)?,
        EmailProvider::Forwardemail => forwardemail::build(settings, http)?,
        EmailProvider::Webhook => super::webhook::build_email(settings, http)?,
    }))
}
