//! Health, readiness and the static assets of the hosted pages.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::config::MetricsAccess;
use crate::crypto;
use crate::error::AppError;
use crate::http::openapi::ErrorBody;
use crate::state::AppState;

const CSS: &str = include_str!("../templates/assets/app.css");
const JS: &str = include_str!("../templates/assets/app.js");

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(guarded_metrics))
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

/// Prometheus metrics: open on a loopback `public_url`, else behind `metrics.bearer_token`
/// (`Settings::metrics_access` decides), or absent (404, as for any unknown path).
#[utoipa::path(get, operation_id = "metrics", path = "/metrics", tag = "ops",
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
        (status = 401, description = "`unauthorized`: the bearer token is missing or wrong", body = ErrorBody),
        (status = 404, description = "`not_found`: metrics are served elsewhere or not at all", body = ErrorBody),
    ))]
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

#[derive(Serialize, ToSchema)]
struct Health {
    /// `ok`, `ready` or `unavailable`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

/// The process is up.
#[utoipa::path(get, operation_id = "healthz", path = "/healthz", tag = "ops", responses((status = 200, description = "`{\"status\":\"ok\"}`", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok", error: None })
}

/// The process can serve: its database answers.
#[utoipa::path(get, operation_id = "readyz", path = "/readyz", tag = "ops",
    responses(
        (status = 200, description = "`{\"status\":\"ready\"}`", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    ))]
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(Health { status: "ready", error: None })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable", error: Some("unavailable") }))
        }
    }
}
