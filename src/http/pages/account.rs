//! `/account`: who am I, my devices, sign out.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::{CsrfForm, PageLocale, error_page, page};
use crate::clock::rfc3339;
use crate::error::AppError;
use crate::flows::sessions::{LogoutScope, current_session, list_sessions, logout, revoke_session};
use crate::http::views::SessionView;
use crate::http::{cookies, csrf};
use crate::state::AppState;
use crate::store::{Session, User};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/account", get(account))
        .route("/account/logout", post(logout_submit))
        .route("/account/sessions/revoke", post(revoke_submit))
}

async fn signed_in(state: &AppState, jar: &CookieJar) -> Result<Option<(Session, User)>, AppError> {
    let Some(token) = cookies::get(state, jar, cookies::SESSION) else { return Ok(None) };
    match current_session(state, &token).await {
        Ok(found) => Ok(Some(found)),
        Err(AppError::Unauthorized) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The signed-in session, or where to go instead (the login page, or an error page).
async fn required_session(
    state: &AppState,
    locale: PageLocale,
    jar: &CookieJar,
    login: &str,
) -> Result<(Session, User), Response> {
    match signed_in(state, jar).await {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(Redirect::to(login).into_response()),
        Err(e) => Err(error_page(state, locale, e)),
    }
}

async fn home(State(state): State<AppState>, locale: PageLocale, jar: CookieJar) -> Response {
    match signed_in(&state, &jar).await {
        Ok(Some(_)) => Redirect::to("/account").into_response(),
        Ok(None) => Redirect::to("/login").into_response(),
        Err(e) => error_page(&state, locale, e),
    }
}

async fn account(State(state): State<AppState>, locale: PageLocale, jar: CookieJar) -> Response {
    let login = format!("/login?redirect_to=/account{}", locale.query(false));
    let (session, user) = match required_session(&state, locale, &jar, &login).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let sessions = match list_sessions(&state, &user.id).await {
        Ok(list) => list,
        Err(e) => return error_page(&state, locale, e),
    };
    let views: Vec<SessionView> = sessions.iter().map(|s| SessionView::new(s, &session.id)).collect();
    let (jar, csrf) = csrf::issue(&state, jar);
    let who = user.email.clone().or(user.phone.clone()).unwrap_or_default();
    let body = page(
        &state,
        locale,
        StatusCode::OK,
        "account.html",
        minijinja::context! { csrf, who, sessions => minijinja::value::Serde(views), member_since => rfc3339(user.created_at), notice => None::<String> },
    );
    (jar, body).into_response()
}

#[derive(Deserialize)]
struct LogoutForm {
    scope: Option<LogoutScope>,
}

async fn logout_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<LogoutForm>,
) -> Response {
    let (session, _) = match required_session(&state, locale, &jar, "/login").await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let scope = form.scope.unwrap_or(LogoutScope::Current);
    if let Err(e) = logout(&state, &session, scope).await {
        return error_page(&state, locale, e);
    }
    match scope {
        LogoutScope::Others => Redirect::to("/account").into_response(),
        LogoutScope::Current | LogoutScope::All => {
            (cookies::signed_out(&state, jar), Redirect::to("/login")).into_response()
        }
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    session_id: Option<String>,
}

async fn revoke_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> Response {
    let (_, user) = match required_session(&state, locale, &jar, "/login").await {
        Ok(found) => found,
        Err(page) => return page,
    };
    match revoke_session(&state, &user.id, form.session_id.as_deref().unwrap_or("")).await {
        Ok(()) | Err(AppError::NotFound) => Redirect::to("/account").into_response(),
        Err(e) => error_page(&state, locale, e),
    }
}
