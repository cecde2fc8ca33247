//! Getting messages out: the outbox worker takes committed messages and hands them to the
//! sender configured for their channel. Requests never send anything themselves, so a
//! slow or failing provider cannot slow a sign-in or reveal whether an account exists.

pub mod dev;
pub mod message;
pub mod worker;

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::Channel;
use crate::store::OutboxMessage;

/// How a delivery failed: temporary failures are retried with backoff, permanent ones
/// are recorded and dropped.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("temporary failure: {0}")]
    Temporary(String),
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// One provider for one channel.
#[async_trait]
pub trait Sender: Send + Sync + 'static {
    /// Recorded with each delivered message.
    fn name(&self) -> &'static str;

    /// Delivers one message; returns the provider's message id when it gives one.
    async fn send(&self, message: &OutboxMessage) -> Result<Option<String>, SendError>;
}

/// The sender of each channel, built from the delivery settings.
#[derive(Clone)]
pub struct Senders {
    pub email: Arc<dyn Sender>,
    pub sms: Arc<dyn Sender>,
}

impl Senders {
    pub fn from_settings(_settings: &crate::config::DeliverySettings) -> Self {
        // Settings validation admits only the dev provider in this build.
        Self { email: Arc::new(dev::DevInbox), sms: Arc::new(dev::DevInbox) }
    }

    pub fn for_channel(&self, channel: Channel) -> &Arc<dyn Sender> {
        match channel {
            Channel::Email => &self.email,
            Channel::Sms => &self.sms,
        }
    }
}
