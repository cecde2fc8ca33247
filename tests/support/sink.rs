//! A real SMTP server for tests: `tests/support/smtp_sink.py` (aiosmtpd) as a child
//! process, with the behaviours a test asks for; what it accepted is read back from its
//! JSON lines. Shared by the `smtp` and `cluster` test targets (`#[path]`).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The Python that has aiosmtpd and dkimpy, installed once per test process by
/// `scripts/ensure-python-deps.sh` (its last stdout line names the interpreter).
pub fn python() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/ensure-python-deps.sh");
        let out = Command::new("bash")
            .arg(script)
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/ensure-python-deps.sh");
        assert!(out.status.success(), "aiosmtpd/dkimpy are not available (scripts/ensure-python-deps.sh failed)");
        let stdout = String::from_utf8_lossy(&out.stdout);
        stdout.lines().last().expect("the script names the interpreter").trim().to_owned()
    })
}

#[derive(Clone, Debug, Default)]
pub struct SinkOptions {
    /// Answer 451 to the first `fail_first` RCPT (`fail_at_rcpt`) or DATA commands.
    pub fail_first: u32,
    pub fail_at_rcpt: bool,
    /// Answer 550 to recipients matching this Python regex.
    pub reject: Option<String>,
    /// Seconds to wait before answering each DATA …
    pub data_delay: f64,
    /// … or only the first `data_delay_count` (0: every one).
    pub data_delay_count: u32,
    /// `user:pass` that AUTH must present (AUTH is then required).
    pub auth: Option<String>,
    /// The DKIM public key's DNS TXT record.
    pub dkim_txt: Option<String>,
    /// TLS with `tests/support/tls/server.pem`: STARTTLS (required before MAIL) or implicit.
    pub tls: Option<Tls>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tls {
    StartTls,
    Implicit,
}

/// The CA that issued the sink's certificate (for `SSL_CERT_FILE`).
pub const TEST_CA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/tls/ca.pem");

pub struct Sink {
    pub port: u16,
    child: Child,
    out: PathBuf,
    events: PathBuf,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
}

impl Sink {
    /// A sink on any free port.
    pub fn start(opts: &SinkOptions) -> Sink {
        Self::start_on(0, opts).expect("the SMTP sink starts")
    }

    /// A sink on `port` (0: any); `Err` with its stderr when it does not come up (the port
    /// is taken, say). Waits for its "ready" line.
    pub fn start_on(port: u16, opts: &SinkOptions) -> Result<Sink, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (out, events, stderr) =
            (dir.path().join("messages.jsonl"), dir.path().join("events.jsonl"), dir.path().join("stderr.log"));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let mut cmd = Command::new(python());
        cmd.arg(script)
            .args(["--port", &port.to_string()])
            .arg("--out")
            .arg(&out)
            .arg("--events")
            .arg(&events)
            .args(["--fail-first", &opts.fail_first.to_string()])
            .args(["--fail-at", if opts.fail_at_rcpt { "rcpt" } else { "data" }])
            .args(["--data-delay", &opts.data_delay.to_string()])
            .args(["--data-delay-count", &opts.data_delay_count.to_string()]);
        if let Some(r) = &opts.reject {
            cmd.args(["--reject", r]);
        }
        if let Some(a) = &opts.auth {
            cmd.args(["--auth", a]);
        }
        if let Some(t) = &opts.dkim_txt {
            cmd.args(["--dkim-txt", t]);
        }
        if let Some(tls) = opts.tls {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/tls");
            cmd.args(["--tls", if tls == Tls::StartTls { "starttls" } else { "implicit" }])
                .arg("--tls-cert")
                .arg(format!("{dir}/server.pem"))
                .arg("--tls-key")
                .arg(format!("{dir}/server.key"));
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("spawn the SMTP sink");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = line.strip_prefix("ready ") {
                    let _ = tx.send(port.trim().parse::<u16>().ok());
                    return;
                }
            }
            let _ = tx.send(None);
        });
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(Some(port)) => Ok(Sink { port, child, out, events, stderr, _dir: dir }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                Err(std::fs::read_to_string(&stderr).unwrap_or_default())
            }
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn lines(path: &PathBuf) -> Vec<Value> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<Value> {
        Self::lines(&self.out)
    }

    /// Every RCPT/DATA answer so far: `{"command","code","peer",…}` (`peer`: the client's
    /// address and port, one per connection).
    pub fn events(&self) -> Vec<Value> {
        Self::lines(&self.events)
    }

    /// The accepted messages to `to`, waiting up to `within` for at least `count`.
    pub async fn wait_for(&self, to: &str, count: usize, within: Duration) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let found: Vec<Value> = self.messages().into_iter().filter(|m| rcpt_is(m, to)).collect();
            if found.len() >= count {
                return found;
            }
            if Instant::now() > deadline {
                panic!(
                    "{to} got {} message(s) in {within:?}, expected {count}; stderr: {}",
                    found.len(),
                    self.stderr()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Stops the sink (SIGKILL) now.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn rcpt_is(message: &Value, to: &str) -> bool {
    message["rcpt_tos"].as_array().is_some_and(|r| r.iter().any(|a| a.as_str() == Some(to)))
}

/// A header of an accepted message (names are lowercased by the sink).
pub fn header<'a>(message: &'a Value, name: &str) -> Option<&'a str> {
    message["headers"][name.to_ascii_lowercase()].as_str()
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("--- SMTP sink on port {} stderr ---\n{}", self.port, self.stderr());
        }
    }
}
