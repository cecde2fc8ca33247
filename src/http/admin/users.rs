//! `/admin/v1/users`: find, read, disable, enable and delete accounts; their sessions.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::Channel;
use crate::domain::scope::Scope;
use crate::error::AppResult;
use crate::flows::users;
use crate::http::extract::{Admin, ApiJson, optional_email, optional_phone};
use crate::http::openapi::{AdminDenied, ErrorBody};
use crate::http::views::{AccountView, PageView, SessionView};
use crate::state::AppState;
use crate::store::AccountChange;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(disable))
        .routes(routes!(enable))
        .routes(routes!(sessions, revoke_all))
        .routes(routes!(revoke_one))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    query: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

/// Accounts newest first; `query` is a prefix of the email, phone or name.
#[utoipa::path(get, operation_id = "adminListUsers", path = "/admin/v1/users", tag = "admin", params(ListQuery), security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 200, description = "One page", body = PageView<AccountView>),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
    ))]
async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<PageView<AccountView>>> {
    admin.require(Scope::UsersRead)?;
    let page = users::list(state.store.as_ref(), q.query.as_deref(), q.cursor.as_deref(), q.limit).await?;
    Ok(Json(PageView::of(page, AccountView::from)))
}

#[derive(Deserialize, ToSchema)]
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

/// Create an account, with or without a password, optionally inviting the person (a
/// sign-in link and code to its preferred address).
#[utoipa::path(post, operation_id = "adminCreateUser", path = "/admin/v1/users", tag = "admin", request_body = CreateBody, security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 201, description = "Created", body = AccountView),
        (status = 400, description = "`invalid_request`, `weak_password`", body = ErrorBody),
        (status = 409, description = "`conflict`: another account holds the address", body = ErrorBody),
    ))]
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
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
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

/// Change an account: `null` clears a field, an absent one stays; a changed address is
/// unverified unless said; `disabled` disables or enables.
#[utoipa::path(patch, operation_id = "adminUpdateUser", path = "/admin/v1/users/{id}", tag = "admin", request_body = UpdateBody, params(("id" = String, Path, description = "The account id (or, for GET, its email or phone)")), security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 200, description = "The account", body = AccountView),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`conflict`: another account holds the address", body = ErrorBody),
    ))]
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

/// One account, by id, email or phone.
#[utoipa::path(get, operation_id = "adminGetUser", path = "/admin/v1/users/{id}", tag = "admin", params(("id" = String, Path, description = "The account id (or, for GET, its email or phone)")), security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 200, description = "The account", body = AccountView),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ))]
async fn show(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> AppResult<Json<AccountView>> {
    admin.require(Scope::UsersRead)?;
    Ok(Json(users::find(state.store.as_ref(), &id).await?.into()))
}

/// Disable: every session ends, every outstanding secret dies, every sign-in method refuses.
#[utoipa::path(post, operation_id = "adminDisableUser", path = "/admin/v1/users/{id}/disable", tag = "admin", params(("id" = String, Path, description = "The account id (or, for GET, its email or phone)")), security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 200, description = "The account", body = AccountView),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ))]
async fn disable(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> AppResult<Json<AccountView>> {
    admin.require(Scope::UsersWrite)?;
    Ok(Json(users::set_disabled(state.store.as_ref(), &id, true, state.now(), &admin.client.actor()).await?.into()))
}

/// Enable a disabled account.
#[utoipa::path(post, operation_id = "adminEnableUser", path = "/admin/v1/users/{id}/enable", tag = "admin", params(("id" = String, Path, description = "The account id (or, for GET, its email or phone)")), security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 200, description = "The account", body = AccountView),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ))]
async fn enable(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> AppResult<Json<AccountView>> {
    admin.require(Scope::UsersWrite)?;
    Ok(Json(users::set_disabled(state.store.as_ref(), &id, false, state.now(), &admin.client.actor()).await?.into()))
}

/// Delete the account with its sessions and requests (its audit events stay).
#[utoipa::path(delete, operation_id = "adminDeleteUser", path = "/admin/v1/users/{id}", tag = "admin", params(("id" = String, Path, description = "The account id (or, for GET, its email or phone)")), security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 204, description = "Deleted"),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ))]
async fn remove(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> AppResult<StatusCode> {
    admin.require(Scope::UsersWrite)?;
    users::delete(state.store.as_ref(), &id, state.now(), &admin.client.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account's live sessions.
#[utoipa::path(get, operation_id = "adminListUserSessions", path = "/admin/v1/users/{id}/sessions", tag = "admin", params(("id" = String, Path, description = "The account id (or, for GET, its email or phone)")), security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 200, description = "Every live session, in one page", body = PageView<SessionView>),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ))]
async fn sessions(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> AppResult<Json<PageView<SessionView>>> {
    admin.require(Scope::UsersRead)?;
    let account = users::find(state.store.as_ref(), &id).await?;
    let list = crate::flows::sessions::list_sessions(&state, &account.id).await?;
    let items: Vec<SessionView> = list.iter().map(|s| SessionView::new(s, "")).collect();
    Ok(Json(PageView { items, next_cursor: None }))
}

/// End every session of the account.
#[utoipa::path(delete, operation_id = "adminRevokeUserSessions", path = "/admin/v1/users/{id}/sessions", tag = "admin", params(("id" = String, Path, description = "The account id (or, for GET, its email or phone)")), security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 204, description = "Ended"),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ))]
async fn revoke_all(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> AppResult<StatusCode> {
    admin.require(Scope::UsersWrite)?;
    let account = users::find(state.store.as_ref(), &id).await?;
    state.store.revoke_sessions(&account.id, None, state.now(), &admin.client.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End one session of the account.
#[utoipa::path(delete, operation_id = "adminRevokeUserSession", path = "/admin/v1/users/{id}/sessions/{sid}", tag = "admin",
    params(("id" = String, Path, description = "The account id"), ("sid" = String, Path, description = "The session id")),
    security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 204, description = "Ended"),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ))]
async fn revoke_one(
    State(state): State<AppState>,
    admin: Admin,
    Path((id, sid)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    admin.require(Scope::UsersWrite)?;
    crate::flows::sessions::revoke_session(&state, &id, &sid, &admin.client).await?;
    Ok(StatusCode::NO_CONTENT)
}
