//! Running wrk and reading what it prints: its own summary (`--latency`) and the `BENCH`
//! line of the Lua scripts in `scripts/bench/` (`common.lua`'s `bench_report`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// What one wrk run measured.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct WrkOutput {
    pub requests: u64,
    pub rps: f64,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// Answers outside 200-299 as the script counted them (`non2xx=`), else wrk's count of
    /// statuses above 399 ("Non-2xx or 3xx responses", `status_errors=`).
    pub non2xx: u64,
    /// connect + read + write + timeout.
    pub socket_errors: u64,
    /// Every `key=value` of the `BENCH` line.
    pub kv: BTreeMap<String, String>,
    /// `FIRST_FAILURE …` of login.lua: the first answer that was not 2xx.
    pub first_failure: Option<String>,
}

impl WrkOutput {
    /// Reads wrk's summary, then lets the `BENCH` line (exact numbers, milliseconds) win.
    pub fn parse(text: &str) -> Self {
        let mut out = WrkOutput::default();
        let mut status_errors = 0;
        for line in text.lines() {
            let t = line.trim();
            if let Some(rest) = t.strip_prefix("BENCH ") {
                for pair in rest.split_whitespace() {
                    if let Some((k, v)) = pair.split_once('=') {
                        out.kv.insert(k.to_owned(), v.to_owned());
                    }
                }
            } else if let Some(rest) = t.strip_prefix("FIRST_FAILURE ") {
                out.first_failure.get_or_insert_with(|| rest.to_owned());
            } else if let Some(rest) = t.strip_prefix("Requests/sec:") {
                out.rps = rest.trim().parse().unwrap_or(0.0);
            } else if let Some(rest) = t.strip_prefix("Non-2xx or 3xx responses:") {
                status_errors = rest.trim().parse().unwrap_or(0);
            } else if let Some(rest) = t.strip_prefix("Socket errors:") {
                // "connect 0, read 0, write 0, timeout 0"
                out.socket_errors = rest
                    .split(',')
                    .filter_map(|part| part.split_whitespace().nth(1))
                    .filter_map(|n| n.parse::<u64>().ok())
                    .sum();
            } else if t.contains(" requests in ") {
                // "21189 requests in 2.00s, 7.74MB read"
                out.requests = t.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0);
            } else if let Some((pct, value)) = t.split_once('%') {
                // Latency distribution: "50%    2.81ms"
                let value = value.trim();
                if let (Ok(pct), Some(ms)) = (pct.trim().parse::<u32>(), latency_ms(value)) {
                    match pct {
                        50 => out.p50_ms = Some(ms),
                        90 => out.p90_ms = Some(ms),
                        99 => out.p99_ms = Some(ms),
                        _ => {}
                    }
                }
            }
        }
        out.non2xx = status_errors;
        let num = |k: &str| out.kv.get(k).and_then(|v| v.parse::<f64>().ok());
        if let Some(v) = num("requests") {
            out.requests = v as u64;
        }
        if let Some(v) = num("rps") {
            out.rps = v;
        }
        for (key, slot) in [("p50_ms", &mut out.p50_ms), ("p90_ms", &mut out.p90_ms), ("p99_ms", &mut out.p99_ms)] {
            if let Some(v) = out.kv.get(key).and_then(|v| v.parse::<f64>().ok()) {
                *slot = Some(v);
            }
        }
        if let Some(v) = num("socket_errors") {
            out.socket_errors = v as u64;
        }
        if let Some(v) = num("non2xx").or_else(|| num("status_errors")) {
            out.non2xx = v as u64;
        }
        out
    }

    /// A number of the `BENCH` line, 0 when it is missing.
    pub fn num(&self, key: &str) -> f64 {
        self.kv.get(key).and_then(|v| v.parse().ok()).unwrap_or(0.0)
    }

    pub fn has_bench_line(&self) -> bool {
        !self.kv.is_empty()
    }
}

/// "812.00us", "2.81ms", "1.02s", "1.50m" in milliseconds.
pub fn latency_ms(value: &str) -> Option<f64> {
    let split = value.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = value.split_at(split);
    let n: f64 = number.trim().parse().ok()?;
    let factor = match unit.trim() {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    };
    Some(n * factor)
}

/// One wrk invocation.
#[derive(Debug, Clone)]
pub struct Wrk {
    pub threads: u32,
    pub connections: u32,
    pub duration: Duration,
    /// Per-request timeout (wrk's default is 2 s).
    pub timeout: Option<Duration>,
    pub script: PathBuf,
    pub url: String,
    pub headers: Vec<String>,
    /// Script arguments (after `--`).
    pub args: Vec<String>,
}

impl Wrk {
    pub fn new(
        script_dir: &Path,
        script: &str,
        url: String,
        threads: u32,
        connections: u32,
        duration: Duration,
    ) -> Self {
        Wrk {
            // wrk refuses fewer connections than threads.
            threads: threads.clamp(1, connections.max(1)),
            connections,
            duration,
            timeout: None,
            script: script_dir.join(script),
            url,
            headers: Vec::new(),
            args: Vec::new(),
        }
    }

    pub fn header(mut self, h: impl Into<String>) -> Self {
        self.headers.push(h.into());
        self
    }

    pub fn args(mut self, args: impl IntoIterator<Item = String>) -> Self {
        self.args.extend(args);
        self
    }

    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = Some(t);
        self
    }

    /// Starts wrk; its output is collected by `Running::wait`.
    pub fn spawn(&self) -> Result<Running> {
        let mut cmd = tokio::process::Command::new("wrk");
        cmd.arg("-t")
            .arg(self.threads.to_string())
            .arg("-c")
            .arg(self.connections.to_string())
            .arg("-d")
            .arg(format!("{}s", self.duration.as_secs().max(1)))
            .arg("--latency")
            .arg("-s")
            .arg(&self.script);
        if let Some(t) = self.timeout {
            cmd.arg("--timeout").arg(format!("{}s", t.as_secs().max(1)));
        }
        for h in &self.headers {
            cmd.arg("-H").arg(h);
        }
        cmd.arg(&self.url);
        if !self.args.is_empty() {
            cmd.arg("--").args(&self.args);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("failed to start wrk")?;
        Ok(Running { child })
    }
}

pub struct Running {
    child: tokio::process::Child,
}

impl Running {
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Waits for the end of the run; its output (stdout, then stderr) and what it measured.
    pub async fn wait(self) -> Result<(String, WrkOutput)> {
        let out = self.child.wait_with_output().await.context("failed to wait for wrk")?;
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if !out.status.success() {
            bail!("wrk failed ({}):\n{text}", out.status);
        }
        let parsed = WrkOutput::parse(&text);
        Ok((text, parsed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real run of scripts/bench/start.lua (wrk 4.1.0, `--latency`).
    const START: &str = include_str!("../testdata/wrk-start.txt");
    /// A real run of scripts/bench/signin.lua.
    const SIGNIN: &str = include_str!("../testdata/wrk-signin.txt");
    /// A real run without a Lua script (no BENCH line), against an endpoint answering 401.
    const PLAIN_401: &str = include_str!("../testdata/wrk-plain-401.txt");

    #[test]
    fn latency_units_are_converted_to_milliseconds() {
        let cases = [
            ("812.00us", 0.812, "microseconds"),
            ("2.81ms", 2.81, "milliseconds"),
            ("1.02s", 1020.0, "seconds"),
            ("1.50m", 90_000.0, "minutes"),
            ("12.00ms", 12.0, "two digits before the point"),
        ];
        for (text, ms, why) in cases {
            let got = latency_ms(text).unwrap_or(f64::NAN);
            assert!((got - ms).abs() < 1e-9, "{why}: {text} -> {got}, expected {ms}");
        }
        assert_eq!(latency_ms("12.00"), None, "no unit");
        assert_eq!(latency_ms("3.0xs"), None, "unknown unit");
    }

    #[test]
    fn the_bench_line_wins_over_the_rounded_summary() {
        let out = WrkOutput::parse(START);
        let summary = WrkOutput::parse(&strip_bench_line(START));
        assert!(out.has_bench_line());
        assert_eq!(out.requests, out.num("requests") as u64);
        assert_eq!(out.requests, summary.requests, "the summary's count is exact too");
        assert_eq!(out.p50_ms, Some(out.num("p50_ms")));
        assert_eq!(out.p99_ms, Some(out.num("p99_ms")));
        // The summary has two decimals: within 1 % of the exact numbers.
        let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= a.max(b) * 0.01 + 0.01,
            _ => false,
        };
        assert!(close(out.p50_ms, summary.p50_ms), "p50 {:?} vs {:?}", out.p50_ms, summary.p50_ms);
        assert!(close(out.p99_ms, summary.p99_ms), "p99 {:?} vs {:?}", out.p99_ms, summary.p99_ms);
        assert!((out.rps - summary.rps).abs() <= summary.rps * 0.01, "rps {} vs {}", out.rps, summary.rps);
        assert_eq!(out.non2xx, 0);
        assert_eq!(out.socket_errors, 0);
    }

    #[test]
    fn the_summary_alone_gives_requests_rate_latency_and_errors() {
        let out = WrkOutput::parse(PLAIN_401);
        assert!(!out.has_bench_line());
        assert!(out.requests > 0, "{out:?}");
        assert!(out.rps > 0.0, "{out:?}");
        assert!(out.p50_ms.is_some_and(|p| p > 0.0), "{out:?}");
        assert!(out.p99_ms >= out.p50_ms, "{out:?}");
        assert_eq!(out.non2xx, out.requests, "every answer was a 401: {out:?}");
    }

    #[test]
    fn the_signin_script_adds_its_flow_counters() {
        let out = WrkOutput::parse(SIGNIN);
        assert!(out.num("signins") > 0.0, "{:?}", out.kv);
        assert!(out.num("signins_per_s") > 0.0);
        for key in ["starts_ok", "inbox_reads", "inbox_empty", "failed", "mismatch", "untagged", "open_flows"] {
            assert!(out.kv.contains_key(key), "missing {key}: {:?}", out.kv);
        }
    }

    #[test]
    fn hand_written_summary_lines_are_read() {
        let text = "  Latency Distribution
     50%  812.00us
     75%    1.10ms
     90%    2.00ms
     99%    1.02s
  1000 requests in 1.00s, 1.00MB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 12
Requests/sec:   999.50
";
        let out = WrkOutput::parse(text);
        assert_eq!(out.requests, 1000);
        assert_eq!(out.p50_ms, Some(0.812));
        assert_eq!(out.p90_ms, Some(2.0));
        assert_eq!(out.p99_ms, Some(1020.0));
        assert_eq!(out.socket_errors, 10);
        assert_eq!(out.non2xx, 12);
        assert_eq!(out.rps, 999.5);
    }

    fn strip_bench_line(text: &str) -> String {
        text.lines().filter(|l| !l.starts_with("BENCH ")).collect::<Vec<_>>().join("\n")
    }
}
