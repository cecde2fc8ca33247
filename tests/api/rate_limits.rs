use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with};

backend_test! {
async fn a_second_message_to_one_address_within_a_minute_is_rate_limited_with_retry_after() {
    let app = spawn_app().await;
    assert_eq!(app.start(&app.browser, "ada@example.com").await.status(), 200);
    let r = app.start(&app.browser, "ada@example.com").await;
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((55..=60).contains(&retry), "retry-after {retry}");
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "rate_limited");
    app.clock.advance(Duration::from_secs(60));
    assert_eq!(app.start(&app.browser, "ada@example.com").await.status(), 200);
}}

backend_test! {
async fn the_address_limit_holds_whatever_way_the_address_is_written() {
    let app = spawn_app().await;
    assert_eq!(app.start(&app.browser, "ada@example.com").await.status(), 200);
    assert_eq!(app.start(&app.browser, " ADA@Example.COM ").await.status(), 429);
}}

backend_test! {
async fn one_address_gets_at_most_five_messages_an_hour() {
    let app = spawn_app().await;
    for i in 0..5 {
        assert_eq!(app.start(&app.browser, "ada@example.com").await.status(), 200, "message {}", i + 1);
        app.clock.advance(Duration::from_secs(61));
    }
    let r = app.start(&app.browser, "ada@example.com").await;
    assert_eq!(r.status(), 429, "the sixth within the hour");
    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(app.start(&app.browser, "ada@example.com").await.status(), 200);
}}

backend_test! {
async fn one_client_ip_gets_at_most_thirty_messages_an_hour() {
    let app = spawn_app().await;
    for i in 0..30 {
        let r = app.start(&app.browser, &format!("user{i}@example.com")).await;
        assert_eq!(r.status(), 200, "message {}", i + 1);
    }
    let r = app.start(&app.browser, "user30@example.com").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
}}

backend_test! {
async fn a_refused_start_sends_nothing() {
    let app = spawn_app().await;
    app.start_and_read(&app.browser, "ada@example.com").await;
    assert_eq!(app.start(&app.browser, "ada@example.com").await.status(), 429);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.inbox("ada@example.com").await.len(), 1);
}}

backend_test! {
async fn resend_is_rate_limited_too() {
    let app = spawn_app().await;
    let id = app.start_ok(&app.browser, "ada@example.com").await;
    let r = app.resend(&app.browser, &id).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
}}

backend_test! {
async fn rate_limits_can_be_turned_off() {
    let app = spawn_app_with(|s| s.rate_limits.enabled = false).await;
    for _ in 0..10 {
        assert_eq!(app.start(&app.browser, "ada@example.com").await.status(), 200);
    }
}}

backend_test! {
async fn the_ip_limit_uses_forwarded_for_only_from_trusted_proxies() {
    // Untrusted peer: X-Forwarded-For is ignored, so rotating it does not escape the limit.
    let app = spawn_app_with(|s| s.rate_limits.per_ip_per_hour = 2).await;
    for (i, expected) in [200, 200, 429].into_iter().enumerate() {
        let r = app
            .browser
            .post(app.url("/v1/passwordless/start"))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .json(&json!({ "email": format!("u{i}@example.com") }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), expected, "request {i}");
    }
    // Trusted proxy: each forwarded client has its own budget.
    let app = spawn_app_with(|s| {
        s.rate_limits.per_ip_per_hour = 2;
        s.trusted_proxies = vec!["127.0.0.1/32".to_owned()];
    })
    .await;
    for i in 0..4 {
        let r = app
            .browser
            .post(app.url("/v1/passwordless/start"))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .json(&json!({ "email": format!("u{i}@example.com") }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "request {i}");
    }
}}
