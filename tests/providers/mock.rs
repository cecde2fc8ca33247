//! A mock provider: an axum server on 127.0.0.1:0 in the test process that plays one
//! provider. Every request is validated — against the provider's own OpenAPI document
//! (Resend, SendGrid, Twilio) or its documented request shape (Postmark, Mailgun, Forward
//! Email, Vonage, the Standard Webhooks signature) — and the exact credential is checked.
//! An invalid request is answered 400 and recorded as a violation; tests assert there are
//! none. Valid requests get what the test scripted for the next N requests (accept,
//! throttle, server error, reject, hang past the send timeout), else an acceptance in the
//! provider's own answer shape.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::prelude::{BASE64_STANDARD, Engine};
use hmac::{Hmac, KeyInit, Mac};
use postern::config::{
    ApiKeySettings, EmailProvider, MailgunSettings, PostmarkSettings, Settings, SmsProvider, TwilioSettings,
    VonageSettings, WebhookSettings,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::spec::{self, Request, basic_credentials, content_type, parse_body};

pub const RESEND_KEY: &str = "re_test_4f9c2a7b";
pub const POSTMARK_TOKEN: &str = "pm-test-0d8e-server-token";
pub const SENDGRID_KEY: &str = "SG.test-key.0123456789abcdef";
pub const MAILGUN_KEY: &str = "key-test-mailgun-0123";
pub const MAILGUN_DOMAIN: &str = "mg.postern.test";
pub const FORWARDEMAIL_KEY: &str = "fe-test-key-0123";
pub const TWILIO_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const TWILIO_TOKEN: &str = "twilio-test-auth-token";
pub const TWILIO_FROM: &str = "+15005550006";
pub const VONAGE_KEY: &str = "vonagekey";
pub const VONAGE_SECRET: &str = "vonage-test-secret";
pub const VONAGE_FROM: &str = "Postern";
/// `whsec_` + base64 of 32 bytes.
pub const WEBHOOK_SECRET: &str = "whsec_dGVzdC13ZWJob29rLXNlY3JldC0zMi1ieXRlcy0hIQ==";
pub const WEBHOOK_PATH: &str = "/hooks/postern";
pub const FROM: &str = "Postern Test <no-reply@postern.test>";
pub const REPLY_TO: &str = "support@postern.test";

/// How long a hanging answer waits: well past the tests' 500 ms send timeout.
const HANG: Duration = Duration::from_secs(3);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Resend,
    Postmark,
    Sendgrid,
    Mailgun,
    ForwardEmail,
    WebhookEmail,
    Twilio,
    Vonage,
    WebhookSms,
}

impl Kind {
    /// The provider name Postern records and labels metrics with.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Resend => "resend",
            Kind::Postmark => "postmark",
            Kind::Sendgrid => "sendgrid",
            Kind::Mailgun => "mailgun",
            Kind::ForwardEmail => "forwardemail",
            Kind::WebhookEmail | Kind::WebhookSms => "webhook",
            Kind::Twilio => "twilio",
            Kind::Vonage => "vonage",
        }
    }

    pub fn is_sms(self) -> bool {
        matches!(self, Kind::Twilio | Kind::Vonage | Kind::WebhookSms)
    }
}

/// What the mock answers to one valid request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    Accept,
    /// 429 (Vonage: 200 with status "1", throttled).
    Throttle,
    /// 500.
    ServerError,
    /// The provider's refusal: 400 (Postmark 422 + ErrorCode; Vonage 200 + status "3").
    Reject,
    /// No answer until well after the send timeout.
    Hang,
    /// 307 to another URL (a provider never redirects an API call; Postern must not follow).
    Redirect,
    /// Resend's 409 `concurrent_idempotent_requests`: the same key is still being processed.
    Concurrent,
}

/// One request the mock received.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub raw: Bytes,
    /// The body as JSON (a form as an object of strings).
    pub body: Value,
    /// Recipient and text as the provider would deliver them.
    pub to: String,
    pub text: String,
    pub reply: Reply,
    /// The message id the mock answered with (accepted requests only).
    pub provider_id: Option<String>,
    pub violations: Vec<String>,
}

impl Received {
    /// The first run of exactly six digits in the text: the code.
    pub fn code(&self) -> String {
        crate::common::code_of(&self.text)
    }
}

struct State {
    kind: Kind,
    script: Mutex<VecDeque<Reply>>,
    received: Mutex<Vec<Received>>,
    seq: AtomicU64,
}

#[derive(Clone)]
pub struct Mock {
    pub kind: Kind,
    pub address: SocketAddr,
    state: Arc<State>,
}

impl Mock {
    pub async fn start(kind: Kind) -> Mock {
        let state = Arc::new(State {
            kind,
            script: Mutex::new(VecDeque::new()),
            received: Mutex::new(Vec::new()),
            seq: AtomicU64::new(0),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the mock");
        let address = listener.local_addr().expect("mock address");
        let handler_state = state.clone();
        let router = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = handler_state.clone();
            async move { handle(&state, method, uri, headers, body).await }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Mock { kind, address, state }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The next `n` valid requests get `reply`.
    pub fn then(&self, reply: Reply, n: usize) {
        self.state.script.lock().unwrap().extend(std::iter::repeat_n(reply, n));
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    pub fn received_for(&self, to: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.to == to).collect()
    }

    /// Waits (up to 10 s) until `to` got `count` requests; returns them in order.
    pub async fn wait_for(&self, to: &str, count: usize) -> Vec<Received> {
        for _ in 0..500 {
            let got = self.received_for(to);
            if got.len() >= count {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{:?} did not receive {count} request(s) for {to}; got {:?}", self.kind, self.received());
    }

    pub fn violations(&self) -> Vec<String> {
        self.received().into_iter().flat_map(|r| r.violations).collect()
    }

    pub fn assert_no_violations(&self) {
        let v = self.violations();
        assert!(v.is_empty(), "{:?} saw invalid requests:\n{}", self.kind, v.join("\n"));
    }

    /// Points `settings` at this mock, as the channel's provider or as its fallback.
    pub fn configure(&self, settings: &mut Settings, fallback: bool) {
        let base = Some(self.base_url());
        let d = &mut settings.delivery;
        d.email.from = FROM.to_owned();
        d.email.reply_to = Some(REPLY_TO.to_owned());
        let key = |k: &str| ApiKeySettings { api_key: SecretString::from(k), base_url: base.clone() };
        let webhook = || WebhookSettings {
            url: format!("{}{WEBHOOK_PATH}", self.base_url()),
            secret: SecretString::from(WEBHOOK_SECRET),
        };
        let email = match self.kind {
            Kind::Resend => {
                d.email.resend = Some(key(RESEND_KEY));
                Some(EmailProvider::Resend)
            }
            Kind::Postmark => {
                d.email.postmark = Some(PostmarkSettings {
                    server_token: SecretString::from(POSTMARK_TOKEN),
                    base_url: base.clone(),
                    message_stream: None,
                });
                Some(EmailProvider::Postmark)
            }
            Kind::Sendgrid => {
                d.email.sendgrid = Some(key(SENDGRID_KEY));
                Some(EmailProvider::Sendgrid)
            }
            Kind::Mailgun => {
                d.email.mailgun = Some(MailgunSettings {
                    api_key: SecretString::from(MAILGUN_KEY),
                    domain: MAILGUN_DOMAIN.to_owned(),
                    base_url: base.clone(),
                });
                Some(EmailProvider::Mailgun)
            }
            Kind::ForwardEmail => {
                d.email.forwardemail = Some(key(FORWARDEMAIL_KEY));
                Some(EmailProvider::Forwardemail)
            }
            Kind::WebhookEmail => {
                d.email.webhook = Some(webhook());
                Some(EmailProvider::Webhook)
            }
            _ => None,
        };
        if let Some(provider) = email {
            if fallback {
                d.email.fallback = Some(provider);
            } else {
                d.email.provider = Some(provider);
            }
            return;
        }
        let sms = match self.kind {
            Kind::Twilio => {
                d.sms.twilio = Some(TwilioSettings {
                    account_sid: TWILIO_SID.to_owned(),
                    auth_token: SecretString::from(TWILIO_TOKEN),
                    from: Some(TWILIO_FROM.to_owned()),
                    messaging_service_sid: None,
                    base_url: base.clone(),
                });
                SmsProvider::Twilio
            }
            Kind::Vonage => {
                d.sms.vonage = Some(VonageSettings {
                    api_key: VONAGE_KEY.to_owned(),
                    api_secret: SecretString::from(VONAGE_SECRET),
                    from: VONAGE_FROM.to_owned(),
                    base_url: base.clone(),
                });
                SmsProvider::Vonage
            }
            _ => {
                d.sms.webhook = Some(webhook());
                SmsProvider::Webhook
            }
        };
        if fallback {
            d.sms.fallback = Some(sms);
        } else {
            d.sms.provider = Some(sms);
        }
    }
}

async fn handle(state: &State, method: Method, uri: Uri, headers: HeaderMap, raw: Bytes) -> Response {
    let path = uri.path().to_owned();
    let req = Request { method: method.as_str(), path: &path, headers: &headers, body: &raw };
    let (mut violations, body) = validate(state.kind, &req);
    if uri.query().is_some() {
        // Credentials or recipients in a query string end up in access logs.
        violations.push(format!("unexpected query string {:?}", uri.query()));
    }
    let (to, text) = recipient_and_text(state.kind, &body);
    let reply = if violations.is_empty() {
        state.script.lock().unwrap().pop_front().unwrap_or(Reply::Accept)
    } else {
        Reply::Reject
    };
    let n = state.seq.fetch_add(1, Ordering::SeqCst) + 1;
    let provider_id = (reply == Reply::Accept || reply == Reply::Hang).then(|| message_id(state.kind, n));
    let invalid = !violations.is_empty();
    state.received.lock().unwrap().push(Received {
        headers,
        raw,
        body,
        to: to.clone(),
        text,
        reply,
        provider_id: provider_id.clone(),
        violations: violations.clone(),
    });
    if invalid {
        let message = format!("postern contract mock: invalid request: {}", violations.join("; "));
        return (StatusCode::BAD_REQUEST, axum::Json(json!({ "message": message }))).into_response();
    }
    if reply == Reply::Hang {
        tokio::time::sleep(HANG).await;
    }
    answer(state.kind, reply, provider_id.as_deref(), &to)
}

fn message_id(kind: Kind, n: u64) -> String {
    match kind {
        Kind::Resend => format!("4ef9a417-02e9-4d39-ad75-{n:012}"),
        Kind::Postmark => format!("b7bc2f4a-e38e-4336-af7d-{n:012}"),
        Kind::Sendgrid => format!("sg-{n}-fi7Rq9rDSlaF8lKt"),
        Kind::Mailgun => format!("<20261129.{n}.1@{MAILGUN_DOMAIN}>"),
        Kind::ForwardEmail => format!("fe-{n:024}"),
        Kind::Twilio => format!("SM{n:032x}"),
        Kind::Vonage => format!("0A00000{n:09}"),
        Kind::WebhookEmail | Kind::WebhookSms => format!("wh-{n}"),
    }
}

/// The provider's own answer shape for `reply`.
fn answer(kind: Kind, reply: Reply, id: Option<&str>, to: &str) -> Response {
    let json = |status: u16, body: Value| (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response();
    let id = id.unwrap_or_default();
    match (kind, reply) {
        (Kind::Vonage, Reply::Accept | Reply::Hang) => json(
            200,
            json!({
                "message-count": "1",
                "messages": [{"to": to, "message-id": id, "status": "0", "remaining-balance": "3.14159265",
                              "message-price": "0.03330000", "network": "26202"}]
            }),
        ),
        (Kind::Vonage, Reply::Throttle) => json(
            200,
            json!({
                "message-count": "1",
                "messages": [{"status": "1", "error-text": "Throughput Rate Exceeded - please wait [ 30 ] and retry"}]
            }),
        ),
        (Kind::Vonage, Reply::Reject) => json(
            200,
            json!({
                "message-count": "1",
                "messages": [{"status": "3", "error-text": format!("Invalid value for parameter: to {to}")}]
            }),
        ),
        (_, Reply::Accept | Reply::Hang) => match kind {
            Kind::Sendgrid => {
                let mut r = StatusCode::ACCEPTED.into_response();
                r.headers_mut().insert("x-message-id", id.parse().unwrap());
                r
            }
            Kind::Postmark => json(
                200,
                json!({
                    "To": to, "SubmittedAt": "2026-11-29T19:00:00.0000000-05:00", "MessageID": id,
                    "ErrorCode": 0, "Message": "OK"
                }),
            ),
            Kind::Mailgun => json(200, json!({ "id": id, "message": "Queued. Thank you." })),
            Kind::Twilio => json(
                201,
                json!({
                    "sid": id, "account_sid": TWILIO_SID, "to": to, "from": TWILIO_FROM, "status": "queued",
                    "api_version": "2010-04-01", "num_segments": "1", "direction": "outbound-api",
                    "error_code": null, "error_message": null
                }),
            ),
            _ => json(200, json!({ "id": id })),
        },
        (_, Reply::Throttle) => match kind {
            Kind::Resend => json(
                429,
                json!({"statusCode": 429, "name": "rate_limit_exceeded",
                "message": "Too many requests. You can only make 2 requests per second."}),
            ),
            Kind::Postmark => json(429, json!({"ErrorCode": 429, "Message": "Rate limit exceeded"})),
            Kind::Sendgrid => json(429, json!({"errors": [{"message": "too many requests", "field": null}]})),
            Kind::Twilio => json(429, json!({"code": 20429, "message": "Too Many Requests", "status": 429})),
            _ => json(429, json!({"message": "Too many requests"})),
        },
        (_, Reply::Redirect) => {
            let mut r = StatusCode::TEMPORARY_REDIRECT.into_response();
            r.headers_mut().insert("location", "http://127.0.0.1:9/elsewhere".parse().unwrap());
            r
        }
        (_, Reply::Concurrent) => json(
            409,
            json!({"statusCode": 409, "name": "concurrent_idempotent_requests",
            "message": "Same idempotency key used while original request is still in progress."}),
        ),
        (_, Reply::ServerError) => match kind {
            Kind::Twilio => json(500, json!({"code": 20500, "message": "Internal Server Error", "status": 500})),
            Kind::Postmark => json(500, json!({"ErrorCode": 500, "Message": "Internal server error"})),
            Kind::Vonage => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
            _ => json(500, json!({"message": "Internal server error"})),
        },
        // Refusals that echo the recipient, as real providers do: Postern must scrub it.
        (_, Reply::Reject) => match kind {
            Kind::Resend => json(
                422,
                json!({"statusCode": 422, "name": "validation_error",
                "message": format!("Invalid `to` field: {to}")}),
            ),
            Kind::Postmark => json(
                422,
                json!({"ErrorCode": 300,
                "Message": format!("Error parsing 'To': Illegal email address '{to}'.")}),
            ),
            Kind::Sendgrid => json(
                400,
                json!({"errors": [{"message": format!("Does not contain a valid address: {to}"),
                "field": "personalizations.0.to.0.email", "help": "http://sendgrid.com/docs/errors"}]}),
            ),
            Kind::Twilio => json(
                400,
                json!({"code": 21211,
                "message": format!("The 'To' number {to} is not a valid phone number."),
                "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}),
            ),
            Kind::ForwardEmail => json(
                400,
                json!({"statusCode": 400, "error": "Bad Request",
                "message": format!("Invalid recipient {to}")}),
            ),
            _ => json(400, json!({"message": format!("'to' parameter is not a valid address: {to}")})),
        },
    }
}

/// Who the provider would deliver to, and the plain text it would deliver.
fn recipient_and_text(kind: Kind, body: &Value) -> (String, String) {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    match kind {
        Kind::Resend => {
            let to = if body["to"].is_array() { s(&body["to"][0]) } else { s(&body["to"]) };
            (to, s(&body["text"]))
        }
        Kind::Postmark => (s(&body["To"]), s(&body["TextBody"])),
        Kind::Sendgrid => {
            let text = body["content"]
                .as_array()
                .and_then(|c| c.iter().find(|part| part["type"] == "text/plain"))
                .map(|part| s(&part["value"]))
                .unwrap_or_default();
            (s(&body["personalizations"][0]["to"][0]["email"]), text)
        }
        Kind::Mailgun | Kind::ForwardEmail | Kind::WebhookEmail | Kind::WebhookSms | Kind::Vonage => {
            (s(&body["to"]), s(&body["text"]))
        }
        Kind::Twilio => (s(&body["To"]), s(&body["Body"])),
    }
}

fn validate(kind: Kind, req: &Request<'_>) -> (Vec<String>, Value) {
    match kind {
        Kind::Resend => {
            let checked = spec::resend().validate(req);
            let mut v = checked.violations;
            expect_header(req, "authorization", &format!("Bearer {RESEND_KEY}"), &mut v);
            match req.headers.get("idempotency-key").and_then(|h| h.to_str().ok()) {
                Some(key) if key.starts_with("postern-") => {}
                other => v.push(format!("resend: Idempotency-Key should be the outgoing id, got {other:?}")),
            }
            email_common(&checked.body, "from", "subject", &["html", "text"], &mut v);
            if checked.body["reply_to"] != REPLY_TO {
                v.push(format!("resend: reply_to should be the configured one, got {}", checked.body["reply_to"]));
            }
            (v, checked.body)
        }
        Kind::Sendgrid => {
            let checked = spec::sendgrid().validate(req);
            let mut v = checked.violations;
            expect_header(req, "authorization", &format!("Bearer {SENDGRID_KEY}"), &mut v);
            let b = &checked.body;
            if b["from"] != json!({"email": "no-reply@postern.test", "name": "Postern Test"}) {
                v.push(format!("sendgrid: from should be the configured sender, got {}", b["from"]));
            }
            // SendGrid's documented rules the schema does not express: a subject (global or
            // per personalization), text/plain before text/html.
            if b["reply_to"] != json!({"email": REPLY_TO}) {
                v.push(format!("sendgrid: reply_to should be the configured one, got {}", b["reply_to"]));
            }
            if b["subject"].as_str().is_none_or(str::is_empty) {
                v.push("sendgrid: subject is missing".to_owned());
            }
            let types: Vec<&str> =
                b["content"].as_array().into_iter().flatten().filter_map(|c| c["type"].as_str()).collect();
            if types.first() != Some(&"text/plain") {
                v.push(format!("sendgrid: content must start with text/plain, got {types:?}"));
            }
            (v, checked.body)
        }
        Kind::Twilio => {
            let checked = spec::twilio().validate(req);
            let mut v = checked.violations;
            if basic_credentials(req.headers) != Some((TWILIO_SID.to_owned(), TWILIO_TOKEN.to_owned())) {
                v.push("twilio: basic auth must be AccountSid:AuthToken".to_owned());
            }
            if req.path != format!("/2010-04-01/Accounts/{TWILIO_SID}/Messages.json") {
                v.push(format!("twilio: unexpected path {}", req.path));
            }
            // Documented, not in the schema: a sender (From or MessagingServiceSid) and a
            // body (Body, MediaUrl or ContentSid).
            let b = &checked.body;
            if b.get("From").is_none() && b.get("MessagingServiceSid").is_none() {
                v.push("twilio: From or MessagingServiceSid is required".to_owned());
            }
            if b["Body"].as_str().is_none_or(str::is_empty) {
                v.push("twilio: Body is required".to_owned());
            }
            (v, checked.body)
        }
        Kind::Postmark => postmark(req),
        Kind::Mailgun => mailgun(req),
        Kind::ForwardEmail => forwardemail(req),
        Kind::Vonage => vonage(req),
        Kind::WebhookEmail => webhook(req, "email"),
        Kind::WebhookSms => webhook(req, "sms"),
    }
}

fn expect_header(req: &Request<'_>, name: &str, expected: &str, v: &mut Vec<String>) {
    if req.headers.get(name).and_then(|h| h.to_str().ok()) != Some(expected) {
        v.push(format!("header {name} is missing or wrong"));
    }
}

fn expect_route(req: &Request<'_>, path: &str, media: &[&str], v: &mut Vec<String>) {
    if req.method != "POST" || req.path != path {
        v.push(format!("expected POST {path}, got {} {}", req.method, req.path));
    }
    let ct = content_type(req.headers);
    if !media.contains(&ct.as_str()) {
        v.push(format!("content type {ct:?} is not one of {media:?}"));
    }
}

/// From, subject and at least one body part, as every email API requires.
fn email_common(b: &Value, from: &str, subject: &str, parts: &[&str], v: &mut Vec<String>) {
    if b[from] != FROM {
        v.push(format!("{from} should be the configured sender, got {}", b[from]));
    }
    if b[subject].as_str().is_none_or(str::is_empty) {
        v.push(format!("{subject} is missing"));
    }
    if !parts.iter().any(|p| b[*p].as_str().is_some_and(|s| !s.is_empty())) {
        v.push(format!("none of {parts:?} is set"));
    }
}

fn only_known(b: &Value, known: &[&str], prefixes: &[&str], v: &mut Vec<String>) {
    for k in b.as_object().into_iter().flat_map(|o| o.keys()) {
        if !known.contains(&k.as_str()) && !prefixes.iter().any(|p| k.starts_with(p)) {
            v.push(format!("{k} is not a documented field"));
        }
    }
}

fn strings_only(b: &Value, fields: &[&str], v: &mut Vec<String>) {
    for f in fields {
        if let Some(value) = b.get(*f)
            && !value.is_string()
        {
            v.push(format!("{f} must be a string"));
        }
    }
}

/// https://postmarkapp.com/developer/api/email-api#send-a-single-email
fn postmark(req: &Request<'_>) -> (Vec<String>, Value) {
    let mut v = Vec::new();
    let b = parse_body(req, &mut v);
    expect_route(req, "/email", &["application/json"], &mut v);
    expect_header(req, "accept", "application/json", &mut v);
    expect_header(req, "x-postmark-server-token", POSTMARK_TOKEN, &mut v);
    let known = [
        "From",
        "To",
        "Cc",
        "Bcc",
        "Subject",
        "Tag",
        "HtmlBody",
        "TextBody",
        "ReplyTo",
        "Headers",
        "TrackOpens",
        "TrackLinks",
        "Metadata",
        "Attachments",
        "MessageStream",
    ];
    only_known(&b, &known, &[], &mut v);
    strings_only(&b, &["From", "To", "Subject", "Tag", "HtmlBody", "TextBody", "ReplyTo", "MessageStream"], &mut v);
    email_common(&b, "From", "Subject", &["HtmlBody", "TextBody"], &mut v);
    if b["To"].as_str().is_none_or(str::is_empty) {
        v.push("To is missing".to_owned());
    }
    if b["ReplyTo"] != REPLY_TO {
        v.push(format!("ReplyTo should be the configured one, got {}", b["ReplyTo"]));
    }
    if b["Tag"].as_str().is_some_and(|t| t.len() > 1000) {
        v.push("Tag is longer than 1000 characters".to_owned());
    }
    if let Some(track) = b.get("TrackLinks")
        && !["None", "HtmlAndText", "HtmlOnly", "TextOnly"].iter().any(|t| track == t)
    {
        v.push(format!("TrackLinks {track} is not a documented value"));
    }
    if let Some(meta) = b.get("Metadata") {
        let ok = meta.as_object().is_some_and(|m| {
            m.len() <= 10 && m.iter().all(|(k, val)| k.len() <= 20 && val.as_str().is_some_and(|s| s.len() <= 80))
        });
        if !ok {
            v.push("Metadata must be at most 10 string fields (keys ≤ 20, values ≤ 80 characters)".to_owned());
        }
    }
    (v, b)
}

/// https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages
fn mailgun(req: &Request<'_>) -> (Vec<String>, Value) {
    let mut v = Vec::new();
    let b = parse_body(req, &mut v);
    expect_route(req, &format!("/v3/{MAILGUN_DOMAIN}/messages"), &["application/x-www-form-urlencoded"], &mut v);
    if basic_credentials(req.headers) != Some(("api".to_owned(), MAILGUN_KEY.to_owned())) {
        v.push("basic auth must be api:<key>".to_owned());
    }
    let known = ["from", "to", "cc", "bcc", "subject", "text", "html", "amp-html", "template", "recipient-variables"];
    only_known(&b, &known, &["o:", "h:", "v:", "t:"], &mut v);
    email_common(&b, "from", "subject", &["text", "html"], &mut v);
    if b["to"].as_str().is_none_or(str::is_empty) {
        v.push("to is missing".to_owned());
    }
    if let Some(tag) = b.get("o:tag").and_then(Value::as_str)
        && (tag.len() > 128 || !tag.is_ascii())
    {
        v.push("o:tag must be ASCII, at most 128 characters".to_owned());
    }
    if let Some(clicks) = b.get("o:tracking-clicks")
        && !["yes", "no", "true", "false", "htmlonly"].iter().any(|c| clicks == c)
    {
        v.push(format!("o:tracking-clicks {clicks} is not a documented value"));
    }
    if b["h:Reply-To"] != REPLY_TO {
        v.push(format!("h:Reply-To should be the configured reply-to, got {}", b["h:Reply-To"]));
    }
    (v, b)
}

/// https://forwardemail.net/en/email-api#outbound-emails (create email)
fn forwardemail(req: &Request<'_>) -> (Vec<String>, Value) {
    let mut v = Vec::new();
    let b = parse_body(req, &mut v);
    expect_route(req, "/v1/emails", &["application/json"], &mut v);
    if basic_credentials(req.headers) != Some((FORWARDEMAIL_KEY.to_owned(), String::new())) {
        v.push("basic auth must be the API key as user name and an empty password".to_owned());
    }
    let known = [
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "text",
        "html",
        "attachments",
        "sender",
        "replyTo",
        "inReplyTo",
        "references",
        "attachDataUrls",
        "watchHtml",
        "amp",
        "icalEvent",
        "alternatives",
        "encoding",
        "raw",
        "textEncoding",
        "priority",
        "headers",
        "messageId",
        "date",
        "list",
        "requireTLS",
    ];
    only_known(&b, &known, &[], &mut v);
    strings_only(&b, &["from", "subject", "text", "html", "replyTo"], &mut v);
    email_common(&b, "from", "subject", &["text", "html"], &mut v);
    if b["to"].as_str().is_none_or(str::is_empty) {
        v.push("to is missing".to_owned());
    }
    if b["replyTo"] != REPLY_TO {
        v.push(format!("replyTo should be the configured reply-to, got {}", b["replyTo"]));
    }
    (v, b)
}

/// https://developer.vonage.com/en/api/sms#send-an-sms
fn vonage(req: &Request<'_>) -> (Vec<String>, Value) {
    let mut v = Vec::new();
    let b = parse_body(req, &mut v);
    expect_route(req, "/sms/json", &["application/x-www-form-urlencoded", "application/json"], &mut v);
    let known = [
        "api_key",
        "api_secret",
        "sig",
        "from",
        "to",
        "text",
        "type",
        "ttl",
        "status-report-req",
        "callback",
        "message-class",
        "udh",
        "protocol-id",
        "body",
        "title",
        "url",
        "validity",
        "client-ref",
        "account-ref",
        "entity-id",
        "content-id",
    ];
    only_known(&b, &known, &[], &mut v);
    for required in ["api_key", "api_secret", "from", "to", "text"] {
        if b[required].as_str().is_none_or(str::is_empty) {
            v.push(format!("{required} is required"));
        }
    }
    if b["api_key"] != VONAGE_KEY || b["api_secret"] != VONAGE_SECRET {
        v.push("api_key/api_secret are not the configured ones".to_owned());
    }
    let to = b["to"].as_str().unwrap_or_default();
    if !(7..=15).contains(&to.len()) || !to.bytes().all(|c| c.is_ascii_digit()) {
        v.push("to must be the number in international format without + or 00".to_owned());
    }
    if let Some(t) = b.get("type")
        && !["text", "unicode", "binary"].iter().any(|x| t == x)
    {
        v.push(format!("type {t} is not a documented value"));
    }
    if b.get("client-ref").and_then(Value::as_str).is_some_and(|r| r.len() > 100) {
        v.push("client-ref is longer than 100 characters".to_owned());
    }
    (v, b)
}

/// The Standard Webhooks signature, recomputed here from the raw body.
fn webhook(req: &Request<'_>, channel: &str) -> (Vec<String>, Value) {
    let mut v = Vec::new();
    let b = parse_body(req, &mut v);
    expect_route(req, WEBHOOK_PATH, &["application/json"], &mut v);
    let header = |name: &str| req.headers.get(name).and_then(|h| h.to_str().ok()).unwrap_or_default().to_owned();
    let (id, timestamp, signatures) = (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    match timestamp.parse::<i64>() {
        Ok(t) if (t - now).abs() <= 300 => {}
        _ => v.push(format!("webhook-timestamp {timestamp:?} is not the current unix time")),
    }
    let expected = webhook_signature(WEBHOOK_SECRET, &id, &timestamp, req.body);
    // The header may carry several space-separated signatures; one must match.
    if !signatures.split(' ').any(|s| s == expected) {
        v.push("webhook-signature does not verify".to_owned());
    }
    let keys: Vec<&str> = b.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    if sorted != ["channel", "html", "id", "kind", "locale", "subject", "text", "to"] {
        v.push(format!("unexpected body fields {keys:?}"));
    }
    if b["id"] != id.as_str() || !id.starts_with("postern-") {
        v.push("the body id must be the webhook-id (the outgoing id)".to_owned());
    }
    if b["channel"] != channel {
        v.push(format!("channel should be {channel}, got {}", b["channel"]));
    }
    (v, b)
}

/// `v1,<base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))>`, written here independently
/// of Postern's implementation.
pub fn webhook_signature(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    let key = BASE64_STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", BASE64_STANDARD.encode(mac.finalize().into_bytes()))
}
