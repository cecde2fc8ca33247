//! Instances share nothing but the database: a sign-in, a rate limit and the outbox are
//! the same whichever instance a request reaches.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{Cluster, Options, browser, inbox, plain, session_with, sign_in, start, start_ok};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_started_on_one_instance_completes_on_another() {
    let cluster = Cluster::start(3, Options { rate_limits: true }, true).await;
    let (a, b, c) = (cluster.base(0), cluster.base(1), cluster.base(2));

    // Started on A, message read through C, code verified on B: the code hash A stored is
    // keyed with the server key every instance shares.
    let person = browser();
    let (body, token) = sign_in(&person, "ada@example.com", a, c, b).await;
    assert_eq!(body["user"]["email"], "ada@example.com");
    let session_id = body["session"]["id"].clone();

    // The session B created is honoured by every instance.
    let other = plain();
    for base in [a, b, c] {
        let r = session_with(&other, base, &token).await.expect("session request");
        assert_eq!(r.status(), StatusCode::OK, "the session is unknown to {base}");
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["session"]["id"], session_id);
        assert_eq!(body["user"]["email"], "ada@example.com");
    }

    // Signed out on C, it is gone on A and B too: the logout answers once every instance's
    // session cache has been told (tests/cluster/session_cache.rs).
    let r =
        person.post(format!("{c}/v1/logout")).header("content-type", "application/json").send().await.expect("logout");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    for base in [a, b, c] {
        let r = session_with(&other, base, &token).await.expect("session request");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{base} still accepts a revoked session");
    }

    // A whole sign-in through nginx, which sends each request to the next instance.
    let front = cluster.front();
    let person = browser();
    let (body, token) = sign_in(&person, "grace@example.com", front, front, front).await;
    assert_eq!(body["user"]["email"], "grace@example.com");
    for _ in 0..3 {
        let r = session_with(&other, front, &token).await.expect("session request");
        assert_eq!(r.status(), StatusCode::OK);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_address_rate_limit_holds_across_instances() {
    let cluster = Cluster::start(3, Options { rate_limits: true }, false).await;
    let (a, b, c) = (cluster.base(0), cluster.base(1), cluster.base(2));
    let client = browser();

    start_ok(&client, a, "lin@example.com").await;
    for base in [b, c] {
        let r = start(&client, base, "lin@example.com").await.expect("start request");
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{base} sent a second message within 60 s");
        let retry_after: u64 = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("a Retry-After header in seconds");
        assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["error"], "rate_limited");
    }
    // The limit is the address's, not the instance's: another address on B is fine.
    start_ok(&client, b, "other@example.com").await;

    // One message, not three.
    let deadline = Instant::now() + Duration::from_secs(10);
    while inbox(&client, c, "lin@example.com").await.expect("inbox").is_empty() {
        assert!(Instant::now() < deadline, "the first message never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pool = cluster.pg().await;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE recipient = 'lin@example.com'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(rows, 1);
    assert_eq!(inbox(&client, a, "lin@example.com").await.expect("inbox").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_message_is_delivered_once_by_exactly_one_instance() {
    const N: usize = 60;
    let cluster = Cluster::start(3, Options { rate_limits: false }, false).await;
    let emails: Vec<String> = (0..N).map(|i| format!("person{i:02}@example.com")).collect();

    // All at once, spread over the three instances: three workers race for the rows.
    let client = plain();
    let began = Instant::now();
    let starts: Vec<_> = emails
        .iter()
        .enumerate()
        .map(|(i, email)| {
            let (client, base, email) = (client.clone(), cluster.base(i % 3).to_owned(), email.clone());
            tokio::spawn(async move { start_ok(&client, &base, &email).await })
        })
        .collect();
    for s in starts {
        s.await.expect("a start failed");
    }

    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let r = client.get(format!("{}/dev/inbox.json", cluster.base(0))).send().await.expect("inbox");
        let body: Value = r.json().await.expect("json");
        let delivered = body["messages"].as_array().map_or(0, Vec::len);
        if delivered >= N {
            break;
        }
        assert!(Instant::now() < deadline, "only {delivered} of {N} messages were delivered within 15 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("{N} messages started on 3 instances and delivered in {:?}", began.elapsed());

    let pool = cluster.pg().await;
    let rows: Vec<(String, String, i32, Option<String>)> =
        sqlx::query_as("SELECT recipient, status, attempts, provider FROM outbox ORDER BY seq")
            .fetch_all(&pool)
            .await
            .expect("outbox");
    assert_eq!(rows.len(), N, "one outbox row per start");
    let wrong: Vec<_> = rows.iter().filter(|(_, status, attempts, _)| status != "sent" || *attempts != 1).collect();
    assert!(wrong.is_empty(), "rows not sent in exactly one attempt: {wrong:?}");
    assert!(rows.iter().all(|(_, _, _, provider)| provider.as_deref() == Some("dev")));

    for (i, email) in emails.iter().enumerate() {
        let messages = inbox(&client, cluster.base(i % 3), email).await.expect("inbox");
        assert_eq!(messages.len(), 1, "{email} has {} messages", messages.len());
    }
}
