//! `/login/link`: the page a magic link opens (GET never spends the token) and the form
//! post that spends it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{CsrfForm, GetAnswers, LocaleQuery, PageLocale, PageQuery, PostAnswers, error_page, notice, page};
use crate::clock::rfc3339;
use crate::error::AppError;
use crate::flows::Client;
use crate::flows::redeem_magic_link::{Choice, Redeemed, inspect_link, redeem_link};
use crate::http::{cookies, csrf};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show, submit))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct LinkQuery {
    token: Option<String>,
}

#[utoipa::path(
    get,
    operation_id = "pageLinkShow",
    path = "/login/link",
    tag = "pages",
    summary = "A sign-in link: one click in the browser that asked, else who asked and the approval (never spends the token)",
    params(LocaleQuery, LinkQuery),
    responses(GetAnswers)
)]
async fn show(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    PageQuery(q): PageQuery<LinkQuery>,
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

#[derive(Deserialize, ToSchema)]
#[schema(as = PageLinkForm)]
struct LinkForm {
    token: Option<String>,
    choice: Option<String>,
    #[serde(rename = "match")]
    picked: Option<String>,
}

#[utoipa::path(post, operation_id = "pageLinkSubmit", path = "/login/link", tag = "pages", summary = "Use a sign-in link here, or approve the waiting browser", params(LocaleQuery), request_body(content = LinkForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
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
            Some((&format!("{}/login{}", state.base_path(), locale.query(true)), "notice-back-to-sign-in")),
        ),
        Err(e) => error_page(&state, locale, e),
    }
}
