//! The dev inbox (only while the dev provider is active): every message the dev provider
//! delivered, rendered with the real templates, newest first — a mail catcher in the
//! binary (Mailpit is the yardstick): a list that refreshes itself, each message on its
//! own page with its headers, its text with clickable links, its HTML part in a sandboxed
//! frame, and texts shown as a phone shows them.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::clock::rfc3339;
use crate::delivery::message::render;
use crate::domain::Channel;
use crate::domain::Identifier;
use crate::error::{AppError, AppResult};
use crate::http::headers::page_csp;
use crate::http::openapi::ErrorBody;
use crate::http::pages::{PageLocale, page};
use crate::state::AppState;
use crate::store::OutboxMessage;

const LIMIT: usize = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/dev/inbox", get(list_page))
        .route("/dev/inbox/{id}", get(message_page))
        .route("/dev/inbox/{id}/html", get(html_part))
        .routes(routes!(json))
}

/// Longest `wait` accepted, in seconds.
const MAX_WAIT_SECS: u64 = 10;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct InboxQuery {
    to: Option<String>,
    /// Seconds to wait for a first message when there is none yet (tests and scripts:
    /// no polling loop needed). Capped at 10.
    wait: Option<u64>,
    /// Only messages newer than this id; with `wait`, waits for the next one (the inbox
    /// page refreshes itself this way).
    after: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct InboxMessage {
    id: String,
    channel: &'static str,
    /// `sign_in`, `verification`, `reset_link`, `reset_code`, …
    kind: String,
    to: String,
    subject: String,
    text: String,
    html: Option<String>,
    created_at: String,
}

fn recipient(to: Option<&str>) -> AppResult<Option<String>> {
    // `to` is canonicalised like any identifier, so `Alice@Example.com` finds the mail
    // sent to `alice@example.com`.
    match to.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => {
            Ok(Some(Identifier::parse_any(t).map_err(|e| AppError::invalid(format!("to: {e}")))?.as_str().to_owned()))
        }
        None => Ok(None),
    }
}

/// The newest messages, to the canonical `to` (`recipient`) when given.
async fn messages(state: &AppState, to: Option<&str>, after: Option<i64>) -> AppResult<Vec<InboxMessage>> {
    let mut rows = state.store.dev_inbox(to.map(str::to_owned), LIMIT).await?;
    if let Some(after) = after {
        rows.retain(|m| m.seq > after);
    }
    rows.iter().map(|m| view(state, m)).collect()
}

fn view(state: &AppState, m: &OutboxMessage) -> AppResult<InboxMessage> {
    let locale = crate::i18n::negotiate([m.locale.as_deref()], state.default_locale());
    let rendered = render(&state.templates, m.channel, &m.kind, locale, &m.payload)?;
    Ok(InboxMessage {
        id: m.seq.to_string(),
        channel: m.channel.as_str(),
        kind: m.kind.clone(),
        to: m.recipient.clone(),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        created_at: rfc3339(m.created_at),
    })
}

#[derive(Serialize, ToSchema)]
struct Inbox {
    messages: Vec<InboxMessage>,
}

/// Messages the `dev` provider delivered, newest first (only while it is active:
/// development setups).
#[utoipa::path(get, operation_id = "devInbox", path = "/dev/inbox.json", tag = "dev", params(InboxQuery),
    responses(
        (status = 200, description = "The messages", body = Inbox),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
    ))]
async fn json(State(state): State<AppState>, Query(q): Query<InboxQuery>) -> AppResult<Json<Inbox>> {
    // Never as long as the request timeout: the answer must come before it (schemathesis
    // found `wait=10` answered 503 under `http.request_timeout = 10s`).
    let limit = state.settings.http.request_timeout.saturating_sub(Duration::from_secs(1));
    let wait = Duration::from_secs(q.wait.unwrap_or(0).min(MAX_WAIT_SECS)).min(limit);
    let deadline = tokio::time::Instant::now() + wait;
    let to = recipient(q.to.as_deref())?;
    // Listen before looking, so a delivery between the two is not missed.
    let mut delivered = state.delivered.watch();
    loop {
        let messages = messages(&state, to.as_deref(), q.after).await?;
        if !messages.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(Json(Inbox { messages }));
        }
        // Another instance may deliver: look again at least every 100 ms.
        let next = deadline.min(tokio::time::Instant::now() + Duration::from_millis(100));
        tokio::select! {
            _ = delivered.named(to.as_deref()) => {}
            _ = tokio::time::sleep_until(next) => {}
        }
    }
}

/// A row of the list: who, what, when, and the first line.
#[derive(Serialize)]
struct Row {
    id: String,
    channel: &'static str,
    kind: String,
    to: String,
    subject: String,
    preview: String,
    created_at: String,
}

async fn list_page(State(state): State<AppState>, locale: PageLocale, Query(q): Query<InboxQuery>) -> Response {
    let found = match recipient(q.to.as_deref()) {
        Ok(to) => messages(&state, to.as_deref(), None).await,
        Err(e) => Err(e),
    };
    let found = match found {
        Ok(found) => found,
        Err(e) => return crate::http::pages::error_page(&state, locale, e),
    };
    let latest = found.first().map_or_else(|| "0".to_owned(), |m| m.id.clone());
    let to = q.to.unwrap_or_default();
    // The page waits for the next message and reloads when one arrives (app.js).
    let mut refresh = format!("{}/dev/inbox.json?wait={MAX_WAIT_SECS}&after={latest}", state.base_path());
    if !to.trim().is_empty() {
        refresh.push_str("&to=");
        refresh.push_str(&crate::http::query_escape(to.trim()));
    }
    let rows: Vec<Row> = found
        .into_iter()
        .map(|m| {
            let first_line = m.text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
            Row {
                preview: first_line.chars().take(90).collect(),
                subject: if m.channel == Channel::Sms.as_str() { String::new() } else { m.subject },
                id: m.id,
                channel: m.channel,
                kind: m.kind,
                to: m.to,
                created_at: m.created_at,
            }
        })
        .collect();
    page(
        &state,
        locale,
        StatusCode::OK,
        "dev_inbox.html",
        minijinja::context! { messages => minijinja::value::Serde(rows), to, refresh },
    )
}

/// One delivered message by id, or 404.
async fn one(state: &AppState, id: &str) -> AppResult<(OutboxMessage, InboxMessage)> {
    let seq: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let stored = state.store.dev_inbox_message(seq).await?.ok_or(AppError::NotFound)?;
    let shown = view(state, &stored)?;
    Ok((stored, shown))
}

async fn message_page(State(state): State<AppState>, locale: PageLocale, Path(id): Path<String>) -> Response {
    let (stored, m) = match one(&state, &id).await {
        Ok(found) => found,
        Err(e) => return crate::http::pages::error_page(&state, locale, e),
    };
    let sms = stored.channel == Channel::Sms;
    // What the message would carry on the wire (the dev provider builds no MIME message).
    let mut headers = vec![
        ("From", if sms { state.settings.app_name.clone() } else { state.settings.delivery.email.from.clone() }),
        ("To", m.to.clone()),
    ];
    if !sms {
        headers.push(("Subject", m.subject.clone()));
    }
    headers.extend([
        ("Date", m.created_at.clone()),
        ("Content-Language", stored.locale.clone().unwrap_or_else(|| state.default_locale().to_owned())),
        ("X-Postern-Kind", m.kind.clone()),
        ("X-Postern-Message-Id", m.id.clone()),
    ]);
    let text = minijinja::Value::from_safe_string(linkify(&m.text));
    let html_src = m.html.as_ref().map(|_| format!("{}/dev/inbox/{}/html", state.base_path(), m.id));
    let json_href = format!("{}/dev/inbox.json?to={}", state.base_path(), crate::http::query_escape(&m.to));
    let mut response = page(
        &state,
        locale,
        StatusCode::OK,
        "dev_inbox_message.html",
        minijinja::context! { m => minijinja::value::Serde(&m), headers, text, html_src, json_href, sms },
    );
    // The page frames the HTML part (served by this origin, see `html_part`).
    if let Ok(v) = HeaderValue::from_str(&format!("{}; frame-src 'self'", page_csp(&state))) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

/// The HTML part alone, for the message page's frame. The email is untrusted markup as
/// far as this origin goes: the CSP `sandbox` makes it an opaque origin with no script
/// (and the frame is sandboxed too); inline styles and images, as mail clients show
/// them; links open in a new tab.
async fn html_part(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let (_, m) = one(&state, &id).await?;
    let html = m.html.ok_or(AppError::NotFound)?;
    let html = match html.find("<head>") {
        Some(i) => format!("{}<head><base target=\"_blank\">{}", &html[..i], &html[i + "<head>".len()..]),
        None => format!("<base target=\"_blank\">{html}"),
    };
    let mut response = Html(html).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; \
             img-src data: http: https:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    Ok(response)
}

/// Plain text as HTML, every `http(s)://` URL a link.
fn linkify(text: &str) -> String {
    let escape = |s: &str| {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        out
    };
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = ["https://", "http://"].iter().filter_map(|p| rest.find(p)).min() {
        out.push_str(&escape(&rest[..start]));
        let end = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\''))
            .map_or(rest.len(), |len| start + len);
        // A sentence's full stop or comma after a URL is not part of it.
        let url = rest[start..end].trim_end_matches(['.', ',', ')', ';', ':']);
        let shown = escape(url);
        out.push_str(&format!("<a href=\"{shown}\" target=\"_blank\" rel=\"noopener noreferrer\">{shown}</a>"));
        rest = &rest[start + url.len()..];
    }
    out.push_str(&escape(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::linkify;

    #[test]
    fn links_become_anchors_and_the_rest_is_escaped() {
        let html = linkify("Open http://127.0.0.1:8080/login/link?token=a&b=c. <b>Code</b>: 123456");
        assert_eq!(
            html,
            "Open <a href=\"http://127.0.0.1:8080/login/link?token=a&amp;b=c\" target=\"_blank\" \
             rel=\"noopener noreferrer\">http://127.0.0.1:8080/login/link?token=a&amp;b=c</a>. &lt;b&gt;Code&lt;/b&gt;: 123456"
        );
        assert_eq!(linkify("no links \"here\""), "no links &quot;here&quot;");
        assert_eq!(
            linkify("javascript:alert(1) https://x.example/a"),
            "javascript:alert(1) <a href=\"https://x.example/a\" target=\"_blank\" rel=\"noopener noreferrer\">https://x.example/a</a>"
        );
    }
}
