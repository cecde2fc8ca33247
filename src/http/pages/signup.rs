//! `/signup`: an account with a password (`flows::signup`), verified like a sign-in: the
//! form leads to the code page (`/login/code`), the emailed link to `/login/link`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::login::{identifier_error, shown_redirect};
use super::{
    CsrfForm, GetAnswers, LocaleQuery, PageLocale, PageQuery, PostAnswers, error_page, filled, form_page, href,
    notice_of, with_retry_after,
};
use crate::domain::{Channel, EmailAddress, PhoneNumber};
use crate::error::AppError;
use crate::flows::Client;
use crate::flows::signup::{SignUpInput, sign_up};
use crate::http::cookies;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show, submit))
}

/// The fields of the form as typed, shown again after an error. Never the password
/// (OWASP Authentication: a password is not sent back to the browser).
#[derive(Default, serde::Serialize)]
struct Typed {
    email: String,
    phone: String,
    name: String,
    channel: String,
    redirect_to: String,
}

fn signup_page(
    state: &AppState,
    locale: PageLocale,
    jar: CookieJar,
    status: StatusCode,
    typed: Typed,
    error: Option<String>,
) -> Response {
    let login_href = href(&state.at("/login"), &typed.redirect_to, locale);
    let ctx = minijinja::context! { typed => minijinja::value::Serde(typed), error, login_href };
    form_page(state, locale, jar, status, "signup.html", ctx)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SignUpQuery {
    redirect_to: Option<String>,
}

#[utoipa::path(
    get,
    operation_id = "pageSignupShow",
    path = "/signup",
    tag = "pages",
    summary = "The sign-up page",
    params(LocaleQuery, SignUpQuery),
    responses(GetAnswers)
)]
async fn show(
    State(state): State<AppState>,
    locale: PageLocale,
    jar: CookieJar,
    PageQuery(q): PageQuery<SignUpQuery>,
) -> Response {
    // Whether sign-up is open is a fact about the server, not about an address.
    if !crate::flows::signup_open(&state) {
        let back = href(&state.at("/login"), &shown_redirect(&state, q.redirect_to), locale);
        let action = Some((back.as_str(), "notice-back-to-sign-in"));
        return notice_of(
            &state,
            locale,
            StatusCode::NOT_FOUND,
            "page-signup-closed-title",
            "page-signup-closed-message",
            action,
        );
    }
    let typed = Typed { redirect_to: shown_redirect(&state, q.redirect_to), ..Typed::default() };
    signup_page(&state, locale, jar, StatusCode::OK, typed, None)
}

// Holds a password: no Debug, nothing can log it.
#[derive(Deserialize, ToSchema)]
#[schema(as = PageSignUpForm)]
struct SignUpForm {
    email: Option<String>,
    phone: Option<String>,
    password: Option<String>,
    name: Option<String>,
    preferred_channel: Option<String>,
    redirect_to: Option<String>,
}

#[utoipa::path(post, operation_id = "pageSignupSubmit", path = "/signup", tag = "pages", summary = "Sign up with a password", params(LocaleQuery), request_body(content = SignUpForm, content_type = "application/x-www-form-urlencoded", description = "The form, with the page's `csrf` field"), responses(PostAnswers))]
async fn submit(
    State(state): State<AppState>,
    locale: PageLocale,
    client: Client,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<SignUpForm>,
) -> Response {
    let typed = Typed {
        email: form.email.clone().unwrap_or_default(),
        phone: form.phone.clone().unwrap_or_default(),
        name: form.name.clone().unwrap_or_default(),
        channel: form.preferred_channel.clone().unwrap_or_default(),
        redirect_to: form.redirect_to.clone().unwrap_or_default(),
    };
    let input = match input_of(form, locale) {
        Ok(input) => input,
        Err(error) => return signup_page(&state, locale, jar, StatusCode::BAD_REQUEST, typed, Some(error)),
    };
    let (jar, device) = cookies::device(&state, jar);
    match sign_up(&state, input, device, &client).await {
        // The same answer for a new and an existing address (DESIGN.md, no enumeration):
        // the code page, where the verification code is typed.
        Ok(started) => {
            let to = format!("{}/login/code?id={}{}", state.base_path(), started.auth_request_id, locale.query(false));
            (jar, Redirect::to(&to)).into_response()
        }
        Err(e @ (AppError::WeakPassword(_) | AppError::InvalidRequest(_) | AppError::RateLimited { .. })) => {
            let error = e.message_in(locale.locale);
            with_retry_after(signup_page(&state, locale, jar, e.status(), typed, Some(error)), &e)
        }
        Err(e) => error_page(&state, locale, e),
    }
}

/// The flow's input, or what to fix (in the page's language).
fn input_of(form: SignUpForm, locale: PageLocale) -> Result<SignUpInput, String> {
    let email = filled(form.email)
        .map(|e| EmailAddress::parse(&e).map_err(|e| identifier_error(locale, &e.to_string())))
        .transpose()?;
    let phone = filled(form.phone)
        .map(|p| PhoneNumber::parse(&p).map_err(|e| identifier_error(locale, &e.to_string())))
        .transpose()?;
    let preferred_channel = match (form.preferred_channel.as_deref(), &email, &phone) {
        (_, None, None) => return Err(locale.t("page-signup-error-address")),
        (Some("sms"), _, None) => return Err(locale.t("page-signup-error-sms")),
        (Some("sms"), _, Some(_)) => Some(Channel::Sms),
        // Email is the default choice of the form; with only a phone it means "no
        // preference".
        (_, Some(_), _) => Some(Channel::Email),
        (_, None, Some(_)) => None,
    };
    Ok(SignUpInput {
        email,
        phone,
        password: form.password.unwrap_or_default(),
        name: form.name,
        preferred_channel,
        locale: locale.for_message(),
        redirect_to: filled(form.redirect_to),
    })
}
