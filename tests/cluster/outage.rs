//! A PostgreSQL outage, played by a TCP proxy between one instance and the database: the
//! instance answers 503 quickly instead of hanging, stays up, and serves again by itself
//! when the database is back; no committed message is lost.

use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::common::{Backend, TestDb};
use crate::harness::{Instance, Options, pg, plain, start, start_ok, wait_for_message};
use crate::proxy::{Cut, PgProxy};

/// The longest a start may take to be refused while the database is away (the instances'
/// `postgres.acquire_timeout` is 1 s).
const ANSWER_BOUND: Duration = Duration::from_secs(3);
/// The longest `/readyz` may go on answering 200 once the database is away.
const UNREADY_BOUND: Duration = Duration::from_secs(2);
/// The shortest outage played: longer than the instances' delivery lease (2 s).
const MIN_OUTAGE: Duration = Duration::from_millis(2500);
/// The longest the instance may take to serve again once the database is back.
const RECOVERY_BOUND: Duration = Duration::from_secs(5);

/// `url`'s `host:port` (the proxy's upstream) and `url` pointed at `authority` instead.
fn through(url: &str, authority: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (head, path) = match rest.split_once('/') {
        Some((head, path)) => (head, format!("/{path}")),
        None => (rest, String::new()),
    };
    let (user, host) = match head.rsplit_once('@') {
        Some((user, host)) => (format!("{user}@"), host),
        None => (String::new(), head),
    };
    let upstream = if host.contains(':') { host.to_owned() } else { format!("{host}:5432") };
    (upstream, format!("{scheme}://{user}{authority}{path}"))
}

async fn readyz(client: &Client, instance: &Instance) -> StatusCode {
    client.get(instance.url("/readyz")).send().await.expect("readyz request").status()
}

/// How a start was answered while the database was away.
#[derive(Debug)]
struct Answer {
    email: String,
    status: StatusCode,
    error: Value,
    retry_after: bool,
    took: Duration,
}

impl Answer {
    /// What is wrong with it: it must be a quick 503 `unavailable` with Retry-After.
    fn problem(&self) -> Option<String> {
        let ok = self.status == StatusCode::SERVICE_UNAVAILABLE
            && self.error == "unavailable"
            && self.retry_after
            && self.took < ANSWER_BOUND;
        (!ok).then(|| {
            format!(
                "start of {} answered {} {} (Retry-After: {}) in {:?}",
                self.email, self.status, self.error, self.retry_after, self.took
            )
        })
    }
}

async fn start_during_outage(client: Client, base: String, email: String) -> Answer {
    let t = Instant::now();
    let r = start(&client, &base, &email).await.expect("start request");
    let took = t.elapsed();
    let (status, retry_after) = (r.status(), r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.unwrap_or_default();
    Answer { email, status, error: body["error"].clone(), retry_after, took }
}

async fn outbox_status(pool: &sqlx::PgPool, recipient: &str) -> String {
    sqlx::query_scalar("SELECT status FROM outbox WHERE recipient = $1")
        .bind(recipient)
        .fetch_optional(pool)
        .await
        .expect("outbox")
        .unwrap_or_else(|| "absent".to_owned())
}

/// PostgreSQL goes down (connections dropped, new ones refused), then comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_outage_is_answered_503_at_once_and_ridden_out_without_a_restart() {
    ride_out(Cut::Refuse).await;
}

/// The database host still accepts TCP but hangs up at once, as a TCP load balancer or a
/// pooler in front of a dead PostgreSQL does: that is an outage too, not an internal error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_address_that_accepts_and_hangs_up_is_an_outage_too() {
    ride_out(Cut::Close).await;
}

/// One instance whose database goes through the proxy: a message queued, the cut, the
/// answers during the outage, the restore, and the messages delivered.
async fn ride_out(mode: Cut) {
    let db = TestDb::new(Backend::Postgres).await;
    let (upstream, _) = through(&db.url, "");
    let proxy = PgProxy::start(&upstream).await;
    let (_, url) = through(&db.url, &format!("127.0.0.1:{}", proxy.port));
    let mut instance = Instance::start("A", &url, None, Options { rate_limits: false }, db.dir.path()).await;
    let direct = pg(&db.url).await;
    let client = plain();
    let base = instance.base.clone();
    assert_eq!(readyz(&client, &instance).await, StatusCode::OK);
    let tag = format!("{mode:?}").to_lowercase();

    // A message committed just before the database goes away.
    let before = format!("before-{tag}@example.com");
    start_ok(&client, &base, &before).await;
    proxy.cut(mode).await;
    let cut_at = Instant::now();
    let before_status = outbox_status(&direct, &before).await;

    // Readiness says so at once.
    loop {
        let status = readyz(&client, &instance).await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        assert_eq!(status, StatusCode::OK);
        assert!(cut_at.elapsed() < UNREADY_BOUND, "/readyz still answers 200 {:?} after the cut", cut_at.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let unready_after = cut_at.elapsed();
    assert!(unready_after < UNREADY_BOUND, "/readyz took {unready_after:?} to answer 503");

    // Starts are refused quickly, several at once and then one after another.
    let concurrent: Vec<_> = (0..6)
        .map(|k| {
            tokio::spawn(start_during_outage(client.clone(), base.clone(), format!("during-{tag}-{k}@example.com")))
        })
        .collect();
    let mut answers = Vec::new();
    for c in concurrent {
        answers.push(c.await.expect("start task"));
    }
    for k in 6..9 {
        answers.push(start_during_outage(client.clone(), base.clone(), format!("during-{tag}-{k}@example.com")).await);
    }
    let (fastest, slowest) = (
        answers.iter().map(|a| a.took).min().unwrap_or_default(),
        answers.iter().map(|a| a.took).max().unwrap_or_default(),
    );

    // The process is still up and says it is alive.
    assert!(instance.is_alive(), "the instance died during the outage\n{}", instance.log_tail(20));
    let r = client.get(instance.url("/healthz")).send().await.expect("healthz");
    assert_eq!(r.status(), StatusCode::OK);
    // An outage that outlasts a delivery lease, with the worker failing to claim all along.
    tokio::time::sleep(MIN_OUTAGE.saturating_sub(cut_at.elapsed())).await;
    assert!(instance.is_alive(), "the instance died during the outage\n{}", instance.log_tail(20));
    let outage = cut_at.elapsed();

    // The database is back: the same process serves again by itself.
    proxy.restore().await;
    let restored_at = Instant::now();
    while readyz(&client, &instance).await != StatusCode::OK {
        assert!(restored_at.elapsed() < RECOVERY_BOUND, "/readyz not 200 {RECOVERY_BOUND:?} after the restore");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ready_after = restored_at.elapsed();
    let after = format!("after-{tag}@example.com");
    let mut tries = 0;
    loop {
        tries += 1;
        let r = start(&client, &base, &after).await.expect("start request");
        if r.status() == StatusCode::OK {
            break;
        }
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(restored_at.elapsed() < RECOVERY_BOUND, "starts still fail {RECOVERY_BOUND:?} after the restore");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let serving_after = restored_at.elapsed();

    // Both messages arrive: the one from before the cut and the one after the restore.
    for email in [&before, &after] {
        let message = wait_for_message(&client, &base, email, 1, Duration::from_secs(10)).await;
        assert!(message.is_some(), "the message to {email} never arrived ({})", outbox_status(&direct, email).await);
    }
    let delivered_after = restored_at.elapsed();
    let refused_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE recipient LIKE $1")
        .bind(format!("during-{tag}-%"))
        .fetch_one(&direct)
        .await
        .expect("count");
    println!(
        "outage ({tag}, {outage:?}): the message from before the cut was {before_status} at the cut; \
         /readyz 503 after {unready_after:?}; {} starts answered {:?} in {fastest:?}..{slowest:?} \
         ({refused_rows} of them left an outbox row); after the restore /readyz 200 in {ready_after:?}, \
         start 200 in {serving_after:?} (try {tries}), both messages delivered in {delivered_after:?}; \
         the proxy accepted {} connections",
        answers.len(),
        answers.iter().map(|a| a.status.as_u16()).collect::<Vec<_>>(),
        proxy.accepted()
    );
    let problems: Vec<String> = answers.iter().filter_map(Answer::problem).collect();
    assert!(
        problems.is_empty(),
        "{} of {} starts during the outage were not a quick 503 unavailable:\n{}",
        problems.len(),
        answers.len(),
        problems.join("\n")
    );

    assert!(instance.is_alive());
    let log = instance.log_text();
    assert!(!log.contains("panicked"), "the instance panicked:\n{log}");
    drop(instance);
}
