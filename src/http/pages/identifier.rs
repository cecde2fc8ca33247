//! A new email address or phone number for the signed-in account (`flows::account`):
//! `POST /account/identifier` sends a code and a link to the new address, and
//! `/account/confirm` takes the code (`?id=`) or the emailed link (`?token=`).
//!
//! `GET /account/confirm?token=…` never spends the token: it shows a button, and the form
//! post spends it (a mail scanner opening the link changes nothing). Like every page it is
//! served with `Referrer-Policy: no-referrer`. It needs the signed-in session, and a
//! browser without one is asked to sign in and open the link again: the token is never
//! carried through the sign-in's `redirect_to`, which is stored in the clear.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::account::{Outcome, PageSession, account_page, signed_in};
use super::account_forms::refused;
use super::proof::Proof;
use super::{CsrfForm, GetAnswers, LocaleQuery, PageLocale, PageQuery, PostAnswers, error_page, filled, notice_of};
use crate::flows::Client;
use crate::flows::account::{self, ChangeProof};
use crate::flows::password_reset::ResetSecret;
use crate::http::cookies;
use crate::http::extract::identifier_from;
use crate::state::AppState;
use crate::store::Session;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(change_submit)).routes(routes!(confirm_form, confirm_submit))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = PageChangeForm)]
struct ChangeForm {
    email: Option<String>,
    phone: Option<String>,
}

#[utoipa::path(post, operation_id = "pageIdentifierChangeSubmit", path = "/account/identifier", tag = "pages", summary = "Send a code to a new email address or phone number", params(LocaleQuery), request_body(content = ChangeForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn change_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    client: Client,
    jar: CookieJar,
    PageSession(session): PageSession,
    CsrfForm(form): CsrfForm<ChangeForm>,
) -> Response {
    let (email, phone) = (filled(form.email), filled(form.phone));
    let identifier = match identifier_from(email.as_deref(), phone.as_deref()) {
        Ok(identifier) => identifier,
        Err(e) => {
            let error = super::login::identifier_error(locale, &e.message());
            let outcome = Outcome::error("identifier", error);
            return account_page(&state, locale, jar, StatusCode::BAD_REQUEST, &session, outcome).await;
        }
    };
    let (jar, device) = cookies::device(&state, jar);
    match account::start_identifier_change(&state, &session, identifier, locale.for_message(), device, &client).await {
        // The same answer whether or not another account holds the address
        // (flows::account): the code page.
        Ok(started) => {
            let to =
                format!("{}/account/confirm?id={}{}", state.base_path(), started.auth_request_id, locale.query(false));
            (jar, Redirect::to(&to)).into_response()
        }
        Err(e) => refused(&state, locale, jar, &session, "identifier", e).await,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ConfirmQuery {
    token: Option<String>,
    id: Option<String>,
}

/// The signed-in session, or a page asking to sign in first (without the token).
async fn signed_in_or_ask(state: &AppState, locale: PageLocale, jar: &CookieJar) -> Result<Session, Response> {
    let login = format!("{base}/login?redirect_to={base}/account{}", locale.query(false), base = state.base_path());
    match signed_in(state, jar).await {
        Ok(Some((session, _))) => Ok(session),
        Err(e) => Err(error_page(state, locale, e)),
        Ok(None) => Err(notice_of(
            state,
            locale,
            StatusCode::UNAUTHORIZED,
            "page-confirm-sign-in-title",
            "page-confirm-sign-in-message",
            Some((&login, "page-confirm-sign-in")),
        )),
    }
}

/// Shows the form and nothing else: the token is not looked at, let alone spent.
#[utoipa::path(
    get,
    operation_id = "pageIdentifierConfirmForm",
    path = "/account/confirm",
    tag = "pages",
    summary = "Confirm a new address: the code form, or the link landing (never spends the token)",
    params(LocaleQuery, ConfirmQuery),
    responses(GetAnswers)
)]
async fn confirm_form(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    PageQuery(q): PageQuery<ConfirmQuery>,
) -> Response {
    if let Err(page) = signed_in_or_ask(&state, locale, &jar).await {
        return page;
    }
    match Proof::of(&q.token, &q.id) {
        Some(proof) => proof.page(&state, locale, jar, StatusCode::OK, "confirm.html", None),
        None => unusable(&state, locale),
    }
}

// Holds a secret: no Debug, nothing can log it.
#[derive(Deserialize, ToSchema)]
#[schema(as = PageConfirmForm)]
struct ConfirmForm {
    token: Option<String>,
    auth_request_id: Option<String>,
    code: Option<String>,
}

#[utoipa::path(post, operation_id = "pageIdentifierConfirmSubmit", path = "/account/confirm", tag = "pages", summary = "Confirm a new address with its code or link", params(LocaleQuery), request_body(content = ConfirmForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn confirm_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Response {
    let session = match signed_in_or_ask(&state, locale, &jar).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let Some(proof) = Proof::of(&form.token, &form.auth_request_id) else { return unusable(&state, locale) };
    let change = match proof.secret(form.code.as_deref()) {
        Some(ResetSecret::Token(token)) => ChangeProof::Token(token),
        Some(ResetSecret::Code { auth_request_id, code }) => ChangeProof::Code { auth_request_id, code },
        None => {
            let error = Some(locale.t("page-code-error-format"));
            return proof.page(&state, locale, jar, StatusCode::BAD_REQUEST, "confirm.html", error);
        }
    };
    match account::confirm_identifier_change(&state, &session, change, &client).await {
        Ok(_) => Redirect::to(&format!("{}/account?done=identifier{}", state.base_path(), locale.query(false)))
            .into_response(),
        Err(e) => proof.refused(&state, locale, jar, "confirm.html", e, || unusable(&state, locale)),
    }
}

/// A change whose link or code cannot be used (spent, replaced, expired, stopped, another
/// account's, or malformed): one page for all, leading back to the account.
fn unusable(state: &AppState, locale: PageLocale) -> Response {
    let back = format!("{}/account{}", state.base_path(), locale.query(true));
    let action = Some((back.as_str(), "page-confirm-back"));
    notice_of(
        state,
        locale,
        StatusCode::BAD_REQUEST,
        "page-confirm-unusable-title",
        "page-confirm-unusable-message",
        action,
    )
}
