//! `POST /login/password`: the password option of `/login` (`flows::password_login`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::login::{LoginView, identifier_error, login_page};
use super::{CsrfForm, LocaleQuery, PageLocale, PostAnswers, error_page, filled, locked, with_retry_after};
use crate::domain::{Identifier, RedirectTo};
use crate::error::AppError;
use crate::flows::Client;
use crate::flows::password_login::password_login;
use crate::http::cookies;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(submit))
}

// Holds a password: no Debug, nothing can log it.
#[derive(Deserialize, ToSchema)]
#[schema(as = PageLoginPasswordForm)]
struct PasswordForm {
    identifier: Option<String>,
    password: Option<String>,
    redirect_to: Option<String>,
}

#[utoipa::path(post, operation_id = "pagePasswordSubmit", path = "/login/password", tag = "pages", summary = "Log in with a password", params(LocaleQuery), request_body(content = PasswordForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn submit(
    State(state): State<AppState>,
    locale: PageLocale,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Response {
    let typed = form.identifier.unwrap_or_default();
    let redirect_to = filled(form.redirect_to).unwrap_or_default();
    // The login page again, the address kept and the password never sent back (OWASP
    // Authentication: a generic message for every failed login).
    let again = |jar, status, error: String| {
        let view =
            LoginView { password_identifier: typed.clone(), password_error: Some(error), ..LoginView::default() };
        login_page(&state, locale, jar, status, &redirect_to, view)
    };
    let identifier = match Identifier::parse_any(&typed) {
        Ok(identifier) => identifier,
        Err(e) => return again(jar, StatusCode::BAD_REQUEST, identifier_error(locale, &e)),
    };
    let target = if redirect_to.is_empty() {
        RedirectTo::default_target(state.base_path())
    } else {
        match RedirectTo::parse(&redirect_to, &state.settings.redirect_allowlist) {
            Ok(target) => target,
            Err(e) => return error_page(&state, locale, AppError::invalid(e)),
        }
    };
    let password = form.password.unwrap_or_default();
    match password_login(&state, identifier, &password, target.as_str().to_owned(), &client).await {
        Ok(issued) => {
            let to = issued.signed_in.redirect_to.clone();
            (cookies::signed_in(&state, jar, issued.token), Redirect::to(&to)).into_response()
        }
        Err(e @ AppError::TooManyAttempts { retry_after_secs }) => {
            with_retry_after(again(jar, e.status(), locked(locale, retry_after_secs)), &e)
        }
        Err(e @ (AppError::InvalidCredentials | AppError::RateLimited { .. } | AppError::InvalidRequest(_))) => {
            let error = e.message_in(locale.locale);
            with_retry_after(again(jar, e.status(), error), &e)
        }
        Err(e) => error_page(&state, locale, e),
    }
}
