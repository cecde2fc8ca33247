//! The delivery scenario: how fast the outbox drains into a provider, per target of
//! --delivery-targets, into the local sink `examples/delivery_sink.rs` (an HTTP API answering
//! like Resend and a minimal SMTP server, both accepting everything and counting).
//!
//! 1. Fill: the servers start with the provider pointed at a closed port and a one-hour retry
//!    delay, and wrk POSTs /v1/passwordless/start for --fill; every message fails its first
//!    attempt and waits in the queue. The servers stop and the queue is made due again by SQL
//!    (`next_attempt_at = 0, attempts = 0`).
//! 2. Drain: the servers start again on the same database with the provider pointed at the
//!    sink. Messages delivered per second from the moment /healthz answers until the sink has
//!    counted every queued message, the servers' peak RSS (VmHWM) and CPU seconds meanwhile,
//!    and how many messages the outbox records as sent once they stopped (= messages: nothing
//!    lost, nothing sent twice).

use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;

use crate::scenarios::{client_row, note_other_load, record, tag};
use crate::stack::{Config, Db, Stack};
use crate::wrk::Wrk;
use crate::{Ctx, fill, procs};

/// Where the outbox delivers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The HTTP API of the sink, as the resend provider.
    Http,
    /// The SMTP server of the sink.
    Smtp,
}

/// A drain taking longer than this is a problem.
const DRAIN_LIMIT: Duration = Duration::from_secs(300);

/// `examples/delivery_sink`, killed when dropped.
struct Sink {
    child: tokio::process::Child,
    http: u16,
    smtp: u16,
}

impl Sink {
    async fn start(ctx: &Ctx) -> Result<Sink> {
        let (http, smtp) = (postern_harness::free_port()?, postern_harness::free_port()?);
        let log_path = ctx.work.join("delivery_sink.log");
        let log =
            std::fs::File::create(&log_path).with_context(|| format!("failed to create {}", log_path.display()))?;
        let child = tokio::process::Command::new(ctx.example("delivery_sink")?)
            .args([http.to_string(), smtp.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .context("failed to start delivery_sink")?;
        let mut sink = Sink { child, http, smtp };
        let deadline = Instant::now() + Duration::from_secs(30);
        while sink.count(ctx).await.is_err() {
            if let Some(status) = sink.child.try_wait()? {
                bail!("delivery_sink exited with {status}: {}", std::fs::read_to_string(&log_path).unwrap_or_default());
            }
            if Instant::now() > deadline {
                bail!("delivery_sink did not answer GET /count within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(sink)
    }

    /// Messages the sink received so far, over both protocols.
    async fn count(&self, ctx: &Ctx) -> Result<u64> {
        let url = format!("http://127.0.0.1:{}/count", self.http);
        let r = ctx.client.get(&url).send().await.and_then(|r| r.error_for_status());
        let text = r.with_context(|| format!("GET {url} failed"))?.text().await?;
        text.trim().parse().with_context(|| format!("GET {url} answered {text:?}"))
    }
}

/// The provider settings of `target` at `port`, and those of every delivery run.
fn provider_env(ctx: &Ctx, target: Target, port: u16) -> Vec<(String, String)> {
    let concurrency = ctx.opts.concurrency.to_string();
    let mut env = vec![
        ("POSTERN_DELIVERY__CONCURRENCY", concurrency.clone()),
        ("POSTERN_DELIVERY__POLL_INTERVAL", "50ms".into()),
    ];
    match target {
        Target::Http => env.extend([
            ("POSTERN_DELIVERY__EMAIL__PROVIDER", "resend".into()),
            ("POSTERN_DELIVERY__EMAIL__RESEND__API_KEY", "re_bench".into()),
            ("POSTERN_DELIVERY__EMAIL__RESEND__BASE_URL", format!("http://127.0.0.1:{port}")),
        ]),
        Target::Smtp => env.extend([
            ("POSTERN_DELIVERY__EMAIL__PROVIDER", "smtp".into()),
            ("POSTERN_DELIVERY__EMAIL__SMTP_URL", format!("smtp://127.0.0.1:{port}")),
            ("POSTERN_DELIVERY__EMAIL__SMTP__POOL_MAX", concurrency),
        ]),
    }
    env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// Every target of --delivery-targets on a fresh database of `config`, one sink for all.
pub async fn run(ctx: &mut Ctx, config: Config) -> Result<()> {
    let sink = Sink::start(ctx).await?;
    for target in ctx.opts.delivery_targets.clone() {
        let db = ctx.new_db(config.db).await?;
        let outcome = fill_and_drain(ctx, config, &db, &sink, target).await;
        ctx.drop_db(&db).await;
        outcome?;
    }
    Ok(())
}

async fn fill_and_drain(ctx: &mut Ctx, config: Config, db: &Db, sink: &Sink, target: Target) -> Result<()> {
    let name = format!("{target:?}").to_lowercase();
    let label = format!("delivery: {name}");
    let queued = fill_outbox(ctx, config, db, target, &label).await?;
    if queued == 0 {
        ctx.problem(format!("[{config} {label}] the fill queued no message"));
        return Ok(());
    }
    fill::scalar(db, "UPDATE outbox SET next_attempt_at = 0, attempts = 0 WHERE status = 'queued'").await?;

    let port = match target {
        Target::Http => sink.http,
        Target::Smtp => sink.smtp,
    };
    let before = sink.count(ctx).await?;
    eprintln!("==> [{config}] [{label}] draining {queued} messages into the sink ({name} on port {port})");
    let mut stack = Stack::start_with(ctx, config, db.clone(), &provider_env(ctx, target, port)).await?;
    let drained = drain(ctx, &mut stack, sink, before, queued, &label).await;
    let halted = stack.halt().await;
    let (mut row, delivered) = drained?;
    halted?;
    let sent = fill::scalar(db, "SELECT count(*) FROM outbox WHERE status = 'sent'").await?;
    row.notes.push(format!("recorded as sent: {sent}"));
    let name = format!("[{config} {label}]");
    record(ctx, row);
    if delivered != queued {
        ctx.problem(format!("{name} the sink received {delivered} messages of {queued} queued"));
    }
    if sent != queued as i64 {
        ctx.problem(format!("{name} the outbox records {sent} messages as sent of {queued} queued"));
    }
    Ok(())
}

/// Fills the outbox of `db` with messages that failed once and wait an hour; how many.
async fn fill_outbox(ctx: &mut Ctx, config: Config, db: &Db, target: Target, label: &str) -> Result<u64> {
    let closed = postern_harness::free_port()?;
    let mut env = provider_env(ctx, target, closed);
    env.push(("POSTERN_DELIVERY__RETRY_BASE".into(), "1h".into()));
    env.push(("POSTERN_DELIVERY__RETRY_MAX".into(), "1h".into()));
    let mut stack = Stack::start_with(ctx, config, db.clone(), &env).await?;
    let filled = async {
        let c = ctx.opts.connections;
        eprintln!("==> [{config}] [{label}] filling the outbox ({} s, {c} connections)", ctx.opts.fill.as_secs());
        let run =
            Wrk::new(&ctx.lua, "start.lua", stack.url("/v1/passwordless/start"), ctx.opts.threads, c, ctx.opts.fill)
                .args([tag(ctx, label, "-fill")]);
        let (_, out) = run.spawn()?.wait().await?;
        if out.requests == 0 || out.non2xx + out.socket_errors > out.requests / 100 {
            bail!("[{config}] [{label}] the fill failed: {} requests, {} non-2xx", out.requests, out.non2xx);
        }
        // Every first attempt fails fast (nothing listens); wait for the last ones.
        let deadline = Instant::now() + Duration::from_secs(60);
        while fill::scalar(db, "SELECT count(*) FROM outbox WHERE status = 'sending'").await? > 0 {
            if Instant::now() > deadline {
                bail!("[{config}] [{label}] messages still being sent 60 s after the fill");
            }
            stack.alive()?;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        stack.alive()
    }
    .await;
    let halted = stack.halt().await;
    filled.and(halted)?;
    Ok(fill::scalar(db, "SELECT count(*) FROM outbox WHERE status = 'queued'").await?.max(0) as u64)
}

/// Waits until the sink has counted `queued` messages more than `before`: the row (the
/// servers still run), and how many the sink counted.
async fn drain(
    ctx: &mut Ctx,
    stack: &mut Stack,
    sink: &Sink,
    before: u64,
    queued: u64,
    label: &str,
) -> Result<(crate::report::Row, u64)> {
    note_other_load(ctx, stack, label);
    let started = Instant::now();
    let pids: Vec<u32> = stack.instances.iter().map(|i| i.pid()).collect();
    let ticks = || pids.iter().filter_map(|&p| procs::cpu_ticks(p)).sum::<u64>();
    let cpu0 = ticks();
    let early = sink.count(ctx).await?.saturating_sub(before);
    let mut delivered = early;
    while delivered < queued {
        if started.elapsed() > DRAIN_LIMIT {
            ctx.problem(format!("[{} {label}] the drain timed out at {delivered} of {queued}", stack.config));
            break;
        }
        stack.alive()?;
        tokio::time::sleep(Duration::from_millis(20)).await;
        delivered = sink.count(ctx).await?.saturating_sub(before);
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu = ticks().saturating_sub(cpu0) as f64 / ctx.hz;
    let mut r = client_row(stack, label);
    r.requests = queued;
    r.rps = delivered.saturating_sub(early) as f64 / secs;
    r.srv_cores = cpu / secs;
    r.notes.push(format!(
        "messages/s: {queued} messages in {secs:.2} s ({early} before /healthz answered), {cpu:.2} CPU s, \
         delivery.concurrency {}",
        ctx.opts.concurrency
    ));
    Ok((r, delivered))
}
