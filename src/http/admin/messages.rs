//! `GET /admin/v1/messages`: delivery status, never a secret.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::clock::rfc3339;
use crate::domain::scope::Scope;
use crate::error::AppResult;
use crate::flows::messages;
use crate::http::extract::Admin;
use crate::http::openapi::{AdminDenied, ErrorBody};
use crate::http::views::PageView;
use crate::state::AppState;
use crate::store::MessageStatus;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    to: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    since: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
struct MessageView {
    id: String,
    channel: String,
    to: String,
    kind: String,
    status: String,
    attempts: i64,
    provider: Option<String>,
    provider_message_id: Option<String>,
    last_error: Option<String>,
    created_at: String,
    sent_at: Option<String>,
}

impl From<MessageStatus> for MessageView {
    fn from(m: MessageStatus) -> Self {
        Self {
            id: m.seq.to_string(),
            channel: m.channel,
            to: m.recipient,
            kind: m.kind,
            status: m.status,
            attempts: m.attempts,
            provider: m.provider,
            provider_message_id: m.provider_message_id,
            last_error: m.last_error,
            created_at: rfc3339(m.created_at),
            sent_at: m.sent_at.map(rfc3339),
        }
    }
}

/// Delivery status of messages, newest first: never the link or code.
#[utoipa::path(get, operation_id = "adminListMessages", path = "/admin/v1/messages", tag = "admin", params(ListQuery), security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 200, description = "One page", body = PageView<MessageView>),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
    ))]
async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<PageView<MessageView>>> {
    admin.require(Scope::MessagesRead)?;
    let query = messages::Query {
        to: q.to.as_deref(),
        kind: q.kind.as_deref(),
        status: q.status.as_deref(),
        since: q.since.as_deref(),
        cursor: q.cursor.as_deref(),
        limit: q.limit,
    };
    let page = messages::list(state.store.as_ref(), query).await?;
    Ok(Json(PageView::of(page, MessageView::from)))
}
