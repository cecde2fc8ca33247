//! Routing and SMS abuse protection at the API: a channel without a provider is refused,
//! SMS go only to allowed countries, and per-country limits and the global SMS budget
//! hold (the budget trips a circuit breaker that shows in `/metrics`).

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use postern::config::SmsProvider;

async fn start_phone(app: &TestApp, phone: &str) -> reqwest::Response {
    app.post_json(&app.browser, "/v1/passwordless/start", &json!({ "phone": phone })).await
}

async fn error_of(r: reqwest::Response) -> (u16, Value) {
    (r.status().as_u16(), r.json().await.unwrap())
}

backend_test! {
async fn a_channel_without_a_provider_is_a_clear_invalid_request() {
    let app = spawn_app_with(|s| s.delivery.sms.provider = Some(SmsProvider::None)).await;
    let (status, body) = error_of(start_phone(&app, "+4915112345678").await).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    assert!(body["message"].as_str().unwrap().contains("sms is not configured"), "{body}");
    assert_eq!(app.start(&app.browser, "ada@example.com").await.status(), 200);
}
}

backend_test! {
async fn sms_go_only_to_allowed_countries() {
    let app = spawn_app_with(|s| s.delivery.sms.allowed_countries = vec!["DE".into()]).await;
    let (status, body) = error_of(start_phone(&app, "+447911123456").await).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));
    assert_eq!(start_phone(&app, "+4915112345678").await.status(), 200);
    assert_eq!(app.wait_for_messages("+4915112345678", 1).await.len(), 1);
    assert!(app.inbox("+447911123456").await.is_empty());
}
}

backend_test! {
async fn a_country_calling_code_has_its_own_hourly_limit() {
    let app = spawn_app_with(|s| s.delivery.sms.per_country_per_hour = 1).await;
    assert_eq!(start_phone(&app, "+4915112345678").await.status(), 200);
    let (status, body) = error_of(start_phone(&app, "+4915112345679").await).await;
    assert_eq!((status, body["error"].as_str()), (429, Some("rate_limited")));
    assert_eq!(start_phone(&app, "+447911123456").await.status(), 200, "another country is not affected");
}
}

backend_test! {
async fn a_spent_sms_budget_stops_all_sms_and_shows_in_metrics() {
    let app = spawn_app_with(|s| s.delivery.sms.hourly_budget = 2).await;
    assert_eq!(start_phone(&app, "+4915112345678").await.status(), 200);
    assert_eq!(start_phone(&app, "+447911123456").await.status(), 200);
    let r = start_phone(&app, "+14155552671").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    assert_eq!(app.start(&app.browser, "ada@example.com").await.status(), 200, "email is not affected");
    let metrics = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("postern_sms_budget_exhausted_total"), "{metrics}");
}
}

backend_test! {
async fn deliveries_are_counted_in_metrics() {
    let app = spawn_app().await;
    app.start_and_read(&app.browser, "ada@example.com").await;
    let r = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let metrics = r.text().await.unwrap();
    let sent = metrics
        .lines()
        .find(|l| l.starts_with("postern_delivery_messages_total{") && l.contains("provider=\"dev\"") && l.contains("status=\"sent\""))
        .unwrap_or_else(|| panic!("no delivered count in:\n{metrics}"));
    let count: f64 = sent.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1.0, "{sent}");
    assert!(metrics.contains("postern_delivery_latency_seconds_bucket"), "{metrics}");
    assert!(metrics.contains("postern_delivery_attempts_total"), "{metrics}");
}
}

backend_test! {
async fn sms_to_premium_rate_and_shared_cost_numbers_are_refused() {
    // Only the US is allowed, and +1 900 is a US number: the country check alone let it
    // through (issue 10, finding 9).
    let app = spawn_app_with(|s| s.delivery.sms.allowed_countries = vec!["US".into(), "GB".into(), "FR".into()]).await;
    for (number, kind) in [("+19002345678", "US premium-rate"), ("+449012345678", "UK premium-rate"), ("+33884012345", "French shared-cost")] {
        let (status, body) = error_of(start_phone(&app, number).await).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{kind}: {body}");
        assert!(body["message"].as_str().unwrap().contains("premium-rate"), "{kind}: {body}");
    }
    assert_eq!(start_phone(&app, "+14155552671").await.status(), 200, "a US mobile number still works");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(app.inbox("+19002345678").await.is_empty());
}}

backend_test! {
async fn the_refused_number_types_are_configurable() {
    let app = spawn_app_with(|s| s.delivery.sms.refused_number_types = vec![]).await;
    assert_eq!(start_phone(&app, "+19002345678").await.status(), 200, "the operator allowed every type");
}}
