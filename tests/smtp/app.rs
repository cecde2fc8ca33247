//! The real server on port 0 with its own SQLite file and the real clock (retries wait
//! real time), its email going to an SMTP server.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use postern::clock::SystemClock;
use postern::config::{EmailProvider, Settings};
use postern::startup::Application;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::common::{Backend, TestDb};

pub const FROM: &str = "Postern Tests <no-reply@postern.test>";

pub struct App {
    pub address: String,
    pub client: reqwest::Client,
    /// The SQLite file.
    pub db_path: PathBuf,
    shutdown: CancellationToken,
    _db: TestDb,
}

impl Drop for App {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Settings for a server whose email goes to `smtp_url`: fast retries, rate limits off.
pub async fn settings(smtp_url: &str) -> (Settings, TestDb) {
    let db = TestDb::new(Backend::Sqlite).await;
    let mut s = Settings::from_sources(None, &[]).expect("default settings");
    s.listen = "127.0.0.1:0".parse().expect("address");
    s.database_url = db.url.clone().into();
    s.sqlite.readers = 2;
    s.rate_limits.enabled = false;
    let d = &mut s.delivery;
    d.email.provider = Some(EmailProvider::Smtp);
    d.email.smtp_url = Some(smtp_url.to_owned().into());
    d.email.from = FROM.to_owned();
    d.email.smtp.hello_name = Some("postern.test".to_owned());
    d.retry_base = Duration::from_millis(100);
    d.retry_max = Duration::from_millis(300);
    d.poll_interval = Duration::from_millis(50);
    d.send_timeout = Duration::from_secs(2);
    (s, db)
}

pub async fn spawn(smtp_url: &str, configure: impl FnOnce(&mut Settings)) -> App {
    let (mut s, db) = settings(smtp_url).await;
    configure(&mut s);
    let app = match Application::build_with_clock(s, Arc::new(SystemClock)).await {
        Ok(app) => app,
        Err(e) => panic!("the server did not start: {e:#}"),
    };
    let port = app.port();
    let shutdown = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    App {
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder().cookie_store(true).build().expect("client"),
        db_path: PathBuf::from(db.url.strip_prefix("sqlite://").expect("a sqlite URL")),
        shutdown,
        _db: db,
    }
}

/// Why the server refuses to start with these settings.
pub async fn start_error(smtp_url: &str, configure: impl FnOnce(&mut Settings)) -> String {
    let (mut s, _db) = settings(smtp_url).await;
    configure(&mut s);
    match Application::build_with_clock(s, Arc::new(SystemClock)).await {
        Ok(_) => panic!("the server started"),
        Err(e) => format!("{e:#}"),
    }
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Starts a sign-in; returns the auth_request_id.
    pub async fn start(&self, email: &str) -> String {
        let r = self.client.post(self.url("/v1/passwordless/start")).json(&json!({ "email": email })).send().await;
        let r = r.expect("start request");
        assert_eq!(r.status(), 200, "start failed: {}", r.text().await.unwrap_or_default());
        let body: Value = r.json().await.expect("json");
        body["auth_request_id"].as_str().expect("auth_request_id").to_owned()
    }

    pub async fn verify(&self, id: &str, code: &str) -> reqwest::Response {
        self.client
            .post(self.url("/v1/passwordless/verify"))
            .json(&json!({ "auth_request_id": id, "code": code }))
            .send()
            .await
            .expect("verify request")
    }

    /// The outbox rows: (recipient, status, attempts, payload, last_error, provider_message_id).
    pub fn outbox(&self) -> Vec<OutboxRow> {
        let conn = rusqlite::Connection::open(&self.db_path).expect("open the SQLite file");
        let mut stmt = conn
            .prepare(
                "SELECT recipient, status, attempts, payload, last_error, provider_message_id FROM outbox ORDER BY seq",
            )
            .expect("prepare");
        stmt.query_map([], |r| {
            Ok(OutboxRow {
                recipient: r.get(0)?,
                status: r.get(1)?,
                attempts: r.get(2)?,
                payload: r.get(3)?,
                last_error: r.get(4)?,
                provider_message_id: r.get(5)?,
            })
        })
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
    }

    /// Waits (up to `within`) until the outbox row of `to` has `status`.
    pub async fn wait_for_status(&self, to: &str, status: &str, within: Duration) -> OutboxRow {
        let deadline = std::time::Instant::now() + within;
        loop {
            let rows = self.outbox();
            if let Some(row) = rows.iter().find(|r| r.recipient == to && r.status == status) {
                return row.clone();
            }
            assert!(std::time::Instant::now() < deadline, "no {status} row for {to} in {within:?}: {rows:?}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

#[derive(Clone, Debug)]
pub struct OutboxRow {
    pub recipient: String,
    pub status: String,
    pub attempts: i64,
    pub payload: String,
    pub last_error: Option<String>,
    pub provider_message_id: Option<String>,
}

pub use crate::common::{code_of, html_decoded, link_of};
