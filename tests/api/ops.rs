use serde_json::{Value, json};

use crate::helpers::spawn_app;

backend_test! {
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(reqwest::get(app.url("/healthz")).await.unwrap().status(), 200);
    let r = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ready");
}}

backend_test! {
async fn the_dev_inbox_lists_messages_newest_first_in_the_documented_shape() {
    let app = spawn_app().await;
    app.start_ok(&app.browser, "ada@example.com").await;
    app.start_ok(&app.browser, "bob@example.com").await;
    app.wait_for_messages("bob@example.com", 1).await;
    let all: Value = reqwest::get(app.url("/dev/inbox.json")).await.unwrap().json().await.unwrap();
    let messages = all["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["to"], "bob@example.com", "newest first");
    for m in messages {
        for key in ["id", "channel", "to", "subject", "text", "html", "created_at"] {
            assert!(m.get(key).is_some(), "{key} in {m}");
        }
    }
    // `to` is matched on the canonical address.
    let ada: Value =
        reqwest::get(app.url("/dev/inbox.json?to=%20ADA@Example.com")).await.unwrap().json().await.unwrap();
    assert_eq!(ada["messages"].as_array().unwrap().len(), 1);
    let html = reqwest::get(app.url("/dev/inbox")).await.unwrap().text().await.unwrap();
    assert!(html.contains("bob@example.com") && html.contains("Dev inbox"));
}}

backend_test! {
async fn the_dev_inbox_rejects_a_malformed_recipient() {
    let app = spawn_app().await;
    let r = reqwest::get(app.url("/dev/inbox.json?to=not-an-address")).await.unwrap();
    assert_eq!(r.status(), 400);
}}

backend_test! {
async fn the_login_page_is_accessible_without_javascript() {
    let app = spawn_app().await;
    let (status, html) = app.page(&app.browser, "/login").await;
    assert_eq!(status, 200);
    assert!(html.contains("<label for=\"identifier\">"), "a label for the field");
    assert!(html.contains("<form method=\"post\" action=\"/login\""), "a real form");
    assert!(html.contains("lang=\"en\""));
    let css = reqwest::get(app.url("/assets/app.css")).await.unwrap();
    assert_eq!(css.status(), 200);
    let js = reqwest::get(app.url("/assets/app.js")).await.unwrap();
    assert!(js.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
}}

backend_test! {
async fn the_server_shuts_down_gracefully() {
    let app = spawn_app().await;
    app.post_json(&app.browser, "/v1/passwordless/start", &json!({ "email": "ada@example.com" })).await;
    let url = app.url("/healthz");
    drop(app);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(reqwest::get(url).await.is_err(), "the port is closed after shutdown");
}}

backend_test! {
async fn the_dev_inbox_can_wait_for_a_message_instead_of_being_polled() {
    let app = spawn_app().await;
    let started = std::time::Instant::now();
    let empty = app.inbox_waiting("nobody@example.com", 1).await;
    assert!(empty.is_empty());
    assert!(started.elapsed() >= std::time::Duration::from_millis(900), "waited about a second");
    app.start_ok(&app.browser, "ada@example.com").await;
    let messages = app.inbox_waiting("ada@example.com", 5).await;
    assert_eq!(messages.len(), 1, "the first read already has the message");
}
}

/// A server of its own (SQLite in `dir`) with the shutdown grace `grace`, running: its base
/// URL, the token that stops it, and its task.
async fn running_with_grace(
    dir: &std::path::Path,
    grace: std::time::Duration,
) -> (String, tokio_util::sync::CancellationToken, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let mut settings = postern::config::Settings::from_sources(None, &[]).unwrap();
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.database_url = format!("sqlite://{}", dir.join("p.db").display()).into();
    settings.http.shutdown_grace = grace;
    let app = postern::startup::Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let stop = app.shutdown_token();
    (base, stop, tokio::spawn(app.run_until_stopped()))
}

#[tokio::test]
async fn shutdown_drains_requests_but_no_longer_than_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let (base, stop, server) = running_with_grace(dir.path(), std::time::Duration::from_secs(1)).await;
    let url = format!("{base}/dev/inbox.json?to=nobody@example.com&wait=10");
    // A request that would hold its connection for ten seconds.
    let slow = tokio::spawn(async move { reqwest::get(url).await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    stop.cancel();
    server.await.unwrap().unwrap();
    let took = started.elapsed();
    assert!(took >= std::time::Duration::from_millis(900), "it waited for the request: {took:?}");
    assert!(took < std::time::Duration::from_secs(3), "but not past the grace period: {took:?}");
    slow.abort();
}

#[tokio::test]
async fn shutdown_answers_the_request_in_flight_and_does_not_wait_for_idle_connections() {
    let dir = tempfile::tempdir().unwrap();
    let (base, stop, server) = running_with_grace(dir.path(), std::time::Duration::from_secs(20)).await;
    // An idle keep-alive connection: the client's pool keeps it open after this answer.
    let idle = reqwest::Client::new();
    assert_eq!(idle.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
    // A request that answers (an empty inbox) after about a second.
    let slow = tokio::spawn(reqwest::get(format!("{base}/dev/inbox.json?to=nobody@example.com&wait=1")));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    stop.cancel();
    server.await.unwrap().unwrap();
    let took = started.elapsed();
    let answer = slow.await.unwrap().expect("the request in flight is answered");
    assert_eq!(answer.status(), 200);
    assert!(answer.json::<Value>().await.unwrap()["messages"].as_array().unwrap().is_empty());
    // Far under the 20-s grace: the idle connection was closed, not waited for.
    assert!(took < std::time::Duration::from_secs(5), "stopped in {took:?}");
    assert!(reqwest::get(format!("{base}/healthz")).await.is_err(), "no longer accepting");
}

backend_test! {
async fn a_forged_request_id_is_replaced_and_a_safe_one_kept() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let forged = "abc method=POST path=/admin} {\"level\":\"ERROR\"";
    let r = client.get(app.url("/healthz")).header("x-request-id", forged).send().await.unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(id, forged, "log forging: the id goes into every log line");
    assert!(id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{id}");
    for bad in ["a b", "x".repeat(65).as_str(), "ünïcode", "a\"b"] {
        let r = client.get(app.url("/healthz")).header("x-request-id", bad).send().await.unwrap();
        assert_ne!(r.headers()["x-request-id"].as_bytes(), bad.as_bytes(), "{bad:?} was kept");
    }
    let r = client.get(app.url("/healthz")).header("x-request-id", "req-42_a.b").send().await.unwrap();
    assert_eq!(r.headers()["x-request-id"], "req-42_a.b", "a short safe id is propagated");
}}

backend_test! {
async fn metrics_are_open_only_on_a_loopback_public_url() {
    let dev = spawn_app().await;
    assert_eq!(reqwest::get(dev.url("/metrics")).await.unwrap().status(), 200);
    let public = crate::helpers::spawn_app_with(|s| {
        s.public_url = Some("https://auth.example.com".to_owned());
        s.delivery.allow_insecure_dev_inbox = true;
    })
    .await;
    let r = reqwest::get(public.url("/metrics")).await.unwrap();
    assert_eq!(r.status(), 404, "a production-looking setup does not publish its counters by omission");
}}

backend_test! {
async fn metrics_behind_a_bearer_token_need_it() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.public_url = Some("https://auth.example.com".to_owned());
        s.delivery.allow_insecure_dev_inbox = true;
        s.metrics.bearer_token = Some("metrics-token-0123456789".to_owned().into());
    })
    .await;
    let client = reqwest::Client::new();
    let r = client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "unauthorized");
    let r = client.get(app.url("/metrics")).bearer_auth("metrics-token-wrong").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = client.get(app.url("/metrics")).bearer_auth("metrics-token-0123456789").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
}}

backend_test! {
async fn metrics_on_their_own_listener_leave_the_main_one() {
    let app = crate::helpers::spawn_app_with(|s| s.metrics.listen = Some("127.0.0.1:0".parse().unwrap())).await;
    assert_eq!(reqwest::get(app.url("/metrics")).await.unwrap().status(), 404);
    let metrics = app.metrics_address.expect("a metrics listener");
    let r = reqwest::get(format!("http://{metrics}/metrics")).await.unwrap();
    assert_eq!(r.status(), 200);
    let r = reqwest::get(format!("http://{metrics}/login")).await.unwrap();
    assert_eq!(r.status(), 404, "only /metrics is served there");
}}
