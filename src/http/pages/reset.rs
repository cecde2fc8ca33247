//! `/forgot-password` (ask for a reset code and link) and `/reset-password` (the code or
//! the emailed link, and a new password), over `flows::password_reset` (OWASP Forgot
//! Password cheat sheet).
//!
//! `GET /reset-password?token=…` only shows the form: the token is spent by the form post,
//! so a mail scanner that opens links cannot use it up. Like every page it is served with
//! `Referrer-Policy: no-referrer` (`headers::security_headers`), so the token in its URL
//! never leaks to another site.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::login::identifier_error;
use super::proof::Proof;
use super::{
    CsrfForm, GetAnswers, LocaleQuery, PageLocale, PageQuery, PostAnswers, error_page, form_page, notice_of,
    with_retry_after,
};
use crate::domain::Identifier;
use crate::error::AppError;
use crate::flows::Client;
use crate::flows::password_reset::{ForgotInput, forgot, reset};
use crate::http::cookies;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(forgot_form, forgot_submit)).routes(routes!(reset_form, reset_submit))
}

fn forgot_page(
    state: &AppState,
    locale: PageLocale,
    jar: CookieJar,
    status: StatusCode,
    identifier: &str,
    error: Option<String>,
) -> Response {
    form_page(state, locale, jar, status, "forgot.html", minijinja::context! { identifier, error })
}

#[utoipa::path(
    get,
    operation_id = "pageResetForgotForm",
    path = "/forgot-password",
    tag = "pages",
    summary = "Ask for a password reset",
    params(LocaleQuery),
    responses(GetAnswers)
)]
async fn forgot_form(State(state): State<AppState>, locale: PageLocale, jar: CookieJar) -> Response {
    forgot_page(&state, locale, jar, StatusCode::OK, "", None)
}

#[derive(Deserialize, ToSchema)]
#[schema(as = PageForgotForm)]
struct ForgotForm {
    identifier: Option<String>,
}

#[utoipa::path(post, operation_id = "pageResetForgotSubmit", path = "/forgot-password", tag = "pages", summary = "Send a password reset", params(LocaleQuery), request_body(content = ForgotForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn forgot_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Response {
    let typed = form.identifier.unwrap_or_default();
    let identifier = match Identifier::parse_any(&typed) {
        Ok(identifier) => identifier,
        Err(e) => {
            let error = Some(identifier_error(locale, &e));
            return forgot_page(&state, locale, jar, StatusCode::BAD_REQUEST, &typed, error);
        }
    };
    let (jar, device) = cookies::device(&state, jar);
    let input = ForgotInput { identifier, channel: None, locale: locale.for_message() };
    match forgot(&state, input, device, &client).await {
        // The same next page for every address, with or without an account (no
        // enumeration, DESIGN.md).
        Ok(started) => {
            let to = format!(
                "{}/reset-password?auth_request_id={}{}",
                state.base_path(),
                started.auth_request_id,
                locale.query(false)
            );
            (jar, Redirect::to(&to)).into_response()
        }
        Err(e @ (AppError::RateLimited { .. } | AppError::InvalidRequest(_))) => {
            let error = Some(e.message_in(locale.locale));
            with_retry_after(forgot_page(&state, locale, jar, e.status(), &typed, error), &e)
        }
        Err(e) => error_page(&state, locale, e),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ResetQuery {
    token: Option<String>,
    auth_request_id: Option<String>,
}

/// Shows the form and nothing else: the token is not looked at, let alone spent.
#[utoipa::path(
    get,
    operation_id = "pageResetResetForm",
    path = "/reset-password",
    tag = "pages",
    summary = "Choose a new password (a link never spent by opening it)",
    params(LocaleQuery, ResetQuery),
    responses(GetAnswers)
)]
async fn reset_form(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    PageQuery(q): PageQuery<ResetQuery>,
) -> Response {
    match Proof::of(&q.token, &q.auth_request_id) {
        Some(proof) => proof.page(&state, locale, jar, StatusCode::OK, "reset.html", None),
        None => unusable(&state, locale),
    }
}

// Holds a password and a secret: no Debug, nothing can log them.
#[derive(Deserialize, ToSchema)]
#[schema(as = PageResetForm)]
struct ResetForm {
    token: Option<String>,
    auth_request_id: Option<String>,
    code: Option<String>,
    new_password: Option<String>,
}

#[utoipa::path(post, operation_id = "pageResetResetSubmit", path = "/reset-password", tag = "pages", summary = "Set the new password with the reset code or link", params(LocaleQuery), request_body(content = ResetForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn reset_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Response {
    let Some(proof) = Proof::of(&form.token, &form.auth_request_id) else { return unusable(&state, locale) };
    let Some(secret) = proof.secret(form.code.as_deref()) else {
        let error = Some(locale.t("page-code-error-format"));
        return proof.page(&state, locale, jar, StatusCode::BAD_REQUEST, "reset.html", error);
    };
    let new_password = form.new_password.unwrap_or_default();
    match reset(&state, secret, &new_password, &client).await {
        // Every session of the account ended, this browser's too: its cookie goes, and
        // the person logs in with the new password (which a password manager can save).
        Ok(None) => {
            let to = format!("{}/login?done=reset{}", state.base_path(), locale.query(false));
            (cookies::signed_out(&state, jar), Redirect::to(&to)).into_response()
        }
        Ok(Some(issued)) => {
            let to = issued.signed_in.redirect_to.clone();
            (cookies::signed_in(&state, jar, issued.token), Redirect::to(&to)).into_response()
        }
        Err(e) => proof.refused(&state, locale, jar, "reset.html", e, || unusable(&state, locale)),
    }
}

/// A reset whose link or code cannot be used (spent, replaced, expired, stopped or
/// malformed): one page for all of them, leading to a new request.
fn unusable(state: &AppState, locale: PageLocale) -> Response {
    let again = format!("{}/forgot-password{}", state.base_path(), locale.query(true));
    let action = Some((again.as_str(), "page-reset-start-again"));
    notice_of(
        state,
        locale,
        StatusCode::BAD_REQUEST,
        "page-reset-unusable-title",
        "page-reset-unusable-message",
        action,
    )
}
