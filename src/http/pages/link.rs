//! `/login/link`: the page a magic link opens (GET never spends the token) and the form
//! post that spends it.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::{CsrfForm, PageLocale, error_page, notice, page};
use crate::clock::rfc3339;
use crate::error::AppError;
use crate::flows::Client;
use crate::flows::redeem_magic_link::{Choice, Redeemed, inspect_link, redeem_link};
use crate::http::{cookies, csrf};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/login/link", get(show).post(submit))
}

#[derive(Deserialize)]
struct LinkQuery {
    token: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    Query(q): Query<LinkQuery>,
) -> Response {
    let token = q.token.unwrap_or_default();
    let device = cookies::existing_device(&state, &jar);
    let view = match inspect_link(&state, &token, device).await {
        Ok(view) => view,
        Err(e) => return error_page(&state, locale, e),
    };
    let (jar, csrf) = csrf::issue(&state, jar);
    let r = &view.request;
    let body = page(
        &state,
        locale,
        StatusCode::OK,
        "link.html",
        minijinja::context! {
            csrf,
            token,
            same_browser => view.same_browser,
            masked => r.identifier.masked(),
            requested_from => view.requested_from,
            requester_ip => r.requester_ip.clone(),
            requested_at => rfc3339(r.created_at),
            choices => view.choices.to_vec(),
        },
    );
    (jar, body).into_response()
}

#[derive(Deserialize)]
struct LinkForm {
    token: Option<String>,
    choice: Option<String>,
    #[serde(rename = "match")]
    picked: Option<String>,
}

async fn submit(
    State(state): State<AppState>,
    locale: PageLocale,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<LinkForm>,
) -> Response {
    let token = form.token.unwrap_or_default();
    let choice = match (form.choice.as_deref(), form.picked.as_deref().map(str::parse::<u8>)) {
        (Some("continue") | None, _) => Choice::ContinueHere,
        (Some("approve"), Some(Ok(picked))) => Choice::Approve { picked },
        _ => return error_page(&state, locale, AppError::invalid(locale.t("page-link-pick-number"))),
    };
    match redeem_link(&state, &token, choice, &client).await {
        Ok(Redeemed::SignedIn(issued)) => {
            let to = issued.signed_in.redirect_to.clone();
            (cookies::signed_in(&state, jar, issued.token), Redirect::to(&to)).into_response()
        }
        Ok(Redeemed::Approved) => notice(
            &state,
            locale,
            StatusCode::OK,
            &locale.t("notice-approved-title"),
            &locale.t("notice-approved-message"),
            None,
        ),
        Err(AppError::TooManyAttempts { .. }) => notice(
            &state,
            locale,
            StatusCode::FORBIDDEN,
            &locale.t("notice-cancelled-title"),
            &locale.t("notice-cancelled-message"),
            Some((&format!("/login{}", locale.query(true)), "notice-back-to-sign-in")),
        ),
        Err(e) => error_page(&state, locale, e),
    }
}
