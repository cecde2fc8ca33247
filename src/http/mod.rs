//! The HTTP surface, by audience: `api/` (the JSON API of browsers and apps), `admin/`
//! (the server-to-server API, by API key), `pages/`
//! (the hosted pages), `ops` and `dev_inbox` (operators and developers). Who is asking is
//! told by the extractors in `extract.rs`; every router is merged here, under the layers
//! every request passes through.

pub mod admin;
pub mod api;
pub mod cookies;
pub mod csrf;
mod dev_inbox;
pub mod extract;
mod headers;
pub mod openapi;
mod ops;
pub mod pages;
pub mod serve;
pub mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::middleware;
use axum::response::IntoResponse;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

use crate::config::Settings;
use crate::error::AppError;
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route the server answers and the OpenAPI document built from the same routers
/// (`openapi.rs`): a documented route exists exactly when it is served.
pub fn routes(settings: &Settings) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let mut app =
        OpenApiRouter::new().merge(api::router()).merge(admin::router()).merge(pages::router()).merge(ops::router());
    if settings.dev_inbox_enabled() {
        app = app.merge(dev_inbox::router());
    }
    let (app, paths) = app.split_for_parts();
    (app, openapi::document(paths, &settings.public_url()))
}

pub fn router(state: AppState) -> Router {
    let (app, doc) = routes(&state.settings);
    let app = app.merge(openapi::router(&doc));
    let timeout = state.settings.http.request_timeout;
    let body_limit = state.settings.http.body_limit;
    app.fallback(not_found).with_state(state.clone()).layer(
        ServiceBuilder::new()
            .layer(headers::SanitizeRequestIdLayer)
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                // The path only: query strings carry link tokens and must not be logged.
                let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(middleware::from_fn_with_state(state.clone(), headers::security_headers))
            .layer(middleware::from_fn(headers::json_errors))
            .layer(CatchPanicLayer::new())
            .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
            .layer(DefaultBodyLimit::max(body_limit)),
    )
}

/// The router of `metrics.listen`: `/metrics` and nothing else.
pub fn metrics_router() -> Router {
    Router::new().route("/metrics", axum::routing::get(ops::metrics)).fallback(not_found)
}

async fn not_found() -> impl IntoResponse {
    AppError::NotFound
}

/// A query-string value: everything but unreserved characters and `/` percent-encoded.
pub fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
