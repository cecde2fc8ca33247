//! `/admin/v1/passwordless/send|verify|resend`: headless sign-in for apps with their own UI.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::scope::Scope;
use crate::domain::{Channel, OtpCode};
use crate::error::{AppError, AppResult};
use crate::flows::headless::{self, Proof, SendInput};
use crate::http::extract::{Admin, ApiJson, check_request_id, identifier_from};
use crate::http::openapi::{AdminDenied, ErrorBody};
use crate::http::views::{StartedView, UserView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(send)).routes(routes!(verify)).routes(routes!(resend))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct HeadlessSendBody {
    email: Option<String>,
    phone: Option<String>,
    channel: Option<Channel>,
    magic_link_url: Option<String>,
    state: Option<String>,
    locale: Option<String>,
    expires_in: Option<u64>,
}

/// Send a sign-in link and code for an app with its own UI (headless): the link lands on
/// `magic_link_url` (an allow-listed origin) with `?token=`. Limited per address like the
/// public start.
#[utoipa::path(post, operation_id = "adminSendPasswordless", path = "/admin/v1/passwordless/send", tag = "admin", request_body = HeadlessSendBody, security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 200, description = "Sent", body = StartedView),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ))]
async fn send(
    State(state): State<AppState>,
    admin: Admin,
    ApiJson(body): ApiJson<HeadlessSendBody>,
) -> AppResult<Json<StartedView>> {
    admin.require(Scope::Passwordless)?;
    let input = SendInput {
        identifier: identifier_from(body.email.as_deref(), body.phone.as_deref())?,
        channel: body.channel,
        magic_link_url: body.magic_link_url,
        state: body.state,
        locale: body.locale,
        expires_in_secs: body.expires_in,
    };
    Ok(Json(headless::send(&state, input, &admin.client).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct HeadlessVerifyBody {
    auth_request_id: Option<String>,
    code: Option<String>,
    token: Option<String>,
}

/// Who verified a headless sign-in.
#[derive(Serialize, ToSchema)]
struct IdentifiedView {
    user: UserView,
    /// Whether this verification created the account.
    created: bool,
    /// The `state` the send named, if any.
    state: Option<String>,
}

/// Verify a headless sign-in by request id and code, or by the link's token (with the
/// request id the app stored in the browser: the token must be that request's). No
/// session, no cookie: the app gets the user.
#[utoipa::path(post, operation_id = "adminVerifyPasswordless", path = "/admin/v1/passwordless/verify", tag = "admin", request_body = HeadlessVerifyBody, security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 200, description = "Verified", body = IdentifiedView),
        (status = 400, description = "`invalid_code`, `expired`, `invalid_request`", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`", body = ErrorBody),
    ))]
async fn verify(
    State(state): State<AppState>,
    admin: Admin,
    ApiJson(body): ApiJson<HeadlessVerifyBody>,
) -> AppResult<Json<IdentifiedView>> {
    admin.require(Scope::Passwordless)?;
    if let Some(id) = &body.auth_request_id {
        check_request_id(id)?;
    }
    let proof = match (body.token, body.auth_request_id, body.code) {
        (Some(token), auth_request_id, None) => Proof::Token { token, auth_request_id },
        (None, Some(auth_request_id), Some(code)) => {
            Proof::Code { auth_request_id, code: OtpCode::parse(&code).map_err(AppError::invalid)? }
        }
        _ => return Err(AppError::invalid("give auth_request_id and code, or token (and optionally auth_request_id)")),
    };
    let done = headless::verify(&state, proof, &admin.client).await?;
    Ok(Json(IdentifiedView { user: UserView::from(&done.user), created: done.created, state: done.app_state }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct HeadlessResendBody {
    auth_request_id: String,
}

/// Send a new link and code for a pending headless request.
#[utoipa::path(post, operation_id = "adminResendPasswordless", path = "/admin/v1/passwordless/resend", tag = "admin", request_body = HeadlessResendBody, security(("api_key" = [])),
    responses(
        AdminDenied,
        (status = 200, description = "Sent", body = StartedView),
        (status = 400, description = "`expired`, `invalid_request`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ))]
async fn resend(
    State(state): State<AppState>,
    admin: Admin,
    ApiJson(body): ApiJson<HeadlessResendBody>,
) -> AppResult<Json<StartedView>> {
    admin.require(Scope::Passwordless)?;
    check_request_id(&body.auth_request_id)?;
    Ok(Json(headless::resend(&state, &body.auth_request_id, &admin.client).await?.into()))
}
