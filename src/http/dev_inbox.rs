//! The dev inbox (only while the dev provider is active): every message the dev provider
//! delivered, rendered with the real templates, newest first.

use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::clock::rfc3339;
use crate::delivery::message::render;
use crate::domain::Identifier;
use crate::error::{AppError, AppResult};
use crate::http::openapi::ErrorBody;
use crate::http::pages::{PageLocale, page};
use crate::state::AppState;
use crate::store::OutboxMessage;

const LIMIT: usize = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().route("/dev/inbox", get(html)).routes(routes!(json))
}

/// Longest `wait` accepted, in seconds.
const MAX_WAIT_SECS: u64 = 10;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct InboxQuery {
    to: Option<String>,
    /// Seconds to wait for a first message when there is none yet (tests and scripts:
    /// no polling loop needed). Capped at 10.
    wait: Option<u64>,
}

#[derive(Serialize, ToSchema)]
struct InboxMessage {
    id: String,
    channel: &'static str,
    to: String,
    subject: String,
    text: String,
    html: Option<String>,
    created_at: String,
}

async fn messages(state: &AppState, to: Option<String>) -> AppResult<Vec<InboxMessage>> {
    // `to` is canonicalised like any identifier, so `Alice@Example.com` finds the mail
    // sent to `alice@example.com`.
    let recipient = match to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => {
            Some(Identifier::parse_any(t).map_err(|e| AppError::invalid(format!("to: {e}")))?.as_str().to_owned())
        }
        None => None,
    };
    let rows = state.store.dev_inbox(recipient, LIMIT).await?;
    rows.iter().map(|m| view(state, m)).collect()
}

fn view(state: &AppState, m: &OutboxMessage) -> AppResult<InboxMessage> {
    let locale = crate::i18n::negotiate([m.locale.as_deref()], state.default_locale());
    let rendered = render(&state.templates, m.channel, &m.kind, locale, &m.payload)?;
    Ok(InboxMessage {
        id: m.seq.to_string(),
        channel: m.channel.as_str(),
        to: m.recipient.clone(),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        created_at: rfc3339(m.created_at),
    })
}

#[derive(Serialize, ToSchema)]
struct Inbox {
    messages: Vec<InboxMessage>,
}

/// Messages the `dev` provider delivered, newest first (only while it is active:
/// development setups).
#[utoipa::path(get, operation_id = "devInbox", path = "/dev/inbox.json", tag = "dev", params(InboxQuery),
    responses(
        (status = 200, description = "The messages", body = Inbox),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
    ))]
async fn json(State(state): State<AppState>, Query(q): Query<InboxQuery>) -> AppResult<Json<Inbox>> {
    // Never as long as the request timeout: the answer must come before it (schemathesis
    // found `wait=10` answered 503 under `http.request_timeout = 10s`).
    let limit = state.settings.http.request_timeout.saturating_sub(Duration::from_secs(1));
    let wait = Duration::from_secs(q.wait.unwrap_or(0).min(MAX_WAIT_SECS)).min(limit);
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        // Listen before looking, so a delivery between the two is not missed.
        let delivered = state.delivered.notified();
        let messages = messages(&state, q.to.clone()).await?;
        if !messages.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(Json(Inbox { messages }));
        }
        // Another instance may deliver: look again at least every 100 ms.
        let next = deadline.min(tokio::time::Instant::now() + Duration::from_millis(100));
        tokio::select! {
            _ = delivered => {}
            _ = tokio::time::sleep_until(next) => {}
        }
    }
}

async fn html(State(state): State<AppState>, locale: PageLocale, Query(q): Query<InboxQuery>) -> Response {
    match messages(&state, q.to).await {
        Ok(messages) => page(
            &state,
            locale,
            StatusCode::OK,
            "dev_inbox.html",
            minijinja::context! { messages => minijinja::value::Serde(messages) },
        ),
        Err(e) => crate::http::pages::error_page(&state, locale, e),
    }
}
