//! The forms of `/account` that change the account (`flows::account`): profile, password,
//! deletion. Success redirects (post/redirect/get); a refusal shows the page again with
//! the reason beside its form.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::account::{Outcome, PageSession, account_page, recent_sign_in};
use super::{CsrfForm, LocaleQuery, PageLocale, PostAnswers, args, error_page, filled, locked, with_retry_after};
use crate::domain::Channel;
use crate::error::AppError;
use crate::flows::Client;
use crate::flows::account::{self, ProfileInput};
use crate::http::cookies;
use crate::state::AppState;
use crate::store::Session;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(profile_submit)).routes(routes!(password_submit)).routes(routes!(delete_submit))
}

/// After a change: the account page with its notice.
fn done(state: &AppState, locale: PageLocale, what: &str) -> Response {
    Redirect::to(&format!("{}/account?done={what}{}", state.base_path(), locale.query(false))).into_response()
}

/// A refusal the person can fix shows the account page again, the reason beside the form
/// (`section`); anything else is an error page.
pub(super) async fn refused(
    state: &AppState,
    locale: PageLocale,
    jar: CookieJar,
    session: &Session,
    section: &'static str,
    e: AppError,
) -> Response {
    let message = match &e {
        // The proof a sensitive change needs was missing or wrong: say which proof.
        AppError::InvalidCredentials => {
            locale.t_with("page-account-error-reauth", &args([("recent", recent_sign_in(state, locale))]))
        }
        // Wrong current passwords lock the account like wrong logins (flows::account).
        AppError::TooManyAttempts { retry_after_secs } => locked(locale, *retry_after_secs),
        AppError::InvalidRequest(_)
        | AppError::WeakPassword(_)
        | AppError::RateLimited { .. }
        | AppError::InvalidCode { remaining: Some(_) } => e.message_in(locale.locale),
        _ => return error_page(state, locale, e),
    };
    let outcome = Outcome::error(section, message);
    with_retry_after(account_page(state, locale, jar, e.status(), session, outcome).await, &e)
}

#[derive(Deserialize, ToSchema)]
#[schema(as = PageProfileForm)]
struct ProfileForm {
    name: Option<String>,
    preferred_channel: Option<Channel>,
    locale: Option<String>,
}

#[utoipa::path(post, operation_id = "pageAccountFormsProfileSubmit", path = "/account/profile", tag = "pages", summary = "Save the profile", params(LocaleQuery), request_body(content = ProfileForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn profile_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    PageSession(session): PageSession,
    client: Client,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Response {
    // An empty name clears it.
    let input =
        ProfileInput { name: Some(form.name), preferred_channel: form.preferred_channel, locale: filled(form.locale) };
    match account::update_profile(&state, &session.user_id, input, &client).await {
        Ok(_) => done(&state, locale, "profile"),
        Err(e) => refused(&state, locale, jar, &session, "profile", e).await,
    }
}

// Holds passwords: no Debug, nothing can log them.
#[derive(Deserialize, ToSchema)]
#[schema(as = PageChangePasswordForm)]
struct PasswordForm {
    current_password: Option<String>,
    new_password: Option<String>,
}

#[utoipa::path(post, operation_id = "pageAccountFormsPasswordSubmit", path = "/account/password", tag = "pages", summary = "Change or set the password", params(LocaleQuery), request_body(content = PasswordForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn password_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    client: Client,
    jar: CookieJar,
    PageSession(session): PageSession,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Response {
    // An empty current password means none: a session that signed in recently needs none
    // (OWASP Authentication: re-authenticate for sensitive features; flows::account).
    let current = filled(form.current_password);
    let new_password = form.new_password.unwrap_or_default();
    match account::change_password(&state, &session, current.as_deref(), &new_password, &client).await {
        // The other sessions ended; this one stays (flows::account::change_password).
        Ok(()) => done(&state, locale, "password"),
        Err(e) => refused(&state, locale, jar, &session, "password", e).await,
    }
}

// Holds a password: no Debug, nothing can log it.
#[derive(Deserialize, ToSchema)]
#[schema(as = PageDeleteForm)]
struct DeleteForm {
    confirm: Option<String>,
    current_password: Option<String>,
}

#[utoipa::path(post, operation_id = "pageAccountFormsDeleteSubmit", path = "/account/delete", tag = "pages", summary = "Delete the account", params(LocaleQuery), request_body(content = DeleteForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn delete_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    PageSession(session): PageSession,
    client: Client,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> Response {
    // Deletion cannot be undone: the person ticks that they mean it, on top of the proof
    // a password change asks for.
    if form.confirm.as_deref() != Some("yes") {
        let outcome = Outcome::error("delete", locale.t("page-account-delete-unconfirmed"));
        return account_page(&state, locale, jar, StatusCode::BAD_REQUEST, &session, outcome).await;
    }
    let current = filled(form.current_password);
    match account::delete_account(&state, &session, current.as_deref(), &client).await {
        Ok(()) => {
            let to = format!("{}/login?done=deleted{}", state.base_path(), locale.query(false));
            (cookies::signed_out(&state, jar), Redirect::to(&to)).into_response()
        }
        Err(e) => refused(&state, locale, jar, &session, "delete", e).await,
    }
}
