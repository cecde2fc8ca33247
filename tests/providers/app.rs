//! The real server on port 0 with real (system) time, so the outbox worker's retries and
//! backoff run for real, tuned short: retries after ~100–200 ms, a 500 ms send timeout.

use std::time::Duration;

use postern::config::Settings;
use postern::startup::Application;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::common::{Backend, TestDb, backend};

pub struct App {
    pub address: String,
    pub client: reqwest::Client,
    database_url: String,
    shutdown: CancellationToken,
    /// Last field: dropped after the server was told to stop.
    _db: TestDb,
}

impl Drop for App {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::from_sources(None, &[]).expect("default settings");
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.database_url = database_url.to_owned().into();
    settings.sqlite.readers = 2;
    settings.postgres.max_connections = 4;
    settings.rate_limits.enabled = false;
    let d = &mut settings.delivery;
    d.retry_base = Duration::from_millis(100);
    d.retry_max = Duration::from_millis(200);
    d.send_timeout = Duration::from_millis(500);
    d.poll_interval = Duration::from_millis(50);
    settings
}

pub async fn spawn(configure: impl FnOnce(&mut Settings)) -> App {
    let db = TestDb::new(backend()).await;
    let mut settings = test_settings(&db.url);
    configure(&mut settings);
    settings.delivery.validate().expect("the delivery settings are valid");
    let database_url = settings.database_url.expose_secret().to_owned();
    let app = Application::build(settings).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let shutdown = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    App { address, client, database_url, shutdown, _db: db }
}

type PgRow = (String, i32, Option<String>, Option<String>, Option<String>, String);

/// One outbox row, as stored.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub status: String,
    pub attempts: i64,
    pub provider: Option<String>,
    pub provider_message_id: Option<String>,
    pub last_error: Option<String>,
    pub payload: String,
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Starts a passwordless sign-in for an email address or a phone number (`+…`).
    pub async fn start(&self, identifier: &str) -> String {
        let body =
            if identifier.starts_with('+') { json!({ "phone": identifier }) } else { json!({ "email": identifier }) };
        let r = self.client.post(self.url("/v1/passwordless/start")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 200, "start failed: {}", r.text().await.unwrap_or_default());
        let body: Value = r.json().await.unwrap();
        body["auth_request_id"].as_str().unwrap().to_owned()
    }

    pub async fn verify(&self, auth_request_id: &str, code: &str) -> reqwest::Response {
        let body = json!({ "auth_request_id": auth_request_id, "code": code });
        self.client.post(self.url("/v1/passwordless/verify")).json(&body).send().await.unwrap()
    }

    pub async fn metrics(&self) -> String {
        self.client.get(self.url("/metrics")).send().await.unwrap().text().await.unwrap()
    }

    /// The newest outbox row for `recipient`.
    pub async fn outbox(&self, recipient: &str) -> Option<OutboxRow> {
        const SQL: &str = "SELECT status, attempts, provider, provider_message_id, last_error, payload FROM outbox \
                           WHERE recipient = $1 ORDER BY seq DESC LIMIT 1";
        match backend() {
            Backend::Sqlite => {
                let path = self.database_url.strip_prefix("sqlite://").unwrap().to_owned();
                let recipient = recipient.to_owned();
                tokio::task::spawn_blocking(move || {
                    let conn = rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                        .unwrap();
                    conn.busy_timeout(Duration::from_secs(5)).unwrap();
                    let mut stmt = conn.prepare(&SQL.replace("$1", "?1")).unwrap();
                    let mut rows = stmt
                        .query_map([recipient], |r| {
                            Ok(OutboxRow {
                                status: r.get(0)?,
                                attempts: r.get(1)?,
                                provider: r.get(2)?,
                                provider_message_id: r.get(3)?,
                                last_error: r.get(4)?,
                                payload: r.get(5)?,
                            })
                        })
                        .unwrap();
                    rows.next().map(Result::unwrap)
                })
                .await
                .unwrap()
            }
            Backend::Postgres => {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&self.database_url).await.unwrap();
                let row: Option<PgRow> = sqlx::query_as(SQL).bind(recipient).fetch_optional(&mut conn).await.unwrap();
                row.map(|(status, attempts, provider, provider_message_id, last_error, payload)| OutboxRow {
                    status,
                    attempts: attempts.into(),
                    provider,
                    provider_message_id,
                    last_error,
                    payload,
                })
            }
        }
    }

    /// Waits (up to 10 s) until the newest message to `recipient` is sent or failed.
    pub async fn settled(&self, recipient: &str) -> OutboxRow {
        let mut last = None;
        for _ in 0..400 {
            last = self.outbox(recipient).await;
            if let Some(row) = &last
                && (row.status == "sent" || row.status == "failed")
            {
                return row.clone();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the message to {recipient} did not settle: {last:?}");
    }
}
