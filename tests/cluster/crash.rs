//! `kill -9` of one instance in the middle of sign-ins: nothing committed is lost. A start
//! that answered 200 committed its message, and the lease lets another instance send it;
//! a verify that answered 200 committed its session, which lives in the database.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{
    Cluster, Options, browser, code_of, plain, session_token, session_with, sign_in, start, verify, wait_for_message,
};

/// Concurrent clients; each has at most one request in flight, so at most this many
/// requests can be lost with the killed process.
const CLIENTS: usize = 4;
const LOAD: Duration = Duration::from_secs(4);
/// `delivery.lease` of the instances.
const LEASE: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Tally {
    /// Addresses whose start answered 200.
    started: Vec<String>,
    /// Session tokens of verifies that answered 200.
    sessions: Vec<String>,
    /// Every start or verify that did not answer 200.
    errors: Vec<String>,
    /// Started, but no message seen within 10 s.
    no_message: Vec<String>,
}

/// Full sign-ins through nginx, one new address each, until `stop_at`.
async fn sign_in_loop(n: usize, front: String, stop_at: Instant) -> Tally {
    let mut tally = Tally::default();
    let mut i = 0;
    while Instant::now() < stop_at {
        // A browser per person: one browser signing in as the next account would revoke
        // the session it held (issue 10, finding 10).
        let client = browser();
        i += 1;
        let email = format!("client{n}-{i}@example.com");
        let id = match start(&client, &front, &email).await {
            Ok(r) if r.status() == StatusCode::OK => match r.json::<Value>().await {
                Ok(body) => body["auth_request_id"].as_str().unwrap_or_default().to_owned(),
                Err(e) => {
                    tally.errors.push(format!("start {email}: 200 but {e}"));
                    continue;
                }
            },
            Ok(r) => {
                tally.errors.push(format!("start {email}: {}", r.status()));
                continue;
            }
            Err(e) => {
                tally.errors.push(format!("start {email}: {e}"));
                continue;
            }
        };
        tally.started.push(email.clone());
        let Some(text) = wait_for_message(&client, &front, &email, 1, Duration::from_secs(10)).await else {
            tally.no_message.push(email);
            continue;
        };
        match verify(&client, &front, &id, &code_of(&text)).await {
            Ok(r) if r.status() == StatusCode::OK => match session_token(&r) {
                Some(token) => tally.sessions.push(token),
                None => tally.errors.push(format!("verify {email}: 200 without a session cookie")),
            },
            Ok(r) => tally.errors.push(format!("verify {email}: {}", r.status())),
            Err(e) => tally.errors.push(format!("verify {email}: {e}")),
        }
    }
    tally
}

/// The victim's database sessions carry `postern.instance = victim` (a PostgreSQL custom
/// setting passed in the connection URL), so the trigger below can tell them apart.
const VICTIM: usize = 1;

/// Recording a delivery takes the victim 1 s (once per transaction, well within the 2 s
/// lease), as if its provider were slow: the victim spends most of the load holding leases,
/// and the test kills it while it is seen doing so. The dev provider alone is so fast that
/// a kill would almost never find a message in flight.
const SLOW_VICTIM: &str = "
CREATE FUNCTION slow_victim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('postern.instance', true) = 'victim'
       AND current_setting('postern.slept', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('postern.slept', 'yes', true);
        PERFORM pg_sleep(1);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER slow_victim BEFORE UPDATE ON outbox
    FOR EACH ROW WHEN (NEW.status = 'sent') EXECUTE FUNCTION slow_victim();
";

/// Waits (up to `within`) until the victim is inside a delivery, holding leases.
async fn victim_busy(pool: &sqlx::PgPool, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let busy: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'",
        )
        .fetch_one(pool)
        .await
        .expect("pg_stat_activity");
        if busy > 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_one_instance_under_load_loses_no_message_and_no_committed_session() {
    let mut cluster = Cluster::start_with(3, Options { rate_limits: false }, true, |i, url| match i {
        VICTIM => format!("{url}?options[postern.instance]=victim"),
        _ => url.to_owned(),
    })
    .await;
    let front = cluster.front().to_owned();
    let pool = cluster.pg().await;
    sqlx::raw_sql(SLOW_VICTIM).execute(&pool).await.expect("create the trigger");

    let began = Instant::now();
    let clients: Vec<_> = (0..CLIENTS).map(|n| tokio::spawn(sign_in_loop(n, front.clone(), began + LOAD))).collect();
    tokio::time::sleep(LOAD / 2).await;
    let holding = victim_busy(&pool, Duration::from_secs(3)).await;
    let victim = &mut cluster.instances[VICTIM];
    let (victim_port, victim_pid) = (victim.port, victim.pid());
    victim.kill9();
    let killed_at = Instant::now();
    println!(
        "killed instance B (pid {victim_pid}, port {victim_port}) with SIGKILL at {:?}, {} a delivery",
        killed_at - began,
        if holding { "in the middle of" } else { "NOT seen in" }
    );

    let mut all = Tally::default();
    for c in clients {
        let t = c.await.expect("a client task panicked");
        all.started.extend(t.started);
        all.sessions.extend(t.sessions);
        all.errors.extend(t.errors);
        all.no_message.extend(t.no_message);
    }
    println!(
        "{CLIENTS} clients for {LOAD:?}: {} starts answered 200, {} sessions created, {} requests failed: {:?}",
        all.started.len(),
        all.sessions.len(),
        all.errors.len(),
        all.errors
    );
    assert!(all.started.len() >= 10, "too little load to prove anything: {} starts", all.started.len());
    assert!(
        all.errors.len() <= CLIENTS,
        "more failed requests ({}) than requests that can have been in flight at the kill ({CLIENTS}): {:?}",
        all.errors.len(),
        all.errors
    );
    assert!(all.no_message.is_empty(), "started but no message within 10 s: {:?}", all.no_message);
    assert!(!cluster.instances[VICTIM].is_alive());
    assert!(cluster.instances[0].is_alive() && cluster.instances[2].is_alive());

    // Every accepted start has its message sent, the victim's leased ones by a survivor
    // once the lease ran out.
    let deadline = (killed_at + LEASE + Duration::from_secs(5)).max(Instant::now() + Duration::from_secs(1));
    let rows = loop {
        let rows: Vec<(String, String, i32)> =
            sqlx::query_as("SELECT recipient, status, attempts FROM outbox WHERE recipient = ANY($1)")
                .bind(&all.started)
                .fetch_all(&pool)
                .await
                .expect("outbox");
        let sent = rows.iter().filter(|(_, status, _)| status == "sent").count();
        if sent == all.started.len() {
            break rows;
        }
        if Instant::now() > deadline {
            let missing: Vec<&String> =
                all.started.iter().filter(|e| !rows.iter().any(|(r, status, _)| r == *e && status == "sent")).collect();
            panic!("{} accepted starts have no sent message: {missing:?} (rows: {rows:?})", missing.len());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(rows.len(), all.started.len(), "one outbox row per accepted start");
    let retaken = rows.iter().filter(|(_, _, attempts)| *attempts > 1).count();
    println!(
        "all {} messages sent {:?} after the kill; {retaken} taken again after a lease ran out",
        rows.len(),
        killed_at.elapsed()
    );
    assert!(holding, "the victim was never seen delivering, so the kill proved nothing about leases");
    assert!(retaken >= 1, "the victim died holding a lease, yet no message was taken again");

    // Every session a verify answered 200 for is still accepted, whichever survivor answers.
    let checker = plain();
    for token in &all.sessions {
        for _ in 0..2 {
            let r = session_with(&checker, &front, token).await.expect("session request");
            assert_eq!(r.status(), StatusCode::OK, "a committed session was lost");
        }
    }

    // And the cluster still signs people in.
    let (body, token) = sign_in(&browser(), "after-the-crash@example.com", &front, &front, &front).await;
    assert_eq!(body["user"]["email"], "after-the-crash@example.com");
    let r = session_with(&checker, &front, &token).await.expect("session request");
    assert_eq!(r.status(), StatusCode::OK);
}
