//! Processes for the cluster tests (`tests/cluster/harness.rs`, `tests/common`) and the
//! benchmark (`bench/`): `postern serve` children on free ports, waited for until
//! `/healthz` answers and killed when dropped; an nginx in front of them; PostgreSQL
//! databases created and dropped.
//!
//! The binary is a parameter: the tests run `env!("CARGO_BIN_EXE_postern")`, the benchmark
//! a copy of the release binary (so a rebuild meanwhile cannot mix two binaries into one
//! table). Errors carry the tail of the child's log.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

/// The repository's `scripts/` directory.
fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("scripts").join(name)
}

/// A port nothing listens on right now (the OS picks it; a process started right after
/// binds it).
pub fn free_port() -> Result<u16> {
    Ok(reserve_port()?.local_addr()?.port())
}

/// A listener on a free port of 127.0.0.1: the port stays taken until it is dropped.
pub fn reserve_port() -> Result<TcpListener> {
    TcpListener::bind("127.0.0.1:0").context("failed to bind 127.0.0.1:0")
}

/// `bin` with none of this process's `POSTERN_*` variables, on `database_url`, log level
/// warn, stdin closed.
pub fn postern(bin: &Path, database_url: &str) -> Command {
    let mut cmd = Command::new(bin);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("POSTERN_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("POSTERN_DATABASE_URL", database_url).env("POSTERN_LOG__LEVEL", "warn").stdin(Stdio::null());
    cmd
}

/// A client for the harness's own probes: no cookies, no redirects followed.
fn probe_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(1))
        .build()
        .context("failed to build an HTTP client")
}

/// One `postern serve` process, SIGKILLed and reaped when dropped.
pub struct Instance {
    pub name: String,
    pub port: u16,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    child: Child,
    log: PathBuf,
}

impl Instance {
    /// Starts `bin serve` on a free port (`POSTERN_LISTEN`, and `POSTERN_PUBLIC_URL` =
    /// `public_url` or the instance's own address) with the variables `env` (they win over
    /// those two), logging to `dir/<name>.log`, and waits until `/healthz` answers 200
    /// within `within`. Should another process take the port between the probe and the
    /// child's bind, it tries another port (three times in all).
    pub async fn start(
        bin: &Path,
        name: &str,
        database_url: &str,
        public_url: Option<&str>,
        dir: &Path,
        env: &[(&str, &str)],
        within: Duration,
    ) -> Result<Self> {
        const TRIES: usize = 3;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = free_port()?;
            let public = public_url.map(str::to_owned).unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
            let log = dir.join(format!("{name}.log"));
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .with_context(|| format!("failed to open {}", log.display()))?;
            let child = postern(bin, database_url)
                .arg("serve")
                .env("POSTERN_LISTEN", format!("127.0.0.1:{port}"))
                .env("POSTERN_PUBLIC_URL", public)
                .envs(env.iter().copied())
                .stdout(file.try_clone()?)
                .stderr(file)
                .spawn()
                .with_context(|| format!("failed to spawn {} serve", bin.display()))?;
            let mut instance =
                Instance { name: name.to_owned(), port, base: format!("http://127.0.0.1:{port}"), child, log };
            match instance.wait_healthy(within).await {
                Ok(()) => return Ok(instance),
                // Someone took the port between our probe and the child's bind: try another.
                Err(_) if attempt < TRIES && instance.log_text().contains("failed to listen") => continue,
                Err(e) => bail!("instance {name} did not start: {e:#}\n{}", instance.log_tail(40)),
            }
        }
    }

    async fn wait_healthy(&mut self, within: Duration) -> Result<()> {
        let client = probe_client()?;
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("it exited with {status}");
            }
            let answer = client.get(self.url("/healthz")).send().await;
            if answer.is_ok_and(|r| r.status() == reqwest::StatusCode::OK) {
                // A 200 from a process that is not ours would mean our child lost the port.
                return match self.child.try_wait()? {
                    Some(status) => Err(anyhow!("it exited with {status}")),
                    None => Ok(()),
                };
            }
            if Instant::now() > deadline {
                bail!("/healthz did not answer 200 within {within:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: SIGKILL, then reap.
    pub fn kill9(&mut self) -> Result<()> {
        self.child.kill().context("failed to SIGKILL the instance")?;
        self.child.wait().context("failed to reap the instance")?;
        Ok(())
    }

    /// SIGTERM (a graceful shutdown), then SIGKILL if it is still running after `within`.
    pub async fn stop(&mut self, within: Duration) -> Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        terminate(self.child.id());
        let deadline = Instant::now() + within;
        while self.child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                return self.kill9();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    pub fn is_alive(&mut self) -> Result<bool> {
        Ok(self.child.try_wait()?.is_none())
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    pub fn log_text(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.log_text(), lines)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// SIGTERM by `kill(1)`: the standard library only sends SIGKILL, and this crate has no
/// unsafe code to call libc.
fn terminate(pid: u32) {
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).status();
}

/// Runs `scripts/<name>` once per process (the later calls get the first one's outcome).
fn ensure(once: &'static OnceLock<Result<(), String>>, name: &str) -> Result<()> {
    once.get_or_init(|| match Command::new("bash").arg(script(name)).status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("scripts/{name} failed ({s})")),
        Err(e) => Err(format!("failed to run scripts/{name}: {e}")),
    })
    .clone()
    .map_err(|e| anyhow!(e))
}

/// Installs nginx (scripts/ensure-nginx.sh) if it is missing, once per process.
pub fn ensure_nginx() -> Result<()> {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    ensure(&READY, "ensure-nginx.sh")
}

/// Starts PostgreSQL on 127.0.0.1:5432 (scripts/ensure-postgres.sh) if it is not
/// answering, once per process.
pub fn ensure_postgres() -> Result<()> {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    ensure(&READY, "ensure-postgres.sh")
}

pub fn nginx_binary() -> &'static str {
    // Debian puts it in /usr/sbin, which a non-root PATH may lack.
    if Path::new("/usr/sbin/nginx").exists() { "/usr/sbin/nginx" } else { "nginx" }
}

/// The `http {}` content of a plain round robin over `upstreams`, listening on `port`.
pub fn round_robin(upstreams: &[u16], port: u16) -> String {
    let servers: String = upstreams.iter().map(|p| format!("        server 127.0.0.1:{p};\n")).collect();
    format!(
        "    upstream postern {{
{servers}    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://postern;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
"
    )
}

/// An nginx in the foreground, everything in its own dir, all in one process; SIGKILLed
/// and reaped when dropped.
pub struct Nginx {
    /// `http://127.0.0.1:<port>`
    pub base: String,
    pub port: u16,
    child: Child,
    dir: PathBuf,
}

impl Nginx {
    /// Starts nginx with the `http {}` block's content `http(port)` (upstreams and servers;
    /// `/healthz` must reach Postern) on the port `reserved` holds (released just before
    /// nginx binds it), or on another free port if someone takes it meanwhile; waits until
    /// it proxies. Its files go to `dir/nginx`; `worker_connections` bounds the
    /// connections of its one process (clients and upstreams together).
    pub async fn start(
        reserved: TcpListener,
        dir: &Path,
        worker_connections: u32,
        http: &dyn Fn(u16) -> String,
    ) -> Result<Self> {
        ensure_nginx()?;
        let dir = dir.join("nginx");
        std::fs::create_dir_all(&dir).with_context(|| format!("failed to create {}", dir.display()))?;
        let mut port = reserved.local_addr()?.port();
        drop(reserved);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let _ = std::fs::remove_file(dir.join("error.log"));
            let mut nginx = Self::spawn(port, &http(port), &dir, worker_connections)?;
            match nginx.wait_proxying().await {
                Ok(()) => return Ok(nginx),
                Err(_) if attempt < 3 && nginx.error_log().contains("Address already in use") => port = free_port()?,
                Err(e) => bail!("nginx did not start: {e:#}\n{}", nginx.error_log()),
            }
        }
    }

    fn spawn(port: u16, http: &str, dir: &Path, worker_connections: u32) -> Result<Self> {
        let d = dir.display();
        // One process (`master_process off`), so that killing it leaves no orphaned worker
        // behind; as root it would otherwise switch to `nobody`, who cannot enter our dir.
        let user = {
            use std::os::unix::fs::MetadataExt;
            if std::fs::metadata(dir)?.uid() == 0 { "user root;" } else { "" }
        };
        let nofile = worker_connections * 2;
        let conf = format!(
            "{user}
master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
worker_rlimit_nofile {nofile};
events {{ worker_connections {worker_connections}; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
{http}}}
"
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).context("failed to write nginx.conf")?;
        let child = Command::new(nginx_binary())
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("failed to spawn nginx")?;
        Ok(Nginx { base: format!("http://127.0.0.1:{port}"), port, child, dir: dir.to_owned() })
    }

    async fn wait_proxying(&mut self) -> Result<()> {
        let client = probe_client()?;
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("it exited with {status}");
            }
            let answer = client.get(self.url("/healthz")).send().await;
            if answer.is_ok_and(|r| r.status() == reqwest::StatusCode::OK) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("no 200 from /healthz through nginx within 15 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn is_alive(&mut self) -> Result<bool> {
        Ok(self.child.try_wait()?.is_none())
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- PostgreSQL ------------------------------------------------------------------------

/// The URL of database `name` on the server of `admin_url` (`postgres://…/postgres`).
pub fn database_url(admin_url: &str, name: &str) -> String {
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin_url);
    format!("{base}/{name}")
}

/// A name PostgreSQL takes unquoted: lowercase letters, digits and `_`, not starting with a
/// digit (names are spliced into `CREATE DATABASE`, which takes no parameters).
fn check_name(name: &str) -> Result<()> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        bail!("{name:?} is not a plain PostgreSQL database name");
    }
    Ok(())
}

pub async fn pg_connect(url: &str) -> Result<sqlx::PgConnection> {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url).await.with_context(|| format!("failed to connect to {url}"))
}

/// Creates database `name` (starting PostgreSQL first if it is down); its URL.
pub async fn create_database(admin_url: &str, name: &str) -> Result<String> {
    check_name(name)?;
    ensure_postgres()?;
    let mut conn = pg_connect(admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .with_context(|| format!("failed to create database {name}"))?;
    Ok(database_url(admin_url, name))
}

/// Drops database `name` with its connections, if it exists.
pub async fn drop_database(admin_url: &str, name: &str) -> Result<()> {
    check_name(name)?;
    let mut conn = pg_connect(admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&mut conn)
        .await
        .with_context(|| format!("failed to drop database {name}"))?;
    Ok(())
}

/// `drop_database` from synchronous code (a `Drop`), which may run inside a runtime: on a
/// thread with its own.
pub fn drop_database_blocking(admin_url: &str, name: &str) -> Result<()> {
    let (admin, owned) = (admin_url.to_owned(), name.to_owned());
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(drop_database(&admin, &owned))
    })
    .join()
    .map_err(|_| anyhow!("the thread dropping database {name} panicked"))?
}

// ---- messages and URLs -----------------------------------------------------------------

/// Percent-encodes everything but RFC 3986's unreserved characters (a query value).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The first run of exactly six digits of a message text: its code (the code comes before
/// the link and the date, in every language).
pub fn code_in(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if run == 6 {
            return Some(text[i..i + 6].to_owned());
        }
        i += run.max(1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_the_first_run_of_exactly_six_digits() {
        assert_eq!(code_in("Your code: 123456\nexpires 2026-01-01").as_deref(), Some("123456"));
        assert_eq!(code_in("id 1234567 then 654321").as_deref(), Some("654321"), "seven digits are not a code");
        assert_eq!(code_in("no code"), None);
    }

    #[test]
    fn urlencode_keeps_only_unreserved_characters() {
        assert_eq!(urlencode("a+b@c.d/e f~"), "a%2Bb%40c.d%2Fe%20f~");
    }

    #[test]
    fn database_url_replaces_the_database_of_the_admin_url() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/postgres", "x_1"),
            "postgres://postgres@127.0.0.1:5432/x_1"
        );
    }

    #[test]
    fn only_plain_names_are_spliced_into_sql() {
        assert!(check_name("postern_test_abc_1").is_ok());
        for bad in ["", "1abc", "a-b", "a;drop", "Abc"] {
            assert!(check_name(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
