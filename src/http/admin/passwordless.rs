//! `/admin/v1/passwordless/send|verify|resend`: headless sign-in for apps with their own UI.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::domain::scope::Scope;
use crate::domain::{Channel, OtpCode};
use crate::error::{AppError, AppResult};
use crate::flows::headless::{self, Proof, SendInput};
use crate::http::extract::{Admin, ApiJson, check_request_id, identifier_from};
use crate::http::views::{StartedView, UserView};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/v1/passwordless/send", post(send))
        .route("/admin/v1/passwordless/verify", post(verify))
        .route("/admin/v1/passwordless/resend", post(resend))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendBody {
    email: Option<String>,
    phone: Option<String>,
    channel: Option<Channel>,
    magic_link_url: Option<String>,
    state: Option<String>,
    locale: Option<String>,
    expires_in: Option<u64>,
}

async fn send(
    State(state): State<AppState>,
    admin: Admin,
    ApiJson(body): ApiJson<SendBody>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    auth_request_id: Option<String>,
    code: Option<String>,
    token: Option<String>,
}

async fn verify(
    State(state): State<AppState>,
    admin: Admin,
    ApiJson(body): ApiJson<VerifyBody>,
) -> AppResult<Json<serde_json::Value>> {
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
    let user = UserView::from(&done.user);
    Ok(Json(json!({ "user": user, "created": done.created, "state": done.app_state })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResendBody {
    auth_request_id: String,
}

async fn resend(
    State(state): State<AppState>,
    admin: Admin,
    ApiJson(body): ApiJson<ResendBody>,
) -> AppResult<Json<StartedView>> {
    admin.require(Scope::Passwordless)?;
    check_request_id(&body.auth_request_id)?;
    Ok(Json(headless::resend(&state, &body.auth_request_id, &admin.client).await?.into()))
}
