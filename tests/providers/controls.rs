//! The checks themselves can fail: requests that break a provider's contract, sent to the
//! mocks by hand, are refused and recorded as violations; webhook signatures verify with
//! an independent implementation and break when the body changes; malformed webhook
//! secrets stop the server from starting.

use postern::delivery::Senders;
use serde_json::json;

use crate::app::{spawn, test_settings};
use crate::mock::{self, Kind, Mock, WEBHOOK_SECRET};

async fn post_json(url: String, auth: Option<&str>, body: serde_json::Value) -> u16 {
    let mut r = reqwest::Client::new().post(url).json(&body);
    if let Some(auth) = auth {
        r = r.header("authorization", auth);
    }
    r.send().await.unwrap().status().as_u16()
}

async fn post_form(url: String, basic: Option<(&str, &str)>, form: &[(&str, &str)]) -> u16 {
    let mut r = reqwest::Client::new().post(url).form(form);
    if let Some((user, password)) = basic {
        r = r.basic_auth(user, Some(password));
    }
    r.send().await.unwrap().status().as_u16()
}

fn assert_violation(mock: &Mock, needle: &str) {
    let v = mock.violations();
    assert!(v.iter().any(|x| x.contains(needle)), "{:?}: expected a violation about {needle:?}, got {v:#?}", mock.kind);
}

#[tokio::test]
async fn resend_requests_are_checked_against_its_openapi_document() {
    let mock = Mock::start(Kind::Resend).await;
    let url = format!("{}/emails", mock.base_url());
    // No subject (required by the schema), a misspelt field, no credential.
    let status = post_json(
        url.clone(),
        None,
        json!({"from": mock::FROM, "to": ["a@example.com"], "text": "x", "replyTo": "b@example.com"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_violation(&mock, "subject");
    assert_violation(&mock, "body.replyTo is not a field the spec declares");
    assert_violation(&mock, "security requirement");
    // `to` must be a string or an array of strings.
    let auth = format!("Bearer {}", mock::RESEND_KEY);
    post_json(url.clone(), Some(&auth), json!({"from": mock::FROM, "to": 42, "subject": "s", "text": "x"})).await;
    assert_violation(&mock, "body at \"/to\"");
    // An operation the document does not have.
    post_json(format!("{}/email", mock.base_url()), Some(&auth), json!({})).await;
    assert_violation(&mock, "no operation POST /email");
}

#[tokio::test]
async fn sendgrid_requests_are_checked_against_its_openapi_document() {
    let mock = Mock::start(Kind::Sendgrid).await;
    let url = format!("{}/v3/mail/send", mock.base_url());
    let auth = format!("Bearer {}", mock::SENDGRID_KEY);
    // `from.email` must be an email address (format checked); personalizations need `to`.
    let body = json!({
        "personalizations": [{"cc": [{"email": "a@example.com"}]}],
        "from": {"email": "not an address"},
        "subject": "s",
        "content": [{"type": "text/plain", "value": "x"}],
    });
    assert_eq!(post_json(url, Some(&auth), body).await, 400);
    assert_violation(&mock, "\"/from/email\"");
    assert_violation(&mock, "\"/personalizations/0\"");
}

#[tokio::test]
async fn twilio_requests_are_checked_against_its_openapi_document() {
    let mock = Mock::start(Kind::Twilio).await;
    let good = format!("{}/2010-04-01/Accounts/{}/Messages.json", mock.base_url(), mock::TWILIO_SID);
    let creds = Some((mock::TWILIO_SID, mock::TWILIO_TOKEN));
    // `To` is required and must be E.164; the account SID in the path has a pattern.
    assert_eq!(post_form(good.clone(), creds, &[("From", mock::TWILIO_FROM), ("Body", "x")]).await, 400);
    assert_violation(&mock, "\"To\" is a required property");
    post_form(good.clone(), creds, &[("To", "0151 1234"), ("From", mock::TWILIO_FROM), ("Body", "x")]).await;
    assert_violation(&mock, "body at \"/To\"");
    let bad_sid = format!("{}/2010-04-01/Accounts/XX123/Messages.json", mock.base_url());
    post_form(bad_sid, creds, &[("To", "+4915112345678"), ("From", mock::TWILIO_FROM), ("Body", "x")]).await;
    assert_violation(&mock, "parameter AccountSid");
    // JSON is not what the operation takes.
    post_json(good, None, json!({"To": "+4915112345678"})).await;
    assert_violation(&mock, "content type \"application/json\" is not one of");
}

#[tokio::test]
async fn hand_written_shapes_are_checked() {
    let postmark = Mock::start(Kind::Postmark).await;
    post_json(format!("{}/email", postmark.base_url()), None, json!({"From": mock::FROM, "To": "a@example.com"})).await;
    assert_violation(&postmark, "x-postmark-server-token");
    assert_violation(&postmark, "Subject is missing");

    let mailgun = Mock::start(Kind::Mailgun).await;
    let url = format!("{}/v3/{}/messages", mailgun.base_url(), mock::MAILGUN_DOMAIN);
    post_form(url, Some(("api", "wrong")), &[("from", mock::FROM), ("to", "a@example.com"), ("reply_to", "x")]).await;
    assert_violation(&mailgun, "basic auth");
    assert_violation(&mailgun, "reply_to is not a documented field");

    let forwardemail = Mock::start(Kind::ForwardEmail).await;
    post_json(format!("{}/v1/emails", forwardemail.base_url()), None, json!({"from": mock::FROM})).await;
    assert_violation(&forwardemail, "basic auth");
    assert_violation(&forwardemail, "to is missing");

    let vonage = Mock::start(Kind::Vonage).await;
    let form = [
        ("api_key", mock::VONAGE_KEY),
        ("api_secret", mock::VONAGE_SECRET),
        ("from", "Postern"),
        ("to", "+4915112345678"),
        ("text", "x"),
    ];
    post_form(format!("{}/sms/json", vonage.base_url()), None, &form).await;
    assert_violation(&vonage, "without +");
}

backend_test! {
async fn webhook_signatures_verify_and_break_when_the_body_changes() {
    let mock = Mock::start(Kind::WebhookEmail).await;
    let app = spawn(|s| mock.configure(s, false)).await;
    app.start("ada@example.com").await;
    let received = mock.wait_for("ada@example.com", 1).await.remove(0);
    mock.assert_no_violations();
    let header = |name: &str| received.headers.get(name).unwrap().to_str().unwrap().to_owned();
    let (id, timestamp, signature) = (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    assert!(id.starts_with("postern-"));
    assert_eq!(signature, mock::webhook_signature(WEBHOOK_SECRET, &id, &timestamp, &received.raw));
    let mut tampered = received.raw.to_vec();
    let at = tampered.iter().position(|b| b.is_ascii_digit()).unwrap();
    tampered[at] = if tampered[at] == b'9' { b'0' } else { tampered[at] + 1 };
    assert_ne!(signature, mock::webhook_signature(WEBHOOK_SECRET, &id, &timestamp, &tampered));
    assert_ne!(signature, mock::webhook_signature(WEBHOOK_SECRET, &id, &(timestamp.parse::<i64>().unwrap() + 1).to_string(), &received.raw));
    let body: serde_json::Value = serde_json::from_slice(&received.raw).unwrap();
    assert_eq!(body["kind"], "sign_in");
    assert_eq!(body["locale"], "en");
    assert!(body["html"].is_string() && body["subject"].is_string());

    // The mock itself refuses a request whose signature does not verify.
    let r = reqwest::Client::new()
        .post(format!("{}{}", mock.base_url(), mock::WEBHOOK_PATH))
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", &timestamp)
        .header("webhook-signature", &signature)
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_violation(&mock, "webhook-signature does not verify");
}}

#[tokio::test]
async fn malformed_webhook_secrets_are_refused_at_startup() {
    for (secret, why) in [
        ("dGVzdC13ZWJob29rLXNlY3JldC0zMi1ieXRlcy0hIQ==", "whsec_"),
        ("whsec_***not-base64***", "base64"),
        ("whsec_c2hvcnQtc2VjcmV0", "at least 24"),
    ] {
        let mut settings = test_settings("sqlite://unused.db");
        settings.delivery.email.provider = Some(postern::config::EmailProvider::Webhook);
        settings.delivery.email.webhook = Some(postern::config::WebhookSettings {
            url: "http://127.0.0.1:9/hook".to_owned(),
            secret: secret.to_owned().into(),
        });
        let error = match Senders::from_settings(&settings.delivery) {
            Ok(_) => panic!("{secret} was accepted"),
            Err(e) => format!("{e:#}"),
        };
        assert!(error.contains(why), "{error}");
        assert!(!error.contains(secret.trim_start_matches("whsec_")), "the error repeats the secret: {error}");
    }
}
