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

/// An app on `open`'s database with sign-up closed (a second instance, as in production).
async fn closed_instance(open: &crate::helpers::TestApp) -> crate::helpers::TestApp {
    let database_url = open.database_url.clone();
    spawn_app_with(move |s| {
        s.rate_limits.enabled = false;
        s.signup = postern::config::SignupPolicy::Closed;
        s.database_url = database_url.into();
    })
    .await
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
    let app = closed_instance(&open).await;
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

/// Warm up, then compare the median start time of `known@example.com` (an account) with
/// that of new addresses: delivery is off the request path, so the work done per request
/// is the same; a gap of a few milliseconds would be a leak.
async fn assert_start_time_tells_nothing(app: &crate::helpers::TestApp) {
    median_start_time(app, |i| format!("warm{i}@example.com")).await;
    let known = median_start_time(app, |_| "known@example.com".to_owned()).await;
    let unknown = median_start_time(app, |i| format!("nobody{i}@example.com")).await;
    let gap = known.abs_diff(unknown);
    assert!(gap < Duration::from_millis(5), "known {known:?} vs unknown {unknown:?}");
}

backend_test! {
async fn start_takes_as_long_for_known_as_for_unknown_addresses() {
    let app = spawn_app_with(|s| s.rate_limits.enabled = false).await;
    app.sign_in(&new_browser(), "known@example.com").await;
    assert_start_time_tells_nothing(&app).await;
}}

backend_test! {
async fn with_signup_closed_start_takes_as_long_for_known_as_for_unknown_addresses() {
    let open = spawn_app_with(|s| s.rate_limits.enabled = false).await;
    open.sign_in(&new_browser(), "known@example.com").await;
    let app = closed_instance(&open).await;
    // Both write a request and a message row (suppressed for the unknown address) in one
    // unit of work (issue 10, finding 4); only the hand-off to the worker differs.
    assert_start_time_tells_nothing(&app).await;
}}

backend_test! {
async fn closed_signup_holds_at_verify_for_a_code_and_a_link_issued_while_it_was_open() {
    let open = spawn_app_with(|s| s.rate_limits.enabled = false).await;
    let (id, message) = open.start_and_read(&open.browser, "newcomer@example.com").await;
    let (_, link_message) = open.start_and_read(&new_browser(), "other@example.com").await;
    // The operator closes sign-up; the secrets already sent must not create accounts.
    let closed = closed_instance(&open).await;
    let r = closed.verify(&open.browser, &id, &message.code()).await;
    assert_eq!(r.status(), 400, "a right code for an unknown address does not sign up");
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_code");
    let (status, page) = closed.page(&closed.browser, &format!("/login/link?token={}", link_message.token())).await;
    assert_eq!(status, 400, "the link page refuses it too: {page}");
    let csrf_page = closed.page(&closed.browser, "/login").await.1;
    let r = closed
        .browser
        .post(closed.url("/login/link"))
        .form(&[
            ("csrf", crate::helpers::csrf_of(&csrf_page).as_str()),
            ("token", link_message.token().as_str()),
            ("choice", "continue"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "and so does spending it");
    assert_eq!(closed.session(&closed.browser).await.status(), 401);
    assert_eq!(closed.session(&open.browser).await.status(), 401);
}}

backend_test! {
async fn a_closed_signup_request_for_an_unknown_address_holds_no_usable_secret() {
    let app = spawn_app_with(|s| {
        s.rate_limits.enabled = false;
        s.signup = postern::config::SignupPolicy::Closed;
    })
    .await;
    let id = app.start_ok(&app.browser, "nobody@example.com").await;
    // The store keeps random hashes in place of the code and link (no secret maps to
    // them); here, at least, no message went out and the request cannot be completed.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.inbox("nobody@example.com").await.is_empty());
    for code in ["000000", "123456", "999999"] {
        let r = app.verify(&app.browser, &id, code).await;
        assert_eq!(r.status(), 400);
    }
    assert_eq!(app.session(&app.browser).await.status(), 401);
}}

/// The answers of `n` wrong codes, then of the right one, for a fresh sign-in of `email`.
async fn lock_out(app: &crate::helpers::TestApp, email: &str, wrong: usize) -> Vec<(u16, String)> {
    let browser = new_browser();
    let id = app.start_ok(&browser, email).await;
    let mut answers = Vec::new();
    for _ in 0..wrong {
        let r = app.verify(&browser, &id, "000000").await;
        let status = r.status().as_u16();
        answers.push((status, r.json::<Value>().await.unwrap()["error"].as_str().unwrap_or_default().to_owned()));
    }
    answers
}

backend_test! {
async fn a_locked_account_and_an_unknown_address_answer_alike() {
    // Three consecutive failures per identifier (NIST 800-63B allows at most 100).
    let app = spawn_app_with(|s| {
        s.rate_limits.enabled = false;
        s.passwordless.account_max_failures = 3;
        s.passwordless.max_attempts = 5;
    })
    .await;
    app.sign_in(&new_browser(), "known@example.com").await;
    let known = lock_out(&app, "known@example.com", 5).await;
    let unknown = lock_out(&app, "unknown@example.com", 5).await;
    assert_eq!(known, unknown, "the same answers whether or not the account exists");
    assert_eq!(known[2], (400, "invalid_code".to_owned()));
    assert_eq!(known[3], (429, "too_many_attempts".to_owned()), "{known:?}");
}}

backend_test! {
async fn consecutive_failures_are_still_counted_after_the_lock_until_a_success() {
    let app = spawn_app_with(|s| {
        s.rate_limits.enabled = false;
        s.passwordless.account_max_failures = 3;
    })
    .await;
    app.sign_in(&new_browser(), "ada@example.com").await;
    let answers = lock_out(&app, "ada@example.com", 4).await;
    assert_eq!(answers[3].0, 429, "{answers:?}");
    // The lock ends; the run of failures does not: one more wrong code locks again.
    app.clock.advance(Duration::from_secs(3601));
    let answers = lock_out(&app, "ada@example.com", 2).await;
    assert_eq!(answers[0], (400, "invalid_code".to_owned()), "one guess after the lock");
    assert_eq!(answers[1], (429, "too_many_attempts".to_owned()), "then locked again at once: {answers:?}");
    // A success ends the run: after the next lock, the owner signs in and has three again.
    app.clock.advance(Duration::from_secs(3601));
    app.sign_in(&new_browser(), "ada@example.com").await;
    let answers = lock_out(&app, "ada@example.com", 3).await;
    assert_eq!(answers[..2], [(400, "invalid_code".to_owned()), (400, "invalid_code".to_owned())]);
}}
