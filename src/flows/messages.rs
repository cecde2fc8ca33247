//! Delivery status of messages for operators (`GET /admin/v1/messages`): what went out,
//! to whom, how it went — never a link or a code (the payload is not even read).

use crate::domain::Identifier;
use crate::error::{AppError, AppResult};
use crate::flows::paging::{self, Page};
use crate::messages::KINDS;
use crate::store::{MessageFilter, MessageStatus, Store};

const STATUSES: &[&str] = &["queued", "sending", "sent", "failed", "suppressed"];

pub struct Query<'a> {
    pub to: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub status: Option<&'a str>,
    pub since: Option<&'a str>,
    pub cursor: Option<&'a str>,
    pub limit: Option<usize>,
}

pub async fn list(store: &dyn Store, q: Query<'_>) -> AppResult<Page<MessageStatus>> {
    let limit = paging::limit(q.limit)?;
    // The stored recipient is canonical: find it the way it was stored.
    let recipient =
        q.to.map(|to| Identifier::parse_any(to).map(|i| i.as_str().to_owned()).map_err(AppError::invalid))
            .transpose()?;
    if let Some(kind) = q.kind.filter(|k| !KINDS.contains(k)) {
        return Err(AppError::invalid(format!("unknown kind {kind:?}; kinds: {}", KINDS.join(", "))));
    }
    if let Some(status) = q.status.filter(|s| !STATUSES.contains(s)) {
        return Err(AppError::invalid(format!("unknown status {status:?}; statuses: {}", STATUSES.join(", "))));
    }
    let since = paging::since(q.since)?;
    let before = paging::seq_cursor(q.cursor)?;
    let filter = MessageFilter {
        recipient,
        kind: q.kind.map(str::to_owned),
        status: q.status.map(str::to_owned),
        since,
        before,
    };
    let rows = store.list_messages(filter, limit + 1).await?;
    Ok(paging::page(rows, limit, |m| m.seq.to_string()))
}
