use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{new_browser, spawn_app_with};

fn shape(v: &Value) -> Vec<(String, &'static str)> {
    let mut keys: Vec<(String, &'static str)> = v
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let t = match v {
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Bool(_) => "bool",
                Value::Null => "null",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            (k.clone(), t)
        })
        .collect();
    keys.sort();
    keys
}

backend_test! {
async fn start_answers_alike_for_known_and_unknown_addresses() {
    let app = spawn_app_with(|s| s.rate_limits.enabled = false).await;
    app.sign_in(&new_browser(), "known@example.com").await;
    let known = app.start(&app.browser, "known@example.com").await;
    let unknown = app.start(&app.browser, "unknown@example.com").await;
    assert_eq!(known.status(), unknown.status());
    let (k, u): (Value, Value) = (known.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(shape(&k), shape(&u));
    assert_eq!(k["resend_after"], u["resend_after"]);
}}

backend_test! {
async fn with_signup_closed_start_still_answers_alike_for_known_and_unknown_addresses() {
    let open = spawn_app_with(|s| s.rate_limits.enabled = false).await;
    open.sign_in(&new_browser(), "known@example.com").await;
    let database_url = open.database_url.clone();
    // A second instance on the same database, with sign-up closed.
    let app = spawn_app_with(move |s| {
        s.rate_limits.enabled = false;
        s.signup = postern::config::SignupPolicy::Closed;
        s.database_url = database_url.into();
    })
    .await;
    let known = app.start(&app.browser, "known@example.com").await;
    let unknown = app.start(&app.browser, "unknown@example.com").await;
    assert_eq!(known.status(), unknown.status());
    let (k, u): (Value, Value) = (known.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(shape(&k), shape(&u));
    let code = app.wait_for_messages("known@example.com", 2).await.remove(0).code();
    let r = app.verify(&app.browser, k["auth_request_id"].as_str().unwrap(), &code).await;
    assert_eq!(r.status(), 200, "a known account still signs in with sign-up closed");
}}

async fn median_start_time(app: &crate::helpers::TestApp, email: impl Fn(usize) -> String) -> Duration {
    let mut times = Vec::new();
    for i in 0..25 {
        let t = Instant::now();
        let r = app.start(&app.browser, &email(i)).await;
        times.push(t.elapsed());
        assert_eq!(r.status(), 200);
    }
    times.sort();
    times[times.len() / 2]
}

backend_test! {
async fn start_takes_as_long_for_known_as_for_unknown_addresses() {
    let app = spawn_app_with(|s| s.rate_limits.enabled = false).await;
    app.sign_in(&new_browser(), "known@example.com").await;
    // Warm up, then compare medians: delivery is off the request path, so the work done
    // per request is the same; a gap of a few milliseconds would be a leak.
    median_start_time(&app, |i| format!("warm{i}@example.com")).await;
    let known = median_start_time(&app, |_| "known@example.com".to_owned()).await;
    let unknown = median_start_time(&app, |i| format!("nobody{i}@example.com")).await;
    let gap = known.abs_diff(unknown);
    assert!(gap < Duration::from_millis(5), "known {known:?} vs unknown {unknown:?}");
}}
