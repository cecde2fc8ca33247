//! The dev inbox (only while the dev provider is active): every message the dev provider
//! delivered, rendered with the real templates, newest first.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::clock::rfc3339;
use crate::delivery::message::render;
use crate::domain::Identifier;
use crate::error::{AppError, AppResult};
use crate::http::pages::page;
use crate::state::AppState;
use crate::store::OutboxMessage;

const LIMIT: usize = 100;

pub fn router() -> Router<AppState> {
    Router::new().route("/dev/inbox", get(html)).route("/dev/inbox.json", get(json))
}

#[derive(Deserialize)]
struct InboxQuery {
    to: Option<String>,
}

#[derive(Serialize)]
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
    let rendered = render(&state.templates, m.channel, &m.kind, &m.payload)?;
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

async fn json(State(state): State<AppState>, Query(q): Query<InboxQuery>) -> AppResult<Json<serde_json::Value>> {
    let messages = messages(&state, q.to).await?;
    Ok(Json(serde_json::json!({ "messages": messages })))
}

async fn html(State(state): State<AppState>, Query(q): Query<InboxQuery>) -> Response {
    match messages(&state, q.to).await {
        Ok(messages) => page(
            &state,
            StatusCode::OK,
            "dev_inbox.html",
            minijinja::context! { messages => minijinja::value::Serde(messages) },
        ),
        Err(e) => crate::http::pages::error_page(&state, e),
    }
}
