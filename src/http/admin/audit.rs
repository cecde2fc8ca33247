//! `GET /admin/v1/audit`: who did what, when — newest first.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::rfc3339;
use crate::domain::scope::Scope;
use crate::error::AppResult;
use crate::flows::audit;
use crate::http::extract::Admin;
use crate::state::AppState;
use crate::store::AuditEvent;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/v1/audit", get(list))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    user_id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    since: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

#[derive(Serialize)]
struct AuditEventView {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    user_id: Option<String>,
    ip: String,
    user_agent: String,
    /// The name of the API key that made the change, for server-to-server calls.
    api_key: Option<String>,
    details: serde_json::Value,
    created_at: String,
}

impl From<AuditEvent> for AuditEventView {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.seq.to_string(),
            kind: e.kind,
            user_id: e.user_id,
            ip: e.ip,
            user_agent: e.user_agent,
            api_key: e.api_key,
            details: e.details.and_then(|d| serde_json::from_str(&d).ok()).unwrap_or_else(|| json!({})),
            created_at: rfc3339(e.created_at),
        }
    }
}

async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<serde_json::Value>> {
    admin.require(Scope::AuditRead)?;
    let query = audit::Query {
        user_id: q.user_id.as_deref(),
        kind: q.kind.as_deref(),
        since: q.since.as_deref(),
        cursor: q.cursor.as_deref(),
        limit: q.limit,
    };
    let page = audit::list(state.store.as_ref(), query).await?;
    let items: Vec<AuditEventView> = page.items.into_iter().map(AuditEventView::from).collect();
    Ok(Json(json!({ "items": items, "next_cursor": page.next_cursor })))
}
