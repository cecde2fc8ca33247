//! The scenarios: what runs against which servers, and what makes a run look broken.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::fill::{self, Sizes};
use crate::procs::{self, Group, GroupStats, Sampler, Watch};
use crate::report::Row;
use crate::stack::{Config, Db, Stack};
use crate::wrk::{Wrk, WrkOutput};
use crate::{Ctx, Scenario, client, delivery};

/// The password of the login flood's accounts.
const PASSWORD: &str = "plum tulip orbit 8841";
const LOGIN_PREFIX: &str = "login";
/// Targets of the login flood: logins/s of the flood alone as a share of the bare argon2id
/// rate on every core, and the p99 of session checks during the flood.
const TARGET_PCT: f64 = 85.0;
const TARGET_P99_MS: f64 = 20.0;

pub async fn run_all(ctx: &mut Ctx) -> Result<()> {
    for config in ctx.opts.configs.clone() {
        eprintln!("=== configuration {config}");
        let scenarios = ctx.opts.scenarios.clone();
        let token_group: Vec<Scenario> = scenarios
            .iter()
            .copied()
            .filter(|s| matches!(s, Scenario::AuthCookie | Scenario::AuthBearer | Scenario::Token))
            .collect();
        let mut token_group_done = false;
        for scenario in scenarios {
            match scenario {
                Scenario::Start => {
                    on_fresh(ctx, config, async |ctx, st| start_on(ctx, st, "start", None).await).await?
                }
                Scenario::Signin => {
                    on_fresh(ctx, config, async |ctx, st| signin_on(ctx, st, "full sign-in").await).await?
                }
                Scenario::Session => {
                    on_fresh(ctx, config, async |ctx, st| session_on(ctx, st, "session check").await).await?
                }
                // Forward-auth with the cookie and with a bearer token, and token issue: one
                // server and one session, as before.
                Scenario::AuthCookie | Scenario::AuthBearer | Scenario::Token => {
                    if !token_group_done {
                        token_group_done = true;
                        let group = token_group.clone();
                        on_fresh(ctx, config, async move |ctx, st| tokens_on(ctx, st, &group).await).await?;
                    }
                }
                Scenario::Sustained => on_fresh(ctx, config, sustained_on).await?,
                Scenario::Grown => grown(ctx, config).await?,
                Scenario::LoginFlood => on_fresh(ctx, config, login_flood_on).await?,
                Scenario::Connections => {
                    for c in ctx.opts.connection_steps.clone() {
                        on_fresh(ctx, config, async move |ctx, st| {
                            start_on(ctx, st, &format!("start -c{c}"), Some(c)).await
                        })
                        .await?;
                    }
                }
                Scenario::Delivery => delivery::run(ctx, config).await?,
            }
        }
    }
    Ok(())
}

/// Runs `f` on fresh servers and a fresh database, then stops them (also when `f` fails).
async fn on_fresh(
    ctx: &mut Ctx,
    config: Config,
    f: impl AsyncFnOnce(&mut Ctx, &mut Stack) -> Result<()>,
) -> Result<()> {
    let mut stack = Stack::fresh(ctx, config).await?;
    let outcome = f(ctx, &mut stack).await;
    let stopped = stack.stop(ctx).await;
    outcome.and(stopped)
}

/// A tag for the addresses of one wrk run: unique across runs, short (signin.lua's request
/// ids carry it, and the server keeps an X-Request-Id of at most 64 characters), and
/// `[A-Za-z0-9-]` only: the run, the database, the label's initials ("gfs" for "grown: full
/// sign-in"), the suffix.
pub fn tag(ctx: &Ctx, label: &str, suffix: &str) -> String {
    let initials: String = label.split(|c: char| !c.is_ascii_alphanumeric()).filter_map(|w| w.chars().next()).collect();
    let suffix: String = suffix.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    format!("{}-{}{initials}{suffix}", ctx.run_tag, ctx.servers)
}

fn wrk(ctx: &Ctx, stack: &Stack, script: &str, path: &str, connections: u32, duration: Duration) -> Wrk {
    Wrk::new(&ctx.lua, script, stack.url(path), ctx.opts.threads, connections, duration)
}

/// The warm-up runs, if any: their numbers are not kept.
async fn warm(ctx: &Ctx, stack: &mut Stack, label: &str, runs: &[Wrk]) -> Result<()> {
    if ctx.opts.warmup.is_zero() {
        return Ok(());
    }
    eprintln!("==> [{}] [{label}] warm-up ({} s)", stack.config, ctx.opts.warmup.as_secs());
    let spawned = runs.iter().map(Wrk::spawn).collect::<Result<Vec<_>>>()?;
    for r in spawned {
        r.wait().await?;
    }
    // A fresh PostgreSQL database has no statistics: each connection's first plans are made
    // for empty tables and kept (a hash join that scans the whole outbox once per delivery
    // batch, measured: 800 scans reading 4.5M rows in 8 s). A live database has them
    // (autovacuum analyzes within a minute), so the measured run starts with them too.
    if let Db::Postgres { url, .. } = &stack.db {
        let mut c = postern_harness::pg_connect(url).await?;
        sqlx::raw_sql("ANALYZE").execute(&mut c).await?;
    }
    stack.alive()
}

struct Measured {
    outs: Vec<WrkOutput>,
    groups: BTreeMap<Group, GroupStats>,
}

/// Notes other wrk, postern, cargo or rustc processes: they take CPU from the benchmark.
pub fn note_other_load(ctx: &mut Ctx, stack: &Stack, label: &str) {
    let mut ours = procs::own_lineage();
    ours.extend(stack.pids());
    if let Some(busy) = procs::other_load(&ours) {
        eprintln!(
            "WARNING: [{} {label}] other processes are running and take CPU from the benchmark: {busy}",
            stack.config
        );
        ctx.notes.push(format!("other load during [{} {label}]: {busy} (numbers not comparable)", stack.config));
    }
}

/// The measured runs, started together; memory and CPU sampled meanwhile.
async fn measure(ctx: &mut Ctx, stack: &mut Stack, label: &str, runs: &[Wrk]) -> Result<Measured> {
    stack.alive()?;
    note_other_load(ctx, stack, label);
    let what: Vec<String> = runs
        .iter()
        .map(|w| format!("{} s, {} threads, {} connections", w.duration.as_secs(), w.threads, w.connections))
        .collect();
    eprintln!("==> [{}] [{label}] measuring ({})", stack.config, what.join(" + "));
    let spawned = runs.iter().map(Wrk::spawn).collect::<Result<Vec<_>>>()?;
    let mut fixed: Vec<(Group, u32)> = stack.instances.iter().map(|i| (Group::Postern, i.pid())).collect();
    fixed.extend(stack.nginx.iter().map(|n| (Group::Nginx, n.pid())));
    fixed.extend(spawned.iter().filter_map(|r| r.pid()).map(|p| (Group::Wrk, p)));
    let watch = Watch { fixed, pg_database: stack.db.pg_name().map(str::to_owned) };
    let sampler = Sampler::start(watch, ctx.opts.sample_every, ctx.hz);
    let mut outs = Vec::new();
    for r in spawned {
        let (text, out) = r.wait().await?;
        for line in text.lines() {
            println!("    {line}");
        }
        if !out.has_bench_line() {
            bail!("[{} {label}] wrk printed no BENCH line", stack.config);
        }
        outs.push(out);
    }
    let groups = sampler.finish().await;
    stack.alive()?;
    Ok(Measured { outs, groups })
}

/// A row from one wrk output of a measured run.
fn row(stack: &Stack, scenario: &str, out: &WrkOutput, m: &Measured) -> Row {
    let srv = m.groups.get(&Group::Postern).cloned().unwrap_or_default();
    Row {
        scenario: scenario.to_owned(),
        config: stack.config.to_string(),
        requests: out.requests,
        rps: out.rps,
        p50_ms: out.p50_ms,
        p99_ms: out.p99_ms,
        non2xx: out.non2xx,
        socket_errors: out.socket_errors,
        srv_peak_kb: srv.peak_one_kb,
        srv_sum_kb: srv.peak_rss_kb,
        srv_anon_kb: srv.peak_one_anon_kb,
        srv_idle_kb: stack.idle_kb.iter().copied().max().unwrap_or(0),
        srv_hwm_kb: stack.hwm_kb(),
        srv_cores: srv.cores,
        instances: stack.instances.len(),
        pg: m.groups.get(&Group::Postgres).cloned(),
        nginx: m.groups.get(&Group::Nginx).cloned(),
        wrk_cores: m.groups.get(&Group::Wrk).map(|g| g.cores).unwrap_or(0.0),
        signins_per_s: None,
        notes: Vec::new(),
    }
}

/// A row measured by the benchmark's own client (no wrk, no sampler): the servers' memory
/// is their high-water mark so far.
pub fn client_row(stack: &Stack, scenario: &str) -> Row {
    Row {
        scenario: scenario.to_owned(),
        config: stack.config.to_string(),
        requests: 0,
        rps: 0.0,
        p50_ms: None,
        p99_ms: None,
        non2xx: 0,
        socket_errors: 0,
        srv_peak_kb: stack.hwm_kb(),
        srv_sum_kb: stack.hwm_kb(),
        srv_anon_kb: 0,
        srv_idle_kb: stack.idle_kb.iter().copied().max().unwrap_or(0),
        srv_hwm_kb: stack.hwm_kb(),
        srv_cores: 0.0,
        instances: stack.instances.len(),
        pg: None,
        nginx: None,
        wrk_cores: 0.0,
        signins_per_s: None,
        notes: Vec::new(),
    }
}

/// Records a row; a run with no requests or more than 1 % errors is a problem.
pub fn record(ctx: &mut Ctx, row: Row) {
    let label = format!("[{} {}]", row.config, row.scenario);
    let errors = row.non2xx + row.socket_errors;
    if row.requests == 0 {
        ctx.problem(format!("{label} no requests completed"));
    } else if errors * 100 > row.requests {
        ctx.problem(format!("{label} {errors} of {} requests failed (non-2xx or socket errors)", row.requests));
    } else if errors > 0 {
        eprintln!("WARNING: {label} {errors} of {} requests failed (non-2xx or socket errors)", row.requests);
    }
    ctx.rows.push(row);
}

/// POST /v1/passwordless/start, a new address on every request.
async fn start_on(ctx: &mut Ctx, stack: &mut Stack, label: &str, connections: Option<u32>) -> Result<()> {
    let c = connections.unwrap_or(ctx.opts.connections);
    let run = |ctx: &Ctx, stack: &Stack, d: Duration, suffix: &str| {
        wrk(ctx, stack, "start.lua", "/v1/passwordless/start", c, d).args([tag(ctx, label, suffix)])
    };
    warm(ctx, stack, label, &[run(ctx, stack, ctx.opts.warmup, "-warm")]).await?;
    let m = measure(ctx, stack, label, &[run(ctx, stack, ctx.opts.duration, "")]).await?;
    let r = row(stack, label, &m.outs[0], &m);
    record(ctx, r);
    Ok(())
}

/// The full sign-in: start, the code from the dev inbox, verify, many flows in flight.
async fn signin_on(ctx: &mut Ctx, stack: &mut Stack, label: &str) -> Result<()> {
    let c = ctx.opts.connections;
    let run = |ctx: &Ctx, stack: &Stack, d: Duration, suffix: &str| {
        wrk(ctx, stack, "signin.lua", "/v1/passwordless/start", c, d).args([tag(ctx, label, suffix)])
    };
    warm(ctx, stack, label, &[run(ctx, stack, ctx.opts.warmup, "-warm")]).await?;
    let m = measure(ctx, stack, label, &[run(ctx, stack, ctx.opts.duration, "")]).await?;
    let out = &m.outs[0];
    let n = |k: &str| out.num(k) as i64;
    let (signins, open, mismatch, untagged, inbox_empty) =
        (n("signins"), n("open_flows"), n("mismatch"), n("untagged"), n("inbox_empty"));
    println!(
        "    flows: {} started, {signins} signed in, {} failed, {mismatch} wrong user, {untagged} unmatched answers, {open} open at the end",
        n("starts_ok"),
        n("failed")
    );
    println!("    inbox: {} reads, {inbox_empty} before the message was delivered", n("inbox_reads"));
    let mut r = row(stack, label, out, &m);
    r.signins_per_s = Some(out.num("signins_per_s"));
    let name = format!("[{} {label}]", stack.config);
    record(ctx, r);
    if signins <= 0 {
        ctx.problem(format!("{name} no sign-in completed"));
    }
    if mismatch != 0 {
        ctx.problem(format!("{name} {mismatch} verifies signed in a different user than the flow's"));
    }
    if untagged != 0 {
        ctx.problem(format!("{name} {untagged} answers could not be matched to a flow (X-Request-Id not echoed?)"));
    }
    // Every open flow is in flight on a connection or queued behind one: at most one per
    // connection, with slack for requests cut off at the end of the run.
    if open < 0 || open > 2 * i64::from(c) {
        ctx.problem(format!("{name} flows do not add up: {open} open at the end with {c} connections"));
    }
    // Each sign-in is 3 requests plus the inbox re-reads.
    let requests = out.requests as i64;
    if requests > 0 {
        let explained = (signins * 3 + inbox_empty) * 100 / requests;
        if !(95..=105).contains(&explained) {
            ctx.problem(format!("{name} requests do not add up to the sign-ins ({explained}% explained)"));
        }
    }
    signin_steps_on(ctx, stack, label).await
}

/// Each step of the sign-in timed apart (issue 15, item 5: each ≤ 2 ms p50 at 32 clients):
/// a closed-loop run by the benchmark's own client after the wrk run, one row per step.
async fn signin_steps_on(ctx: &mut Ctx, stack: &mut Stack, label: &str) -> Result<()> {
    let clients = ctx.opts.connections as usize;
    let duration = (ctx.opts.duration / 2).max(Duration::from_secs(1));
    eprintln!(
        "==> [{}] [{label}] each step apart ({} closed-loop clients, {} s)",
        stack.config,
        clients,
        duration.as_secs()
    );
    let tag = tag(ctx, label, "steps");
    let mut steps = client::closed_loop_signins(&ctx.client, &stack.url(""), &tag, clients, duration).await;
    stack.alive()?;
    let signins = steps.verify.len();
    let seconds = duration.as_secs_f64();
    for (step, samples) in
        [("start", &mut steps.start), ("inbox read", &mut steps.inbox), ("verify", &mut steps.verify)]
    {
        let mut r = client_row(stack, &format!("{label} step: {step}"));
        r.requests = samples.len() as u64;
        r.rps = samples.len() as f64 / seconds;
        r.p50_ms = client::quantile_ms(samples, 0.5);
        r.p99_ms = client::quantile_ms(samples, 0.99);
        r.notes.push(format!("{clients} closed-loop clients (reqwest), {:.0} sign-ins/s", signins as f64 / seconds));
        record(ctx, r);
    }
    if steps.failed > 0 {
        let first: Vec<&str> = steps.errors.iter().take(3).map(String::as_str).collect();
        ctx.problem(format!(
            "[{} {label}] {} closed-loop sign-ins failed; first: {}",
            stack.config,
            steps.failed,
            first.join(" | ")
        ));
    }
    Ok(())
}

/// A static request (session.lua or token.lua) with one header, warm-up and measured run.
async fn static_on(
    ctx: &mut Ctx,
    stack: &mut Stack,
    label: &str,
    script: &str,
    path: &str,
    header: &str,
) -> Result<Row> {
    let c = ctx.opts.connections;
    let run = |ctx: &Ctx, stack: &Stack, d: Duration| wrk(ctx, stack, script, path, c, d).header(header);
    warm(ctx, stack, label, &[run(ctx, stack, ctx.opts.warmup)]).await?;
    let m = measure(ctx, stack, label, &[run(ctx, stack, ctx.opts.duration)]).await?;
    Ok(row(stack, label, &m.outs[0], &m))
}

async fn new_session(ctx: &Ctx, stack: &Stack, label: &str) -> Result<String> {
    eprintln!("==> [{}] [{label}] signing in once for a session", stack.config);
    let email = format!("{}@example.com", tag(ctx, label, "-session"));
    let also = if stack.instances.len() > 1 { stack.bases() } else { Vec::new() };
    client::make_session(&ctx.client, &stack.base, &email, &also).await
}

/// GET /v1/session with one session's cookie.
async fn session_on(ctx: &mut Ctx, stack: &mut Stack, label: &str) -> Result<()> {
    let cookie = new_session(ctx, stack, label).await?;
    let r = static_on(ctx, stack, label, "session.lua", "/v1/session", &format!("Cookie: {cookie}")).await?;
    record(ctx, r);
    Ok(())
}

/// Forward-auth with the cookie, then with a bearer token, then token issue.
async fn tokens_on(ctx: &mut Ctx, stack: &mut Stack, which: &[Scenario]) -> Result<()> {
    let cookie = new_session(ctx, stack, "auth check").await?;
    let cookie_header = format!("Cookie: {cookie}");
    for s in which {
        let r = match s {
            Scenario::AuthCookie => {
                static_on(ctx, stack, "auth check (cookie)", "session.lua", "/v1/auth/check", &cookie_header).await?
            }
            Scenario::AuthBearer => {
                let token = client::access_token(&ctx.client, &stack.base, &cookie).await?;
                let bearer = format!("Authorization: Bearer {token}");
                static_on(ctx, stack, "auth check (bearer)", "session.lua", "/v1/auth/check", &bearer).await?
            }
            _ => static_on(ctx, stack, "token issue", "token.lua", "/v1/session/token", &cookie_header).await?,
        };
        record(ctx, r);
    }
    Ok(())
}

/// Start on one server for --sustained, one row per --window, then the table sizes.
async fn sustained_on(ctx: &mut Ctx, stack: &mut Stack) -> Result<()> {
    let (total, window, c) = (ctx.opts.sustained, ctx.opts.window, ctx.opts.sustained_connections);
    let mut at = Duration::ZERO;
    let mut n = 0;
    while at < total {
        let d = window.min(total - at);
        let label = format!("sustained {}-{}s", at.as_secs(), (at + d).as_secs());
        let run = wrk(ctx, stack, "start.lua", "/v1/passwordless/start", c, d).args([tag(
            ctx,
            "sustained",
            &format!("-w{n}"),
        )]);
        let m = measure(ctx, stack, &label, &[run]).await?;
        let r = row(stack, &label, &m.outs[0], &m);
        println!(
            "    window {label}: p99 {} ms, {:.1} req/s",
            r.p99_ms.map(|p| format!("{p:.2}")).unwrap_or_default(),
            r.rps
        );
        record(ctx, r);
        at += d;
        n += 1;
    }
    let counts = fill::counts(&stack.db).await?;
    let line = counts.iter().map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", ");
    println!("    rows after the sustained run: {line}");
    ctx.notes.push(format!("[{} sustained] rows after {} s at {c} connections: {line}", stack.config, total.as_secs()));
    Ok(())
}

/// Password logins over many accounts, alone and with session checks beside them, against
/// the bare argon2id rate on every core, measured before and after.
async fn login_flood_on(ctx: &mut Ctx, stack: &mut Stack) -> Result<()> {
    let n = ctx.opts.accounts;
    let (before, params) = hash_rate(ctx, stack, "before").await?;
    eprintln!("==> [{}] [login flood] creating {n} accounts with a password (sign-up, code, verify)", stack.config);
    let started = Instant::now();
    let cookie = client::create_accounts(&ctx.client, &stack.base, n, PASSWORD, LOGIN_PREFIX).await?;
    eprintln!("==> {n} accounts in {:.1} s", started.elapsed().as_secs_f64());
    let sessions = |ctx: &Ctx, stack: &Stack| {
        Wrk::new(&ctx.lua, "session.lua", stack.url("/v1/session"), 1, 4, ctx.opts.duration)
            .header(format!("Cookie: {cookie}"))
    };
    let logins = |ctx: &Ctx, stack: &Stack, d: Duration| {
        let w = Wrk::new(&ctx.lua, "login.lua", stack.url("/v1/login"), 2, ctx.opts.login_connections, d)
            .timeout(Duration::from_secs(30));
        let threads = w.threads.to_string();
        w.args([n.to_string(), PASSWORD.to_owned(), threads, LOGIN_PREFIX.to_owned()])
    };
    let connections = ctx.opts.login_connections;
    let login_row = |stack: &Stack, label: &str, m: &Measured| {
        let mut r = row(stack, label, &m.outs[0], m);
        r.notes.push(format!("logins/s over {n} accounts, {connections} connections"));
        if let Some(f) = &m.outs[0].first_failure {
            r.notes.push(format!("first failure: {f}"));
        }
        r
    };
    let m = measure(ctx, stack, "login-flood: sessions alone", &[sessions(ctx, stack)]).await?;
    let mut checks_alone = row(stack, "login-flood: sessions alone", &m.outs[0], &m);
    checks_alone.notes.push("1 thread x 4 connections".into());
    warm(ctx, stack, "login flood", &[logins(ctx, stack, ctx.opts.warmup)]).await?;
    let m = measure(ctx, stack, "login flood alone", &[logins(ctx, stack, ctx.opts.duration)]).await?;
    let mut alone = login_row(stack, "login-flood: logins alone", &m);
    let m = measure(ctx, stack, "login flood", &[logins(ctx, stack, ctx.opts.duration), sessions(ctx, stack)]).await?;
    let mut mixed = login_row(stack, "login-flood: logins", &m);
    let mut during = row(stack, "login-flood: sessions during", &m.outs[1], &m);
    during.notes.push("session checks while the logins run".into());
    let (after, _) = hash_rate(ctx, stack, "after").await?;

    let ceiling = (before + after) / 2.0;
    let pct = |rps: f64| 100.0 * rps / ceiling;
    let met = |ok: bool| if ok { "met" } else { "target missed" };
    let (alone_pct, p99) = (pct(alone.rps), during.p99_ms.unwrap_or(f64::INFINITY));
    alone
        .notes
        .push(format!("{alone_pct:.1} % of argon2id (target >= {TARGET_PCT} %: {})", met(alone_pct >= TARGET_PCT)));
    mixed.notes.push(format!("{:.1} % of argon2id, the closed-loop checks beside take CPU", pct(mixed.rps)));
    during.notes.push(format!("target p99 <= {TARGET_P99_MS} ms: {}", met(p99 <= TARGET_P99_MS)));
    let name = format!("[{} login-flood]", stack.config);
    let cores = std::thread::available_parallelism().map(|c| c.get()).unwrap_or(0);
    ctx.notes.push(format!(
        "{name} bare argon2id ({params}) on all {cores} cores: {before:.1} hashes/s before, {after:.1} after; \
         ceiling (mean) {ceiling:.1} logins/s"
    ));
    ctx.notes.push(format!(
        "{name} target logins/s >= {TARGET_PCT} % of argon2id: {} ({alone_pct:.1} %); \
         target session check p99 <= {TARGET_P99_MS} ms during the flood: {} ({p99:.2} ms)",
        met(alone_pct >= TARGET_PCT),
        met(p99 <= TARGET_P99_MS)
    ));
    if before > 1.1 * after || after > 1.1 * before {
        ctx.notes.push(format!("{name} the bare argon2id rate moved by more than 10 %: the machine was not steady"));
    }
    // What stays once the flood is over and the server has given memory back (it does
    // every 10 s): what passwords cost an idle server after their first use.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let kb = |field| stack.pids().iter().filter_map(|&pid| procs::status_kb(pid, field)).max().unwrap_or(0);
    ctx.notes.push(format!(
        "{name} idle 11 s after the flood: RSS {:.1} MB, private {:.1} MB",
        kb("VmRSS") as f64 / 1024.0,
        kb("RssAnon") as f64 / 1024.0
    ));
    for r in [checks_alone, alone, mixed, during] {
        record(ctx, r);
    }
    Ok(())
}

/// The bare argon2id rate on every core (examples/password_hash_rate, with the server idle):
/// hashes/s, and the parameters it names.
async fn hash_rate(ctx: &mut Ctx, stack: &mut Stack, when: &str) -> Result<(f64, String)> {
    let label = format!("argon2id {when}");
    note_other_load(ctx, stack, &label);
    let secs = ctx.opts.hash_seconds;
    eprintln!("==> [{}] [{label}] bare hash rate, {secs} s on one thread, then {secs} s on every core", stack.config);
    let out = tokio::process::Command::new(ctx.example("password_hash_rate")?)
        .arg(secs.to_string())
        .kill_on_drop(true)
        .output()
        .await
        .context("failed to run password_hash_rate")?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        bail!("password_hash_rate failed ({}):\n{text}", out.status);
    }
    for line in text.lines() {
        println!("    {line}");
    }
    stack.alive()?;
    parse_hash_rate(&text)
        .with_context(|| format!("no \"N threads: R hashes/s\" line from password_hash_rate:\n{text}"))
}

/// The all-cores rate of password_hash_rate's output ("2 threads:    150.3 hashes/s (…)"),
/// and the parameters of its first line ("argon2id m=19456 KiB, t=2, p=1; 2 core(s) …").
fn parse_hash_rate(text: &str) -> Option<(f64, String)> {
    let rate = text.lines().find_map(|l| {
        let (n, rest) = l.split_once(" threads:")?;
        n.trim().parse::<u32>().ok()?;
        rest.split_whitespace().next()?.parse::<f64>().ok()
    })?;
    let params = text.lines().find_map(|l| l.strip_prefix("argon2id ")?.split(';').next()).unwrap_or("?");
    (rate > 0.0).then(|| (rate, params.to_owned()))
}

/// The usual scenarios on a database grown to a million accounts, next to the empty one.
async fn grown(ctx: &mut Ctx, config: Config) -> Result<()> {
    // The empty-database numbers of this configuration, unless this run has them already.
    let baselines: [(&str, Scenario); 3] =
        [("start", Scenario::Start), ("full sign-in", Scenario::Signin), ("session check", Scenario::Session)];
    for (label, scenario) in baselines {
        if !ctx.rows.iter().any(|r| r.config == config.to_string() && r.scenario == label) {
            eprintln!("==> [{config}] [grown] measuring {label} on an empty database first, to compare");
            match scenario {
                Scenario::Start => on_fresh(ctx, config, async |ctx, st| start_on(ctx, st, label, None).await).await?,
                Scenario::Signin => on_fresh(ctx, config, async |ctx, st| signin_on(ctx, st, label).await).await?,
                _ => on_fresh(ctx, config, async |ctx, st| session_on(ctx, st, label).await).await?,
            }
        }
    }
    let db = ctx.new_db(config.db).await?;
    let outcome = grown_on(ctx, config, &db).await;
    if outcome.is_err() {
        ctx.drop_db(&db).await;
    }
    outcome
}

async fn grown_on(ctx: &mut Ctx, config: Config, db: &Db) -> Result<()> {
    ctx.migrate(db)?;
    let sizes = Sizes::at(ctx.opts.grown_scale);
    eprintln!(
        "==> [{config}] [grown] filling: {} accounts, {} sessions, {} delivered messages",
        sizes.users, sizes.sessions, sizes.messages
    );
    let started = Instant::now();
    match db {
        Db::Sqlite { path, .. } => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || fill::sqlite(&path, sizes)).await??;
        }
        Db::Postgres { url, .. } => fill::postgres(url, sizes).await?,
    }
    let took = started.elapsed().as_secs_f64();
    let size = match db {
        Db::Sqlite { path, .. } => {
            let bytes: u64 = ["", "-wal"]
                .iter()
                .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
                .map(|m| m.len())
                .sum();
            format!(", file {:.0} MB", bytes as f64 / 1048576.0)
        }
        Db::Postgres { .. } => String::new(),
    };
    eprintln!("==> [{config}] [grown] fill took {took:.1} s");
    ctx.notes.push(format!(
        "[{config} grown] fill: {} accounts, {} sessions, {} delivered messages in {took:.1} s{size}",
        sizes.users, sizes.sessions, sizes.messages
    ));
    let mut stack = Stack::start(ctx, config, db.clone()).await?;
    let first = ctx.rows.len();
    let outcome = async {
        start_on(ctx, &mut stack, "grown: start", None).await?;
        signin_on(ctx, &mut stack, "grown: full sign-in").await?;
        session_on(ctx, &mut stack, "grown: session check").await
    }
    .await;
    let stopped = stack.stop(ctx).await;
    // Each grown row next to its empty-database row.
    let config_label = config.to_string();
    for i in first..ctx.rows.len() {
        let empty_label = ctx.rows[i].scenario.trim_start_matches("grown: ").to_owned();
        let Some(empty) = ctx.rows.iter().find(|r| r.config == config_label && r.scenario == empty_label).cloned()
        else {
            continue;
        };
        let r = &mut ctx.rows[i];
        let (grown_rate, empty_rate, unit) = match (r.signins_per_s, empty.signins_per_s) {
            (Some(g), Some(e)) => (g, e, "sign-ins/s"),
            _ => (r.rps, empty.rps, "req/s"),
        };
        let ratio = if empty_rate > 0.0 { grown_rate / empty_rate } else { 0.0 };
        let p99 = match (r.p99_ms, empty.p99_ms) {
            (Some(g), Some(e)) if e > 0.0 => format!(", p99 {e:.2} ms (x{:.2})", g / e),
            _ => String::new(),
        };
        r.notes.push(format!("empty: {empty_rate:.1} {unit}, grown/empty {ratio:.2}{p99}"));
    }
    outcome.and(stopped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_all_cores_rate_and_the_parameters_are_read_from_password_hash_rate() {
        let text = "argon2id m=19456 KiB, t=2, p=1; 2 core(s) available
1 thread:       80.2 hashes/s (241 in 3.00 s, 12.5 ms each)
2 threads:     150.3 hashes/s (452 in 3.01 s, 1.87x one thread)
ceiling: about 150 password logins/s on this machine (one argon2id verify each)
";
        assert_eq!(parse_hash_rate(text), Some((150.3, "m=19456 KiB, t=2, p=1".to_owned())));
        let one_core = "argon2id m=19456 KiB, t=2, p=1; 1 core(s) available
1 thread:       80.2 hashes/s (241 in 3.00 s, 12.5 ms each)
1 threads:      79.9 hashes/s (240 in 3.00 s, 1.00x one thread)
";
        assert_eq!(parse_hash_rate(one_core).map(|(r, _)| r), Some(79.9), "one core: the second line");
        assert_eq!(parse_hash_rate("1 thread: 80.2 hashes/s"), None, "no all-cores line");
        assert_eq!(parse_hash_rate("2 threads: 0.0 hashes/s"), None, "no rate");
    }
}
