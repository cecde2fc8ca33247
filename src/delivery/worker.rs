//! The outbox worker: leases due messages, renders and sends them (up to
//! `delivery.concurrency` at once), records the outcomes in batches. Leases make it safe to
//! run in several places at once and to be killed at any point: a message whose lease runs
//! out without an outcome is taken again (at-least-once delivery).

use std::sync::Arc;
use std::time::Duration;

use rand::RngExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::Delivered;
use super::message::render;
use super::{Outgoing, Rendered, Route, SendError, Senders, metrics};
use crate::clock::Clock;
use crate::config::DeliverySettings;
use crate::store::{DeliveryResult, DeliveryStatus, OutboxMessage, Store};
use crate::templates::Templates;

/// Most outcomes recorded in one store call.
const RECORD_BATCH: usize = 512;

/// What the worker needs to know of the delivery settings.
#[derive(Debug, Clone)]
pub struct Policy {
    pub lease_ms: i64,
    pub poll_interval: Duration,
    pub max_attempts: u32,
    pub retry_base_ms: i64,
    pub retry_max_ms: i64,
    pub concurrency: usize,
}

impl Policy {
    pub fn from_settings(s: &DeliverySettings) -> Self {
        Self {
            lease_ms: crate::clock::ms(s.lease),
            poll_interval: s.poll_interval,
            max_attempts: s.max_attempts,
            retry_base_ms: crate::clock::ms(s.retry_base),
            retry_max_ms: crate::clock::ms(s.retry_max),
            concurrency: s.concurrency,
        }
    }

    /// Wait after failed attempt number `attempt` (1-based): exponential, capped, with
    /// ±20 % jitter so messages that failed together do not come back together.
    pub fn backoff_ms(&self, attempt: u32) -> i64 {
        let exp = self.retry_base_ms.saturating_mul(1i64 << attempt.saturating_sub(1).min(30));
        let capped = exp.min(self.retry_max_ms) as f64;
        (capped * rand::rng().random_range(0.8..1.2)) as i64
    }
}

pub struct OutboxWorker {
    pub store: Arc<dyn Store>,
    pub senders: Senders,
    pub templates: Arc<Templates>,
    pub default_locale: &'static str,
    pub clock: Arc<dyn Clock>,
    /// Messages this instance's requests committed, already leased to this worker.
    pub handoff: UnboundedReceiver<OutboxMessage>,
    /// Told the recipients of every recorded batch.
    pub delivered: Delivered,
    pub policy: Policy,
}

/// What one delivery task needs; cheap to clone.
#[derive(Clone)]
struct Deliverer {
    senders: Senders,
    templates: Arc<Templates>,
    default_locale: &'static str,
    clock: Arc<dyn Clock>,
    policy: Policy,
}

impl OutboxWorker {
    pub async fn run(mut self, shutdown: CancellationToken) {
        let (results_tx, results_rx) = tokio::sync::mpsc::unbounded_channel();
        let recorder = tokio::spawn(record(self.store.clone(), self.clock.clone(), self.delivered.clone(), results_rx));
        let permits = Arc::new(Semaphore::new(self.policy.concurrency));
        let deliverer = Deliverer {
            senders: self.senders.clone(),
            templates: self.templates.clone(),
            default_locale: self.default_locale,
            clock: self.clock.clone(),
            policy: self.policy.clone(),
        };
        let mut next_claim = tokio::time::Instant::now();
        loop {
            // A permit first: messages are taken (and leased) only when they can start.
            let permit = tokio::select! {
                _ = shutdown.cancelled() => break,
                permit = permits.clone().acquire_owned() => match permit {
                    Ok(p) => p,
                    Err(_) => break,
                },
            };
            // The database first when a claim is due, so retries and other instances'
            // expired leases are not starved by a steady stream of handed-off messages.
            if tokio::time::Instant::now() >= next_claim {
                next_claim = tokio::time::Instant::now() + self.policy.poll_interval;
                let room = permits.available_permits() + 1;
                let claimed = self.claim(room).await;
                if !claimed.is_empty() {
                    // The claim filled the room: come back for more at once.
                    if claimed.len() == room {
                        next_claim = tokio::time::Instant::now();
                    }
                    let mut permit = Some(permit);
                    for message in claimed {
                        let p = match permit.take() {
                            Some(p) => p,
                            None => match permits.clone().acquire_owned().await {
                                Ok(p) => p,
                                Err(_) => break,
                            },
                        };
                        spawn_delivery(&deliverer, message, p, &results_tx);
                    }
                    continue;
                }
            }
            if let Ok(message) = self.handoff.try_recv() {
                spawn_delivery(&deliverer, message, permit, &results_tx);
                continue;
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some(message) = self.handoff.recv() => spawn_delivery(&deliverer, message, permit, &results_tx),
                _ = tokio::time::sleep_until(next_claim) => {}
            }
        }
        // Unstarted messages keep their lease and go out after it (here or elsewhere);
        // sends in flight finish (each is bounded by `send_timeout`) and are recorded.
        drop(results_tx);
        let _ = recorder.await;
    }

    async fn claim(&self, limit: usize) -> Vec<OutboxMessage> {
        match self.store.claim_outbox(self.clock.now_ms(), self.policy.lease_ms, limit).await {
            Ok(batch) => batch,
            Err(e) => {
                tracing::warn!(error = %e, "the outbox worker could not claim messages; retrying");
                Vec::new()
            }
        }
    }
}

fn spawn_delivery(
    deliverer: &Deliverer,
    message: OutboxMessage,
    permit: OwnedSemaphorePermit,
    results: &UnboundedSender<(DeliveryResult, String)>,
) {
    let (deliverer, results) = (deliverer.clone(), results.clone());
    tokio::spawn(async move {
        let result = deliverer.deliver(&message).await;
        drop(permit);
        // The recorder outlives every sender of this channel.
        let _ = results.send((result, message.recipient));
    });
}

/// Records outcomes in batches; ends when every delivery task is done.
async fn record(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    delivered: Delivered,
    mut results: tokio::sync::mpsc::UnboundedReceiver<(DeliveryResult, String)>,
) {
    let mut batch: Vec<(DeliveryResult, String)> = Vec::with_capacity(RECORD_BATCH);
    while results.recv_many(&mut batch, RECORD_BATCH).await > 0 {
        let (outcomes, recipients) = batch.drain(..).unzip();
        match store.finish_outbox(outcomes, clock.now_ms()).await {
            Ok(()) => delivered.announce(recipients),
            // The leases run out and the messages are sent again: at least once.
            Err(e) => tracing::warn!(error = %e, "the outbox worker could not record deliveries"),
        }
    }
}

impl Deliverer {
    async fn deliver(&self, message: &OutboxMessage) -> DeliveryResult {
        let channel = message.channel.as_str();
        let status = self.attempt(message).await;
        match &status {
            DeliveryStatus::Sent { provider, .. } => {
                metrics::delivered(provider, channel, self.clock.now_ms() - message.created_at);
            }
            DeliveryStatus::Failed { error } => {
                tracing::warn!(message = message.seq, channel, %error, "message delivery failed");
                metrics::failed(channel);
            }
            DeliveryStatus::Retry { error, .. } => {
                tracing::info!(message = message.seq, channel, attempt = message.attempts, %error, "message delivery will be retried");
            }
        }
        DeliveryResult { seq: message.seq, status }
    }

    async fn attempt(&self, message: &OutboxMessage) -> DeliveryStatus {
        let now = self.clock.now_ms();
        if message.expires_at <= now {
            // A message whose secret has expired is never sent late.
            return DeliveryStatus::Failed { error: "expired before delivery".to_owned() };
        }
        let Some(route) = self.senders.for_channel(message.channel) else {
            return DeliveryStatus::Failed {
                error: format!("no provider is configured for {}", message.channel.as_str()),
            };
        };
        let locale = crate::i18n::negotiate([message.locale.as_deref()], self.default_locale);
        let rendered = if route.primary.wants_rendered() || route.fallback.is_some() {
            match render(&self.templates, message.channel, &message.kind, locale, &message.payload) {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(message = message.seq, error = %e, "a message could not be rendered");
                    return DeliveryStatus::Failed { error: "the message could not be rendered".to_owned() };
                }
            }
        } else {
            Rendered::default()
        };
        let outgoing = Outgoing {
            id: format!("postern-{}-{}", message.created_at, message.seq),
            channel: message.channel,
            kind: message.kind.clone(),
            to: message.recipient.clone(),
            locale: locale.to_owned(),
            rendered,
        };
        match send_via(route, &outgoing).await {
            Ok((provider, provider_message_id)) => {
                DeliveryStatus::Sent { provider: provider.to_owned(), provider_message_id }
            }
            Err(e) if e.is_temporary() && message.attempts < self.policy.max_attempts => DeliveryStatus::Retry {
                next_attempt_at: now + self.policy.backoff_ms(message.attempts),
                error: e.to_string(),
            },
            Err(e) => DeliveryStatus::Failed { error: e.to_string() },
        }
    }
}

/// The primary, then the fallback when the primary fails. The failure returned is
/// temporary when either provider's was: another attempt may get through.
async fn send_via(route: &Route, message: &Outgoing) -> Result<(&'static str, Option<String>), SendError> {
    let channel = message.channel.as_str();
    let first = match timed_send(route.primary.as_ref(), message, channel).await {
        Ok(id) => return Ok((route.primary.name(), id)),
        Err(e) => e,
    };
    let Some(fallback) = &route.fallback else { return Err(first) };
    tracing::warn!(provider = route.primary.name(), fallback = fallback.name(), error = %first, "failing over");
    match timed_send(fallback.as_ref(), message, channel).await {
        Ok(id) => Ok((fallback.name(), id)),
        Err(second) => {
            let text = format!("{}: {first}; {}: {second}", route.primary.name(), fallback.name());
            Err(if first.is_temporary() || second.is_temporary() {
                SendError::Temporary(text)
            } else {
                SendError::Permanent(text)
            })
        }
    }
}

async fn timed_send(
    sender: &dyn super::Sender,
    message: &Outgoing,
    channel: &'static str,
) -> Result<Option<String>, SendError> {
    let started = std::time::Instant::now();
    let result = sender.send(message).await;
    metrics::attempt(sender.name(), channel, &result, started.elapsed());
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::Sender;
    use crate::domain::Channel;

    /// Answers with a fixed outcome and counts its calls.
    struct Fixed(&'static str, Result<Option<String>, SendError>, std::sync::atomic::AtomicU32);

    #[async_trait::async_trait]
    impl Sender for Fixed {
        fn name(&self) -> &'static str {
            self.0
        }
        async fn send(&self, _: &Outgoing) -> Result<Option<String>, SendError> {
            self.2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.1.clone()
        }
    }

    fn fixed(name: &'static str, r: Result<Option<String>, SendError>) -> Arc<Fixed> {
        Arc::new(Fixed(name, r, Default::default()))
    }

    fn message() -> Outgoing {
        Outgoing {
            id: "postern-1-1".into(),
            channel: Channel::Email,
            kind: "sign_in".into(),
            to: "ada@example.com".into(),
            locale: "en".into(),
            rendered: Rendered { subject: "s".into(), text: "t".into(), html: None },
        }
    }

    fn temporary() -> Result<Option<String>, SendError> {
        Err(SendError::Temporary("503".into()))
    }

    fn permanent() -> Result<Option<String>, SendError> {
        Err(SendError::Permanent("400".into()))
    }

    #[tokio::test]
    async fn the_fallback_is_tried_only_when_the_primary_fails() {
        let (a, b) = (fixed("a", Ok(Some("id-a".into()))), fixed("b", Ok(None)));
        let route = Route { primary: a.clone(), fallback: Some(b.clone()) };
        assert_eq!(send_via(&route, &message()).await.unwrap(), ("a", Some("id-a".into())));
        assert_eq!(b.2.load(std::sync::atomic::Ordering::Relaxed), 0);

        let (a, b) = (fixed("a", temporary()), fixed("b", Ok(Some("id-b".into()))));
        let route = Route { primary: a, fallback: Some(b) };
        assert_eq!(send_via(&route, &message()).await.unwrap(), ("b", Some("id-b".into())));
    }

    #[tokio::test]
    async fn a_failure_is_temporary_when_either_provider_may_recover() {
        let cases = [
            (temporary(), Some(permanent()), true),
            (permanent(), Some(temporary()), true),
            (permanent(), Some(permanent()), false),
            (permanent(), None, false),
            (temporary(), None, true),
        ];
        for (primary, fallback, temporary) in cases {
            let route =
                Route { primary: fixed("a", primary), fallback: fallback.map(|f| fixed("b", f) as Arc<dyn Sender>) };
            let err = send_via(&route, &message()).await.unwrap_err();
            assert_eq!(err.is_temporary(), temporary, "{err}");
        }
    }

    #[test]
    fn the_default_schedule_spans_about_fifteen_minutes() {
        let policy = Policy::from_settings(&DeliverySettings::default());
        let total: i64 = (1..policy.max_attempts).map(|a| policy.backoff_ms(a)).sum();
        // 30 s + 1 + 2 + 4 + 8 min = 15.5 min, ±20 %.
        assert!((744_000..=1_116_000).contains(&total), "{total}");
        for attempt in 1..40 {
            assert!(policy.backoff_ms(attempt) <= policy.retry_max_ms * 12 / 10);
        }
    }
}
