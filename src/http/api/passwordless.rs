//! The passwordless JSON API: start, verify, resend, status.

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use serde_json::json;

use crate::clock::rfc3339;
use crate::domain::{Channel, OtpCode};
use crate::error::{AppError, AppResult};
use crate::flows::Client;
use crate::flows::poll_status::{Status, poll_status};
use crate::flows::resend_passwordless::resend_passwordless;
use crate::flows::start_passwordless::{StartInput, start_passwordless};
use crate::flows::verify_code::verify_code;
use crate::http::cookies;
use crate::http::extract::{ApiJson, check_request_id, identifier_from};
use crate::http::views::{SignedInView, StartedView};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/passwordless/start", post(start))
        .route("/v1/passwordless/verify", post(verify))
        .route("/v1/passwordless/resend", post(resend))
        .route("/v1/passwordless/status", get(status))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartBody {
    email: Option<String>,
    phone: Option<String>,
    channel: Option<Channel>,
    redirect_to: Option<String>,
    locale: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    ApiJson(body): ApiJson<StartBody>,
) -> AppResult<(CookieJar, Json<StartedView>)> {
    let identifier = identifier_from(body.email.as_deref(), body.phone.as_deref())?;
    let (jar, device) = cookies::device(&state, jar);
    let input = StartInput { identifier, channel: body.channel, redirect_to: body.redirect_to, locale: body.locale };
    let started = start_passwordless(&state, input, device, &client).await?;
    Ok((jar, Json(started.into())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    auth_request_id: String,
    code: String,
}

async fn verify(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    ApiJson(body): ApiJson<VerifyBody>,
) -> AppResult<(CookieJar, Json<SignedInView>)> {
    let code = OtpCode::parse(&body.code).map_err(AppError::invalid)?;
    check_request_id(&body.auth_request_id)?;
    let issued = verify_code(&state, &body.auth_request_id, &code, &client).await?;
    let view = SignedInView::new(&issued.signed_in.user, &issued.signed_in.session);
    Ok((cookies::signed_in(&state, jar, issued.token), Json(view)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResendBody {
    auth_request_id: String,
}

async fn resend(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    ApiJson(body): ApiJson<ResendBody>,
) -> AppResult<Json<StartedView>> {
    check_request_id(&body.auth_request_id)?;
    let device = cookies::existing_device(&state, &jar);
    let started = resend_passwordless(&state, &body.auth_request_id, device, &client).await?;
    Ok(Json(started.into()))
}

#[derive(Deserialize)]
struct StatusQuery {
    auth_request_id: Option<String>,
}

async fn status(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    Query(q): Query<StatusQuery>,
) -> AppResult<(CookieJar, Json<serde_json::Value>)> {
    let id = q.auth_request_id.ok_or_else(|| AppError::invalid("auth_request_id is required"))?;
    check_request_id(&id)?;
    let device = cookies::existing_device(&state, &jar);
    Ok(match poll_status(&state, &id, device, &client).await? {
        Status::Pending { expires_at } => {
            (jar, Json(json!({ "status": "pending", "expires_at": rfc3339(expires_at) })))
        }
        Status::Expired => (jar, Json(json!({ "status": "expired" }))),
        Status::Approved(issued) => {
            let view = SignedInView::new(&issued.signed_in.user, &issued.signed_in.session);
            let body = json!({ "status": "approved", "user": view.user, "session": view.session, "redirect_to": issued.signed_in.redirect_to });
            (cookies::signed_in(&state, jar, issued.token), Json(body))
        }
    })
}
