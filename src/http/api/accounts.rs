//! Accounts JSON API: sign-up, password login, forgot/reset, and the signed-in person's
//! own account (`/v1/account…`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum_extra::extract::cookie::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::{Channel, OtpCode, RedirectTo};
use crate::error::{AppError, AppResult};
use crate::flows::account::{self, ChangeProof, ProfileInput};
use crate::flows::password_login::password_login;
use crate::flows::password_reset::{ForgotInput, ResetSecret, forgot, reset};
use crate::flows::signup::{SignUpInput, sign_up};
use crate::flows::{Client, Issued};
use crate::http::cookies;
use crate::http::csrf::CookieChange;
use crate::http::extract::{
    ApiJson, Authenticated, check_request_id, identifier_from, optional_email, optional_json, optional_phone,
};
use crate::http::openapi::ErrorBody;
use crate::http::views::{AccountView, LoggedInView, MaybeSignedIn, StartedView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(forgot_password))
        .routes(routes!(reset_password))
        .routes(routes!(get_account, patch_account, delete_account))
        .routes(routes!(change_password))
        .routes(routes!(change_identifier))
        .routes(routes!(confirm_identifier))
}

// Bodies holding a password derive neither Debug nor Serialize: nothing can log them.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SignUpBody {
    email: Option<String>,
    phone: Option<String>,
    password: String,
    name: Option<String>,
    preferred_channel: Option<Channel>,
    locale: Option<String>,
    redirect_to: Option<String>,
}

/// Sign up with a password: an unverified account and a verification (link and code)
/// over the preferred channel, completed like a sign-in.
///
/// The answer is the same whether or not the address already has an account.
#[utoipa::path(post, operation_id = "signUp", path = "/v1/signup", tag = "accounts", request_body = SignUpBody,
    responses(
        (status = 200, description = "Verification sent", body = StartedView),
        (status = 400, description = "`invalid_request`, `weak_password`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ))]
async fn signup(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    ApiJson(body): ApiJson<SignUpBody>,
) -> AppResult<(CookieJar, Json<StartedView>)> {
    let email = optional_email(body.email.as_deref())?;
    let phone = optional_phone(body.phone.as_deref())?;
    let (jar, device) = cookies::device(&state, jar);
    let input = SignUpInput {
        email,
        phone,
        password: body.password,
        name: body.name,
        preferred_channel: body.preferred_channel,
        locale: body.locale,
        redirect_to: body.redirect_to,
    };
    let started = sign_up(&state, input, device, &client).await?;
    Ok((jar, Json(started.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: Option<String>,
    phone: Option<String>,
    password: String,
    redirect_to: Option<String>,
}

/// Log in with a password.
#[utoipa::path(post, operation_id = "logIn", path = "/v1/login", tag = "accounts", request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in; sets the session cookie", body = LoggedInView),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 401, description = "`invalid_credentials` (whatever was wrong)", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`, `rate_limited`", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginBody>,
) -> AppResult<(CookieJar, Json<LoggedInView>)> {
    let identifier = identifier_from(body.email.as_deref(), body.phone.as_deref())?;
    let redirect_to = match body.redirect_to.as_deref() {
        Some(r) => RedirectTo::parse(r, &state.settings.redirect_allowlist).map_err(AppError::invalid)?,
        None => RedirectTo::default_target(state.base_path()),
    };
    let issued = password_login(&state, identifier, &body.password, redirect_to.as_str().to_owned(), &client).await?;
    Ok(signed_in(&state, jar, issued))
}

/// `{"user","session","redirect_to"}` and the session cookie.
fn signed_in(state: &AppState, jar: CookieJar, issued: Issued) -> (CookieJar, Json<LoggedInView>) {
    (cookies::signed_in(state, jar, issued.token), Json(LoggedInView::new(&issued.signed_in)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ForgotBody {
    email: Option<String>,
    phone: Option<String>,
    channel: Option<Channel>,
    locale: Option<String>,
}

/// Send a password reset (a code, and a link to `/reset-password`) to the account's own
/// address: the asked channel, else the preferred one, else email.
///
/// The answer is the same whether or not an account exists.
#[utoipa::path(post, operation_id = "forgotPassword", path = "/v1/password/forgot", tag = "accounts", request_body = ForgotBody,
    responses(
        (status = 200, description = "Sent when an account exists", body = StartedView),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ))]
async fn forgot_password(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    ApiJson(body): ApiJson<ForgotBody>,
) -> AppResult<(CookieJar, Json<StartedView>)> {
    let identifier = identifier_from(body.email.as_deref(), body.phone.as_deref())?;
    let (jar, device) = cookies::device(&state, jar);
    let input = ForgotInput { identifier, channel: body.channel, locale: body.locale };
    let started = forgot(&state, input, device, &client).await?;
    Ok((jar, Json(started.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    token: Option<String>,
    auth_request_id: Option<String>,
    code: Option<String>,
    new_password: String,
}

/// `{"token"}` or `{"auth_request_id","code"}`, never both.
fn secret_of(token: Option<String>, auth_request_id: Option<String>, code: Option<String>) -> AppResult<ResetSecret> {
    match (token, auth_request_id, code) {
        (Some(token), None, None) => Ok(ResetSecret::Token(token)),
        (None, Some(id), Some(code)) => {
            check_request_id(&id)?;
            let code = OtpCode::parse(&code).map_err(AppError::invalid)?;
            Ok(ResetSecret::Code { auth_request_id: id, code })
        }
        _ => Err(AppError::invalid("give either token, or auth_request_id and code")),
    }
}

/// A completed reset; signed in only with `passwords.sign_in_after_reset`.
#[derive(Serialize, ToSchema)]
struct ResetView {
    /// `reset`.
    status: &'static str,
    #[serde(flatten)]
    signed_in: MaybeSignedIn,
}

/// Set a new password with the reset's link token, or its request id and code. Every
/// session of the account ends, every outstanding secret dies.
#[utoipa::path(post, operation_id = "resetPassword", path = "/v1/password/reset", tag = "accounts", request_body = ResetBody,
    responses(
        (status = 200, description = "The password is set", body = ResetView),
        (status = 400, description = "`invalid_code`, `expired`, `weak_password`, `invalid_request`", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`", body = ErrorBody),
    ))]
async fn reset_password(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    ApiJson(body): ApiJson<ResetBody>,
) -> AppResult<(CookieJar, Json<ResetView>)> {
    let secret = secret_of(body.token, body.auth_request_id, body.code)?;
    Ok(match reset(&state, secret, &body.new_password, &client).await? {
        Some(issued) => {
            let (jar, Json(view)) = signed_in(&state, jar, issued);
            (jar, Json(ResetView { status: "reset", signed_in: Some(view).into() }))
        }
        // Every session of the account ended, this browser's too.
        None => {
            (cookies::signed_out(&state, jar), Json(ResetView { status: "reset", signed_in: MaybeSignedIn::default() }))
        }
    })
}

/// The signed-in account.
#[utoipa::path(get, operation_id = "getAccount", path = "/v1/account", tag = "accounts", security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The account", body = AccountView),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
    ))]
async fn get_account(State(state): State<AppState>, auth: Authenticated) -> AppResult<Json<AccountView>> {
    Ok(Json(account::account(&state, &auth.user.id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ProfileBody {
    /// `""` clears it.
    name: Option<String>,
    preferred_channel: Option<Channel>,
    locale: Option<String>,
}

/// Change the profile: name (`""` clears it), preferred channel, language.
#[utoipa::path(patch, operation_id = "updateAccount", path = "/v1/account", tag = "accounts", request_body = ProfileBody, security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The account", body = AccountView),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
    ))]
async fn patch_account(
    State(state): State<AppState>,
    _: CookieChange,
    auth: Authenticated,
    client: Client,
    ApiJson(body): ApiJson<ProfileBody>,
) -> AppResult<Json<AccountView>> {
    let input =
        ProfileInput { name: body.name.map(Some), preferred_channel: body.preferred_channel, locale: body.locale };
    Ok(Json(account::update_profile(&state, &auth.user.id, input, &client).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: Option<String>,
    new_password: String,
}

/// Change the password (the current one, or a sign-in younger than
/// `passwords.recent_sign_in`); every other session ends.
#[utoipa::path(post, operation_id = "changePassword", path = "/v1/account/password", tag = "accounts", request_body = PasswordBody, security(("session_cookie" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "`weak_password`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthorized`, `invalid_credentials`", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`", body = ErrorBody),
    ))]
async fn change_password(
    State(state): State<AppState>,
    _: CookieChange,
    auth: Authenticated,
    client: Client,
    ApiJson(body): ApiJson<PasswordBody>,
) -> AppResult<StatusCode> {
    account::change_password(&state, &auth.session, body.current_password.as_deref(), &body.new_password, &client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct IdentifierBody {
    email: Option<String>,
    phone: Option<String>,
    locale: Option<String>,
}

/// Send a code and link to a new email address or phone number; the account takes it once
/// verified.
#[utoipa::path(post, operation_id = "changeIdentifier", path = "/v1/account/identifier", tag = "accounts", request_body = IdentifierBody, security(("session_cookie" = [])),
    responses(
        (status = 200, description = "Sent (nothing to an address another account holds)", body = StartedView),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ))]
async fn change_identifier(
    State(state): State<AppState>,
    _: CookieChange,
    auth: Authenticated,
    client: Client,
    jar: CookieJar,
    ApiJson(body): ApiJson<IdentifierBody>,
) -> AppResult<(CookieJar, Json<StartedView>)> {
    let identifier = identifier_from(body.email.as_deref(), body.phone.as_deref())?;
    let (jar, device) = cookies::device(&state, jar);
    let started =
        account::start_identifier_change(&state, &auth.session, identifier, body.locale, device, &client).await?;
    Ok((jar, Json(started.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    token: Option<String>,
    auth_request_id: Option<String>,
    code: Option<String>,
}

/// Confirm the new address with its link token, or its request id and code.
#[utoipa::path(post, operation_id = "confirmIdentifier", path = "/v1/account/identifier/verify", tag = "accounts", request_body = ConfirmBody, security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The account with its new address", body = AccountView),
        (status = 400, description = "`invalid_code`, `expired`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthorized`", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`", body = ErrorBody),
    ))]
async fn confirm_identifier(
    State(state): State<AppState>,
    _: CookieChange,
    auth: Authenticated,
    client: Client,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> AppResult<Json<AccountView>> {
    let proof = match secret_of(body.token, body.auth_request_id, body.code)? {
        ResetSecret::Token(token) => ChangeProof::Token(token),
        ResetSecret::Code { auth_request_id, code } => ChangeProof::Code { auth_request_id, code },
    };
    Ok(Json(account::confirm_identifier_change(&state, &auth.session, proof, &client).await?.into()))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
struct DeleteBody {
    current_password: Option<String>,
}

/// Delete the account (optional `{"current_password"}`; without it the session must be
/// younger than `passwords.recent_sign_in`).
#[utoipa::path(delete, operation_id = "deleteAccount", path = "/v1/account", tag = "accounts", request_body(content = Option<DeleteBody>), security(("session_cookie" = [])),
    responses(
        (status = 204, description = "Deleted; the cookie is removed"),
        (status = 401, description = "`unauthorized`, `invalid_credentials`", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`", body = ErrorBody),
    ))]
async fn delete_account(
    State(state): State<AppState>,
    _: CookieChange,
    auth: Authenticated,
    client: Client,
    jar: CookieJar,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<(StatusCode, CookieJar)> {
    // No body: a session that signed in recently enough.
    let body: DeleteBody = optional_json(&headers, &body)?.unwrap_or_default();
    account::delete_account(&state, &auth.session, body.current_password.as_deref(), &client).await?;
    Ok((StatusCode::NO_CONTENT, cookies::signed_out(&state, jar)))
}
