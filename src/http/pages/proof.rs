//! A one-time secret from a message, proven on a page: the emailed link's token or the
//! typed code (`/reset-password`, `/account/confirm`).

use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;

use super::{PageLocale, error_page, form_page};
use crate::domain::OtpCode;
use crate::error::AppError;
use crate::flows::password_reset::ResetSecret;
use crate::state::AppState;

/// How a page proves a one-time secret from a message: the emailed link's token, or the
/// request id with the code the person types.
#[derive(Clone, Copy)]
pub enum Proof<'a> {
    Token(&'a str),
    Code(&'a str),
}

impl<'a> Proof<'a> {
    /// From a query or a form: a token wins; a request id must look like one.
    pub fn of(token: &'a Option<String>, id: &'a Option<String>) -> Option<Self> {
        match (token.as_deref().filter(|t| !t.is_empty()), id.as_deref()) {
            (Some(token), _) => Some(Proof::Token(token)),
            (None, Some(id)) if crate::http::extract::check_request_id(id).is_ok() => Some(Proof::Code(id)),
            _ => None,
        }
    }

    /// The secret to redeem; `None` when the typed code is not six digits.
    pub fn secret(self, code: Option<&str>) -> Option<ResetSecret> {
        match self {
            Proof::Token(token) => Some(ResetSecret::Token(token.to_owned())),
            Proof::Code(id) => OtpCode::parse(code.unwrap_or(""))
                .ok()
                .map(|code| ResetSecret::Code { auth_request_id: id.to_owned(), code }),
        }
    }

    /// `template` with this proof in hidden fields (`token` or `auth_request_id`, the
    /// other empty) and an optional error.
    pub fn page(
        self,
        state: &AppState,
        locale: PageLocale,
        jar: CookieJar,
        status: StatusCode,
        template: &str,
        error: Option<String>,
    ) -> Response {
        let (token, auth_request_id) = match self {
            Proof::Token(token) => (token, ""),
            Proof::Code(id) => ("", id),
        };
        form_page(state, locale, jar, status, template, minijinja::context! { token, auth_request_id, error })
    }

    /// The answer to a failed redemption of this proof: the form again for what the
    /// person can fix (a wrong code with attempts left, a weak new password), `dead` for
    /// a secret that can no longer be used, else the error page.
    pub fn refused(
        self,
        state: &AppState,
        locale: PageLocale,
        jar: CookieJar,
        template: &str,
        e: AppError,
        dead: impl FnOnce() -> Response,
    ) -> Response {
        match e {
            AppError::WeakPassword(_) | AppError::InvalidCode { remaining: Some(_) } => {
                let error = Some(e.message_in(locale.locale));
                self.page(state, locale, jar, e.status(), template, error)
            }
            AppError::InvalidCode { remaining: None } | AppError::Expired | AppError::TooManyAttempts { .. } => dead(),
            e => error_page(state, locale, e),
        }
    }
}
