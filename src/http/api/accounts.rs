//! Accounts JSON API: sign-up, password login, forgot/reset, and the signed-in person's
//! own account (`/v1/account…`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use serde_json::json;

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
use crate::http::views::{AccountView, SignedInView, StartedView};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/signup", post(signup))
        .route("/v1/login", post(login))
        .route("/v1/password/forgot", post(forgot_password))
        .route("/v1/password/reset", post(reset_password))
        .route("/v1/account", get(get_account).patch(patch_account).delete(delete_account))
        .route("/v1/account/password", post(change_password))
        .route("/v1/account/identifier", post(change_identifier))
        .route("/v1/account/identifier/verify", post(confirm_identifier))
}

// Bodies holding a password derive neither Debug nor Serialize: nothing can log them.
#[derive(Deserialize)]
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: Option<String>,
    phone: Option<String>,
    password: String,
    redirect_to: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginBody>,
) -> AppResult<(CookieJar, Json<serde_json::Value>)> {
    let identifier = identifier_from(body.email.as_deref(), body.phone.as_deref())?;
    let redirect_to = match body.redirect_to.as_deref() {
        Some(r) => RedirectTo::parse(r, &state.settings.redirect_allowlist).map_err(AppError::invalid)?,
        None => RedirectTo::default_target(),
    };
    let issued = password_login(&state, identifier, &body.password, redirect_to.as_str().to_owned(), &client).await?;
    Ok(signed_in(&state, jar, issued))
}

/// `{"user","session","redirect_to"}` and the session cookie.
fn signed_in(state: &AppState, jar: CookieJar, issued: Issued) -> (CookieJar, Json<serde_json::Value>) {
    let view = SignedInView::new(&issued.signed_in.user, &issued.signed_in.session);
    let body = json!({ "user": view.user, "session": view.session, "redirect_to": issued.signed_in.redirect_to });
    (cookies::signed_in(state, jar, issued.token), Json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForgotBody {
    email: Option<String>,
    phone: Option<String>,
    channel: Option<Channel>,
    locale: Option<String>,
}

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

#[derive(Deserialize)]
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

async fn reset_password(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    ApiJson(body): ApiJson<ResetBody>,
) -> AppResult<(CookieJar, Json<serde_json::Value>)> {
    let secret = secret_of(body.token, body.auth_request_id, body.code)?;
    Ok(match reset(&state, secret, &body.new_password, &client).await? {
        Some(issued) => {
            let (jar, Json(mut body)) = signed_in(&state, jar, issued);
            body["status"] = json!("reset");
            (jar, Json(body))
        }
        // Every session of the account ended, this browser's too.
        None => (cookies::signed_out(&state, jar), Json(json!({ "status": "reset" }))),
    })
}

async fn get_account(State(state): State<AppState>, auth: Authenticated) -> AppResult<Json<AccountView>> {
    Ok(Json(account::account(&state, &auth.user.id).await?.into()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileBody {
    /// `""` clears it.
    name: Option<String>,
    preferred_channel: Option<Channel>,
    locale: Option<String>,
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: Option<String>,
    new_password: String,
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentifierBody {
    email: Option<String>,
    phone: Option<String>,
    locale: Option<String>,
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    token: Option<String>,
    auth_request_id: Option<String>,
    code: Option<String>,
}

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

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DeleteBody {
    current_password: Option<String>,
}

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
