//! The table: one row per measured run, printed at the end and saved.

use std::fmt::Write as _;

use anyhow::{Context, Result};

use crate::Ctx;
use crate::procs::GroupStats;

#[derive(Debug, Clone, Default)]
pub struct Row {
    pub scenario: String,
    pub config: String,
    pub requests: u64,
    pub rps: f64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub non2xx: u64,
    pub socket_errors: u64,
    /// Largest VmRSS of one instance during the run, and of all instances together.
    pub srv_peak_kb: u64,
    pub srv_sum_kb: u64,
    /// Largest RssAnon of one instance during the run (0: not sampled).
    pub srv_anon_kb: u64,
    /// Largest VmRSS of one instance right after its /healthz answered.
    pub srv_idle_kb: u64,
    /// Largest VmHWM of one instance at the end of the run.
    pub srv_hwm_kb: u64,
    /// CPU of the instances together, in cores.
    pub srv_cores: f64,
    pub instances: usize,
    pub pg: Option<GroupStats>,
    pub nginx: Option<GroupStats>,
    pub wrk_cores: f64,
    /// Sign-ins per second of the full sign-in.
    pub signins_per_s: Option<f64>,
    pub notes: Vec<String>,
}

fn mb(kb: u64) -> String {
    format!("{:.1}", kb as f64 / 1024.0)
}

fn ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into())
}

fn group(g: &Option<GroupStats>) -> String {
    match g {
        Some(g) => format!("{}/{:.2}", mb(g.peak_rss_kb), g.cores),
        None => "-".into(),
    }
}

/// The table and the lines under it.
pub fn render(ctx: &Ctx, header: &[String]) -> String {
    let mut t = String::new();
    for h in header {
        let _ = writeln!(t, "{h}");
    }
    let _ = writeln!(
        t,
        "{:<30} {:<11} {:>9} {:>8} {:>8} {:>7} {:>8} {:>8} {:>8} {:>6} {:>13} {:>11} {:>5}  notes",
        "scenario",
        "config",
        "req/s",
        "p50 ms",
        "p99 ms",
        "non-2xx",
        "peak MB",
        "idle MB",
        "anon MB",
        "cores",
        "pg MB/cores",
        "nginx MB/c",
        "wrk c"
    );
    for r in &ctx.rows {
        let mut notes = Vec::new();
        if let Some(s) = r.signins_per_s {
            notes.push(format!("{s:.1} sign-ins/s"));
        }
        if r.instances > 1 {
            notes.push(format!("{} instances: RSS sum {} MB", r.instances, mb(r.srv_sum_kb)));
        }
        if r.socket_errors > 0 {
            notes.push(format!("{} socket errors", r.socket_errors));
        }
        notes.extend(r.notes.iter().cloned());
        let _ = writeln!(
            t,
            "{:<30} {:<11} {:>9.1} {:>8} {:>8} {:>7} {:>8} {:>8} {:>8} {:>6.2} {:>13} {:>11} {:>5.2}  {}",
            r.scenario,
            r.config,
            r.rps,
            ms(r.p50_ms),
            ms(r.p99_ms),
            r.non2xx,
            mb(r.srv_peak_kb),
            mb(r.srv_idle_kb),
            if r.srv_anon_kb > 0 { mb(r.srv_anon_kb) } else { "-".into() },
            r.srv_cores,
            group(&r.pg),
            group(&r.nginx),
            r.wrk_cores,
            notes.join("; ")
        );
    }
    let hwm = ctx.rows.iter().map(|r| r.srv_hwm_kb).max().unwrap_or(0);
    let _ = writeln!(t, "server peak RSS (VmHWM), highest of the runs: {} MB", mb(hwm));
    for n in &ctx.notes {
        let _ = writeln!(t, "NOTE: {n}");
    }
    for p in &ctx.problems {
        let _ = writeln!(t, "PROBLEM: {p}");
    }
    t
}

fn command_line(cmd: &str, args: &[&str], dir: &std::path::Path) -> Option<String> {
    let out = std::process::Command::new(cmd).args(args).current_dir(dir).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

pub async fn print(ctx: &Ctx) -> Result<()> {
    let o = &ctx.opts;
    let date = command_line("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"], &ctx.root).unwrap_or_default();
    let commit = command_line("git", &["rev-parse", "--short", "HEAD"], &ctx.root).unwrap_or_else(|| "unknown".into());
    let dirty = command_line("git", &["status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"], &ctx.root)
        .is_some_and(|s| !s.is_empty());
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mut header = vec![
        format!("Postern benchmark  {date}  commit {commit}{}", if dirty { "+dirty" } else { "" }),
        format!(
            "wrk {} threads, {} connections, {} s per run (+{} s warm-up), loopback, {cpus} CPUs, fresh server and database per scenario",
            o.threads,
            o.connections,
            o.duration.as_secs(),
            o.warmup.as_secs()
        ),
        "peak/idle MB: VmRSS of the largest instance during the run / right after /healthz; anon MB: the largest \
         private memory of one instance during the run (RssAnon: VmRSS without the binary's and libraries' pages); cores: CPU of the instances \
         together (1.00 = one core busy); pg: backends of the scenario's database (sum); wrk c: wrk's CPU"
            .into(),
    ];
    if o.needs_pg() {
        header.push(pg_line(ctx).await.unwrap_or_else(|e| format!("PostgreSQL: {e:#}")));
    }
    let text = render(ctx, &header);
    let path = if o.output.is_absolute() { o.output.clone() } else { ctx.root.join(&o.output) };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, &text).with_context(|| format!("failed to write {}", path.display()))?;
    println!("\n{text}(saved to {})", path.display());
    Ok(())
}

async fn pg_line(ctx: &Ctx) -> Result<String> {
    use sqlx::Row as _;
    let mut c = postern_harness::pg_connect(&ctx.pg_admin).await?;
    let mut show = async |what: &str| -> Result<String> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(format!("SHOW {what}"))).fetch_one(&mut c).await?.get::<String, _>(0))
    };
    let version = show("server_version").await?;
    let sync = show("synchronous_commit").await?;
    let max = show("max_connections").await?;
    let pools: Vec<String> = ctx
        .opts
        .configs
        .iter()
        .filter(|c| c.db == crate::stack::DbKind::Postgres)
        .map(|c| format!("{} per instance with {}", ctx.pg_pool(c.instances), c.instances))
        .collect();
    Ok(format!(
        "PostgreSQL {version} (synchronous_commit {sync}, max_connections {max}), a fresh database per scenario; pool: {}",
        pools.join(", ")
    ))
}
