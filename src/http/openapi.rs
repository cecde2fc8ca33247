//! The machine-readable description of the API (`/openapi.json`) and a readable reference
//! (`/docs`). Both come from the routers the server runs: each documented route is
//! registered with `utoipa_axum::routes!` from a handler that carries its
//! `#[utoipa::path]`, so a route cannot exist without its description (issue 13). The
//! reference is rendered here from the document, with nothing loaded from the internet.

use std::fmt::Write as _;

use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, ToSchema};

use crate::state::AppState;

/// Every error answer: a code a client can switch on and an English sentence.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// `invalid_request`, `invalid_code`, `expired`, `too_many_attempts`, `rate_limited`,
    /// `invalid_credentials`, `weak_password`, `wrong_browser`, `unauthorized`, `forbidden`,
    /// `not_found`, `conflict`, `payload_too_large`, `unavailable`, `internal`.
    pub error: String,
    pub message: String,
    /// With `invalid_code`: wrong codes the request still accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_remaining: Option<u32>,
}

/// What every `/admin/v1` operation may answer before it runs.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum AdminDenied {
    /// `unauthorized`: no live API key.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// `forbidden`: the key lacks the operation's scope.
    #[response(status = 403)]
    Forbidden(ErrorBody),
}

/// The document's frame: title, description, the security schemes and shared schemas.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Postern",
        description = "Self-hosted authentication over the inbox and the phone: passwordless sign-in, \
                       accounts and passwords, sessions, access tokens, forward-auth and the \
                       server-to-server API."
    ),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes)
)]
struct Frame;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "postern_session",
                "The session cookie set by a sign-in (named `__Host-postern_session` over https).",
            ))),
        );
        components.add_security_scheme(
            "access_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from `POST /v1/session/token` (EdDSA)."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("pst_<prefix>_<secret>")
                    .description(Some("An API key from `postern api-keys create` (server-to-server API)."))
                    .build(),
            ),
        );
    }
}

/// The whole document: the frame with the routers' paths and schemas.
pub fn document(routes: OpenApi, public_url: &str) -> OpenApi {
    let mut doc = <Frame as utoipa::OpenApi>::openapi();
    doc.merge(routes);
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.servers = Some(vec![utoipa::openapi::Server::new(public_url)]);
    doc
}

/// `/openapi.json` and `/docs`, serving the document made once at start.
pub fn router(doc: &OpenApi) -> axum::Router<AppState> {
    // Made once; each answer shares the bytes (no copy per request).
    let json = Bytes::from(doc.to_json().unwrap_or_else(|_| "{}".to_owned()));
    let html = Bytes::from(reference(doc));
    axum::Router::new()
        .route("/openapi.json", get(move || async move { ([(header::CONTENT_TYPE, "application/json")], json) }))
        .route("/docs", get(move || async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html) }))
        .route("/docs.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS) }))
}

/// The reference's style, served beside it (the content security policy allows no inline
/// style).
const CSS: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;\
color:#1d232a}code,pre{font:13px ui-monospace,monospace;background:#f3f5f7;border-radius:4px}code{padding:1px 4px}\
pre{padding:.6rem;overflow:auto}.op{border-top:1px solid #dde2e6;padding:.6rem 0}\
.m{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}.muted{color:#5b6670}";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A readable reference: every operation with its summary, parameters, body and answers,
/// then every schema. Plain HTML and a little CSS, all inline.
fn reference(doc: &OpenApi) -> String {
    let mut out = String::new();
    let title = escape(&doc.info.title);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{title} API</title>\
         <link rel=\"stylesheet\" href=\"/docs.css\"></head><body><h1>{title} API <small class=\"muted\">{}</small></h1>\
         <p>{}</p><p>The machine-readable document: <a href=\"/openapi.json\"><code>/openapi.json</code></a>.</p>",
        escape(&doc.info.version),
        escape(doc.info.description.as_deref().unwrap_or("")),
    );
    out.push_str("<h2>Operations</h2>");
    let doc = serde_json::to_value(doc).unwrap_or_default();
    let str_of = |v: &Value| v.as_str().map(escape).unwrap_or_default();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in ["get", "post", "put", "patch", "delete"] {
            let op = &item[method];
            if op.is_null() {
                continue;
            }
            let _ = write!(out, "<div class=\"op\"><span class=\"m\">{method}</span> <code>{}</code>", escape(path));
            if let Some(summary) = op["summary"].as_str() {
                let _ = write!(out, " — {}", escape(summary));
            }
            if let Some(description) = op["description"].as_str() {
                let _ = write!(out, "<p class=\"muted\">{}</p>", escape(description));
            }
            let params: Vec<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| format!("<code>{}</code> ({})", str_of(&p["name"]), str_of(&p["in"])))
                .collect();
            if !params.is_empty() {
                let _ = write!(out, "<div>Parameters: {}</div>", params.join(", "));
            }
            let body: Vec<String> = op["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(_, c)| schema_name(&c["schema"]))
                .collect();
            if !body.is_empty() {
                let _ = write!(out, "<div>Body: {}</div>", body.join(", "));
            }
            let answers: Vec<String> = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(status, r)| {
                    let schema =
                        r["content"].as_object().and_then(|c| c.values().next()).map(|c| schema_name(&c["schema"]));
                    format!(
                        "<code>{status}</code> {}{}",
                        str_of(&r["description"]),
                        schema.map(|s| format!(" ({s})")).unwrap_or_default()
                    )
                })
                .collect();
            let _ = write!(out, "<div>Answers: {}</div>", answers.join("; "));
            let credentials: Vec<String> = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_object().map(|o| o.keys().map(|k| escape(k)).collect::<Vec<_>>().join(" + ")))
                .map(|s| if s.is_empty() { "none".to_owned() } else { s })
                .collect();
            if !credentials.is_empty() {
                let _ = write!(out, "<div>Credentials: {}</div>", credentials.join(" or "));
            }
            out.push_str("</div>");
        }
    }
    out.push_str("<h2>Schemas</h2>");
    for (name, schema) in doc["components"]["schemas"].as_object().into_iter().flatten() {
        let json = serde_json::to_string_pretty(schema).unwrap_or_default();
        let _ = write!(out, "<h3 id=\"{0}\">{0}</h3><pre>{1}</pre>", escape(name), escape(&json));
    }
    out.push_str("</body></html>");
    out
}

/// A schema reference as a link to its section, or `inline`.
fn schema_name(schema: &Value) -> String {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or_default();
            format!("<a href=\"#{0}\">{0}</a>", escape(name))
        }
        None => "inline".to_owned(),
    }
}
