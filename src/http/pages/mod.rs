//! Hosted pages: server-rendered, complete without JavaScript, with CSRF tokens on every
//! form. Errors become friendly pages, never JSON.

mod account;
mod link;
mod login;

use axum::Form;
use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::http::csrf;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(login::router()).merge(link::router()).merge(account::router())
}

/// Renders a page template with the app name added to its context.
pub fn page(state: &AppState, status: StatusCode, template: &str, ctx: minijinja::Value) -> Response {
    let ctx = minijinja::context! { app_name => state.settings.app_name.clone(), ..ctx };
    match state.templates.render(template, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::Internal(e).into_response(),
    }
}

/// A page with a title, a message and an optional way forward.
pub fn notice(
    state: &AppState,
    status: StatusCode,
    title: &str,
    message: &str,
    action: Option<(&str, &str)>,
) -> Response {
    let (action_href, action_label) = action.unwrap_or(("", ""));
    page(
        state,
        status,
        "notice.html",
        minijinja::context! { title, message, is_error => status.is_client_error() || status.is_server_error(), action_href, action_label },
    )
}

/// The friendly page for an error of a flow.
pub fn error_page(state: &AppState, err: AppError) -> Response {
    err.log();
    let status = err.status();
    let title = match &err {
        AppError::Expired => "This sign-in has ended",
        AppError::InvalidCode { remaining: None } => "This link can't be used",
        AppError::TooManyAttempts { .. } => "Sign-in stopped",
        AppError::RateLimited { .. } => "Slow down",
        AppError::Unavailable(_) | AppError::Internal(_) => "Something went wrong",
        _ => "That didn't work",
    };
    let message = match &err {
        AppError::InvalidCode { remaining: None } => "This sign-in link has already been used, was replaced by a newer one, or is not valid. Start again to get a new one.".to_owned(),
        other => other.message(),
    };
    let mut response = notice(state, status, title, &message, Some(("/login", "Back to sign in")));
    if let Some(secs) = err.retry_after()
        && let Ok(v) = secs.to_string().parse()
    {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    response
}

/// Form bodies of the hosted pages; a malformed one gets a page, not JSON.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(req, state).await {
            Ok(Form(v)) => Ok(PageForm(v)),
            Err(rejection) => Err(notice(
                state,
                rejection.status(),
                "That didn't work",
                "The form was incomplete or too large. Go back and try again.",
                Some(("/login", "Back to sign in")),
            )),
        }
    }
}

/// Every hosted form post passes this first.
pub fn check_csrf(state: &AppState, jar: &CookieJar, headers: &HeaderMap, token: Option<&str>) -> Result<(), Response> {
    if csrf::verify(state, jar, headers, token) {
        return Ok(());
    }
    Err(notice(
        state,
        StatusCode::FORBIDDEN,
        "Please try again",
        "This form has expired or was sent from another site. Reload the page and try again.",
        Some(("/login", "Back to sign in")),
    ))
}
