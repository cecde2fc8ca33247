//! Every failure a client can see: a stable snake_case code, a human message and a
//! fitting status. Internal causes are logged once, here, and never sent to the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

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
    #[error("not found")]
    NotFound,
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

    pub fn code(&self) -> &'static str {
        match self {
            AppError::InvalidRequest(_) | AppError::PayloadTooLarge => "invalid_request",
            AppError::InvalidCode { .. } => "invalid_code",
            AppError::Expired => "expired",
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::WrongBrowser => "wrong_browser",
            AppError::Unauthorized => "unauthorized",
            AppError::NotFound => "not_found",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal_error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::InvalidRequest(_) | AppError::InvalidCode { .. } => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Expired => StatusCode::GONE,
            AppError::TooManyAttempts { .. } | AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::WrongBrowser => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What a person reads: on pages and in the JSON `message`.
    pub fn message(&self) -> String {
        match self {
            AppError::InvalidCode { remaining: Some(n) } => {
                format!("That code is not right. {n} attempt{} left.", if *n == 1 { "" } else { "s" })
            }
            AppError::InvalidCode { remaining: None } => {
                "That code is not right, or it has already been used.".to_owned()
            }
            AppError::Expired => {
                "This code or link has expired or was cancelled. Start again to get a new one.".to_owned()
            }
            AppError::TooManyAttempts { .. } => {
                "Too many wrong codes. For your safety this sign-in was stopped; start again to get a new code."
                    .to_owned()
            }
            AppError::RateLimited { retry_after_secs } => {
                format!("Too many requests. Try again in {}.", human_secs(*retry_after_secs))
            }
            AppError::WrongBrowser => {
                "This sign-in was started in another browser. Continue there, or sign in again here.".to_owned()
            }
            AppError::Unauthorized => "You are not signed in.".to_owned(),
            AppError::NotFound => "There is nothing here.".to_owned(),
            AppError::Unavailable(_) => "The service is temporarily unavailable. Try again in a moment.".to_owned(),
            AppError::Internal(_) => "Something went wrong on our side. Try again in a moment.".to_owned(),
            other => other.to_string(),
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

fn human_secs(secs: u64) -> String {
    if secs < 90 {
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    } else {
        format!("{} minutes", secs.div_ceil(60))
    }
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
