//! Every failure a client can see: a stable snake_case code, a human message and a
//! fitting status. Internal causes are logged once, here, and never sent to the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::i18n;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("the request body is larger than this server accepts (http.body_limit)")]
    PayloadTooLarge,
    #[error("that code is not right")]
    InvalidCode { remaining: Option<u32> },
    #[error("this code or link has expired")]
    Expired,
    #[error("too many wrong codes")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    #[error("this sign-in was started in another browser")]
    WrongBrowser,
    #[error("sign in first")]
    Unauthorized,
    /// An API key without the scope a route needs.
    #[error("this API key lacks the scope {0}")]
    Forbidden(crate::domain::scope::Scope),
    /// Every failed password login, whatever failed (unknown account, wrong password, no
    /// password, unverified, disabled): one answer, so it tells nothing (OWASP
    /// Authentication: generic error messages).
    #[error("the email, phone number or password is not right")]
    InvalidCredentials,
    /// A new password the policy refuses; the reason is a sentence for the person.
    #[error("{0}")]
    WeakPassword(String),
    #[error("not found")]
    NotFound,
    /// Another account already holds that email address or phone number (operators only:
    /// the public API never tells).
    #[error("another account already holds that email address or phone number")]
    Conflict,
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempts_remaining: Option<u32>,
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::InvalidRequest(message.into())
    }

    /// The one table of errors: for each variant the code clients branch on, its status,
    /// the catalogue message a person reads (JSON in English, pages in their language),
    /// and the title and message of its page.
    fn spec(&self) -> Spec {
        use StatusCode as S;
        let generic = "error-title-generic";
        let (code, status, message_id, page_title_id) = match self {
            AppError::InvalidRequest(_) => ("invalid_request", S::BAD_REQUEST, "error-invalid-request", generic),
            AppError::PayloadTooLarge => ("invalid_request", S::PAYLOAD_TOO_LARGE, "error-invalid-request", generic),
            AppError::InvalidCode { remaining: Some(_) } => {
                ("invalid_code", S::BAD_REQUEST, "error-invalid-code-remaining", generic)
            }
            AppError::InvalidCode { remaining: None } => {
                ("invalid_code", S::BAD_REQUEST, "error-invalid-code", "error-title-link-invalid")
            }
            AppError::Expired => ("expired", S::GONE, "error-expired", "error-title-expired"),
            AppError::TooManyAttempts { .. } => {
                ("too_many_attempts", S::TOO_MANY_REQUESTS, "error-too-many-attempts", "error-title-stopped")
            }
            AppError::RateLimited { .. } => {
                ("rate_limited", S::TOO_MANY_REQUESTS, "error-rate-limited", "error-title-rate-limited")
            }
            AppError::WrongBrowser => ("wrong_browser", S::FORBIDDEN, "error-wrong-browser", generic),
            AppError::Unauthorized => ("unauthorized", S::UNAUTHORIZED, "error-unauthorized", generic),
            AppError::Forbidden(_) => ("forbidden", S::FORBIDDEN, "error-forbidden", generic),
            AppError::InvalidCredentials => {
                ("invalid_credentials", S::UNAUTHORIZED, "error-invalid-credentials", generic)
            }
            AppError::WeakPassword(_) => ("weak_password", S::BAD_REQUEST, "error-weak-password", generic),
            AppError::NotFound => ("not_found", S::NOT_FOUND, "error-not-found", generic),
            AppError::Conflict => ("conflict", S::CONFLICT, "error-conflict", generic),
            AppError::Unavailable(_) => {
                ("unavailable", S::SERVICE_UNAVAILABLE, "error-unavailable", "error-title-failed")
            }
            AppError::Internal(_) => {
                ("internal_error", S::INTERNAL_SERVER_ERROR, "error-internal", "error-title-failed")
            }
        };
        // On a page an unusable code is almost always a link that was opened.
        let page_message_id =
            if matches!(self, AppError::InvalidCode { remaining: None }) { "error-link-invalid" } else { message_id };
        Spec { code, status, message_id, page_title_id, page_message_id }
    }

    pub fn code(&self) -> &'static str {
        self.spec().code
    }

    pub fn status(&self) -> StatusCode {
        self.spec().status
    }

    /// What a person reads in the JSON `message` (English).
    pub fn message(&self) -> String {
        self.message_in("en")
    }

    /// What a person reads, in `locale`. The detail of an invalid request is English text
    /// from the parsers: given as it is in English, replaced by the generic sentence in
    /// other languages.
    pub fn message_in(&self, locale: &str) -> String {
        match self {
            AppError::InvalidRequest(detail) | AppError::WeakPassword(detail) if locale == "en" => detail.clone(),
            AppError::Forbidden(_) | AppError::Conflict if locale == "en" => self.to_string(),
            AppError::PayloadTooLarge if locale == "en" => self.to_string(),
            _ => say(locale, self.spec().message_id, &self.args(locale)),
        }
    }

    /// The title and message of the page that shows this error, in `locale`.
    pub fn page_text(&self, locale: &str) -> (String, String) {
        let spec = self.spec();
        let message = if spec.page_message_id == spec.message_id {
            self.message_in(locale)
        } else {
            say(locale, spec.page_message_id, &self.args(locale))
        };
        (say(locale, spec.page_title_id, &i18n::Args::new()), message)
    }

    fn args(&self, locale: &str) -> i18n::Args {
        use fluent_templates::fluent_bundle::FluentValue;
        match self {
            AppError::InvalidCode { remaining: Some(n) } => {
                i18n::Args::from([("remaining".into(), FluentValue::from(*n))])
            }
            AppError::RateLimited { retry_after_secs } => {
                i18n::Args::from([("wait".into(), FluentValue::from(i18n::wait(locale, *retry_after_secs)))])
            }
            _ => i18n::Args::new(),
        }
    }

    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyAttempts { retry_after_secs } | AppError::RateLimited { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            AppError::Unavailable(_) => Some(5),
            _ => None,
        }
    }

    /// Logs what the client will not see. Called once per error response.
    pub fn log(&self) {
        match self {
            AppError::Internal(e) => tracing::error!(error = format!("{e:#}"), "internal error"),
            AppError::Unavailable(e) => tracing::warn!(error = format!("{e:#}"), "service unavailable"),
            _ => {}
        }
    }
}

struct Spec {
    code: &'static str,
    status: StatusCode,
    message_id: &'static str,
    page_title_id: &'static str,
    page_message_id: &'static str,
}

/// Message `id` of the catalogue; a missing one is a bug, logged, and the id shown.
fn say(locale: &str, id: &str, args: &i18n::Args) -> String {
    i18n::translate(locale, id, args).unwrap_or_else(|e| {
        tracing::error!(error = %e, "an error message is missing from the catalogue");
        id.to_owned()
    })
}

pub fn retry_after_secs(ms: i64) -> u64 {
    (ms.max(0) as u64).div_ceil(1000).max(1)
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::RateLimited { retry_after_ms, .. } => {
                AppError::RateLimited { retry_after_secs: retry_after_secs(retry_after_ms) }
            }
            StoreError::Unavailable(e) => AppError::Unavailable(e),
            StoreError::Conflict => AppError::Conflict,
            StoreError::Other(e) => AppError::Internal(e),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let remaining = match &self {
            AppError::InvalidCode { remaining } => *remaining,
            _ => None,
        };
        let body = Body { error: self.code(), message: self.message(), attempts_remaining: remaining };
        let mut response = (self.status(), Json(body)).into_response();
        if let Some(secs) = self.retry_after()
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
