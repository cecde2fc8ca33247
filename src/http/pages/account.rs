//! `/account`: who am I, my devices, sign out. The forms that change the account are in
//! `account_forms.rs` (profile, password, deletion) and `identifier.rs` (a new email or
//! phone); each shows this page again with its outcome.

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{CsrfForm, GetAnswers, LocaleQuery, PageLocale, PageQuery, PostAnswers, error_page, form_page};
use crate::clock::rfc3339;
use crate::error::AppError;
use crate::flows::Client;
use crate::flows::sessions::{LogoutScope, current_session, list_sessions, logout, revoke_session};
use crate::flows::{account, audit};
use crate::http::cookies;
use crate::http::views::{AccountView, ActivityView, SessionView};
use crate::state::AppState;
use crate::store::{Session, User};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home))
        .routes(routes!(account))
        .routes(routes!(logout_submit))
        .routes(routes!(revoke_submit))
}

pub(super) async fn signed_in(state: &AppState, jar: &CookieJar) -> Result<Option<(Session, User)>, AppError> {
    let Some(token) = cookies::get(state, jar, cookies::SESSION) else { return Ok(None) };
    match current_session(state, &token).await {
        Ok(found) => Ok(Some(found)),
        Err(AppError::Unauthorized) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The signed-in session of a form post: without one the browser goes to `/login` and
/// the handler never runs.
pub(super) struct PageSession(pub Session);

impl FromRequestParts<AppState> for PageSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let locale = PageLocale::resolve(parts.uri.query(), &parts.headers, state);
        let jar = CookieJar::from_headers(&parts.headers);
        required_session(state, locale, &jar, &state.at("/login")).await.map(|(session, _)| PageSession(session))
    }
}

/// The signed-in session, or where to go instead (the login page, or an error page).
pub(super) async fn required_session(
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

#[utoipa::path(
    get,
    operation_id = "pageAccountHome",
    path = "/",
    tag = "pages",
    summary = "The site root: to /account when signed in, else to /login",
    params(LocaleQuery),
    responses(GetAnswers)
)]
async fn home(State(state): State<AppState>, locale: PageLocale, jar: CookieJar) -> Response {
    match signed_in(&state, &jar).await {
        Ok(Some(_)) => Redirect::to(&state.at("/account")).into_response(),
        Ok(None) => Redirect::to(&state.at("/login")).into_response(),
        Err(e) => error_page(&state, locale, e),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AccountQuery {
    /// What was just changed (`profile`, `password`, `identifier`): a notice from a fixed
    /// list (post/redirect/get).
    done: Option<String>,
}

#[utoipa::path(
    get,
    operation_id = "pageAccountAccount",
    path = "/account",
    tag = "pages",
    summary = "The account page: profile, addresses, password, devices, recent activity",
    params(LocaleQuery, AccountQuery),
    responses(GetAnswers)
)]
async fn account(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    PageQuery(q): PageQuery<AccountQuery>,
) -> Response {
    let login = format!("{base}/login?redirect_to={base}/account{}", locale.query(false), base = state.base_path());
    let (session, _) = match required_session(&state, locale, &jar, &login).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let notice = match q.done.as_deref() {
        Some("profile") => Some(locale.t("page-account-done-profile")),
        Some("password") => Some(locale.t("page-account-done-password")),
        Some("identifier") => Some(locale.t("page-account-done-identifier")),
        _ => None,
    };
    account_page(&state, locale, jar, StatusCode::OK, &session, Outcome { notice, ..Outcome::default() }).await
}

/// What the account page says about the last form: a notice, or an error beside the
/// form it belongs to (`section`: `profile`, `identifier`, `password`, `delete`).
#[derive(Default)]
pub(super) struct Outcome {
    pub notice: Option<String>,
    pub section: &'static str,
    pub error: Option<String>,
}

impl Outcome {
    pub fn error(section: &'static str, error: String) -> Self {
        Self { notice: None, section, error: Some(error) }
    }
}

/// How recent a sign-in must be for a sensitive change without the current password.
pub(super) fn recent_sign_in(state: &AppState, locale: PageLocale) -> String {
    crate::i18n::duration(locale.locale, state.settings.passwords.recent_sign_in.as_secs().div_ceil(60))
}

/// The languages a person can choose, each named in itself.
const LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("pt", "Português"),
    ("nl", "Nederlands"),
];

/// Events shown under "Recent activity".
const RECENT_ACTIVITY: usize = 10;

pub(super) async fn account_page(
    state: &AppState,
    locale: PageLocale,
    jar: CookieJar,
    status: StatusCode,
    session: &Session,
    outcome: Outcome,
) -> Response {
    let found = tokio::try_join!(
        account::account(state, &session.user_id),
        list_sessions(state, &session.user_id),
        audit::recent_activity(state.store.as_ref(), &session.user_id, RECENT_ACTIVITY),
    );
    let (me, sessions, activity) = match found {
        Ok(found) => found,
        Err(e) => return error_page(state, locale, e),
    };
    let views: Vec<SessionView> = sessions.iter().map(|s| SessionView::new(s, &session.id)).collect();
    let activity: Vec<ActivityView> = activity.iter().map(ActivityView::new).collect();
    let who = me.email.clone().or(me.phone.clone()).unwrap_or_default();
    let language = me.locale.as_deref().and_then(crate::i18n::supported).unwrap_or(locale.locale);
    let member_since = rfc3339(me.created_at);
    let recent = recent_sign_in(state, locale);
    let ctx = minijinja::context! {
        who,
        me => minijinja::value::Serde(AccountView::from(me)),
        sessions => minijinja::value::Serde(views),
        activity => minijinja::value::Serde(activity),
        member_since,
        languages => LANGUAGES.to_vec(),
        language,
        recent,
        notice => outcome.notice,
        section => outcome.section,
        error => outcome.error,
    };
    form_page(state, locale, jar, status, "account.html", ctx)
}

#[derive(Deserialize, ToSchema)]
#[schema(as = PageLogoutForm)]
struct LogoutForm {
    scope: Option<LogoutScope>,
}

#[utoipa::path(post, operation_id = "pageAccountLogoutSubmit", path = "/account/logout", tag = "pages", summary = "Sign out (this device, the others, or all)", params(LocaleQuery), request_body(content = LogoutForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn logout_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    PageSession(session): PageSession,
    client: Client,
    CsrfForm(form): CsrfForm<LogoutForm>,
) -> Response {
    let scope = form.scope.unwrap_or(LogoutScope::Current);
    if let Err(e) = logout(&state, &session, scope, &client).await {
        return error_page(&state, locale, e);
    }
    match scope {
        LogoutScope::Others => Redirect::to(&state.at("/account")).into_response(),
        LogoutScope::Current | LogoutScope::All => {
            (cookies::signed_out(&state, jar), Redirect::to(&state.at("/login"))).into_response()
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[schema(as = PageRevokeForm)]
struct RevokeForm {
    session_id: Option<String>,
}

#[utoipa::path(post, operation_id = "pageAccountRevokeSubmit", path = "/account/sessions/revoke", tag = "pages", summary = "Sign out one device", params(LocaleQuery), request_body(content = RevokeForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn revoke_submit(
    State(state): State<AppState>,
    locale: PageLocale,
    PageSession(session): PageSession,
    client: Client,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> Response {
    match revoke_session(&state, &session.user_id, form.session_id.as_deref().unwrap_or(""), &client).await {
        Ok(()) | Err(AppError::NotFound) => Redirect::to(&state.at("/account")).into_response(),
        Err(e) => error_page(&state, locale, e),
    }
}
