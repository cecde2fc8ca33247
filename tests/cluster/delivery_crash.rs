//! `kill -9` of `postern serve` while it is sending email over SMTP: every message that a
//! start committed still reaches its recipient once the process is back on the same
//! database (SQLite file) — at least once: a message whose send was cut short may arrive
//! twice, always with the same `Message-ID`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::common::{Backend, TestDb};
use crate::harness::{Instance, Options, plain, start_ok, verify};
use crate::sink::{Sink, SinkOptions, header};

const ADDRESSES: usize = 20;
/// The sink answers each DATA after this long, so sends are in flight when the kill comes.
const DATA_DELAY: f64 = 0.5;
/// `delivery.lease`: how long a killed process's messages wait before they are taken again.
const LEASE: &str = "2s";

fn address(i: usize) -> String {
    format!("crash-{i:02}@example.com")
}

/// Message-IDs received per recipient.
fn received(sink: &Sink) -> BTreeMap<String, Vec<String>> {
    let mut by_rcpt: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in sink.messages() {
        let id = header(&m, "Message-ID").unwrap_or_default().to_owned();
        for rcpt in m["rcpt_tos"].as_array().into_iter().flatten() {
            by_rcpt.entry(rcpt.as_str().unwrap_or_default().to_owned()).or_default().push(id.clone());
        }
    }
    by_rcpt
}

fn outbox_statuses(path: &str) -> BTreeMap<String, usize> {
    let conn = rusqlite::Connection::open(path).expect("open the SQLite file");
    let mut stmt = conn.prepare("SELECT status, count(*) FROM outbox GROUP BY status").expect("prepare");
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_sending_over_smtp_loses_no_email() {
    let sink = Sink::start(&SinkOptions { data_delay: DATA_DELAY, ..Default::default() });
    let db = TestDb::new(Backend::Sqlite).await;
    let db_path = db.url.strip_prefix("sqlite://").expect("a sqlite URL").to_owned();
    let smtp_url = sink.url();
    let env = [
        ("POSTERN_DELIVERY__EMAIL__PROVIDER", "smtp"),
        ("POSTERN_DELIVERY__EMAIL__SMTP_URL", smtp_url.as_str()),
        ("POSTERN_DELIVERY__EMAIL__FROM", "Postern <no-reply@postern.test>"),
        ("POSTERN_DELIVERY__EMAIL__SMTP__HELLO_NAME", "postern.test"),
        ("POSTERN_DELIVERY__LEASE", LEASE),
        ("POSTERN_DELIVERY__CONCURRENCY", "2"),
        ("POSTERN_DELIVERY__POLL_INTERVAL", "100ms"),
        ("POSTERN_DELIVERY__RETRY_BASE", "100ms"),
        ("POSTERN_DELIVERY__RETRY_MAX", "300ms"),
        ("POSTERN_DELIVERY__MAX_ATTEMPTS", "100"),
        ("POSTERN_DELIVERY__SEND_TIMEOUT", "5s"),
    ];
    let opts = Options { rate_limits: false };
    let mut first = Instance::start_with_env("A", &db.url, None, opts, db.dir.path(), &env).await;

    // Twenty sign-ins, all committed (200) before any could have been sent.
    let client = plain();
    let mut requests = Vec::new();
    for i in 0..ADDRESSES {
        requests.push((address(i), start_ok(&client, &first.base, &address(i)).await));
    }

    // Kill once a few messages went out: two more are then in the middle of DATA.
    let deadline = Instant::now() + Duration::from_secs(15);
    while sink.messages().len() < 3 {
        assert!(Instant::now() < deadline, "no message was sent before the kill: {}", first.log_tail(20));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill9();
    let before_kill = sink.messages().len();
    println!("killed instance A with SIGKILL after {before_kill} of {ADDRESSES} messages were accepted");
    assert!(before_kill < ADDRESSES, "everything was sent before the kill: the test proves nothing");

    // Back on the same database: everything left is sent, the interrupted ones again.
    let restarted_at = Instant::now();
    let second = Instance::start_with_env("A2", &db.url, None, opts, db.dir.path(), &env).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = received(&sink);
        if (0..ADDRESSES).all(|i| got.contains_key(&address(i))) {
            break;
        }
        let missing: Vec<String> = (0..ADDRESSES).map(address).filter(|a| !got.contains_key(a)).collect();
        assert!(Instant::now() < deadline, "never delivered: {missing:?}\n{}", second.log_tail(20));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = received(&sink);
    let copies: usize = got.values().map(Vec::len).sum();
    println!(
        "all {ADDRESSES} addresses got their message {:?} after the restart; {} redelivered copies",
        restarted_at.elapsed(),
        copies - ADDRESSES
    );
    for (to, ids) in &got {
        // A copy sent again is the same message: one Message-ID per recipient.
        let distinct: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), 1, "{to} got different messages: {ids:?}");
        assert!(!ids[0].is_empty(), "{to}: a message without a Message-ID");
    }

    // The outbox agrees: every row is sent (recorded by the restarted process).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let statuses = outbox_statuses(&db_path);
        if statuses.get("sent") == Some(&ADDRESSES) {
            break;
        }
        assert!(Instant::now() < deadline, "outbox not all sent: {statuses:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // And each delivered code signs its user in on the restarted process.
    for m in sink.messages() {
        let to = m["rcpt_tos"][0].as_str().unwrap_or_default().to_owned();
        let Some(pos) = requests.iter().position(|(a, _)| *a == to) else { continue };
        let (_, id) = requests.remove(pos);
        let text = m["text"].as_str().expect("a text part");
        let r = verify(&client, &second.base, &id, &crate::harness::code_of(text)).await.expect("verify request");
        assert_eq!(r.status(), StatusCode::OK, "the code mailed to {to} does not sign in");
    }
    assert!(requests.is_empty());
}
