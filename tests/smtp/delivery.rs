//! A sign-in over SMTP, end to end: the message the SMTP server accepted carries the code
//! and the link in both MIME parts, and that code signs the user in.

use std::time::Duration;

use crate::app::{code_of, html_decoded, link_of, spawn};
use crate::sink::{Sink, SinkOptions, header};

#[tokio::test]
async fn a_sign_in_email_arrives_over_smtp_with_both_parts_and_its_code_signs_in() {
    // AUTH required: the credentials come from the URL (plain text is allowed to loopback).
    let sink = Sink::start(&SinkOptions { auth: Some("tester:s3cr%t pass".to_owned()), ..Default::default() });
    let url = format!("smtp://tester:s3cr%25t%20pass@127.0.0.1:{}", sink.port);
    let app = spawn(&url, |s| s.delivery.email.reply_to = Some("Support <help@postern.test>".to_owned())).await;
    let to = "alice@example.com";
    let id = app.start(to).await;

    let messages = sink.wait_for(to, 1, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m["mail_from"], "no-reply@postern.test");
    assert_eq!(m["rcpt_tos"], serde_json::json!([to]));

    // Headers.
    let message_id = header(m, "Message-ID").expect("Message-ID");
    assert!(
        message_id.starts_with("<postern-") && message_id.ends_with("@postern.test>"),
        "Message-ID {message_id:?} is <id@domain of From>"
    );
    assert!(header(m, "Date").is_some_and(|d| !d.is_empty()), "a Date header");
    assert_eq!(header(m, "From"), Some("Postern Tests <no-reply@postern.test>"));
    assert_eq!(header(m, "To"), Some(to));
    assert_eq!(header(m, "Reply-To"), Some("Support <help@postern.test>"));
    assert_eq!(header(m, "MIME-Version"), Some("1.0"));
    assert_eq!(m["dkim"], "none");

    // Both parts, text first.
    assert_eq!(m["content_type"], "multipart/alternative");
    assert_eq!(m["parts"], serde_json::json!(["multipart/alternative", "text/plain", "text/html"]));
    let text = m["text"].as_str().expect("a text part").replace("\r\n", "\n");
    let html = html_decoded(m["html"].as_str().expect("an HTML part"));
    let code = code_of(&text);
    let link = link_of(&text);
    assert!(html.contains(&format!(">{code}<")), "the HTML part shows the same code {code}");
    assert!(html.contains(&format!("href=\"{link}\"")), "the HTML part links to {link}");
    assert!(header(m, "Subject").expect("Subject").contains(&code));

    // The outbox records the provider and its message id, and no longer holds the secrets.
    let row = app.wait_for_status(to, "sent", Duration::from_secs(5)).await;
    assert_eq!(row.provider_message_id.as_deref(), Some(message_id));
    assert_eq!(row.payload, "");
    assert_eq!(row.attempts, 1);

    // The code that came over SMTP signs the user in.
    let r = app.verify(&id, &code).await;
    assert_eq!(r.status(), 200, "verify failed: {}", r.text().await.unwrap_or_default());
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["user"]["email"], to);
}

#[tokio::test]
async fn wrong_smtp_credentials_fail_the_message_without_showing_them() {
    let sink = Sink::start(&SinkOptions { auth: Some("tester:right".to_owned()), ..Default::default() });
    let url = format!("smtp://tester:wrong-password@127.0.0.1:{}", sink.port);
    let app = spawn(&url, |_| {}).await;
    let to = "mallory@example.com";
    app.start(to).await;
    // 535 is a permanent reply: recorded at once, never retried with the same answer.
    let row = app.wait_for_status(to, "failed", Duration::from_secs(5)).await;
    let error = row.last_error.unwrap_or_default();
    assert!(error.contains("535"), "{error}");
    assert!(!error.contains("wrong-password") && !error.contains(to), "{error}");
    assert!(sink.messages().is_empty());
}
