//! Deploys that migrate from several places at once: the advisory lock makes them take
//! turns, and `migrate --check` tells a pipeline whether anything is pending.

use std::process::Output;

use crate::common::{Backend, TestDb};
use crate::harness::{pg, postern};

async fn migrate(url: &str, check: bool) -> Output {
    let mut cmd = postern(url);
    cmd.arg("migrate");
    if check {
        cmd.arg("--check");
    }
    tokio::process::Command::from(cmd).kill_on_drop(true).output().await.expect("run postern migrate")
}

fn describe(o: &Output) -> String {
    format!(
        "{}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_do_not_race() {
    let db = TestDb::new(Backend::Postgres).await;

    let check = migrate(&db.url, true).await;
    assert!(!check.status.success(), "migrate --check passed on a fresh database: {}", describe(&check));
    assert_eq!(check.status.code(), Some(1), "{}", describe(&check));

    let runs: Vec<_> = (0..3)
        .map(|_| {
            let url = db.url.clone();
            tokio::spawn(async move { migrate(&url, false).await })
        })
        .collect();
    let mut applied_by = 0;
    for run in runs {
        let out = run.await.expect("migrate task");
        assert!(out.status.success(), "a concurrent migrate failed: {}", describe(&out));
        if String::from_utf8_lossy(&out.stdout).contains("applied migrations") {
            applied_by += 1;
        }
    }
    assert_eq!(applied_by, 1, "exactly one of the three applies the migrations; the others find nothing to do");

    let pool = pg(&db.url).await;
    let versions: Vec<(i64, i64)> =
        sqlx::query_as("SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version")
            .fetch_all(&pool)
            .await
            .expect("schema_migrations");
    assert!(!versions.is_empty(), "no migration recorded");
    assert!(versions.iter().all(|(_, n)| *n == 1), "a version recorded more than once: {versions:?}");
    assert_eq!(versions[0].0, 1);

    let check = migrate(&db.url, true).await;
    assert!(check.status.success(), "migrate --check fails on a migrated database: {}", describe(&check));
    pool.close().await;
}
