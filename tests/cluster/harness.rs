//! Processes and HTTP for the cluster tests: `postern serve` children on one PostgreSQL
//! database, an nginx in front of them, and a function per endpoint a test calls. The
//! processes themselves are `postern-harness`'s (`harness/`), which the benchmark shares.
//!
//! Every child is killed (SIGKILL) and reaped when its handle is dropped, before the test's
//! database is dropped. When a test fails, the tail of each child's log is printed.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use crate::common::{Backend, TestDb};

pub const BIN: &str = env!("CARGO_BIN_EXE_postern");

/// How long one HTTP request of a test may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A port nothing listens on right now (the OS picks it; a process started right after
/// binds it).
#[allow(dead_code, reason = "for tests that need a port of their own; the harness crate picks the instances'")]
pub fn free_port() -> u16 {
    postern_harness::free_port().expect("a free port")
}

/// `postern` with none of this process's `POSTERN_*` variables, on `database_url`.
pub fn postern(database_url: &str) -> Command {
    postern_harness::postern(Path::new(BIN), database_url)
}

#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// `rate_limits.enabled`; off for the tests that send many messages.
    pub rate_limits: bool,
}

/// One `postern serve` process.
pub struct Instance {
    pub name: String,
    pub port: u16,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    process: postern_harness::Instance,
}

impl Instance {
    /// Starts `postern serve` on a free port and waits until `/healthz` answers 200.
    /// `public_url` is the address clients use (nginx's); by default the instance's own.
    pub async fn start(name: &str, database_url: &str, public_url: Option<&str>, opts: Options, dir: &Path) -> Self {
        Self::start_with_env(name, database_url, public_url, opts, dir, &[]).await
    }

    /// Like `start`, with more `POSTERN_*` variables (they win over the defaults above).
    pub async fn start_with_env(
        name: &str,
        database_url: &str,
        public_url: Option<&str>,
        opts: Options,
        dir: &Path,
        env: &[(&str, &str)],
    ) -> Self {
        let mut all = vec![
            ("POSTERN_DELIVERY__LEASE", "2s"),
            ("POSTERN_DELIVERY__POLL_INTERVAL", "200ms"),
            ("POSTERN_POSTGRES__ACQUIRE_TIMEOUT", "1s"),
            ("POSTERN_POSTGRES__MAX_CONNECTIONS", "8"),
            ("POSTERN_TRUSTED_PROXIES", r#"["127.0.0.1/32"]"#),
            ("POSTERN_RATE_LIMITS__ENABLED", if opts.rate_limits { "true" } else { "false" }),
        ];
        all.extend_from_slice(env);
        let process = postern_harness::Instance::start(
            Path::new(BIN),
            name,
            database_url,
            public_url,
            dir,
            &all,
            Duration::from_secs(30),
        )
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
        Instance { name: process.name.clone(), port: process.port, base: process.base.clone(), process }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// `kill -9`: SIGKILL, then reap.
    pub fn kill9(&mut self) {
        self.process.kill9().expect("kill -9");
    }

    pub fn is_alive(&mut self) -> bool {
        self.process.is_alive().expect("try_wait")
    }

    pub fn log_text(&self) -> String {
        self.process.log_text()
    }

    pub fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- last lines of instance {} (port {}) ---\n{}", self.name, self.port, self.log_tail(20));
        }
    }
}

/// An nginx in the foreground, round robin over the instances, everything in its own dir,
/// all in one process.
pub struct Nginx {
    /// `http://127.0.0.1:<port>`
    pub base: String,
    process: postern_harness::Nginx,
}

impl Nginx {
    /// Starts nginx on the port `reserved` holds (released just before nginx binds it), or
    /// on another free port if someone takes it meanwhile; waits until it proxies.
    pub async fn start(reserved: std::net::TcpListener, upstreams: &[u16], dir: &Path) -> Self {
        Self::start_with(reserved, dir, &|port| postern_harness::round_robin(upstreams, port)).await
    }

    /// Like `start`, with the `http {}` block's content `http(port)` (upstreams and servers;
    /// `/healthz` must reach Postern).
    pub async fn start_with(reserved: std::net::TcpListener, dir: &Path, http: &dyn Fn(u16) -> String) -> Self {
        let process =
            postern_harness::Nginx::start(reserved, dir, 1024, http).await.unwrap_or_else(|e| panic!("{e:#}"));
        Nginx { base: process.base.clone(), process }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn error_log(&self) -> String {
        self.process.error_log()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- nginx error log ---\n{}", self.error_log());
        }
    }
}

/// Instances A, B, C… on one fresh PostgreSQL database, optionally behind nginx. Dropped
/// in field order: processes first, then the database.
pub struct Cluster {
    pub instances: Vec<Instance>,
    pub nginx: Option<Nginx>,
    pub db: TestDb,
}

impl Cluster {
    /// `n` instances started at the same moment (so they also migrate at once).
    pub async fn start(n: usize, opts: Options, with_nginx: bool) -> Self {
        Self::start_with(n, opts, with_nginx, |_, url| url.to_owned()).await
    }

    /// Like `start`, instance `i` using `database_url(i, url)` as its database URL.
    pub async fn start_with(
        n: usize,
        opts: Options,
        with_nginx: bool,
        database_url: impl Fn(usize, &str) -> String,
    ) -> Self {
        let db = TestDb::new(Backend::Postgres).await;
        // nginx's port stays taken while the instances pick theirs.
        let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        let nginx_port = reserved.local_addr().expect("address").port();
        let public = with_nginx.then(|| format!("http://127.0.0.1:{nginx_port}"));
        let starting: Vec<_> = (0..n)
            .map(|i| {
                let (url, dir, public) = (database_url(i, &db.url), db.dir.path().to_owned(), public.clone());
                let name = char::from(b'A' + i as u8).to_string();
                tokio::spawn(async move { Instance::start(&name, &url, public.as_deref(), opts, &dir).await })
            })
            .collect();
        let mut instances = Vec::new();
        for handle in starting {
            instances.push(handle.await.expect("an instance failed to start"));
        }
        let nginx = match with_nginx {
            true => {
                let ports: Vec<u16> = instances.iter().map(|i| i.port).collect();
                Some(Nginx::start(reserved, &ports, db.dir.path()).await)
            }
            false => None,
        };
        Cluster { instances, nginx, db }
    }

    /// Base URL of nginx.
    pub fn front(&self) -> &str {
        &self.nginx.as_ref().expect("this cluster has nginx").base
    }

    pub fn base(&self, i: usize) -> &str {
        &self.instances[i].base
    }

    pub async fn pg(&self) -> sqlx::PgPool {
        pg(&self.db.url).await
    }
}

/// A small pool straight to the test database (never through a test proxy).
pub async fn pg(url: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(url).await.expect("connect to the test database")
}

// ---- HTTP ----------------------------------------------------------------------------

/// A browser: its own cookie jar (cookies are per host, so one jar spans every port of
/// 127.0.0.1), redirects not followed.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .user_agent("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
        .build()
        .expect("client")
}

/// A client without cookies.
pub fn plain() -> Client {
    Client::builder().redirect(Policy::none()).timeout(REQUEST_TIMEOUT).build().expect("client")
}

pub use postern_harness::urlencode;

pub async fn start(client: &Client, base: &str, email: &str) -> reqwest::Result<Response> {
    client.post(format!("{base}/v1/passwordless/start")).json(&json!({ "email": email })).send().await
}

/// Starts a sign-in that must succeed; returns its auth_request_id.
pub async fn start_ok(client: &Client, base: &str, email: &str) -> String {
    let r = start(client, base, email).await.expect("start request");
    let status = r.status();
    let body: Value = r.json().await.unwrap_or_default();
    assert_eq!(status, StatusCode::OK, "start at {base} failed: {body}");
    body["auth_request_id"].as_str().expect("auth_request_id").to_owned()
}

pub async fn verify(client: &Client, base: &str, id: &str, code: &str) -> reqwest::Result<Response> {
    client
        .post(format!("{base}/v1/passwordless/verify"))
        .json(&json!({ "auth_request_id": id, "code": code }))
        .send()
        .await
}

/// The text of every message delivered to `to`, newest first.
pub async fn inbox(client: &Client, base: &str, to: &str) -> reqwest::Result<Vec<String>> {
    let r = client.get(format!("{base}/dev/inbox.json?to={}", urlencode(to))).send().await?.error_for_status()?;
    let body: Value = r.json().await?;
    Ok(body["messages"]
        .as_array()
        .map(|m| m.iter().map(|m| m["text"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default())
}

/// Waits until `to` has at least `count` messages; the newest one's text, or None.
pub async fn wait_for_message(client: &Client, base: &str, to: &str, count: usize, within: Duration) -> Option<String> {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(mut messages) = inbox(client, base, to).await
            && messages.len() >= count
        {
            return Some(messages.swap_remove(0));
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub use crate::common::code_of;

/// The value of the `postern_session` cookie a response sets.
pub fn session_token(r: &Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.strip_prefix("postern_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .find(|v| !v.is_empty())
}

/// `GET /v1/session` with just this session cookie.
pub async fn session_with(client: &Client, base: &str, token: &str) -> reqwest::Result<Response> {
    client.get(format!("{base}/v1/session")).header("cookie", format!("postern_session={token}")).send().await
}

/// A full sign-in by code in `client`, each step on the base the caller names: start on
/// `start_at`, read the message at `read_at`, verify on `verify_at`. Returns the verify
/// body and the session token.
pub async fn sign_in(client: &Client, email: &str, start_at: &str, read_at: &str, verify_at: &str) -> (Value, String) {
    let before = inbox(client, read_at, email).await.expect("inbox").len();
    let id = start_ok(client, start_at, email).await;
    let text = wait_for_message(client, read_at, email, before + 1, Duration::from_secs(10))
        .await
        .unwrap_or_else(|| panic!("no message for {email} at {read_at}"));
    let r = verify(client, verify_at, &id, &code_of(&text)).await.expect("verify request");
    let status = r.status();
    let token = session_token(&r);
    let body: Value = r.json().await.unwrap_or_default();
    assert_eq!(status, StatusCode::OK, "verify at {verify_at} failed: {body}");
    (body, token.expect("verify sets the postern_session cookie"))
}
