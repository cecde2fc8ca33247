//! `/admin/v1/users`: find, read, disable, enable and delete accounts; their sessions.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::domain::Channel;
use crate::domain::scope::Scope;
use crate::error::AppResult;
use crate::flows::users;
use crate::http::extract::{Admin, ApiJson, optional_email, optional_phone};
use crate::http::views::{AccountView, SessionView};
use crate::state::AppState;
use crate::store::AccountChange;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/v1/users", get(list).post(create))
        .route("/admin/v1/users/{id}", get(show).patch(update).delete(remove))
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
    admin: Admin,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<serde_json::Value>> {
    admin.require(Scope::UsersRead)?;
    let page = users::list(state.store.as_ref(), q.query.as_deref(), q.cursor.as_deref(), q.limit).await?;
    let items: Vec<AccountView> = page.items.into_iter().map(AccountView::from).collect();
    Ok(Json(json!({ "items": items, "next_cursor": page.next_cursor })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    email: Option<String>,
    phone: Option<String>,
    #[serde(default)]
    email_verified: bool,
    #[serde(default)]
    phone_verified: bool,
    password: Option<String>,
    name: Option<String>,
    preferred_channel: Option<Channel>,
    locale: Option<String>,
    #[serde(default)]
    invite: bool,
}

async fn create(
    State(state): State<AppState>,
    admin: Admin,
    ApiJson(body): ApiJson<CreateBody>,
) -> AppResult<(StatusCode, Json<AccountView>)> {
    admin.require(Scope::UsersWrite)?;
    let input = users::CreateInput {
        email: optional_email(body.email.as_deref())?,
        phone: optional_phone(body.phone.as_deref())?,
        email_verified: body.email_verified,
        phone_verified: body.phone_verified,
        password: body.password,
        name: body.name,
        preferred_channel: body.preferred_channel,
        locale: body.locale,
        invite: body.invite,
    };
    let account = users::create(&state, input, &admin.client).await?;
    Ok((StatusCode::CREATED, Json(account.into())))
}

/// `null` clears a field; an absent field stays as it is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default, deserialize_with = "present")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    phone: Option<Option<String>>,
    email_verified: Option<bool>,
    phone_verified: Option<bool>,
    preferred_channel: Option<Channel>,
    locale: Option<String>,
    disabled: Option<bool>,
}

/// Tells a field given as `null` (`Some(None)`) from a field not given (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

async fn update(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateBody>,
) -> AppResult<Json<AccountView>> {
    admin.require(Scope::UsersWrite)?;
    let email = match body.email {
        Some(e) => Some(optional_email(e.as_deref())?.map(|e| e.as_str().to_owned())),
        None => None,
    };
    let phone = match body.phone {
        Some(p) => Some(optional_phone(p.as_deref())?.map(|p| p.as_str().to_owned())),
        None => None,
    };
    let change = AccountChange {
        name: body.name,
        email,
        phone,
        email_verified: body.email_verified,
        phone_verified: body.phone_verified,
        preferred_channel: body.preferred_channel,
        locale: body.locale,
    };
    let input = users::UpdateInput { change, disabled: body.disabled };
    Ok(Json(users::update(&state, &id, input, &admin.client).await?.into()))
}

async fn show(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> AppResult<Json<AccountView>> {
    admin.require(Scope::UsersRead)?;
    Ok(Json(users::find(state.store.as_ref(), &id).await?.into()))
}

async fn disable(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> AppResult<Json<AccountView>> {
    admin.require(Scope::UsersWrite)?;
    Ok(Json(users::set_disabled(state.store.as_ref(), &id, true, state.now(), &admin.client.actor()).await?.into()))
}

async fn enable(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> AppResult<Json<AccountView>> {
    admin.require(Scope::UsersWrite)?;
    Ok(Json(users::set_disabled(state.store.as_ref(), &id, false, state.now(), &admin.client.actor()).await?.into()))
}

async fn remove(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> AppResult<StatusCode> {
    admin.require(Scope::UsersWrite)?;
    users::delete(state.store.as_ref(), &id, state.now(), &admin.client.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn sessions(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    admin.require(Scope::UsersRead)?;
    let account = users::find(state.store.as_ref(), &id).await?;
    let list = crate::flows::sessions::list_sessions(&state, &account.id).await?;
    let items: Vec<SessionView> = list.iter().map(|s| SessionView::new(s, "")).collect();
    Ok(Json(json!({ "items": items, "next_cursor": null })))
}

async fn revoke_all(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> AppResult<StatusCode> {
    admin.require(Scope::UsersWrite)?;
    let account = users::find(state.store.as_ref(), &id).await?;
    state.store.revoke_sessions(&account.id, None, state.now(), &admin.client.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke_one(
    State(state): State<AppState>,
    admin: Admin,
    Path((id, sid)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    admin.require(Scope::UsersWrite)?;
    crate::flows::sessions::revoke_session(&state, &id, &sid, &admin.client).await?;
    Ok(StatusCode::NO_CONTENT)
}
