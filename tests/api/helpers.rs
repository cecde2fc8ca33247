//! `spawn_app()` starts the real server on a real port with its own SQLite file and a
//! clock the test controls; `TestApp` has a method per endpoint. Messages are read from
//! the dev inbox, as a person would.

use std::sync::Arc;
use std::time::Duration;

use postern::clock::ManualClock;
use postern::config::Settings;
use postern::startup::Application;
use reqwest::redirect::Policy;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::common::{TestDb, backend};

pub struct TestApp {
    pub address: String,
    pub clock: ManualClock,
    /// A browser: its own cookie jar, redirects not followed.
    pub browser: reqwest::Client,
    shutdown: CancellationToken,
    pub database_url: String,
    /// The `metrics.listen` listener's address, when configured.
    pub metrics_address: Option<std::net::SocketAddr>,
    /// Last field: dropped after the server was told to stop.
    _db: TestDb,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The real server on port 0, on a fresh database of the test's backend.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDb::new(backend()).await;
    let mut settings = Settings::from_sources(None, &[]).expect("default settings");
    settings.listen = "127.0.0.1:0".parse().expect("address");
    settings.database_url = db.url.clone().into();
    settings.sqlite.readers = 2;
    settings.postgres.max_connections = 8;
    configure(&mut settings);
    let database_url = settings.database_url.expose_secret().to_owned();
    let clock = ManualClock::new();
    let app = Application::build_with_clock(settings, Arc::new(clock.clone())).await.expect("app builds");
    let port = app.port();
    let metrics_address = app.metrics_address();
    let shutdown = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        clock,
        browser: new_browser(),
        shutdown,
        database_url,
        metrics_address,
        _db: db,
    }
}

pub fn new_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .user_agent("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
        .build()
        .expect("client")
}

#[derive(Debug, Clone)]
pub struct Message {
    pub to: String,
    pub channel: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

impl Message {
    /// The first run of exactly six digits: the code comes before the link and the date.
    pub fn code(&self) -> String {
        crate::common::code_of(&self.text)
    }

    /// The HTML part with entities decoded where templates escape them.
    pub fn html_decoded(&self) -> String {
        crate::common::html_decoded(self.html.as_deref().unwrap_or_default())
    }

    pub fn link(&self) -> String {
        crate::common::link_of(&self.text)
    }

    pub fn token(&self) -> String {
        self.link().split_once("token=").expect("token").1.to_owned()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, client: &reqwest::Client, path: &str, body: &Value) -> reqwest::Response {
        client.post(self.url(path)).json(body).send().await.expect("request")
    }

    pub async fn start(&self, client: &reqwest::Client, email: &str) -> reqwest::Response {
        self.post_json(client, "/v1/passwordless/start", &json!({ "email": email })).await
    }

    /// Starts a sign-in in `browser` and returns the auth_request_id.
    pub async fn start_ok(&self, client: &reqwest::Client, email: &str) -> String {
        let r = self.start(client, email).await;
        assert_eq!(r.status(), 200, "start failed: {}", r.text().await.unwrap_or_default());
        let body: Value = r.json().await.expect("json");
        body["auth_request_id"].as_str().expect("id").to_owned()
    }

    pub async fn verify(&self, client: &reqwest::Client, id: &str, code: &str) -> reqwest::Response {
        self.post_json(client, "/v1/passwordless/verify", &json!({ "auth_request_id": id, "code": code })).await
    }

    pub async fn resend(&self, client: &reqwest::Client, id: &str) -> reqwest::Response {
        self.post_json(client, "/v1/passwordless/resend", &json!({ "auth_request_id": id })).await
    }

    pub async fn status(&self, client: &reqwest::Client, id: &str) -> reqwest::Response {
        client.get(self.url(&format!("/v1/passwordless/status?auth_request_id={id}"))).send().await.expect("request")
    }

    pub async fn session(&self, client: &reqwest::Client) -> reqwest::Response {
        client.get(self.url("/v1/session")).send().await.expect("request")
    }

    pub async fn inbox(&self, to: &str) -> Vec<Message> {
        self.inbox_waiting(to, 0).await
    }

    /// The inbox of `to`, waiting up to `wait` seconds for a first message.
    pub async fn inbox_waiting(&self, to: &str, wait: u64) -> Vec<Message> {
        let r =
            reqwest::get(self.url(&format!("/dev/inbox.json?to={}&wait={wait}", urlencode(to)))).await.expect("inbox");
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.expect("json");
        body["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| Message {
                to: m["to"].as_str().unwrap_or_default().to_owned(),
                channel: m["channel"].as_str().unwrap_or_default().to_owned(),
                subject: m["subject"].as_str().unwrap_or_default().to_owned(),
                text: m["text"].as_str().unwrap_or_default().to_owned(),
                html: m["html"].as_str().map(str::to_owned),
            })
            .collect()
    }

    /// Waits (up to 5 s) until `to` has at least `count` messages; returns them newest first.
    pub async fn wait_for_messages(&self, to: &str, count: usize) -> Vec<Message> {
        for _ in 0..250 {
            let messages = self.inbox(to).await;
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{to} did not receive {count} message(s)");
    }

    pub async fn latest_message(&self, to: &str) -> Message {
        self.wait_for_messages(to, 1).await.remove(0)
    }

    /// Starts a sign-in by phone and waits for its SMS: (auth_request_id, message).
    pub async fn start_and_read_phone(&self, client: &reqwest::Client, phone: &str) -> (String, Message) {
        let before = self.inbox(phone).await.len();
        let r = self.post_json(client, "/v1/passwordless/start", &serde_json::json!({ "phone": phone })).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.expect("json");
        let message = self.wait_for_messages(phone, before + 1).await.remove(0);
        (body["auth_request_id"].as_str().expect("id").to_owned(), message)
    }

    pub async fn browser_patch(&self, client: &reqwest::Client, path: &str, body: &Value) -> reqwest::Response {
        client.patch(self.url(path)).json(body).send().await.expect("request")
    }

    /// Starts a sign-in and waits for its message: (auth_request_id, message).
    pub async fn start_and_read(&self, client: &reqwest::Client, email: &str) -> (String, Message) {
        let before = self.inbox(email).await.len();
        let id = self.start_ok(client, email).await;
        let message = self.wait_for_messages(email, before + 1).await.remove(0);
        (id, message)
    }

    /// A full sign-in by code in `client`; returns the verify body.
    pub async fn sign_in(&self, client: &reqwest::Client, email: &str) -> Value {
        let before = self.inbox(email).await.len();
        let id = self.start_ok(client, email).await;
        let message = self.wait_for_messages(email, before + 1).await.remove(0);
        let r = self.verify(client, &id, &message.code()).await;
        assert_eq!(r.status(), 200, "verify failed: {}", r.text().await.unwrap_or_default());
        r.json().await.expect("json")
    }

    /// GET a page and return its body with the CSRF token it carries.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let r = client.get(self.url(path)).send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }
}

pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field");
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').expect("end")].to_owned()
}

pub use postern_harness::urlencode;

pub fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
}

pub fn wrong_code(code: &str) -> String {
    let first = code.as_bytes()[0];
    let replaced = if first == b'9' { '0' } else { (first + 1) as char };
    format!("{replaced}{}", &code[1..])
}

/// A browser whose cookie jar the test can read.
pub fn browser_with_jar() -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(Policy::none())
        .user_agent("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
        .build()
        .expect("client");
    (client, jar)
}

/// The value of cookie `name` in `jar` for the app's address (empty when there is none).
pub fn cookie_value(app: &TestApp, jar: &reqwest::cookie::Jar, name: &str) -> String {
    use reqwest::cookie::CookieStore;
    let url: reqwest::Url = app.address.parse().expect("url");
    let header = jar.cookies(&url).and_then(|v| v.to_str().ok().map(str::to_owned)).unwrap_or_default();
    header.split("; ").find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned)).unwrap_or_default()
}
