//! Hosted pages: server-rendered, complete without JavaScript, with CSRF tokens on every
//! form. Errors become friendly pages, never JSON.

mod account;
mod account_forms;
mod identifier;
mod link;
mod login;
mod password;
mod proof;
mod reset;
mod signup;

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::de::DeserializeOwned;
use utoipa_axum::router::OpenApiRouter;

use crate::error::AppError;
use crate::http::csrf;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(login::router())
        .merge(link::router())
        .merge(account::router())
        .merge(account_forms::router())
        .merge(identifier::router())
        .merge(password::router())
        .merge(reset::router())
        .merge(signup::router())
}

/// `?locale=` on any page: a supported language chosen explicitly (it wins over the
/// browser's `Accept-Language`).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct LocaleQuery {
    /// `en`, `de`, `fr`, `es`, `pt` or `nl`.
    #[allow(dead_code)]
    locale: Option<String>,
}

/// What a hosted page's `GET` answers (HTML, never JSON).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(super) enum GetAnswers {
    #[response(status = 200, description = "The page", content_type = "text/html")]
    Page(String),
    #[response(status = 303, description = "Elsewhere: signed in or out already, or the flow moved on")]
    Elsewhere,
    #[response(
        status = 400,
        description = "A page explaining what was wrong with the request",
        content_type = "text/html"
    )]
    Invalid(String),
    #[response(status = 401, description = "A page: sign in first", content_type = "text/html")]
    SignedOut(String),
    #[response(status = 403, description = "A page: this is not the browser that asked", content_type = "text/html")]
    WrongBrowser(String),
    #[response(status = 404, description = "A page: nothing here", content_type = "text/html")]
    NotFound(String),
}

/// What a hosted form's `POST` answers: on to the next page, or the form again with what
/// was wrong.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(super) enum PostAnswers {
    #[response(status = 200, description = "The next page", content_type = "text/html")]
    Page(String),
    #[response(status = 303, description = "On to the next page")]
    Next,
    #[response(status = 400, description = "The form again, with what was wrong", content_type = "text/html")]
    Invalid(String),
    #[response(status = 401, description = "A page: sign in first", content_type = "text/html")]
    SignedOut(String),
    #[response(
        status = 403,
        description = "A page: the form's `csrf` token or origin was not right, or the wrong browser",
        content_type = "text/html"
    )]
    Forbidden(String),
    #[response(status = 404, description = "A page: nothing here", content_type = "text/html")]
    NotFound(String),
    #[response(status = 413, description = "A page: the form is too large", content_type = "text/html")]
    TooLarge(String),
    #[response(status = 415, description = "A page: not a form", content_type = "text/html")]
    NotAForm(String),
    #[response(status = 422, description = "A page: the form could not be read", content_type = "text/html")]
    Unreadable(String),
    #[response(
        status = 429,
        description = "The form again: too many attempts or requests (`Retry-After`)",
        content_type = "text/html"
    )]
    TooMany(String),
}

/// The language of a page: `?locale=` when it names a supported locale, else the
/// browser's `Accept-Language`, else the configured default.
#[derive(Debug, Clone, Copy)]
pub struct PageLocale {
    pub locale: &'static str,
    /// Chosen with `?locale=`: carried on to the forms and redirects of the page.
    pub explicit: bool,
}

impl PageLocale {
    pub fn resolve(query: Option<&str>, headers: &HeaderMap, state: &AppState) -> Self {
        let asked = query
            .unwrap_or("")
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == "locale")
            .and_then(|(_, value)| crate::i18n::supported(value));
        if let Some(locale) = asked {
            return Self { locale, explicit: true };
        }
        let browser = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::i18n::from_accept_language);
        Self { locale: browser.unwrap_or_else(|| state.default_locale()), explicit: false }
    }

    /// `?locale=de` (or `&locale=de` after another parameter) when it was chosen
    /// explicitly, else nothing.
    pub fn query(&self, first: bool) -> String {
        match (self.explicit, first) {
            (false, _) => String::new(),
            (true, true) => format!("?locale={}", self.locale),
            (true, false) => format!("&locale={}", self.locale),
        }
    }

    /// The locale to store with a message sent from this page: only an explicit choice
    /// overrides the account's stored language.
    pub fn for_message(&self) -> Option<String> {
        self.explicit.then(|| self.locale.to_owned())
    }

    pub fn t(&self, id: &str) -> String {
        self.t_with(id, &crate::i18n::Args::new())
    }

    pub fn t_with(&self, id: &str, args: &crate::i18n::Args) -> String {
        crate::i18n::translate(self.locale, id, args).unwrap_or_else(|e| {
            tracing::error!(error = %e, "a page string is missing from the catalogue");
            id.to_owned()
        })
    }
}

impl FromRequestParts<AppState> for PageLocale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self::resolve(parts.uri.query(), &parts.headers, state))
    }
}

/// Renders a page template in `locale`; `app_name`, `theme` and `t()` are there too.
pub fn page(
    state: &AppState,
    locale: PageLocale,
    status: StatusCode,
    template: &str,
    ctx: minijinja::Value,
) -> Response {
    let password_min = state.settings.passwords.min_length;
    let ctx = minijinja::context! { locale => locale.locale, locale_query => locale.query(true), password_min, ..ctx };
    match state.templates.render(template, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::Internal(e).into_response(),
    }
}

/// A page holding forms: a CSRF token for this browser (`csrf` in the template) is issued
/// with it, its cookie set when the browser has none.
pub fn form_page(
    state: &AppState,
    locale: PageLocale,
    jar: CookieJar,
    status: StatusCode,
    template: &str,
    ctx: minijinja::Value,
) -> Response {
    let (jar, csrf) = csrf::issue(state, jar);
    let body = page(state, locale, status, template, minijinja::context! { csrf, ..ctx });
    (jar, body).into_response()
}

/// A link to another page that carries the form's `redirect_to` and an explicitly chosen
/// locale along.
pub fn href(path: &str, redirect_to: &str, locale: PageLocale) -> String {
    if redirect_to.is_empty() {
        return format!("{path}{}", locale.query(true));
    }
    format!("{path}?redirect_to={}{}", crate::http::query_escape(redirect_to), locale.query(false))
}

/// Fluent arguments of page strings, all text: `args([("wait", wait)])`.
pub fn args<const N: usize>(pairs: [(&'static str, String); N]) -> crate::i18n::Args {
    pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect()
}

/// Too many wrong passwords for the account: when to try again, not why (NIST SP 800-63B
/// §5.2.2 throttling).
pub fn locked(locale: PageLocale, retry_after_secs: u64) -> String {
    let wait = crate::i18n::wait(locale.locale, retry_after_secs);
    locale.t_with("page-password-locked", &args([("wait", wait)]))
}

/// A form field as typed: `None` when it was left empty.
pub fn filled(field: Option<String>) -> Option<String> {
    field.filter(|v| !v.trim().is_empty())
}

/// A page with a title, a message and an optional way forward (href, message id of the
/// label). The title and message are already in the page's language.
pub fn notice(
    state: &AppState,
    locale: PageLocale,
    status: StatusCode,
    title: &str,
    message: &str,
    action: Option<(&str, &str)>,
) -> Response {
    let (action_href, action_label) = match action {
        Some((href, label)) => (href.to_owned(), locale.t(label)),
        None => (String::new(), String::new()),
    };
    page(
        state,
        locale,
        status,
        "notice.html",
        minijinja::context! { title, message, is_error => status.is_client_error() || status.is_server_error(), action_href, action_label },
    )
}

/// `notice` with its title and message given as catalogue ids.
pub fn notice_of(
    state: &AppState,
    locale: PageLocale,
    status: StatusCode,
    title_id: &str,
    message_id: &str,
    action: Option<(&str, &str)>,
) -> Response {
    notice(state, locale, status, &locale.t(title_id), &locale.t(message_id), action)
}

/// The friendly page for an error of a flow.
pub fn error_page(state: &AppState, locale: PageLocale, err: AppError) -> Response {
    err.log();
    let status = err.status();
    let (title, message) = err.page_text(locale.locale);
    let back = format!("{}/login{}", state.base_path(), locale.query(true));
    let response = notice(state, locale, status, &title, &message, Some((&back, "notice-back-to-sign-in")));
    with_retry_after(response, &err)
}

/// `Retry-After` on a page answering a 429 or 503 error.
pub fn with_retry_after(mut response: Response, err: &AppError) -> Response {
    if let Some(secs) = err.retry_after()
        && let Ok(v) = secs.to_string().parse()
    {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    response
}

/// Form bodies of the hosted pages; a malformed one gets a page, not JSON.
struct PageForm<T>(T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let locale = PageLocale::resolve(req.uri().query(), req.headers(), state);
        match Form::<T>::from_request(req, state).await {
            Ok(Form(v)) => Ok(PageForm(v)),
            Err(rejection) => Err(notice_of(
                state,
                locale,
                rejection.status(),
                "notice-form-title",
                "notice-form-message",
                Some((&state.at("/login"), "notice-back-to-sign-in")),
            )),
        }
    }
}

/// The query string of a hosted page; a malformed one gets a page, not JSON (schemathesis
/// found `/login/code?wait=-1` answered with a JSON error).
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for PageQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(PageQuery(v)),
            Err(rejection) => {
                let locale = PageLocale::resolve(parts.uri.query(), &parts.headers, state);
                Err(notice_of(
                    state,
                    locale,
                    rejection.status(),
                    "notice-form-title",
                    "notice-form-message",
                    Some((&state.at("/login"), "notice-back-to-sign-in")),
                ))
            }
        }
    }
}

/// A hosted form post that passed the CSRF check (`csrf::verify`: the form's `csrf` field
/// against this browser's cookie and session, and `Sec-Fetch-Site`): every form handler
/// takes its body through this, so none can forget the check. A failed check is a 403
/// page and the handler never runs.
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct WithCsrf<T> {
    csrf: Option<String>,
    #[serde(flatten)]
    form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let locale = PageLocale::resolve(req.uri().query(), req.headers(), state);
        let headers = req.headers().clone();
        let jar = CookieJar::from_headers(&headers);
        let PageForm(WithCsrf { csrf, form }) = PageForm::<WithCsrf<T>>::from_request(req, state).await?;
        check_csrf(state, locale, &jar, &headers, csrf.as_deref())?;
        Ok(CsrfForm(form))
    }
}

fn check_csrf(
    state: &AppState,
    locale: PageLocale,
    jar: &CookieJar,
    headers: &HeaderMap,
    token: Option<&str>,
) -> Result<(), Response> {
    if csrf::verify(state, jar, headers, token) {
        return Ok(());
    }
    Err(notice_of(
        state,
        locale,
        StatusCode::FORBIDDEN,
        "notice-csrf-title",
        "notice-csrf-message",
        Some((&state.at("/login"), "notice-back-to-sign-in")),
    ))
}
