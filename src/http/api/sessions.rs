//! Session API: who am I, sign out, my devices.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum_extra::extract::cookie::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppResult;
use crate::flows::Client;
use crate::flows::sessions::{LogoutScope, list_sessions, logout, revoke_session};
use crate::http::cookies;
use crate::http::csrf::CookieChange;
use crate::http::extract::{Authenticated, optional_json};
use crate::http::openapi::ErrorBody;
use crate::http::views::{SessionView, SignedInView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session))
        .routes(routes!(logout_handler))
        .routes(routes!(sessions))
        .routes(routes!(delete_session))
}

/// Who is signed in: the session cookie's user and session.
#[utoipa::path(get, operation_id = "getSession", path = "/v1/session", tag = "sessions", security(("session_cookie" = [])),
    responses(
        (status = 200, description = "Signed in", body = SignedInView),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
    ))]
async fn session(auth: Authenticated) -> Json<SignedInView> {
    Json(SignedInView::new(&auth.user, &auth.session))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LogoutBody {
    scope: Option<LogoutScope>,
}

/// Sign out this session (`current`, the default), every other one, or all. From a
/// browser the request must prove its origin (`Sec-Fetch-Site: same-origin`, a JSON body,
/// or the page's form token in `X-CSRF-Token`).
#[utoipa::path(post, operation_id = "logOut", path = "/v1/logout", tag = "sessions", request_body(content = Option<LogoutBody>), security(("session_cookie" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, description = "`invalid_request` (a foreign origin, a body that is not JSON)", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
    ))]
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

#[derive(Serialize, ToSchema)]
struct SessionsView {
    sessions: Vec<SessionView>,
}

/// The signed-in user's live sessions, newest first (`current` marks this one).
#[utoipa::path(get, operation_id = "listSessions", path = "/v1/sessions", tag = "sessions", security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The sessions", body = SessionsView),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
    ))]
async fn sessions(State(state): State<AppState>, auth: Authenticated) -> AppResult<Json<SessionsView>> {
    let list = list_sessions(&state, &auth.user.id).await?;
    Ok(Json(SessionsView { sessions: list.iter().map(|s| SessionView::new(s, &auth.session.id)).collect() }))
}

/// Sign out one of the user's sessions.
#[utoipa::path(delete, operation_id = "revokeSession", path = "/v1/sessions/{id}", tag = "sessions", params(("id" = String, Path, description = "The session id")),
    security(("session_cookie" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, description = "`invalid_request` (a foreign origin)", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 404, description = "`not_found`: not a live session of this user", body = ErrorBody),
    ))]
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
