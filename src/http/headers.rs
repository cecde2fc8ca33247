//! Response headers every answer carries, and the JSON shape for errors that the
//! framework itself produces (405, 413, 503 on timeout, 500 on panic).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;

/// The CSP of every page: this origin's script and style only.
pub fn page_csp(state: &AppState) -> String {
    // form-action must list the allowed redirect origins: browsers apply it to the
    // redirect that follows a form post.
    let mut form_action = String::from("'self'");
    for origin in &state.settings.redirect_allowlist {
        form_action.push(' ');
        form_action.push_str(origin);
    }
    // Images: this origin, and the origin of the configured logo (theme.logo_url).
    let mut img_src = String::from("'self' data:");
    if let Some(origin) = state.settings.theme.logo_origin() {
        img_src.push(' ');
        img_src.push_str(&origin);
    }
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src {img_src}; \
         connect-src 'self'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// OWASP Secure Headers: no sniffing, no framing (clickjacking on the approval page would
/// be an approval), no referrer (link tokens live in URLs), no caching of anything that
/// may hold a secret, and a CSP that admits only this origin's script and style.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // A handler may set a CSP and frame rule of its own (the dev inbox frames a message's
    // HTML part); everything else gets the strict ones.
    if !h.contains_key(header::X_FRAME_OPTIONS) {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = if is_html { page_csp(&state) } else { "default-src 'none'; frame-ancestors 'none'".to_owned() };
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    if state.settings.is_https() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    response
}

/// A client's `X-Request-Id` is kept only when it is a short run of safe characters;
/// anything else is dropped, so `SetRequestIdLayer` makes a new id. The id is written into
/// every log line, so spaces, quotes or braces in it could forge log entries (OWASP
/// Logging: log injection; issue 10, finding 7). A plain tower layer rather than a
/// `from_fn` middleware: it runs on every request, and adds no allocation to it.
#[derive(Clone, Copy)]
pub struct SanitizeRequestIdLayer;

impl<S> tower::Layer<S> for SanitizeRequestIdLayer {
    type Service = SanitizeRequestId<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SanitizeRequestId { inner }
    }
}

#[derive(Clone)]
pub struct SanitizeRequestId<S> {
    inner: S,
}

impl<S, B> tower::Service<axum::http::Request<B>> for SanitizeRequestId<S>
where
    S: tower::Service<axum::http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: axum::http::Request<B>) -> Self::Future {
        let headers = req.headers_mut();
        let mut ids = headers.get_all("x-request-id").iter();
        let keep = match (ids.next(), ids.next()) {
            (Some(id), None) => is_safe_request_id(id),
            (None, _) => true,
            (Some(_), Some(_)) => false,
        };
        if !keep {
            headers.remove("x-request-id");
        }
        self.inner.call(req)
    }
}

fn is_safe_request_id(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    !b.is_empty() && b.len() <= 64 && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Errors that did not come from a handler (and so are not JSON or HTML yet) get
/// Postern's `{"error","message"}` body.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let typed = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if typed {
        return response;
    }
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let error = match status.as_u16() {
        404 => AppError::NotFound,
        413 => AppError::PayloadTooLarge,
        500 => AppError::Internal(anyhow::anyhow!("a request handler panicked")),
        503 | 408 => AppError::Unavailable(anyhow::anyhow!("the request timed out")),
        _ => AppError::invalid(status.canonical_reason().unwrap_or("the request was not accepted").to_lowercase()),
    };
    let mut replaced = error.into_response();
    *replaced.status_mut() = status;
    if let Some(v) = retry_after {
        replaced.headers_mut().insert(header::RETRY_AFTER, v);
    }
    replaced
}
