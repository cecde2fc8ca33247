//! `/login` (ask for a link and code) and `/login/code` (type the code, or wait for
//! approval from another device).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{CsrfForm, GetAnswers, LocaleQuery, PageLocale, PageQuery, PostAnswers, error_page, form_page, href, page};
use crate::domain::{Identifier, OtpCode, RedirectTo};
use crate::error::AppError;
use crate::flows::poll_status::{Status, find_request, poll_status};
use crate::flows::resend_passwordless::resend_passwordless;
use crate::flows::start_passwordless::{StartInput, start_passwordless};
use crate::flows::verify_code::verify_code;
use crate::flows::{Client, minutes};
use crate::http::extract::check_request_id;
use crate::http::{cookies, csrf};
use crate::state::AppState;
use crate::store::AuthState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login_form, login_submit))
        .routes(routes!(code_form, code_submit))
        .routes(routes!(resend_submit))
        .routes(routes!(approved))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct LoginQuery {
    redirect_to: Option<String>,
    /// What was just done elsewhere (`reset`, `deleted`): a notice from a fixed list.
    done: Option<String>,
}

/// What the login page shows besides its empty forms.
#[derive(Default)]
pub(super) struct LoginView {
    /// The address typed into the passwordless form, and what was wrong with it.
    pub identifier: String,
    pub error: Option<String>,
    /// The address typed into the password form (never the password), and its error.
    pub password_identifier: String,
    pub password_error: Option<String>,
    pub notice: Option<String>,
}

pub(super) fn login_page(
    state: &AppState,
    locale: PageLocale,
    jar: CookieJar,
    status: StatusCode,
    redirect_to: &str,
    view: LoginView,
) -> Response {
    let ctx = minijinja::context! {
        redirect_to,
        identifier => view.identifier,
        error => view.error,
        password_identifier => view.password_identifier,
        password_error => view.password_error,
        notice => view.notice,
        signup_href => href(&state.at("/signup"), redirect_to, locale),
        signup_open => crate::flows::signup_open(state),
    };
    form_page(state, locale, jar, status, "login.html", ctx)
}

/// A `redirect_to` the login forms may carry: an off-site one is dropped here (and
/// refused when a form is posted).
pub(super) fn shown_redirect(state: &AppState, redirect_to: Option<String>) -> String {
    redirect_to.filter(|r| RedirectTo::parse(r, &state.settings.redirect_allowlist).is_ok()).unwrap_or_default()
}

#[utoipa::path(
    get,
    operation_id = "pageLoginLoginForm",
    path = "/login",
    tag = "pages",
    summary = "The sign-in page: a link and code by email or SMS, or a password",
    params(LocaleQuery, LoginQuery),
    responses(GetAnswers)
)]
async fn login_form(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    PageQuery(q): PageQuery<LoginQuery>,
) -> Response {
    let redirect_to = shown_redirect(&state, q.redirect_to);
    let notice = match q.done.as_deref() {
        Some("reset") => Some(locale.t("page-login-done-reset")),
        Some("deleted") => Some(locale.t("page-login-done-deleted")),
        _ => None,
    };
    login_page(&state, locale, jar, StatusCode::OK, &redirect_to, LoginView { notice, ..LoginView::default() })
}

#[derive(Deserialize, ToSchema)]
#[schema(as = PageLoginForm)]
struct LoginForm {
    identifier: Option<String>,
    redirect_to: Option<String>,
}

#[utoipa::path(post, operation_id = "pageLoginLoginSubmit", path = "/login", tag = "pages", summary = "Send a sign-in link and code", params(LocaleQuery), request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn login_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Response {
    let typed = form.identifier.unwrap_or_default();
    let redirect_to = form.redirect_to.filter(|r| !r.is_empty());
    let identifier = match Identifier::parse_any(&typed) {
        Ok(identifier) => identifier,
        Err(e) => {
            let shown = redirect_to.clone().unwrap_or_default();
            let view =
                LoginView { identifier: typed, error: Some(identifier_error(locale, &e)), ..LoginView::default() };
            return login_page(&state, locale, jar, StatusCode::BAD_REQUEST, &shown, view);
        }
    };
    let (jar, device) = cookies::device(&state, jar);
    let input =
        StartInput { identifier, channel: None, redirect_to: redirect_to.clone(), locale: locale.for_message() };
    match start_passwordless(&state, input, device, &client).await {
        Ok(started) => {
            let to = format!("{}/login/code?id={}{}", state.base_path(), started.auth_request_id, locale.query(false));
            (jar, Redirect::to(&to)).into_response()
        }
        Err(e @ (AppError::RateLimited { .. } | AppError::InvalidRequest(_))) => {
            let shown = redirect_to.unwrap_or_default();
            let view =
                LoginView { identifier: typed, error: Some(e.message_in(locale.locale)), ..LoginView::default() };
            login_page(&state, locale, jar, e.status(), &shown, view)
        }
        Err(e) => error_page(&state, locale, e),
    }
}

/// Why a typed address was refused. The parser's reason is English: other languages get
/// the general advice.
pub(super) fn identifier_error(locale: PageLocale, reason: &str) -> String {
    if locale.locale == "en" {
        format!("Check the address: {reason}.")
    } else {
        locale.t("page-login-error-identifier")
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CodeQuery {
    id: Option<String>,
    sent: Option<String>,
    /// Seconds to wait before another message may be sent.
    wait: Option<u64>,
}

async fn code_page(
    state: &AppState,
    locale: PageLocale,
    jar: CookieJar,
    status: StatusCode,
    id: &str,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let request = match find_request(state, id).await {
        Ok(request) => request,
        Err(e) => return error_page(state, locale, e),
    };
    if request.state == AuthState::Approved {
        // Approved on another device while this page was away: collect it now.
        return Redirect::to(&format!("{}/login/approved?id={}{}", state.base_path(), request.id, locale.query(false)))
            .into_response();
    }
    // Only the browser that asked sees the number to match (issue 10, finding 6): the
    // request id is the first half of the emailed link, so knowing it proves nothing.
    let same_browser = cookies::existing_device(state, &jar).is_some_and(|d| d.matches(&request.device_hash));
    let match_number = same_browser.then_some(request.match_number);
    let (jar, csrf) = csrf::issue(state, jar);
    let lifetime_minutes = minutes(request.expires_at - state.now());
    let lifetime = crate::i18n::duration(locale.locale, lifetime_minutes);
    let body = page(
        state,
        locale,
        status,
        "code.html",
        minijinja::context! {
            csrf,
            auth_request_id => request.id,
            masked => request.identifier.masked(),
            channel => request.channel.as_str(),
            match_number,
            redirect_to => request.redirect_to,
            lifetime_minutes,
            lifetime,
            notice,
            error,
        },
    );
    (jar, body).into_response()
}

#[utoipa::path(
    get,
    operation_id = "pageLoginCodeForm",
    path = "/login/code",
    tag = "pages",
    summary = "Type the code (or wait for the approval from another device)",
    params(LocaleQuery, CodeQuery),
    responses(GetAnswers)
)]
async fn code_form(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    PageQuery(q): PageQuery<CodeQuery>,
) -> Response {
    let id = match request_id(&state, locale, q.id) {
        Ok(id) => id,
        Err(page) => return page,
    };
    let waiting = q.wait.map(|secs| AppError::RateLimited { retry_after_secs: secs }.message_in(locale.locale));
    let notice = match (&q.sent, waiting) {
        (_, Some(wait)) => Some(wait),
        (Some(_), None) => Some(locale.t("page-code-resent")),
        (None, None) => None,
    };
    code_page(&state, locale, jar, StatusCode::OK, &id, notice, None).await
}

#[derive(Deserialize, ToSchema)]
#[schema(as = PageCodeForm)]
struct CodeForm {
    auth_request_id: Option<String>,
    code: Option<String>,
}

#[utoipa::path(post, operation_id = "pageLoginCodeSubmit", path = "/login/code", tag = "pages", summary = "Sign in with the code", params(LocaleQuery), request_body(content = CodeForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn code_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    let id = match request_id(&state, locale, form.auth_request_id) {
        Ok(id) => id,
        Err(page) => return page,
    };
    let code = match OtpCode::parse(form.code.as_deref().unwrap_or("")) {
        Ok(code) => code,
        Err(_) => {
            let error = Some(locale.t("page-code-error-format"));
            return code_page(&state, locale, jar, StatusCode::BAD_REQUEST, &id, None, error).await;
        }
    };
    match verify_code(&state, &id, &code, &client).await {
        Ok(issued) => {
            let to = issued.signed_in.redirect_to.clone();
            (cookies::signed_in(&state, jar, issued.token), Redirect::to(&to)).into_response()
        }
        Err(e @ AppError::InvalidCode { remaining: Some(_) }) => {
            code_page(&state, locale, jar, e.status(), &id, None, Some(e.message_in(locale.locale))).await
        }
        Err(e) => error_page(&state, locale, e),
    }
}

#[derive(Deserialize, ToSchema)]
#[schema(as = PageResendForm)]
struct ResendForm {
    auth_request_id: Option<String>,
}

#[utoipa::path(post, operation_id = "pageLoginResendSubmit", path = "/login/resend", tag = "pages", summary = "Send a new link and code", params(LocaleQuery), request_body(content = ResendForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn resend_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ResendForm>,
) -> Response {
    let id = match request_id(&state, locale, form.auth_request_id) {
        Ok(id) => id,
        Err(page) => return page,
    };
    let device = cookies::existing_device(&state, &jar);
    match resend_passwordless(&state, &id, device, &client).await {
        Ok(_) => Redirect::to(&format!("{}/login/code?id={id}&sent=1{}", state.base_path(), locale.query(false)))
            .into_response(),
        // Post/redirect/get: a reload must not send the form again.
        Err(AppError::RateLimited { retry_after_secs }) => Redirect::to(&format!(
            "{}/login/code?id={id}&wait={retry_after_secs}{}",
            state.base_path(),
            locale.query(false)
        ))
        .into_response(),
        Err(e) => error_page(&state, locale, e),
    }
}

/// Without JavaScript the waiting browser cannot poll: the person says they approved, and
/// this collects the approval exactly as the poll would.
#[utoipa::path(
    get,
    operation_id = "pageLoginApproved",
    path = "/login/approved",
    tag = "pages",
    summary = "The waiting browser takes the approval (without JavaScript)",
    params(LocaleQuery, CodeQuery),
    responses(GetAnswers)
)]
async fn approved(
    State(state): State<AppState>,
    locale: PageLocale,
    client: Client,
    jar: CookieJar,
    PageQuery(q): PageQuery<CodeQuery>,
) -> Response {
    let id = match request_id(&state, locale, q.id) {
        Ok(id) => id,
        Err(page) => return page,
    };
    let device = cookies::existing_device(&state, &jar);
    match poll_status(&state, &id, device, &client).await {
        Ok(Status::Approved(issued)) => {
            let to = issued.signed_in.redirect_to.clone();
            (cookies::signed_in(&state, jar, issued.token), Redirect::to(&to)).into_response()
        }
        Ok(Status::Pending { .. }) => {
            let notice = locale.t("page-code-not-approved");
            code_page(&state, locale, jar, StatusCode::OK, &id, Some(notice), None).await
        }
        Ok(Status::Expired) => error_page(&state, locale, AppError::Expired),
        Err(e) => error_page(&state, locale, e),
    }
}

/// The request id a page was given, or the friendly page for a broken one.
fn request_id(state: &AppState, locale: PageLocale, id: Option<String>) -> Result<String, Response> {
    id.filter(|id| check_request_id(id).is_ok())
        .ok_or_else(|| error_page(state, locale, AppError::InvalidCode { remaining: None }))
}
