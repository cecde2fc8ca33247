//! Getting messages out: the outbox worker takes committed messages, renders them and
//! hands them to the provider configured for their channel (then to the fallback, when
//! the primary fails). Requests never send anything themselves, so a slow or failing
//! provider cannot slow a sign-in or reveal whether an account exists.

mod delivered;
pub mod dev;
pub mod email;
pub mod http_api;
pub mod message;
pub mod metrics;
pub mod send_test;
pub mod sms;
pub mod webhook;
pub mod worker;

use std::sync::Arc;

use async_trait::async_trait;

use crate::config::{DeliverySettings, EmailProvider, SmsProvider};
use crate::domain::Channel;
pub use delivered::Delivered;
pub use message::Rendered;

/// How a delivery failed: temporary failures are retried with backoff, permanent ones
/// are recorded and dropped. The text is stored and logged: it names the provider's
/// status and error code, never the message, its recipient or a credential.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SendError {
    #[error("temporary failure: {0}")]
    Temporary(String),
    #[error("permanent failure: {0}")]
    Permanent(String),
}

impl SendError {
    pub fn is_temporary(&self) -> bool {
        matches!(self, SendError::Temporary(_))
    }
}

/// One rendered message, ready for a provider.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Stable across retries and instances (`postern-<created_at>-<seq>`): the SMTP
    /// `Message-ID` local part and the idempotency key of HTTP providers that take one.
    pub id: String,
    pub channel: Channel,
    /// Message kind (`sign_in`, `reset_code`, …), for providers that tag messages.
    pub kind: String,
    /// The stored address or E.164 number (never the string a client submitted).
    pub to: String,
    /// The language the message was rendered in (`en`, `de`, …).
    pub locale: String,
    pub rendered: Rendered,
}

/// One provider for one channel.
#[async_trait]
pub trait Sender: Send + Sync + 'static {
    /// Recorded with each delivered message and used as the metrics label.
    fn name(&self) -> &'static str;

    /// Whether `send` needs the rendered message (the dev inbox renders when it is read,
    /// so rendering on its behalf would be work for nothing).
    fn wants_rendered(&self) -> bool {
        true
    }

    /// Delivers one message; returns the provider's message id when it gives one.
    async fn send(&self, message: &Outgoing) -> Result<Option<String>, SendError>;
}

/// The providers of one channel: the primary, and the one tried when it fails.
#[derive(Clone)]
pub struct Route {
    pub primary: Arc<dyn Sender>,
    pub fallback: Option<Arc<dyn Sender>>,
}

/// The route of each channel; `None` when the operator switched the channel off.
#[derive(Clone)]
pub struct Senders {
    pub email: Option<Route>,
    pub sms: Option<Route>,
}

impl Senders {
    pub fn from_settings(settings: &DeliverySettings) -> anyhow::Result<Self> {
        let http = http_api::client(settings)?;
        let email_route = |primary: EmailProvider| -> anyhow::Result<Option<Route>> {
            Ok(match email::build(primary, settings, &http)? {
                None => None,
                Some(primary) => Some(Route {
                    primary,
                    fallback: match settings.email.fallback {
                        Some(f) => email::build(f, settings, &http)?,
                        None => None,
                    },
                }),
            })
        };
        let sms_route = |primary: SmsProvider| -> anyhow::Result<Option<Route>> {
            Ok(match sms::build(primary, settings, &http)? {
                None => None,
                Some(primary) => Some(Route {
                    primary,
                    fallback: match settings.sms.fallback {
                        Some(f) => sms::build(f, settings, &http)?,
                        None => None,
                    },
                }),
            })
        };
        Ok(Self { email: email_route(settings.email_provider())?, sms: sms_route(settings.sms_provider())? })
    }

    pub fn for_channel(&self, channel: Channel) -> Option<&Route> {
        match channel {
            Channel::Email => self.email.as_ref(),
            Channel::Sms => self.sms.as_ref(),
        }
    }
}
