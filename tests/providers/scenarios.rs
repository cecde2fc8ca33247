//! Each provider against its mock, through the real server: a sign-in whose message the
//! mock validates and whose code then signs in; temporary failures (429, 500, a hang past
//! the send timeout) retried until delivered; a refusal failed at once, never retried; the
//! fallback taking over from a failing primary; the provider message id, status and
//! attempts recorded in the outbox; the delivery counted on `/metrics`.

use std::time::Duration;

use crate::app::{App, OutboxRow, spawn};
use crate::mock::{
    FORWARDEMAIL_KEY, Kind, MAILGUN_KEY, Mock, POSTMARK_TOKEN, RESEND_KEY, Reply, SENDGRID_KEY, TWILIO_TOKEN,
    VONAGE_SECRET,
};

const CREDENTIALS: [&str; 7] =
    [RESEND_KEY, POSTMARK_TOKEN, SENDGRID_KEY, MAILGUN_KEY, FORWARDEMAIL_KEY, TWILIO_TOKEN, VONAGE_SECRET];

/// The `n`th test identity of a channel: an address, or a German mobile number.
fn identity(kind: Kind, n: u32) -> String {
    if kind.is_sms() { format!("+491511234{n:04}") } else { format!("user{n}@example.com") }
}

/// The recipient as the provider gets it (Vonage takes numbers without `+`).
fn on_the_wire(kind: Kind, identity: &str) -> String {
    if kind == Kind::Vonage { identity.trim_start_matches('+').to_owned() } else { identity.to_owned() }
}

/// The message kind, where the provider's API has a field to tag messages with.
fn kind_tag(kind: Kind, body: &serde_json::Value) -> Option<String> {
    let tag = match kind {
        Kind::Resend => body["tags"].as_array()?.iter().find(|t| t["name"] == "kind")?["value"].clone(),
        Kind::Postmark => body["Tag"].clone(),
        Kind::Sendgrid => body["categories"][0].clone(),
        Kind::Mailgun => body["o:tag"].clone(),
        Kind::WebhookEmail | Kind::WebhookSms => body["kind"].clone(),
        Kind::ForwardEmail | Kind::Twilio | Kind::Vonage => return Some("sign_in".to_owned()),
    };
    tag.as_str().map(str::to_owned)
}

/// The value of the delivered-messages counter of `provider` on `/metrics` (0 if absent).
async fn delivered_count(app: &App, provider: &str) -> f64 {
    let metrics = app.metrics().await;
    metrics
        .lines()
        .filter(|l| {
            l.starts_with("postern_delivery_messages_total{")
                && l.contains(&format!("provider=\"{provider}\""))
                && l.contains("status=\"sent\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// A stored error text must not carry the recipient (in any form), a code or a credential.
fn assert_clean_error(row: &OutboxRow, identity: &str, code: Option<&str>) {
    let Some(error) = &row.last_error else { return };
    let bare = identity.trim_start_matches('+');
    assert!(!error.contains(bare), "the stored error names the recipient: {error}");
    if let Some(code) = code {
        assert!(!error.contains(code), "the stored error carries the code: {error}");
    }
    for secret in CREDENTIALS {
        assert!(!error.contains(secret), "the stored error carries a credential: {error}");
    }
    assert!(error.chars().count() <= 260, "the stored error is not truncated: {error}");
}

/// Sends one sign-in to `identity` and waits for its outcome; returns the requests the
/// mock received for it and the outbox row.
async fn sign_in(
    app: &App,
    mock: &Mock,
    identity: &str,
    requests: usize,
) -> (String, Vec<crate::mock::Received>, OutboxRow) {
    let id = app.start(identity).await;
    let received = mock.wait_for(&on_the_wire(mock.kind, identity), requests).await;
    let row = app.settled(identity).await;
    (id, received, row)
}

/// Every scenario of one provider, one after another on one server.
async fn contract(kind: Kind) {
    let mock = Mock::start(kind).await;
    let app = spawn(|s| mock.configure(s, false)).await;
    let name = kind.name();

    // 1. Delivered at once: a valid request, a working code, the id recorded, the secret
    //    wiped from the outbox, the delivery counted.
    let who = identity(kind, 1);
    let counted_before = delivered_count(&app, name).await;
    let (auth_request_id, received, row) = sign_in(&app, &mock, &who, 1).await;
    mock.assert_no_violations();
    assert_eq!(received.len(), 1);
    assert_eq!(kind_tag(kind, &received[0].body).as_deref(), Some("sign_in"), "the message kind is tagged");
    let r = app.verify(&auth_request_id, &received[0].code()).await;
    assert_eq!(r.status(), 200, "the code the {name} mock received signs in: {}", r.text().await.unwrap());
    assert_eq!(row.status, "sent");
    assert_eq!(row.attempts, 1);
    assert_eq!(row.provider.as_deref(), Some(name));
    assert_eq!(row.provider_message_id, received[0].provider_id, "the provider's message id is recorded");
    assert!(row.provider_message_id.is_some());
    assert_eq!(row.payload, "", "the link and code are wiped after a real delivery");
    // The process-wide recorder is shared by every test here: the counter must have grown.
    let counted = delivered_count(&app, name).await;
    assert!(counted >= counted_before + 1.0, "no delivery counted for {name} ({counted_before} → {counted})");

    // 2–4. Temporary failures are retried until the provider takes the message.
    for (n, failure) in [(2, Reply::Throttle), (3, Reply::ServerError), (4, Reply::Hang)] {
        mock.then(failure, 1);
        let who = identity(kind, n);
        let (auth_request_id, received, row) = sign_in(&app, &mock, &who, 2).await;
        mock.assert_no_violations();
        assert_eq!(row.status, "sent", "{failure:?} then accepted: {row:?}");
        assert_eq!(row.attempts, 2, "{failure:?} then accepted: one retry");
        assert_eq!(received.len(), 2);
        assert_eq!(received[0].reply, failure);
        // A retry is the same message to the provider: same idempotency key / webhook id.
        for header in ["idempotency-key", "webhook-id"] {
            let values: Vec<_> = received.iter().map(|r| r.headers.get(header).cloned()).collect();
            assert_eq!(values[0], values[1], "{header} differs between attempts");
        }
        assert_eq!(row.provider_message_id, received[1].provider_id);
        let r = app.verify(&auth_request_id, &received[1].code()).await;
        assert_eq!(r.status(), 200, "the retried message's code signs in");
        assert_clean_error(&row, &who, Some(&received[1].code()));
    }

    // 5. A refusal fails the message at once: one request, no retry.
    mock.then(Reply::Reject, 1);
    let who = identity(kind, 5);
    let (_, received, row) = sign_in(&app, &mock, &who, 1).await;
    assert_eq!(row.status, "failed", "{row:?}");
    assert_eq!(row.attempts, 1);
    assert_eq!(row.payload, "");
    let error = row.last_error.clone().unwrap_or_default();
    assert!(error.contains("permanent") && error.contains(name), "the error says what happened: {error}");
    eprintln!("{name}: a refusal is recorded as {error:?}");
    assert_clean_error(&row, &who, Some(&received[0].code()));
    // Well past the longest backoff: still the one request.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(mock.received_for(&on_the_wire(kind, &who)).len(), 1, "a refused message is not retried");
    mock.assert_no_violations();
}

/// Temporary failures up to `delivery.max_attempts`, then the message fails; the stored
/// error names the provider's status and code, scrubbed.
async fn gives_up_after_max_attempts(kind: Kind, failure: Reply, expect: &str) {
    let mock = Mock::start(kind).await;
    mock.then(failure, 100);
    let app = spawn(|s| {
        mock.configure(s, false);
        s.delivery.max_attempts = 2;
    })
    .await;
    let who = identity(kind, 7);
    let (_, received, row) = sign_in(&app, &mock, &who, 2).await;
    mock.assert_no_violations();
    assert_eq!(row.status, "failed", "{row:?}");
    assert_eq!(row.attempts, 2);
    assert_eq!(received.len(), 2);
    let error = row.last_error.clone().unwrap_or_default();
    assert!(error.contains(expect), "expected {expect:?} in {error:?}");
    assert_clean_error(&row, &who, Some(&received[1].code()));
}

/// The primary answers 500 to everything: the fallback delivers, first attempt.
async fn failover(primary: Kind, fallback: Kind) {
    let (first, second) = (Mock::start(primary).await, Mock::start(fallback).await);
    first.then(Reply::ServerError, 100);
    let app = spawn(|s| {
        first.configure(s, false);
        second.configure(s, true);
    })
    .await;
    let who = identity(primary, 9);
    let id = app.start(&who).await;
    let received = second.wait_for(&on_the_wire(fallback, &who), 1).await;
    let row = app.settled(&who).await;
    first.assert_no_violations();
    second.assert_no_violations();
    assert_eq!(first.received().len(), 1, "the primary was tried once");
    assert_eq!(row.status, "sent");
    assert_eq!(row.provider.as_deref(), Some(fallback.name()));
    assert_eq!(row.attempts, 1);
    assert_eq!(row.provider_message_id, received[0].provider_id);
    let r = app.verify(&id, &received[0].code()).await;
    assert_eq!(r.status(), 200, "the fallback's message signs in");
}

#[tokio::test]
async fn throttled_twilio_messages_fail_after_the_last_attempt() {
    gives_up_after_max_attempts(Kind::Twilio, Reply::Throttle, "temporary failure: twilio answered 429: 20429").await;
}

#[tokio::test]
async fn throttled_vonage_messages_fail_after_the_last_attempt() {
    gives_up_after_max_attempts(Kind::Vonage, Reply::Throttle, "temporary failure: vonage status 1: Throughput").await;
}

#[tokio::test]
async fn hanging_providers_fail_after_the_last_attempt() {
    gives_up_after_max_attempts(Kind::Postmark, Reply::Hang, "temporary failure: postmark: timed out").await;
}

/// A redirect is not followed (a 307 would replay the message, code included, to a host
/// nobody configured): the message fails after the one request.
#[tokio::test]
async fn redirects_are_not_followed() {
    let mock = Mock::start(Kind::WebhookEmail).await;
    mock.then(Reply::Redirect, 1);
    let app = spawn(|s| mock.configure(s, false)).await;
    let who = identity(Kind::WebhookEmail, 10);
    let (_, received, row) = sign_in(&app, &mock, &who, 1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(row.status, "failed");
    assert!(row.last_error.as_deref().unwrap_or_default().contains("webhook answered 307"), "{row:?}");
}

/// Resend still processing the same idempotency key (a first attempt that timed out
/// here): asked again later, not failed.
#[tokio::test]
async fn resend_retries_a_request_still_in_progress() {
    let mock = Mock::start(Kind::Resend).await;
    mock.then(Reply::Concurrent, 1);
    let app = spawn(|s| mock.configure(s, false)).await;
    let who = identity(Kind::Resend, 11);
    let (_, received, row) = sign_in(&app, &mock, &who, 2).await;
    mock.assert_no_violations();
    assert_eq!(row.status, "sent");
    assert_eq!(row.attempts, 2);
    assert_eq!(row.provider_message_id, received[1].provider_id);
}

/// Nothing listens at the provider's address: a temporary failure, retried, then failed.
#[tokio::test]
async fn unreachable_providers_are_temporary_failures() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let mock = Mock::start(Kind::Sendgrid).await;
    let app = spawn(|s| {
        mock.configure(s, false);
        s.delivery.email.sendgrid.as_mut().unwrap().base_url = Some(format!("http://{closed}/"));
        s.delivery.max_attempts = 2;
    })
    .await;
    let who = identity(Kind::Sendgrid, 12);
    app.start(&who).await;
    let row = app.settled(&who).await;
    assert_eq!(row.status, "failed");
    assert_eq!(row.attempts, 2, "retried: {row:?}");
    assert_eq!(row.last_error.as_deref(), Some("temporary failure: sendgrid: could not connect"));
    assert!(mock.received().is_empty());
}

/// With a Messaging Service, Twilio is sent its SID (which the spec constrains) and no
/// `From`.
#[tokio::test]
async fn twilio_sends_through_a_messaging_service() {
    const SERVICE: &str = "MG0123456789abcdef0123456789abcdef";
    let mock = Mock::start(Kind::Twilio).await;
    let app = spawn(|s| {
        mock.configure(s, false);
        let twilio = s.delivery.sms.twilio.as_mut().unwrap();
        twilio.from = None;
        twilio.messaging_service_sid = Some(SERVICE.to_owned());
    })
    .await;
    let who = identity(Kind::Twilio, 8);
    let (id, received, row) = sign_in(&app, &mock, &who, 1).await;
    mock.assert_no_violations();
    assert_eq!(received[0].body["MessagingServiceSid"], SERVICE);
    assert!(received[0].body.get("From").is_none());
    assert_eq!(row.status, "sent");
    assert_eq!(app.verify(&id, &received[0].code()).await.status(), 200);
}

backend_test! {
async fn resend_contract() {
    contract(Kind::Resend).await;
}}

backend_test! {
async fn postmark_contract() {
    contract(Kind::Postmark).await;
}}

backend_test! {
async fn sendgrid_contract() {
    contract(Kind::Sendgrid).await;
}}

backend_test! {
async fn mailgun_contract() {
    contract(Kind::Mailgun).await;
}}

backend_test! {
async fn forwardemail_contract() {
    contract(Kind::ForwardEmail).await;
}}

backend_test! {
async fn webhook_email_contract() {
    contract(Kind::WebhookEmail).await;
}}

backend_test! {
async fn twilio_contract() {
    contract(Kind::Twilio).await;
}}

backend_test! {
async fn vonage_contract() {
    contract(Kind::Vonage).await;
}}

backend_test! {
async fn webhook_sms_contract() {
    contract(Kind::WebhookSms).await;
}}

#[tokio::test]
async fn resend_fails_over_to_postmark() {
    failover(Kind::Resend, Kind::Postmark).await;
}

#[tokio::test]
async fn postmark_fails_over_to_sendgrid() {
    failover(Kind::Postmark, Kind::Sendgrid).await;
}

#[tokio::test]
async fn sendgrid_fails_over_to_mailgun() {
    failover(Kind::Sendgrid, Kind::Mailgun).await;
}

#[tokio::test]
async fn mailgun_fails_over_to_forwardemail() {
    failover(Kind::Mailgun, Kind::ForwardEmail).await;
}

#[tokio::test]
async fn forwardemail_fails_over_to_webhook() {
    failover(Kind::ForwardEmail, Kind::WebhookEmail).await;
}

#[tokio::test]
async fn webhook_fails_over_to_resend() {
    failover(Kind::WebhookEmail, Kind::Resend).await;
}

#[tokio::test]
async fn twilio_fails_over_to_vonage() {
    failover(Kind::Twilio, Kind::Vonage).await;
}

#[tokio::test]
async fn vonage_fails_over_to_webhook() {
    failover(Kind::Vonage, Kind::WebhookSms).await;
}

#[tokio::test]
async fn sms_webhook_fails_over_to_twilio() {
    failover(Kind::WebhookSms, Kind::Twilio).await;
}
