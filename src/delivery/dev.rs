//! The dev provider: "delivers" by marking the outbox row as sent by `dev`. The row keeps
//! its payload, and `/dev/inbox` renders it with the same templates a real provider
//! would use, so the inbox always shows exactly what would have been sent.

use async_trait::async_trait;

use super::{Outgoing, SendError, Sender};

pub struct DevInbox;

pub const DEV_PROVIDER: &str = "dev";

#[async_trait]
impl Sender for DevInbox {
    fn name(&self) -> &'static str {
        DEV_PROVIDER
    }

    fn wants_rendered(&self) -> bool {
        false
    }

    async fn send(&self, _message: &Outgoing) -> Result<Option<String>, SendError> {
        Ok(None)
    }
}
