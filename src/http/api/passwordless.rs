//! The passwordless JSON API: start, verify, resend, status.

use axum::Json;
use axum::extract::{Query, State};
use axum_extra::extract::cookie::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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
use crate::http::openapi::ErrorBody;
use crate::http::views::{LoggedInView, MaybeSignedIn, SignedInView, StartedView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(start)).routes(routes!(verify)).routes(routes!(resend)).routes(routes!(status))
}

/// An email address or a phone number (E.164), not both.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StartBody {
    email: Option<String>,
    phone: Option<String>,
    channel: Option<Channel>,
    redirect_to: Option<String>,
    locale: Option<String>,
}

/// Send a sign-in link and code.
///
/// The answer is the same whether or not an account exists. Sets the device cookie that
/// ties the link to this browser.
#[utoipa::path(post, operation_id = "startPasswordless", path = "/v1/passwordless/start", tag = "passwordless", request_body = StartBody,
    responses(
        (status = 200, description = "Sent (or, for an identifier that may not sign in, nothing sent)", body = StartedView),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = ErrorBody),
    ))]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    auth_request_id: String,
    code: String,
}

/// Sign in with the code typed in any browser.
#[utoipa::path(post, operation_id = "verifyCode", path = "/v1/passwordless/verify", tag = "passwordless", request_body = VerifyBody,
    responses(
        (status = 200, description = "Signed in; sets the session cookie", body = SignedInView),
        (status = 400, description = "`invalid_code` (with `attempts_remaining`), `expired`, `invalid_request`", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`, with `Retry-After`", body = ErrorBody),
    ))]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResendBody {
    auth_request_id: String,
}

/// Send a new link and code for a pending request (the old ones stop working).
#[utoipa::path(post, operation_id = "resendPasswordless", path = "/v1/passwordless/resend", tag = "passwordless", request_body = ResendBody,
    responses(
        (status = 200, description = "Sent", body = StartedView),
        (status = 400, description = "`expired`, `invalid_request`", body = ErrorBody),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = ErrorBody),
    ))]
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StatusQuery {
    auth_request_id: Option<String>,
}

/// Where a sign-in stands, for the browser that waits for an approval from another device.
#[derive(Serialize, ToSchema)]
struct StatusView {
    /// `pending`, `approved` (this browser is now signed in) or `expired`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(flatten)]
    signed_in: MaybeSignedIn,
}

/// The waiting browser's poll: pending, approved (then the session cookie) or expired.
#[utoipa::path(get, operation_id = "passwordlessStatus", path = "/v1/passwordless/status", tag = "passwordless", params(StatusQuery),
    responses(
        (status = 200, description = "The request's state; `approved` sets the session cookie", body = StatusView),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 403, description = "`wrong_browser`: only the browser that asked may take the approval", body = ErrorBody),
    ))]
async fn status(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    Query(q): Query<StatusQuery>,
) -> AppResult<(CookieJar, Json<StatusView>)> {
    let id = q.auth_request_id.ok_or_else(|| AppError::invalid("auth_request_id is required"))?;
    check_request_id(&id)?;
    let device = cookies::existing_device(&state, &jar);
    let view = |status| StatusView { status, expires_at: None, signed_in: MaybeSignedIn::default() };
    Ok(match poll_status(&state, &id, device, &client).await? {
        Status::Pending { expires_at } => {
            (jar, Json(StatusView { expires_at: Some(rfc3339(expires_at)), ..view("pending") }))
        }
        Status::Expired => (jar, Json(view("expired"))),
        Status::Approved(issued) => {
            let body = StatusView { signed_in: Some(LoggedInView::new(&issued.signed_in)).into(), ..view("approved") };
            (cookies::signed_in(&state, jar, issued.token), Json(body))
        }
    })
}
