//! `/admin/v1/users`: find, read, disable, enable and delete accounts; their sessions.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::domain::scope::Scope;
use crate::error::AppResult;
use crate::flows::api_keys::AdminKey;
use crate::flows::users;
use crate::http::views::{AccountView, SessionView};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/v1/users", get(list))
        .route("/admin/v1/users/{id}", get(show).delete(remove))
        .route("/admin/v1/users/{id}/disable", post(disable))
        .route("/admin/v1/users/{id}/enable", post(enable))
        .route("/admin/v1/users/{id}/sessions", get(sessions).delete(revoke_all))
        .route("/admin/v1/users/{id}/sessions/{sid}", delete(revoke_one))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    query: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

async fn list(
    State(state): State<AppState>,
    key: AdminKey,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<serde_json::Value>> {
    key.require(Scope::UsersRead)?;
    let page = users::list(state.store.as_ref(), q.query.as_deref(), q.cursor.as_deref(), q.limit).await?;
    let items: Vec<AccountView> = page.items.into_iter().map(AccountView::from).collect();
    Ok(Json(json!({ "items": items, "next_cursor": page.next_cursor })))
}

async fn show(State(state): State<AppState>, key: AdminKey, Path(id): Path<String>) -> AppResult<Json<AccountView>> {
    key.require(Scope::UsersRead)?;
    Ok(Json(users::find(state.store.as_ref(), &id).await?.into()))
}

async fn disable(State(state): State<AppState>, key: AdminKey, Path(id): Path<String>) -> AppResult<Json<AccountView>> {
    key.require(Scope::UsersWrite)?;
    Ok(Json(users::set_disabled(state.store.as_ref(), &id, true, state.now()).await?.into()))
}

async fn enable(State(state): State<AppState>, key: AdminKey, Path(id): Path<String>) -> AppResult<Json<AccountView>> {
    key.require(Scope::UsersWrite)?;
    Ok(Json(users::set_disabled(state.store.as_ref(), &id, false, state.now()).await?.into()))
}

async fn remove(State(state): State<AppState>, key: AdminKey, Path(id): Path<String>) -> AppResult<StatusCode> {
    key.require(Scope::UsersWrite)?;
    users::delete(state.store.as_ref(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn sessions(
    State(state): State<AppState>,
    key: AdminKey,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    key.require(Scope::UsersRead)?;
    let account = users::find(state.store.as_ref(), &id).await?;
    let list = crate::flows::sessions::list_sessions(&state, &account.id).await?;
    let items: Vec<SessionView> = list.iter().map(|s| SessionView::new(s, "")).collect();
    Ok(Json(json!({ "items": items, "next_cursor": null })))
}

async fn revoke_all(State(state): State<AppState>, key: AdminKey, Path(id): Path<String>) -> AppResult<StatusCode> {
    key.require(Scope::UsersWrite)?;
    let account = users::find(state.store.as_ref(), &id).await?;
    state.store.revoke_sessions(&account.id, None, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke_one(
    State(state): State<AppState>,
    key: AdminKey,
    Path((id, sid)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    key.require(Scope::UsersWrite)?;
    crate::flows::sessions::revoke_session(&state, &id, &sid).await?;
    Ok(StatusCode::NO_CONTENT)
}
