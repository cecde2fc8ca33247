//! The session cache on PostgreSQL (issue 15, item 7): session checks answered from
//! memory, and a revocation made anywhere — by a request to any instance or by an
//! operator's SQL — honoured by every instance within 100 ms, also when an instance's
//! listener is cut off.

use std::time::Duration;

use reqwest::StatusCode;

use crate::common::{Backend, TestDb};
use crate::harness::{Cluster, Instance, Options, browser, plain, session_with, sign_in};

/// The bound a revocation must meet on every instance (`session_cache.rs`: `FRESH_FOR`),
/// plus the millisecond the cache's clock rounds down.
const WITHIN: Duration = Duration::from_millis(102);

async fn status(base: &str, token: &str) -> StatusCode {
    session_with(&plain(), base, token).await.expect("session request").status()
}

/// Every instance answers the session (and so holds it in its cache).
async fn accepted_everywhere(bases: &[&str], token: &str) {
    for base in bases {
        for _ in 0..3 {
            assert_eq!(status(base, token).await, StatusCode::OK, "{base} refuses a live session");
        }
    }
}

/// `WITHIN` after a change, every instance refuses the session.
async fn refused_everywhere_within(bases: &[&str], token: &str, why: &str) {
    tokio::time::sleep(WITHIN).await;
    for base in bases {
        assert_eq!(status(base, token).await, StatusCode::UNAUTHORIZED, "{base} accepts {why}");
    }
}

/// The backends of this database that LISTEN for the session caches: one per instance.
async fn listeners(pg: &sqlx::PgPool) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN \"postern_sessions\"'",
    )
    .fetch_all(pg)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_instance_is_honoured_by_every_instance_when_it_answers() {
    let cluster = Cluster::start(3, Options { rate_limits: false }, false).await;
    let (a, b, c) = (cluster.base(0), cluster.base(1), cluster.base(2));
    for round in 0..5 {
        let person = browser();
        let (_, token) = sign_in(&person, &format!("ada{round}@example.com"), a, a, a).await;
        accepted_everywhere(&[a, b, c], &token).await;
        let r = person.post(format!("{c}/v1/logout")).header("content-type", "application/json").send().await;
        assert_eq!(r.expect("logout").status(), StatusCode::NO_CONTENT);
        // The logout answered once every instance's listener had been sent the revocation.
        for base in [c, a, b] {
            assert_eq!(status(base, &token).await, StatusCode::UNAUTHORIZED, "{base} still accepts it (round {round})");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operators_sql_reaches_every_cache_within_100_ms() {
    let cluster = Cluster::start(2, Options { rate_limits: false }, false).await;
    let (a, b) = (cluster.base(0), cluster.base(1));
    let pg = cluster.pg().await;

    // A revoked session.
    let (body, token) = sign_in(&browser(), "lin@example.com", a, a, b).await;
    accepted_everywhere(&[a, b], &token).await;
    let session_id = body["session"]["id"].as_str().expect("session id").to_owned();
    sqlx::query("UPDATE sessions SET revoked_at = 1 WHERE id = $1").bind(&session_id).execute(&pg).await.unwrap();
    refused_everywhere_within(&[a, b], &token, "a revoked session").await;

    // A disabled user, and a user whose address changed (the cache holds the user too).
    let (_, token) = sign_in(&browser(), "mae@example.com", b, b, a).await;
    accepted_everywhere(&[a, b], &token).await;
    sqlx::query("UPDATE users SET email = 'mae.new@example.com' WHERE email = 'mae@example.com'")
        .execute(&pg)
        .await
        .unwrap();
    tokio::time::sleep(WITHIN).await;
    for base in [a, b] {
        let r = session_with(&plain(), base, &token).await.expect("session request");
        let body: serde_json::Value = r.json().await.expect("json");
        assert_eq!(body["user"]["email"], "mae.new@example.com", "{base} shows the old address");
    }
    sqlx::query("UPDATE users SET disabled_at = 1 WHERE email = 'mae.new@example.com'").execute(&pg).await.unwrap();
    refused_everywhere_within(&[a, b], &token, "a disabled user's session").await;

    // A deleted user.
    let (_, token) = sign_in(&browser(), "noor@example.com", a, a, a).await;
    accepted_everywhere(&[a, b], &token).await;
    sqlx::query("DELETE FROM users WHERE email = 'noor@example.com'").execute(&pg).await.unwrap();
    refused_everywhere_within(&[a, b], &token, "a deleted user's session").await;
}

/// Without its notification the cache keeps answering (so it is in use), until the
/// listener goes: then it stops answering, and a new listener starts from nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_whose_listener_is_cut_off_stops_answering() {
    let cluster = Cluster::start(2, Options { rate_limits: false }, false).await;
    let (a, b) = (cluster.base(0), cluster.base(1));
    let pg = cluster.pg().await;
    let (body, token) = sign_in(&browser(), "ida@example.com", a, a, a).await;
    accepted_everywhere(&[a, b], &token).await;

    // The revocation without its notification (as if it were lost on the way).
    sqlx::query("ALTER TABLE sessions DISABLE TRIGGER sessions_revoked").execute(&pg).await.unwrap();
    sqlx::query("UPDATE sessions SET revoked_at = 1 WHERE id = $1")
        .bind(body["session"]["id"].as_str().expect("session id"))
        .execute(&pg)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE sessions ENABLE TRIGGER sessions_revoked").execute(&pg).await.unwrap();
    tokio::time::sleep(2 * WITHIN).await;
    for base in [a, b] {
        // A check that finds the cache momentarily not current (a late ping on a loaded
        // machine) reads the database and is refused; the entry stays, the next one uses it.
        let mut answered = false;
        for _ in 0..10 {
            if status(base, &token).await == StatusCode::OK {
                answered = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(answered, "{base} did not answer from its cache");
    }

    // Every instance's listener connection is cut.
    let cut = listeners(&pg).await;
    assert_eq!(cut.len(), 2, "one listener per instance");
    for pid in &cut {
        sqlx::query("SELECT pg_terminate_backend($1)").bind(pid).execute(&pg).await.unwrap();
    }
    refused_everywhere_within(&[a, b], &token, "a revoked session from a cache without a listener").await;

    // The listeners come back, and the caches serve again.
    let (_, token) = sign_in(&browser(), "ida2@example.com", a, a, a).await;
    let back = async {
        loop {
            if listeners(&pg).await.len() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), back).await.expect("the listeners reconnect");
    accepted_everywhere(&[a, b], &token).await;
}

/// `postgres.session_cache = 0`: every check reads the database, so even a revocation
/// nobody was told of is honoured at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_cache_off_every_check_reads_the_database() {
    let db = TestDb::new(Backend::Postgres).await;
    let off = [("POSTERN_POSTGRES__SESSION_CACHE", "0")];
    let a = Instance::start_with_env("A", &db.url, None, Options { rate_limits: false }, db.dir.path(), &off).await;
    let pg = crate::harness::pg(&db.url).await;
    let (body, token) = sign_in(&browser(), "eve@example.com", &a.base, &a.base, &a.base).await;
    accepted_everywhere(&[&a.base], &token).await;
    assert!(listeners(&pg).await.is_empty(), "no listener without a cache");
    sqlx::query("ALTER TABLE sessions DISABLE TRIGGER sessions_revoked").execute(&pg).await.unwrap();
    sqlx::query("UPDATE sessions SET revoked_at = 1 WHERE id = $1")
        .bind(body["session"]["id"].as_str().expect("session id"))
        .execute(&pg)
        .await
        .unwrap();
    assert_eq!(status(&a.base, &token).await, StatusCode::UNAUTHORIZED);
}
