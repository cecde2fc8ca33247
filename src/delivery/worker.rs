//! The outbox worker: leases due messages, sends them, records the outcome. Leases make
//! it safe to run in several places at once and to be killed at any point: a message
//! whose lease runs out without an outcome is taken again (at-least-once delivery).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

use super::{SendError, Senders};
use crate::clock::Clock;
use crate::store::{DeliveryResult, DeliveryStatus, OutboxMessage, Store};

const BATCH: usize = 256;
const MAX_ATTEMPTS: u32 = 6;

pub struct OutboxWorker {
    pub store: Arc<dyn Store>,
    pub senders: Senders,
    pub clock: Arc<dyn Clock>,
    /// Messages this instance's requests committed, already leased to this worker.
    pub handoff: UnboundedReceiver<OutboxMessage>,
    /// Told after every recorded batch.
    pub delivered: Arc<Notify>,
    pub lease_ms: i64,
    /// How often the database is asked for due messages (retries, other instances'
    /// expired leases, messages left by a previous run).
    pub poll_interval: Duration,
}

impl OutboxWorker {
    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut next_claim = tokio::time::Instant::now();
        loop {
            let mut batch = Vec::new();
            while batch.len() < BATCH {
                match self.handoff.try_recv() {
                    Ok(message) => batch.push(message),
                    Err(_) => break,
                }
            }
            if tokio::time::Instant::now() >= next_claim {
                next_claim = tokio::time::Instant::now() + self.poll_interval;
                batch.extend(self.claim().await);
            }
            if batch.is_empty() {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    Some(message) = self.handoff.recv() => batch.push(message),
                    _ = tokio::time::sleep_until(next_claim) => continue,
                }
            }
            if shutdown.is_cancelled() {
                // Unsent messages keep their lease and go out after it (here or elsewhere).
                return;
            }
            let results = self.send_all(&batch).await;
            match self.store.finish_outbox(results, self.clock.now_ms()).await {
                Ok(()) => self.delivered.notify_waiters(),
                // The leases run out and the messages are sent again: at least once.
                Err(e) => tracing::warn!(error = %e, "the outbox worker could not record deliveries"),
            }
        }
    }

    async fn claim(&self) -> Vec<OutboxMessage> {
        match self.store.claim_outbox(self.clock.now_ms(), self.lease_ms, BATCH).await {
            Ok(batch) => batch,
            Err(e) => {
                tracing::warn!(error = %e, "the outbox worker could not claim messages; retrying");
                Vec::new()
            }
        }
    }
    async fn send_all(&self, batch: &[OutboxMessage]) -> Vec<DeliveryResult> {
        let mut results = Vec::with_capacity(batch.len());
        for message in batch {
            let sender = self.senders.for_channel(message.channel);
            let status = match sender.send(message).await {
                Ok(provider_message_id) => {
                    DeliveryStatus::Sent { provider: sender.name().to_owned(), provider_message_id }
                }
                Err(SendError::Temporary(error)) if message.attempts < MAX_ATTEMPTS => {
                    let backoff = 1_000i64 << message.attempts.min(10);
                    DeliveryStatus::Retry { error, next_attempt_at: self.clock.now_ms() + backoff }
                }
                Err(SendError::Temporary(error) | SendError::Permanent(error)) => DeliveryStatus::Failed { error },
            };
            if let DeliveryStatus::Failed { error } = &status {
                tracing::warn!(message = message.seq, channel = message.channel.as_str(), %error, "message delivery failed");
            }
            results.push(DeliveryResult { seq: message.seq, status });
        }
        results
    }
}
