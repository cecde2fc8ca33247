//! The audit trail for operators (`GET /admin/v1/audit`) and for the account's owner
//! (recent activity on `/account`). The rows are written by the store, inside the units
//! of work they record (`store::audit`).

use crate::error::{AppError, AppResult};
use crate::flows::paging::{self, Page};
use crate::store::{AuditEvent, AuditFilter, EventType, Store};

pub struct Query<'a> {
    pub user_id: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub since: Option<&'a str>,
    pub cursor: Option<&'a str>,
    pub limit: Option<usize>,
}

/// Events newest first, filtered by account, type and time.
pub async fn list(store: &dyn Store, q: Query<'_>) -> AppResult<Page<AuditEvent>> {
    let limit = paging::limit(q.limit)?;
    if let Some(kind) = q.kind.filter(|k| EventType::parse(k).is_none()) {
        let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        return Err(AppError::invalid(format!("unknown type {kind:?}; types: {}", known.join(", "))));
    }
    if q.user_id.is_some_and(|u| u.is_empty() || u.len() > 64) {
        return Err(AppError::invalid("user_id is not an account id"));
    }
    let filter = AuditFilter {
        user_id: q.user_id.map(str::to_owned),
        kind: q.kind.map(str::to_owned),
        since: paging::since(q.since)?,
        before: paging::seq_cursor(q.cursor)?,
    };
    let rows = store.list_events(filter, limit + 1).await?;
    Ok(paging::page(rows, limit, |e| e.seq.to_string()))
}

/// What the owner sees of their account's history: the latest events of the kinds a
/// person recognises (sign-ins, failures, changes), never another account's.
pub async fn recent_activity(store: &dyn Store, user_id: &str, limit: usize) -> AppResult<Vec<AuditEvent>> {
    let filter = AuditFilter { user_id: Some(user_id.to_owned()), ..AuditFilter::default() };
    Ok(store.list_events(filter, limit).await?)
}
