//! What the HTTP providers share: one connection-pooling client, sending a request, and how
//! an answer maps to delivered / temporary failure / permanent failure.
//!
//! - 2xx: delivered (the provider took the message; its id is read by the caller);
//! - 408, 429, 5xx, connection failures and timeouts: temporary, retried with backoff;
//! - any other 4xx (and redirects): permanent, recorded and not retried — sending the same
//!   request again would only be refused again (bad credentials, invalid recipient, …).
//!
//! Error texts are stored in the outbox (`last_error`) and logged. Following the OWASP
//! Logging Cheat Sheet ("data to exclude": session ids, access tokens, sensitive personal
//! data), they carry the provider's HTTP status and its error code / short message only:
//! never the request or answer body, the recipient, the code or link, or a credential.
//! Provider messages sometimes echo parts of the request ("Illegal email address 'x@y'"), so
//! they are scrubbed (addresses, URLs and digit runs removed, control characters dropped)
//! and truncated.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::SendError;
use crate::config::DeliverySettings;

/// Longest error text kept from a provider answer (characters).
const MAX_ERROR_TEXT: usize = 200;
/// Most of an answer body read (provider answers are small; a larger one is cut).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// One client for every HTTP provider (connections are pooled per host). Every call is
/// bounded by `delivery.send_timeout`.
///
/// Redirects are not followed: a provider API answers directly, and following a redirect
/// (307/308 replay the body) could hand a message — its code and link — to a host the
/// operator never configured. A 3xx is a permanent failure that names the status.
pub fn client(settings: &DeliverySettings) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(settings.send_timeout)
        .connect_timeout(settings.send_timeout)
        .pool_max_idle_per_host(settings.concurrency)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("postern/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// The configured base URL or the provider's public one, without a trailing slash, so
/// `format!("{base}/path")` never doubles it.
pub fn base_url(configured: Option<&str>, default: &str) -> String {
    configured.unwrap_or(default).trim_end_matches('/').to_owned()
}

/// A 2xx answer: its status, headers and (up to 64 KiB of) body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A string field of a JSON answer (`"id"`, `"MessageID"`, …): the provider message id.
    pub fn json_str(&self, field: &str) -> Option<String> {
        self.json().and_then(|v| v.get(field).and_then(serde_json::Value::as_str).map(str::to_owned))
    }

    /// A response header as text (SendGrid's `X-Message-Id`).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

/// How a provider's error answer is described: its error code and short message, picked
/// out of the JSON body by the provider module. Only what this returns reaches the text.
pub type Describe = fn(&serde_json::Value) -> Option<String>;

/// Sends `request` and classifies the outcome: `Ok` for a 2xx answer, else the failure
/// (see the module documentation). `describe` extracts the provider's error code/message.
pub async fn send(provider: &str, request: reqwest::RequestBuilder, describe: Describe) -> Result<Answer, SendError> {
    let response = request.send().await.map_err(|e| transport_error(provider, &e))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_body(response).await;
    if status.is_success() {
        return Ok(Answer { status, headers, body });
    }
    let detail = serde_json::from_slice::<serde_json::Value>(&body).ok().as_ref().and_then(describe);
    Err(status_error(provider, status, detail.as_deref()))
}

/// Reads at most `MAX_ANSWER_BYTES` of the body; a body that breaks off is kept as read
/// (the status already says what happened).
async fn read_body(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ANSWER_BYTES.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ANSWER_BYTES {
            break;
        }
    }
    body
}

/// Whether an HTTP status is worth another attempt.
pub fn is_temporary(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// The failure for a non-2xx answer: `<provider> answered <status>[: <detail>]`.
pub fn status_error(provider: &str, status: StatusCode, detail: Option<&str>) -> SendError {
    let text = match detail.map(scrub).filter(|d| !d.is_empty()) {
        Some(detail) => format!("{provider} answered {}: {detail}", status.as_u16()),
        None => format!("{provider} answered {}", status.as_u16()),
    };
    let text = truncate(&text);
    if is_temporary(status) { SendError::Temporary(text) } else { SendError::Permanent(text) }
}

/// A failure before any answer. reqwest's own text names the URL (which can hold an
/// account id or a sending domain): only the kind of failure is kept.
fn transport_error(provider: &str, e: &reqwest::Error) -> SendError {
    if e.is_builder() {
        // The request could not even be built (a malformed base URL): no retry helps.
        return SendError::Permanent(format!("{provider}: the request could not be built (check its base_url)"));
    }
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the request failed before an answer"
    };
    SendError::Temporary(format!("{provider}: {what}"))
}

/// A provider's error detail made safe to store and log: one line, no control characters,
/// no email addresses, URLs or long runs of digits (recipients, codes, links, phone numbers).
pub fn scrub(detail: &str) -> String {
    let mut out = Vec::new();
    for word in detail.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        // Six digits and more: a code or a phone number (provider error codes are shorter,
        // Twilio's have five digits and stay).
        let longest_digits = word.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
        let sensitive = word.contains('@')
            || lower.contains("http:")
            || lower.contains("https:")
            || longest_digits >= 6
            || (word.starts_with('+') && longest_digits >= 3);
        if sensitive {
            out.push("[redacted]".to_owned());
        } else {
            out.push(word.chars().filter(|c| !c.is_control()).collect::<String>());
        }
    }
    out.join(" ")
}

/// At most `MAX_ERROR_TEXT` characters (cut on a character boundary).
pub fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_ERROR_TEXT) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// `"Name <addr@host>"` → `(Some("Name"), "addr@host")`; a bare address → `(None, addr)`.
/// For APIs that take the display name and the address apart (SendGrid).
pub fn split_mailbox(mailbox: &str) -> (Option<String>, String) {
    let mailbox = mailbox.trim();
    if let (Some(open), true) = (mailbox.rfind('<'), mailbox.ends_with('>')) {
        let address = mailbox[open + 1..mailbox.len() - 1].trim().to_owned();
        let name = mailbox[..open].trim().trim_matches('"').trim();
        return ((!name.is_empty()).then(|| name.to_owned()), address);
    }
    (None, mailbox.to_owned())
}

/// The usual JSON error shapes: `{"name"|"code"|"error"|"ErrorCode": …, "message"|"Message": …}`.
pub fn describe_code_and_message(v: &serde_json::Value) -> Option<String> {
    let pick = |keys: &[&str]| {
        keys.iter().find_map(|k| match v.get(*k) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    let code = pick(&["name", "code", "error", "ErrorCode"]);
    let message = pick(&["message", "Message"]);
    match (code, message) {
        (Some(c), Some(m)) => Some(format!("{c}: {m}")),
        (c, m) => c.or(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        for temporary in [408, 429, 500, 502, 503, 504] {
            let s = StatusCode::from_u16(temporary).unwrap_or_default();
            assert!(status_error("p", s, None).is_temporary(), "{temporary}");
        }
        for permanent in [301, 307, 400, 401, 403, 404, 409, 413, 422] {
            let s = StatusCode::from_u16(permanent).unwrap_or_default();
            assert!(!status_error("p", s, None).is_temporary(), "{permanent}");
        }
    }

    #[test]
    fn error_texts_are_scrubbed_and_short() {
        let e = status_error(
            "postmark",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("300: Invalid 'To' address: 'ada@example.com'. See https://x.example/?token=abc code 123456\r\nX"),
        );
        let text = e.to_string();
        assert!(!text.contains("ada@"), "{text}");
        assert!(!text.contains("token"), "{text}");
        assert!(!text.contains("123456"), "{text}");
        assert!(!text.contains('\n'), "{text}");
        assert!(text.contains("postmark answered 422"), "{text}");
        let long = status_error("p", StatusCode::BAD_REQUEST, Some(&"word ".repeat(200))).to_string();
        assert!(long.chars().count() <= MAX_ERROR_TEXT + 30, "{long}");
    }

    #[test]
    fn base_urls_lose_their_trailing_slash() {
        assert_eq!(base_url(Some("http://127.0.0.1:9/"), "https://api.example"), "http://127.0.0.1:9");
        assert_eq!(base_url(None, "https://api.example"), "https://api.example");
    }

    #[test]
    fn mailboxes_split_into_name_and_address() {
        assert_eq!(
            split_mailbox("Acme <no-reply@acme.example>"),
            (Some("Acme".into()), "no-reply@acme.example".into())
        );
        assert_eq!(split_mailbox("\"A, B\" <a@b.example>"), (Some("A, B".into()), "a@b.example".into()));
        assert_eq!(split_mailbox("a@b.example"), (None, "a@b.example".into()));
    }
}
