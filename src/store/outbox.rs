//! The outbox: the durable queue of messages, leased to workers. Times are unix
//! milliseconds.

use async_trait::async_trait;

use crate::domain::Channel;
use crate::store::StoreError;

/// The outbox: leasing due messages to workers and recording how delivery went. Messages
/// are queued by the unit of work that needs them (`SignInStore` start and resend).
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Leases up to `limit` messages that are due (or whose lease ran out: a crashed
    /// worker's messages come back). Messages whose secret expired are failed instead.
    async fn claim_outbox(&self, now: i64, lease_ms: i64, limit: usize) -> Result<Vec<OutboxMessage>, StoreError>;

    async fn finish_outbox(&self, results: Vec<DeliveryResult>, now: i64) -> Result<(), StoreError>;

    /// Messages delivered by the dev provider, newest first.
    async fn dev_inbox(&self, recipient: Option<String>, limit: usize) -> Result<Vec<OutboxMessage>, StoreError>;

    /// One message the dev provider delivered, by id (the dev inbox's message page).
    async fn dev_inbox_message(&self, seq: i64) -> Result<Option<OutboxMessage>, StoreError>;

    /// Delivery status of messages, newest first, for operators: never the payload.
    async fn list_messages(&self, filter: MessageFilter, limit: usize) -> Result<Vec<MessageStatus>, StoreError>;
}

/// Which messages `list_messages` returns; every field narrows.
#[derive(Debug, Default, Clone)]
pub struct MessageFilter {
    pub recipient: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    /// Created at or after (unix ms).
    pub since: Option<i64>,
    /// The cursor: messages older than this id.
    pub before: Option<i64>,
}

/// A message's delivery, as operators see it: no link, no code.
#[derive(Debug, Clone)]
pub struct MessageStatus {
    pub seq: i64,
    pub channel: String,
    pub recipient: String,
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub provider: Option<String>,
    pub provider_message_id: Option<String>,
    /// Already scrubbed of secrets and credentials when it was recorded.
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// The columns of `MessageStatus`, in its order.
pub const MESSAGE_STATUS_COLUMNS: &str = "seq, channel, recipient, kind, status, attempts, provider, \
     provider_message_id, last_error, created_at, sent_at";

/// A message to queue in the outbox with its secret. The payload holds what the templates
/// need, including the link and code: it is the message, until it is delivered.
pub struct NewMessage {
    /// `Some(deadline)`: the message is queued already leased to this instance until the
    /// deadline (its worker gets it straight from the request, with no claim round trip;
    /// if this instance dies, the lease runs out and any instance takes the message).
    pub lease_until: Option<i64>,
    pub channel: Channel,
    pub recipient: String,
    pub kind: String,
    pub payload: String,
    /// The locale the request named; when `None` the account's stored locale is used,
    /// else `fallback_locale` (the browser's `Accept-Language`).
    pub locale: Option<String>,
    pub fallback_locale: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub seq: i64,
    pub channel: Channel,
    pub recipient: String,
    pub kind: String,
    pub payload: String,
    pub attempts: u32,
    pub created_at: i64,
    /// Past this, the message's secret no longer works: it is not sent late.
    pub expires_at: i64,
    pub locale: Option<String>,
}

pub enum DeliveryStatus {
    Sent { provider: String, provider_message_id: Option<String> },
    Retry { error: String, next_attempt_at: i64 },
    Failed { error: String },
}

pub struct DeliveryResult {
    pub seq: i64,
    pub status: DeliveryStatus,
}
