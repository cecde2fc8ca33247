//! TLS to the SMTP server: `smtp://…?tls=required` (STARTTLS) and `smtps://` (implicit)
//! verify the server's certificate. A certificate nobody trusts stops delivery (retried,
//! never sent in clear text); trusted (the test CA given to the real binary through
//! `SSL_CERT_FILE`), the messages go out over TLS with the URL's credentials, one pooled
//! connection carrying several.

use std::time::Duration;

use crate::app::spawn;
use crate::common::{Backend, TestDb};
use crate::harness::{Instance, Options, plain, start_ok};
use crate::sink::{Sink, SinkOptions, TEST_CA, Tls};

fn url(tls: Tls, credentials: &str, port: u16) -> String {
    match tls {
        Tls::StartTls => format!("smtp://{credentials}127.0.0.1:{port}?tls=required"),
        Tls::Implicit => format!("smtps://{credentials}127.0.0.1:{port}"),
    }
}

#[tokio::test]
async fn a_certificate_nobody_trusts_stops_delivery() {
    for (tls, to) in [(Tls::StartTls, "untrusted-starttls@example.com"), (Tls::Implicit, "untrusted-smtps@example.com")]
    {
        let sink = Sink::start(&SinkOptions { tls: Some(tls), ..Default::default() });
        let app = spawn(&url(tls, "", sink.port), |s| s.delivery.max_attempts = 1000).await;
        app.start(to).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let error = loop {
            let rows = app.outbox();
            if let Some(error) = rows.first().filter(|r| r.attempts >= 2).and_then(|r| r.last_error.clone()) {
                // Still to be retried: waiting ("queued") or in its next attempt ("sending").
                assert!(matches!(rows[0].status.as_str(), "queued" | "sending"), "{tls:?}: {rows:?}");
                break error;
            }
            assert!(std::time::Instant::now() < deadline, "{tls:?}: no failed attempt: {rows:?}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        println!("{tls:?} to an untrusted server: {error}");
        assert!(error.to_lowercase().contains("certificate"), "{tls:?}: {error}");
        assert!(sink.messages().is_empty(), "{tls:?}: delivered to an untrusted server");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_goes_out_over_starttls_and_implicit_tls_to_a_trusted_server() {
    for (tls, to) in [(Tls::StartTls, "starttls@example.com"), (Tls::Implicit, "smtps@example.com")] {
        let sink =
            Sink::start(&SinkOptions { tls: Some(tls), auth: Some("tester:pa55".to_owned()), ..Default::default() });
        let db = TestDb::new(Backend::Sqlite).await;
        let smtp_url = url(tls, "tester:pa55@", sink.port);
        let env = [
            ("SSL_CERT_FILE", TEST_CA),
            ("POSTERN_DELIVERY__EMAIL__PROVIDER", "smtp"),
            ("POSTERN_DELIVERY__EMAIL__SMTP_URL", smtp_url.as_str()),
            ("POSTERN_DELIVERY__EMAIL__SMTP__HELLO_NAME", "postern.test"),
            ("POSTERN_DELIVERY__RETRY_BASE", "100ms"),
            ("POSTERN_DELIVERY__RETRY_MAX", "300ms"),
        ];
        let instance =
            Instance::start_with_env("tls", &db.url, None, Options { rate_limits: false }, db.dir.path(), &env).await;
        start_ok(&plain(), &instance.base, to).await;
        let m = sink.wait_for(to, 1, Duration::from_secs(10)).await.remove(0);
        assert_eq!(m["tls"], true, "{tls:?}: the message came in clear text");
        // Once the first send is over, a second message goes out on the same (pooled) TLS
        // connection.
        wait_until_sent(&db, to).await;
        let again = format!("again-{to}");
        start_ok(&plain(), &instance.base, &again).await;
        assert_eq!(sink.wait_for(&again, 1, Duration::from_secs(10)).await.remove(0)["tls"], true);
        let peers: Vec<String> =
            sink.events().iter().map(|e| e["peer"].as_str().unwrap_or_default().to_owned()).collect();
        assert_eq!(peers.len(), 4, "{tls:?}: {peers:?}");
        assert!(peers.iter().all(|p| *p == peers[0]), "{tls:?}: one connection for both: {peers:?}");
        drop(instance);
    }
}

/// Waits (up to 5 s) until the outbox row of `to` is `sent`: its send is over.
async fn wait_until_sent(db: &TestDb, to: &str) {
    let path = db.url.strip_prefix("sqlite://").expect("a sqlite URL");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let conn = rusqlite::Connection::open(path).expect("open the SQLite file");
        let status: Option<String> =
            conn.query_row("SELECT status FROM outbox WHERE recipient = ?1", [to], |r| r.get(0)).ok();
        if status.as_deref() == Some("sent") {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{to} not sent: {status:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
