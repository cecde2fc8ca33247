//! `GET /admin/v1/audit`: who did what, when — newest first.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::clock::rfc3339;
use crate::domain::scope::Scope;
use crate::error::AppResult;
use crate::flows::audit;
use crate::http::extract::Admin;
use crate::http::openapi::{AdminDenied, ErrorBody};
use crate::http::views::PageView;
use crate::state::AppState;
use crate::store::AuditEvent;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    user_id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    since: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
struct AuditEventView {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    user_id: Option<String>,
    ip: String,
    user_agent: String,
    /// The name of the API key that made the change, for server-to-server calls.
    api_key: Option<String>,
    #[schema(value_type = Object)]
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

/// The audit trail, newest first, by account, type and time.
#[utoipa::path(get, operation_id = "adminListAuditEvents", path = "/admin/v1/audit", tag = "admin", params(ListQuery), security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 200, description = "One page", body = PageView<AuditEventView>),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
    ))]
async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<PageView<AuditEventView>>> {
    admin.require(Scope::AuditRead)?;
    let query = audit::Query {
        user_id: q.user_id.as_deref(),
        kind: q.kind.as_deref(),
        since: q.since.as_deref(),
        cursor: q.cursor.as_deref(),
        limit: q.limit,
    };
    let page = audit::list(state.store.as_ref(), query).await?;
    Ok(Json(PageView::of(page, AuditEventView::from)))
}
