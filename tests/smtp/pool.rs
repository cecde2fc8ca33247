//! The connection pool: consecutive messages share one SMTP connection (the sink records
//! the client's address and port with every RCPT and DATA it answers); a connection that
//! saw an error is never used again.

use std::time::Duration;

use crate::app::spawn;
use crate::sink::{Sink, SinkOptions};

/// (command, code, peer) of every RCPT/DATA the sink answered.
fn answers(sink: &Sink) -> Vec<(String, i64, String)> {
    sink.events()
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (text("command"), e["code"].as_i64().unwrap_or_default(), text("peer"))
        })
        .collect()
}

#[tokio::test]
async fn consecutive_messages_reuse_one_connection() {
    let sink = Sink::start(&SinkOptions::default());
    let app = spawn(&sink.url(), |_| {}).await;
    let recipients = ["first@example.com", "second@example.com", "third@example.com"];
    for to in recipients {
        app.start(to).await;
        sink.wait_for(to, 1, Duration::from_secs(10)).await;
        // Sent: the send is over and its connection back in the pool.
        app.wait_for_status(to, "sent", Duration::from_secs(5)).await;
    }
    let answers = answers(&sink);
    assert_eq!(answers.len(), 2 * recipients.len(), "{answers:?}");
    assert!(answers.iter().all(|(_, code, _)| *code == 250), "{answers:?}");
    let peer = &answers[0].2;
    assert!(!peer.is_empty(), "the sink records the peer: {answers:?}");
    assert!(answers.iter().all(|(_, _, p)| p == peer), "one connection for all three: {answers:?}");
}

#[tokio::test]
async fn a_connection_that_saw_an_error_is_not_used_again() {
    // The first RCPT gets a 451: the message is retried (on a new connection), then a
    // second message goes out on that new one.
    let sink = Sink::start(&SinkOptions { fail_first: 1, fail_at_rcpt: true, ..Default::default() });
    let app = spawn(&sink.url(), |_| {}).await;
    let (first, second) = ("turned-away@example.com", "after@example.com");
    app.start(first).await;
    sink.wait_for(first, 1, Duration::from_secs(10)).await;
    assert_eq!(app.wait_for_status(first, "sent", Duration::from_secs(5)).await.attempts, 2);
    app.start(second).await;
    sink.wait_for(second, 1, Duration::from_secs(10)).await;
    app.wait_for_status(second, "sent", Duration::from_secs(5)).await;

    let answers = answers(&sink);
    let codes: Vec<(&str, i64)> = answers.iter().map(|(c, code, _)| (c.as_str(), *code)).collect();
    assert_eq!(codes, [("RCPT", 451), ("RCPT", 250), ("DATA", 250), ("RCPT", 250), ("DATA", 250)]);
    let failed = &answers[0].2;
    assert!(
        answers[1..].iter().all(|(_, _, p)| p != failed),
        "the connection that got the 451 was reused: {answers:?}"
    );
    // The others are pooled as usual.
    assert!(answers[1..].iter().all(|(_, _, p)| *p == answers[1].2), "{answers:?}");
}
