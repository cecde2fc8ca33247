//! `postern-bench`: the HTTP load benchmark of Postern (`scripts/bench.sh` runs it).
//!
//! Builds the release binary and copies it into the run's temporary directory (every server
//! of the run starts from that copy, so a rebuild meanwhile cannot mix two binaries into one
//! table), starts servers through `postern-harness` (the cluster tests' harness) with rate
//! limits off and log level warn on a fresh SQLite file or PostgreSQL database per scenario
//! (nginx in front of several instances), drives them with wrk and the Lua scripts of
//! `scripts/bench/`, samples memory and CPU of every process involved from /proc, and
//! prints one table, also written to `bench-results/latest.txt`. The scenarios that need
//! them also build and copy `examples/password_hash_rate` (login-flood: the bare argon2id
//! rate, the ceiling of logins/s) and `examples/delivery_sink` (delivery: a local provider).
//!
//! Exit status: non-zero when the build or a server fails, or when a scenario looks broken
//! (no requests, more than 1 % errors, no sign-ins, flows or deliveries that do not add up;
//! a missed target of the login flood is only noted); the table is printed and saved either
//! way once scenarios ran.

mod client;
mod delivery;
mod fill;
mod procs;
mod report;
mod scenarios;
mod stack;
mod wrk;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};

use crate::report::Row;
use crate::stack::{Config, DbKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Scenario {
    /// POST /v1/passwordless/start, a new address on every request (start.lua).
    Start,
    /// Full sign-in: start, the code from the dev inbox, verify (signin.lua).
    Signin,
    /// GET /v1/session with one session's cookie (session.lua).
    Session,
    /// GET /v1/auth/check (forward-auth) with the session cookie.
    AuthCookie,
    /// GET /v1/auth/check with a bearer access token.
    AuthBearer,
    /// POST /v1/session/token: a new EdDSA access token per request.
    Token,
    /// Start on one server for --sustained, one row per --window; then row counts.
    Sustained,
    /// Start, sign-in and session check on a database pre-filled with 1M accounts, 1M
    /// sessions and 5M delivered messages (× --grown-scale), next to the empty numbers.
    Grown,
    /// Password logins over --accounts accounts, alone and with session checks beside them,
    /// against the bare argon2id rate on every core (examples/password_hash_rate).
    LoginFlood,
    /// Start at 1, 32 and 256 connections.
    Connections,
    /// Outbox drain rate into a local HTTP provider and SMTP server (examples/delivery_sink).
    Delivery,
}

impl Scenario {
    /// The examples of the repository this scenario runs.
    fn examples(self) -> &'static [&'static str] {
        match self {
            Scenario::LoginFlood => &["password_hash_rate"],
            Scenario::Delivery => &["delivery_sink"],
            _ => &[],
        }
    }
}

const DEFAULT_SCENARIOS: [Scenario; 6] =
    [Scenario::Start, Scenario::Signin, Scenario::Session, Scenario::AuthCookie, Scenario::AuthBearer, Scenario::Token];

/// Options; each BENCH_* variable of the old scripts/bench.sh is the default of one of them.
#[derive(Parser, Debug)]
#[command(name = "postern-bench", about = "HTTP load benchmark of Postern with wrk")]
pub struct Cli {
    /// Scenarios to run, repeatable [default: start signin session auth-cookie auth-bearer token].
    #[arg(long = "scenario", value_enum)]
    scenarios: Vec<Scenario>,
    /// sqlite or postgres [env BENCH_DB; default sqlite].
    #[arg(long)]
    db: Option<String>,
    /// Number of `postern serve` processes; more than one needs postgres and puts nginx in
    /// front [env BENCH_INSTANCES; default 1].
    #[arg(long)]
    instances: Option<usize>,
    /// Run sqlite x1, postgres x1 and postgres x3 one after another [env BENCH_MATRIX=1].
    #[arg(long)]
    matrix: bool,
    /// wrk duration of each measured run, e.g. 10s, 1m [env BENCH_DURATION; default 10s].
    #[arg(long)]
    duration: Option<String>,
    /// wrk duration of each warm-up run; 0s for none [env BENCH_WARMUP; default 2s].
    #[arg(long)]
    warmup: Option<String>,
    /// wrk threads [env BENCH_THREADS; default 2].
    #[arg(long)]
    threads: Option<u32>,
    /// wrk connections [env BENCH_CONNECTIONS; default 32].
    #[arg(long)]
    connections: Option<u32>,
    /// Use the release binary already built [env BENCH_SKIP_BUILD=1].
    #[arg(long)]
    skip_build: bool,
    /// Run this postern binary instead of building the release one (e.g. target/debug/postern
    /// for a smoke run; its numbers are not a benchmark's).
    #[arg(long)]
    bin: Option<PathBuf>,
    /// postgres.max_connections per instance [env BENCH_PG_POOL; default 16 split over the
    /// instances]; POSTERN_POSTGRES__MAX_CONNECTIONS wins.
    #[arg(long)]
    pg_pool: Option<usize>,
    /// PostgreSQL server (admin database) [env POSTERN_TEST_PG_URL; default
    /// postgres://postgres@127.0.0.1:5432/postgres].
    #[arg(long)]
    pg_url: Option<String>,
    /// Length of the sustained run [default 60s].
    #[arg(long, default_value = "60s")]
    sustained: String,
    /// One row of the sustained run per window of this length [default 10s].
    #[arg(long, default_value = "10s")]
    window: String,
    /// Connections of the sustained run [default 32].
    #[arg(long, default_value_t = 32)]
    sustained_connections: u32,
    /// Size of the grown database: 1 = 1M accounts, 1M sessions, 5M messages.
    #[arg(long, default_value_t = 1.0)]
    grown_scale: f64,
    /// Accounts the login flood logs into in turn [env BENCH_ACCOUNTS; default 200].
    #[arg(long)]
    accounts: Option<usize>,
    /// wrk connections of the login flood (2 threads) [default 16].
    #[arg(long, default_value_t = 16)]
    login_connections: u32,
    /// Seconds of each run of examples/password_hash_rate (one thread, then every core),
    /// before and after the login flood.
    #[arg(long, default_value_t = 3.0)]
    hash_seconds: f64,
    /// Targets of the delivery scenario.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "http,smtp")]
    delivery_targets: Vec<delivery::Target>,
    /// wrk duration of the delivery scenario's fill of the outbox.
    #[arg(long, default_value = "3s")]
    fill: String,
    /// delivery.concurrency (and the SMTP pool) of the delivery scenario.
    #[arg(long, default_value_t = 64)]
    concurrency: u32,
    /// Connection counts of the connections scenario.
    #[arg(long, value_delimiter = ',', default_value = "1,32,256")]
    connection_steps: Vec<u32>,
    /// How often memory and CPU are sampled during a measured run.
    #[arg(long, default_value = "250ms")]
    sample_every: String,
    /// Where the table is saved (besides stdout).
    #[arg(long, default_value = "bench-results/latest.txt")]
    output: PathBuf,
}

/// The options resolved against the environment and the defaults.
#[derive(Debug, Clone)]
pub struct Opts {
    pub scenarios: Vec<Scenario>,
    pub configs: Vec<Config>,
    pub duration: Duration,
    pub warmup: Duration,
    pub threads: u32,
    pub connections: u32,
    pub skip_build: bool,
    pub bin: Option<PathBuf>,
    pub pg_pool: Option<usize>,
    pub sustained: Duration,
    pub window: Duration,
    pub sustained_connections: u32,
    pub grown_scale: f64,
    pub accounts: usize,
    pub login_connections: u32,
    pub connection_steps: Vec<u32>,
    pub hash_seconds: f64,
    pub delivery_targets: Vec<delivery::Target>,
    pub fill: Duration,
    pub concurrency: u32,
    pub sample_every: Duration,
    pub output: PathBuf,
    pub pg_url: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn env_parse<T: std::str::FromStr>(name: &str) -> Result<Option<T>> {
    env(name).map(|v| v.parse::<T>().map_err(|_| anyhow::anyhow!("{name}={v} is not valid"))).transpose()
}

/// "10s", "2m", "1h", "250ms", "10" (seconds).
pub fn parse_duration(s: &str) -> Result<Duration> {
    let s = s.trim();
    let (number, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: f64 = number.parse().with_context(|| format!("{s:?} is not a duration like 10s"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => bail!("{s:?}: unknown unit {unit:?} (ms, s, m, h)"),
    };
    if !(0.0..=86_400.0).contains(&secs) {
        bail!("{s:?} is out of range");
    }
    Ok(Duration::from_secs_f64(secs))
}

impl Opts {
    fn resolve(cli: Cli) -> Result<Self> {
        let matrix = cli.matrix || env("BENCH_MATRIX").is_some_and(|v| v == "1");
        let configs = if matrix {
            vec![
                Config { db: DbKind::Sqlite, instances: 1 },
                Config { db: DbKind::Postgres, instances: 1 },
                Config { db: DbKind::Postgres, instances: 3 },
            ]
        } else {
            let db = match cli.db.or_else(|| env("BENCH_DB")).as_deref().unwrap_or("sqlite") {
                "sqlite" => DbKind::Sqlite,
                "postgres" => DbKind::Postgres,
                other => bail!("the database must be sqlite or postgres, not {other:?}"),
            };
            let instances = cli.instances.or(env_parse("BENCH_INSTANCES")?).unwrap_or(1);
            if instances == 0 {
                bail!("--instances must be at least 1");
            }
            if instances > 1 && db != DbKind::Postgres {
                bail!("{instances} instances need postgres (several instances cannot share a SQLite file)");
            }
            vec![Config { db, instances }]
        };
        let scenarios = if cli.scenarios.is_empty() {
            DEFAULT_SCENARIOS.to_vec()
        } else {
            let mut s = cli.scenarios;
            s.sort();
            s.dedup();
            s
        };
        let connections = cli.connections.or(env_parse("BENCH_CONNECTIONS")?).unwrap_or(32);
        let window = parse_duration(&cli.window)?;
        if window.as_secs() < 1 || connections == 0 {
            bail!("--window must be at least 1s and --connections at least 1");
        }
        if !(cli.hash_seconds > 0.0 && cli.hash_seconds <= 600.0) || cli.concurrency == 0 {
            bail!("--hash-seconds must be above 0 (at most 600) and --concurrency at least 1");
        }
        Ok(Opts {
            scenarios,
            configs,
            duration: parse_duration(&cli.duration.or_else(|| env("BENCH_DURATION")).unwrap_or_else(|| "10s".into()))?,
            warmup: parse_duration(&cli.warmup.or_else(|| env("BENCH_WARMUP")).unwrap_or_else(|| "2s".into()))?,
            threads: cli.threads.or(env_parse("BENCH_THREADS")?).unwrap_or(2).max(1),
            connections,
            skip_build: cli.skip_build || env("BENCH_SKIP_BUILD").is_some_and(|v| v == "1"),
            bin: cli.bin,
            pg_pool: cli.pg_pool.or(env_parse("BENCH_PG_POOL")?),
            sustained: parse_duration(&cli.sustained)?,
            window,
            sustained_connections: cli.sustained_connections.max(1),
            grown_scale: cli.grown_scale,
            accounts: cli.accounts.or(env_parse("BENCH_ACCOUNTS")?).unwrap_or(200).max(1),
            login_connections: cli.login_connections.max(2),
            connection_steps: cli.connection_steps,
            hash_seconds: cli.hash_seconds,
            delivery_targets: cli.delivery_targets,
            fill: parse_duration(&cli.fill)?,
            concurrency: cli.concurrency,
            sample_every: parse_duration(&cli.sample_every)?,
            output: cli.output,
            pg_url: cli.pg_url,
        })
    }

    fn needs_pg(&self) -> bool {
        self.configs.iter().any(|c| c.db == DbKind::Postgres)
    }

    fn examples(&self) -> Vec<&'static str> {
        self.scenarios.iter().flat_map(|s| s.examples()).copied().collect()
    }
}

/// The state of one run of the tool.
pub struct Ctx {
    pub opts: Opts,
    pub root: PathBuf,
    pub lua: PathBuf,
    /// The run's temporary directory: the binary, databases, logs.
    pub work: PathBuf,
    /// The run's copy of the release binary.
    pub bin: PathBuf,
    pub pg_admin: String,
    /// PostgreSQL databases created and not dropped yet.
    pub pg_created: Vec<String>,
    /// Databases made so far (numbers their files and logs).
    pub servers: usize,
    pub hz: f64,
    /// Tags the addresses of a run so that they are unique across runs.
    pub run_tag: String,
    pub client: reqwest::Client,
    pub rows: Vec<Row>,
    /// Lines printed under the table.
    pub notes: Vec<String>,
    pub problems: Vec<String>,
}

impl Ctx {
    pub fn problem(&mut self, what: String) {
        eprintln!("WARNING: {what}");
        self.problems.push(what);
    }

    /// The run's copy of an example built for the scenarios (`Scenario::examples`).
    pub fn example(&self, name: &str) -> Result<PathBuf> {
        let path = self.work.join(name);
        if !path.is_file() {
            bail!("no {name} in {}: no scenario asked for it", self.work.display());
        }
        Ok(path)
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_owned).unwrap_or_else(|| PathBuf::from("."))
}

fn ensure_wrk() -> Result<()> {
    let found = |name: &str| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .stdout(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if found("wrk") {
        return Ok(());
    }
    eprintln!("==> wrk not found; installing it with apt-get");
    let root = is_root();
    let apt = |args: &[&str]| {
        let mut cmd = if root {
            std::process::Command::new("apt-get")
        } else {
            let mut c = std::process::Command::new("sudo");
            c.arg("apt-get");
            c
        };
        cmd.env("DEBIAN_FRONTEND", "noninteractive").args(["-o", "DPkg::Lock::Timeout=300"]).args(args).status()
    };
    if !apt(&["install", "-y", "wrk"]).is_ok_and(|s| s.success()) {
        eprintln!("==> apt-get install failed; refreshing the package lists and trying again");
        let _ = apt(&["update"]);
        let _ = apt(&["install", "-y", "wrk"]);
    }
    if !found("wrk") {
        bail!("wrk is missing and could not be installed (apt-get install wrk)");
    }
    Ok(())
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Uid:").map(|v| v.split_whitespace().next() == Some("0"))))
        .unwrap_or(false)
}

/// `cargo build --release` of the postern binary (unless --bin names one) and of
/// `examples` (unless --skip-build); the postern binary and the examples' binaries.
fn build(root: &Path, opts: &Opts, examples: &[&str]) -> Result<(PathBuf, Vec<PathBuf>)> {
    if let (Some(bin), []) = (&opts.bin, examples) {
        return Ok((bin.clone(), Vec::new()));
    }
    let mut args = vec!["build", "--release"];
    if opts.bin.is_none() {
        args.extend(["--bin", "postern"]);
    }
    for e in examples {
        args.extend(["--example", e]);
    }
    if opts.skip_build {
        eprintln!("==> --skip-build: using the release binaries already built");
    } else {
        eprintln!("==> building the release binaries (cargo {})", args.join(" "));
        let status = std::process::Command::new("cargo")
            .args(&args)
            .current_dir(root)
            .status()
            .context("failed to run cargo")?;
        if !status.success() {
            bail!("cargo {} failed", args.join(" "));
        }
    }
    // The target directory as cargo sees it: CARGO_TARGET_DIR, .cargo/config, or target/.
    let out = std::process::Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .context("failed to run cargo metadata")?;
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).context("cargo metadata printed no JSON")?;
    let release =
        meta["target_directory"].as_str().map(PathBuf::from).unwrap_or_else(|| root.join("target")).join("release");
    let bin = opts.bin.clone().unwrap_or_else(|| release.join("postern"));
    let examples: Vec<PathBuf> = examples.iter().map(|e| release.join("examples").join(e)).collect();
    for path in std::iter::once(&bin).chain(&examples) {
        if !path.is_file() {
            bail!("there is no binary at {} (cargo {})", path.display(), args.join(" "));
        }
    }
    Ok((bin, examples))
}

/// Drops the databases of earlier runs killed outright (their pid is gone).
async fn sweep_stale_databases(admin: &str) -> Result<()> {
    use sqlx::Row as _;
    let mut c = postern_harness::pg_connect(admin).await?;
    let names: Vec<String> = sqlx::query("SELECT datname FROM pg_database WHERE datname LIKE 'postern\\_bench\\_%'")
        .fetch_all(&mut c)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for name in names {
        let pid = name.trim_start_matches("postern_bench_").split('_').next().and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            eprintln!("==> dropping {name}, left behind by an earlier run (pid {pid} is gone)");
            postern_harness::drop_database(admin, &name).await?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let opts = match Opts::resolve(Cli::parse()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ERROR: {e:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ERROR: failed to start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async_main(opts))
}

async fn async_main(opts: Opts) -> ExitCode {
    let mut ctx = match setup(opts).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ERROR: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = tokio::select! {
        r = scenarios::run_all(&mut ctx) => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    // The servers of an interrupted scenario were killed when its future was dropped;
    // their databases go now.
    for name in std::mem::take(&mut ctx.pg_created) {
        if let Err(e) = postern_harness::drop_database(&ctx.pg_admin, &name).await {
            eprintln!("WARNING: {e:#}");
        }
    }
    let _ = std::fs::remove_dir_all(&ctx.work);
    if !ctx.rows.is_empty()
        && let Err(e) = report::print(&ctx).await
    {
        eprintln!("ERROR: {e:#}");
    }
    match outcome {
        Err(e) => {
            eprintln!("ERROR: {e:#}");
            ExitCode::FAILURE
        }
        Ok(()) if !ctx.problems.is_empty() => {
            eprintln!("ERROR: {} problem(s); see above", ctx.problems.len());
            ExitCode::FAILURE
        }
        Ok(()) => ExitCode::SUCCESS,
    }
}

async fn setup(opts: Opts) -> Result<Ctx> {
    let root = repo_root();
    ensure_wrk()?;
    let pg_admin = opts
        .pg_url
        .clone()
        .or_else(|| env("POSTERN_TEST_PG_URL"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());
    if opts.needs_pg() {
        eprintln!("==> making sure PostgreSQL answers (scripts/ensure-postgres.sh)");
        postern_harness::ensure_postgres()?;
        sweep_stale_databases(&pg_admin).await?;
    }
    if opts.configs.iter().any(|c| c.instances > 1) {
        postern_harness::ensure_nginx()?;
    }
    let (built, examples) = build(&root, &opts, &opts.examples())?;
    let work = std::env::temp_dir().join(format!("postern-bench.{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let bin = work.join("postern");
    let copies = examples.iter().map(|e| (e, work.join(e.file_name().unwrap_or_default())));
    for (from, to) in std::iter::once((&built, bin.clone())).chain(copies) {
        std::fs::copy(from, &to).with_context(|| format!("failed to copy {}", from.display()))?;
    }
    for (k, v) in std::env::vars().filter(|(k, _)| k.starts_with("POSTERN_")) {
        eprintln!("==> passing {k}={v} to the servers (unless the benchmark sets it)");
    }
    let stamp =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    let notes = match &opts.bin {
        Some(b) => vec![format!("binary {} given with --bin, not a fresh release build", b.display())],
        None => Vec::new(),
    };
    Ok(Ctx {
        lua: root.join("scripts").join("bench"),
        root,
        work,
        bin,
        pg_admin,
        pg_created: Vec::new(),
        servers: 0,
        hz: procs::clock_ticks(),
        run_tag: format!("b{stamp}"),
        client: client::client()?,
        rows: Vec::new(),
        notes,
        problems: Vec::new(),
        opts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_units_wrk_takes_and_milliseconds() {
        let cases = [("10s", 10.0), ("2m", 120.0), ("1h", 3600.0), ("250ms", 0.25), ("10", 10.0), ("1.5s", 1.5)];
        for (text, secs) in cases {
            assert_eq!(parse_duration(text).ok(), Some(Duration::from_secs_f64(secs)), "{text}");
        }
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("s").is_err());
    }
}
