//! Temporary failures are retried until the message gets through; permanent ones are
//! recorded once and never retried.

use std::time::Duration;

use crate::app::spawn;
use crate::sink::{Sink, SinkOptions};

/// Commands the sink answered, as (command, code).
fn answers(sink: &Sink) -> Vec<(String, i64)> {
    sink.events()
        .iter()
        .map(|e| (e["command"].as_str().unwrap_or_default().to_owned(), e["code"].as_i64().unwrap_or_default()))
        .collect()
}

fn pair(command: &str, code: i64) -> (String, i64) {
    (command.to_owned(), code)
}

#[tokio::test]
async fn a_451_to_data_is_retried_and_the_message_delivered() {
    let sink = Sink::start(&SinkOptions { fail_first: 1, ..Default::default() });
    let app = spawn(&sink.url(), |_| {}).await;
    let to = "retry-data@example.com";
    app.start(to).await;
    let messages = sink.wait_for(to, 1, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 1);
    let row = app.wait_for_status(to, "sent", Duration::from_secs(5)).await;
    assert_eq!(row.attempts, 2);
    assert_eq!(answers(&sink), [pair("RCPT", 250), pair("DATA", 451), pair("RCPT", 250), pair("DATA", 250)]);
}

#[tokio::test]
async fn a_451_to_rcpt_is_retried_and_the_message_delivered() {
    let sink = Sink::start(&SinkOptions { fail_first: 2, fail_at_rcpt: true, ..Default::default() });
    let app = spawn(&sink.url(), |_| {}).await;
    let to = "retry-rcpt@example.com";
    app.start(to).await;
    sink.wait_for(to, 1, Duration::from_secs(10)).await;
    let row = app.wait_for_status(to, "sent", Duration::from_secs(5)).await;
    assert_eq!(row.attempts, 3);
    assert_eq!(answers(&sink), [pair("RCPT", 451), pair("RCPT", 451), pair("RCPT", 250), pair("DATA", 250)]);
}

#[tokio::test]
async fn a_550_fails_the_message_once_and_for_all() {
    let sink = Sink::start(&SinkOptions { reject: Some("^nobody@".to_owned()), ..Default::default() });
    let app = spawn(&sink.url(), |_| {}).await;
    let to = "nobody@example.com";
    app.start(to).await;
    let row = app.wait_for_status(to, "failed", Duration::from_secs(5)).await;
    assert_eq!(row.attempts, 1);
    assert_eq!(row.payload, "", "the secrets of a failed message are wiped");
    let error = row.last_error.unwrap_or_default();
    assert!(error.contains("550"), "the error keeps the SMTP code: {error}");
    assert!(!error.contains(to) && !error.contains('@'), "the error names no address: {error}");
    // Several retry periods later, still exactly one attempt.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(answers(&sink), [pair("RCPT", 550)]);
    assert!(sink.messages().is_empty());
    assert_eq!(app.outbox()[0].attempts, 1);
}

#[tokio::test]
async fn a_message_queued_while_the_smtp_server_is_down_goes_out_once_it_is_up() {
    // A port nobody listens on (yet).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn(&format!("smtp://127.0.0.1:{port}"), |s| s.delivery.max_attempts = 1000).await;
    let to = "patient@example.com";
    app.start(to).await;
    // Wait until delivery has failed (temporarily) at least twice.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let rows = app.outbox();
        if rows.first().is_some_and(|r| r.attempts >= 2 && r.status != "failed") {
            let error = rows[0].last_error.clone().unwrap_or_default();
            assert!(error.contains("SMTP connection"), "a connection failure: {error}");
            break;
        }
        assert!(rows.first().is_none_or(|r| r.status != "failed"), "given up: {rows:?}");
        assert!(std::time::Instant::now() < deadline, "no failed attempt: {rows:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let sink = Sink::start_on(port, &SinkOptions::default()).expect("the sink takes the port");
    let messages = sink.wait_for(to, 1, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 1);
    let row = app.wait_for_status(to, "sent", Duration::from_secs(5)).await;
    assert!(row.attempts >= 3, "{row:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_data_times_out_and_is_retried() {
    // DATA answered after 3 s; send_timeout is 1 s: the first attempts time out, then the
    // sink is replaced by a prompt one on the same port.
    let slow = Sink::start(&SinkOptions { data_delay: 3.0, ..Default::default() });
    let port = slow.port;
    let app = spawn(&slow.url(), |s| {
        s.delivery.send_timeout = Duration::from_secs(1);
        s.delivery.max_attempts = 1000;
    })
    .await;
    let to = "slow@example.com";
    app.start(to).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let rows = app.outbox();
        if let Some(error) = rows.first().and_then(|r| r.last_error.clone()) {
            assert!(error.contains("timed out"), "{error}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no timeout recorded: {rows:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    slow.stop();
    let prompt = Sink::start_on(port, &SinkOptions::default()).expect("the sink takes the port");
    prompt.wait_for(to, 1, Duration::from_secs(10)).await;
    app.wait_for_status(to, "sent", Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_send_cut_off_by_the_timeout_leaves_no_half_used_connection_behind() {
    // The first DATA is answered after 1.4 s, past the 1 s send_timeout. The connection
    // it was on is mid-command when the send is abandoned: reused, the next message would
    // read the late `250` as its own reply. Every later attempt must use a new connection.
    let sink = Sink::start(&SinkOptions { data_delay: 1.4, data_delay_count: 1, ..Default::default() });
    let app = spawn(&sink.url(), |s| {
        s.delivery.send_timeout = Duration::from_secs(1);
        s.delivery.max_attempts = 1000;
    })
    .await;
    let to = "cut-off@example.com";
    app.start(to).await;
    let row = app.wait_for_status(to, "sent", Duration::from_secs(10)).await;
    assert!(row.attempts >= 2, "{row:?}");
    // The late answer to the first DATA arrives too (the sink then accepts that copy).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let events = sink.events();
    let rcpt_peers: Vec<&str> =
        events.iter().filter(|e| e["command"] == "RCPT").map(|e| e["peer"].as_str().unwrap_or_default()).collect();
    let cut_off = rcpt_peers[0];
    assert!(
        rcpt_peers[1..].iter().all(|p| *p != cut_off),
        "the connection of the abandoned send was used again: {events:?}"
    );
    // Every copy the sink accepted is the same message.
    let ids: std::collections::BTreeSet<String> =
        sink.messages().iter().map(|m| crate::sink::header(m, "Message-ID").unwrap_or_default().to_owned()).collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
}
