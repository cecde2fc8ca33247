//! Delivery metrics, exposed on `/metrics` in the Prometheus text format:
//!
//! - `postern_delivery_attempts_total{provider,channel,outcome}`: every provider call
//!   (`outcome` = `sent`, `temporary` or `permanent`);
//! - `postern_delivery_messages_total{provider,channel,status}`: final outcomes
//!   (`status` = `sent` or `failed`; failed messages are labelled `provider="none"`);
//! - `postern_delivery_attempt_seconds{provider,channel}`: time of one provider call;
//! - `postern_delivery_latency_seconds{provider,channel}`: from commit to delivery;
//! - `postern_sms_budget_exhausted_total`: SMS refused because the hourly budget was spent.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;

use super::SendError;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process-wide recorder (installed once; several servers in one test process share it).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0];
            let builder = PrometheusBuilder::new().set_buckets(&buckets).ok()?;
            match builder.install_recorder() {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "metrics are unavailable");
                    None
                }
            }
        })
        .as_ref()
}

/// Folds the histograms' samples into their buckets every second. The recorder keeps each
/// recorded sample until then, and `install_recorder` (unlike `install`) starts no upkeep
/// of its own: without this, memory grew with every delivered message, by ~42 bytes each
/// (21 MB over 500,000 sign-in starts; issue 15, item 4). Every 5 s still held 4–5 MB of
/// samples at 23,000 messages/s; every second holds a fifth of that, for the same work.
pub async fn upkeep(stop: CancellationToken) {
    let Some(handle) = handle() else { return };
    let mut every = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = every.tick() => handle.run_upkeep(),
        }
    }
}

pub fn attempt(
    provider: &'static str,
    channel: &'static str,
    result: &Result<Option<String>, SendError>,
    took: Duration,
) {
    let outcome = match result {
        Ok(_) => "sent",
        Err(SendError::Temporary(_)) => "temporary",
        Err(SendError::Permanent(_)) => "permanent",
    };
    counter!("postern_delivery_attempts_total", "provider" => provider, "channel" => channel, "outcome" => outcome)
        .increment(1);
    histogram!("postern_delivery_attempt_seconds", "provider" => provider, "channel" => channel)
        .record(took.as_secs_f64());
}

pub fn delivered(provider: &str, channel: &'static str, latency_ms: i64) {
    let provider = provider.to_owned();
    counter!("postern_delivery_messages_total", "provider" => provider.clone(), "channel" => channel, "status" => "sent")
        .increment(1);
    histogram!("postern_delivery_latency_seconds", "provider" => provider, "channel" => channel)
        .record(latency_ms.max(0) as f64 / 1000.0);
}

pub fn failed(channel: &'static str) {
    counter!("postern_delivery_messages_total", "provider" => "none", "channel" => channel, "status" => "failed")
        .increment(1);
}

pub fn sms_budget_exhausted() {
    counter!("postern_sms_budget_exhausted_total").increment(1);
}
