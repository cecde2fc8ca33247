//! Who was just sent a message: the dev inbox's long polls (`/dev/inbox.json?wait=`) wait
//! on it. Each recorded batch names its recipients, and a poll for one address looks again
//! only when its address is named (issue 15, item 5): one wake-up per message instead of
//! every waiting poll reading the outbox after every batch (32 reads per batch at 32
//! clients).

use std::sync::Arc;

use tokio::sync::broadcast;

#[derive(Clone)]
pub struct Delivered(broadcast::Sender<Arc<[String]>>);

impl Default for Delivered {
    fn default() -> Self {
        // A poll that falls this many batches behind looks again (`Lagged`), so the
        // capacity bounds memory, not correctness.
        Self(broadcast::channel(256).0)
    }
}

impl Delivered {
    /// After a batch of outcomes was recorded.
    pub fn announce(&self, recipients: Vec<String>) {
        // No receiver (nobody polls): nothing to do.
        let _ = self.0.send(recipients.into());
    }

    /// Subscribe before looking, so a delivery between the look and the wait is not missed.
    pub fn watch(&self) -> Watch {
        Watch(self.0.subscribe())
    }
}

pub struct Watch(broadcast::Receiver<Arc<[String]>>);

impl Watch {
    /// Returns when a batch names `to` (any batch when `to` is `None`), or when batches
    /// were missed; never returns if the sender is gone (the caller has its own deadline).
    pub async fn named(&mut self, to: Option<&str>) {
        loop {
            match self.0.recv().await {
                Ok(batch) if to.is_none_or(|to| batch.iter().any(|r| r == to)) => return,
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => return,
                Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_poll_wakes_for_its_own_recipient_only() {
        let delivered = Delivered::default();
        let mut watch = delivered.watch();
        delivered.announce(vec!["bob@example.com".into()]);
        let early = tokio::time::timeout(Duration::from_millis(50), watch.named(Some("ada@example.com"))).await;
        assert!(early.is_err(), "woke for someone else's message");
        delivered.announce(vec!["eve@example.com".into(), "ada@example.com".into()]);
        let woke = tokio::time::timeout(Duration::from_secs(5), watch.named(Some("ada@example.com"))).await;
        assert!(woke.is_ok());
        let mut any = delivered.watch();
        delivered.announce(vec!["bob@example.com".into()]);
        assert!(tokio::time::timeout(Duration::from_secs(5), any.named(None)).await.is_ok());
    }
}
