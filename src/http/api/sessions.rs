//! Session API: who am I, sign out, my devices.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use serde_json::json;

use crate::error::AppResult;
use crate::flows::Client;
use crate::flows::sessions::{LogoutScope, list_sessions, logout, revoke_session};
use crate::http::cookies;
use crate::http::csrf::CookieChange;
use crate::http::extract::{Authenticated, optional_json};
use crate::http::views::{SessionView, SignedInView};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/session", get(session))
        .route("/v1/logout", post(logout_handler))
        .route("/v1/sessions", get(sessions))
        .route("/v1/sessions/{id}", delete(delete_session))
}

async fn session(auth: Authenticated) -> Json<SignedInView> {
    Json(SignedInView::new(&auth.user, &auth.session))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogoutBody {
    scope: Option<LogoutScope>,
}

async fn logout_handler(
    State(state): State<AppState>,
    _: CookieChange,
    auth: Authenticated,
    client: Client,
    jar: CookieJar,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<(StatusCode, CookieJar)> {
    let body: Option<LogoutBody> = optional_json(&headers, &body)?;
    let scope = body.and_then(|b| b.scope).unwrap_or(LogoutScope::Current);
    logout(&state, &auth.session, scope, &client).await?;
    let jar = match scope {
        LogoutScope::Current | LogoutScope::All => cookies::signed_out(&state, jar),
        LogoutScope::Others => jar,
    };
    Ok((StatusCode::NO_CONTENT, jar))
}

async fn sessions(State(state): State<AppState>, auth: Authenticated) -> AppResult<Json<serde_json::Value>> {
    let list = list_sessions(&state, &auth.user.id).await?;
    let views: Vec<SessionView> = list.iter().map(|s| SessionView::new(s, &auth.session.id)).collect();
    Ok(Json(json!({ "sessions": views })))
}

async fn delete_session(
    State(state): State<AppState>,
    _: CookieChange,
    auth: Authenticated,
    client: Client,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    revoke_session(&state, &auth.user.id, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
