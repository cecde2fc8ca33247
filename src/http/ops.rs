//! Health, readiness and the static assets of the hosted pages.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::config::MetricsAccess;
use crate::crypto;
use crate::error::AppError;
use crate::state::AppState;

const CSS: &str = include_str!("../templates/assets/app.css");
const JS: &str = include_str!("../templates/assets/app.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(guarded_metrics))
        .route("/assets/app.css", get(|| async { asset("text/css; charset=utf-8", CSS) }))
        .route("/assets/app.js", get(|| async { asset("text/javascript; charset=utf-8", JS) }))
        .route("/assets/theme.css", get(theme_css))
}

/// The operator's theme as CSS custom properties (generated at start, see `Templates`).
async fn theme_css(State(state): State<AppState>) -> impl IntoResponse {
    let css = state.templates.theme_css().to_owned();
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], css)
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}

/// `/metrics` on the main listener, as `Settings::metrics_access` decides: open on a
/// developer's machine, behind the bearer token, or absent (404, as for any unknown path).
async fn guarded_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match state.settings.metrics_access() {
        MetricsAccess::Open => metrics().await.into_response(),
        MetricsAccess::Off => AppError::NotFound.into_response(),
        MetricsAccess::Token => {
            use secrecy::ExposeSecret;
            let presented = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            let expected = state.settings.metrics.bearer_token.as_ref().map(|t| t.expose_secret()).unwrap_or("");
            // Hashes first, so the comparison takes the same time whatever the lengths.
            if !expected.is_empty()
                && crypto::constant_time_eq(&crypto::sha256(presented.as_bytes()), &crypto::sha256(expected.as_bytes()))
            {
                metrics().await.into_response()
            } else {
                let mut response = AppError::Unauthorized.into_response();
                response.headers_mut().insert(header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
                response
            }
        }
    }
}

/// Prometheus text format (delivery counters and latencies; see `delivery::metrics`).
pub async fn metrics() -> impl IntoResponse {
    let body = crate::delivery::metrics::handle().map(|h| h.render()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body)
}

/// The process is up.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: its database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "error": "unavailable" })))
        }
    }
}
