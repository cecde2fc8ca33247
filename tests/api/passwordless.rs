use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{new_browser, spawn_app, spawn_app_with, wrong_code};

backend_test! {
async fn start_answers_with_the_contract_shape() {
    let app = spawn_app().await;
    let r = app.start(&app.browser, "ada@example.com").await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["auth_request_id"].as_str().is_some_and(|s| s.len() >= 16));
    assert!(body["expires_at"].as_str().is_some_and(|s| s.ends_with('Z')));
    assert_eq!(body["channel"], "email");
    assert_eq!(body["resend_after"], 60);
    let n = body["match_number"].as_u64().unwrap();
    assert!((10..=99).contains(&n), "two-digit match number, got {n}");
}}

backend_test! {
async fn one_message_carries_the_link_and_the_code_with_text_and_html() {
    let app = spawn_app().await;
    app.start_ok(&app.browser, "ada@example.com").await;
    let m = app.latest_message("ada@example.com").await;
    assert_eq!(m.to, "ada@example.com");
    assert_eq!(m.channel, "email");
    assert!(m.subject.contains("sign-in code"), "subject: {}", m.subject);
    let code = m.code();
    let link = m.link();
    assert!(link.starts_with(&format!("{}/login/link?token=", app.address)), "link from public_url: {link}");
    assert!(m.token().len() >= 43, "a token of at least 256 bits in base64url");
    assert!(m.html.is_some(), "an HTML part");
    let html = m.html_decoded();
    assert!(html.contains(&code), "the HTML part has the same code");
    assert!(html.contains(&link), "the HTML part has the same link");
    assert!(m.text.contains("10 minutes"), "says when it expires");
    assert!(m.text.contains("If this wasn't you"), "says what to do if it wasn't them");
}}

backend_test! {
async fn the_right_code_signs_in_and_sets_the_session_cookie() {
    let app = spawn_app().await;
    let body = app.sign_in(&app.browser, "Ada@Example.com").await;
    assert_eq!(body["user"]["email"], "ada@example.com", "the canonical address is stored");
    assert!(body["session"]["id"].is_string());
    let me: Value = app.session(&app.browser).await.json().await.unwrap();
    assert_eq!(me["user"]["id"], body["user"]["id"]);
}}

backend_test! {
async fn the_first_verification_creates_the_account_and_later_ones_reuse_it() {
    let app = spawn_app().await;
    let first = app.sign_in(&new_browser(), "ada@example.com").await;
    app.clock.advance(Duration::from_secs(61));
    let second = app.sign_in(&new_browser(), "ADA@example.com").await;
    assert_eq!(first["user"]["id"], second["user"]["id"]);
}}

backend_test! {
async fn a_wrong_code_is_refused_and_says_how_many_attempts_are_left() {
    let app = spawn_app().await;
    let id = app.start_ok(&app.browser, "ada@example.com").await;
    let code = app.latest_message("ada@example.com").await.code();
    let r = app.verify(&app.browser, &id, &wrong_code(&code)).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_code");
    assert_eq!(body["attempts_remaining"], 4);
    assert_eq!(app.session(&app.browser).await.status(), 401);
}}

backend_test! {
async fn five_wrong_codes_kill_the_request_even_for_the_right_code() {
    let app = spawn_app().await;
    let id = app.start_ok(&app.browser, "ada@example.com").await;
    let code = app.latest_message("ada@example.com").await.code();
    for attempt in 1..=5 {
        let r = app.verify(&app.browser, &id, &wrong_code(&code)).await;
        let expected = if attempt < 5 { 400 } else { 429 };
        assert_eq!(r.status(), expected, "attempt {attempt}");
    }
    let r = app.verify(&app.browser, &id, &code).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "too_many_attempts");
}}

backend_test! {
async fn an_expired_code_is_refused() {
    let app = spawn_app().await;
    let id = app.start_ok(&app.browser, "ada@example.com").await;
    let code = app.latest_message("ada@example.com").await.code();
    app.clock.advance(Duration::from_secs(10 * 60 + 1));
    let r = app.verify(&app.browser, &id, &code).await;
    assert_eq!(r.status(), 410);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "expired");
}}

backend_test! {
async fn a_code_still_works_just_before_it_expires() {
    let app = spawn_app().await;
    let id = app.start_ok(&app.browser, "ada@example.com").await;
    let code = app.latest_message("ada@example.com").await.code();
    app.clock.advance(Duration::from_secs(10 * 60 - 2));
    assert_eq!(app.verify(&app.browser, &id, &code).await.status(), 200);
}}

backend_test! {
async fn a_used_code_cannot_be_replayed() {
    let app = spawn_app().await;
    let id = app.start_ok(&app.browser, "ada@example.com").await;
    let code = app.latest_message("ada@example.com").await.code();
    assert_eq!(app.verify(&app.browser, &id, &code).await.status(), 200);
    let r = app.verify(&new_browser(), &id, &code).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_code");
}}

backend_test! {
async fn parallel_verifications_of_one_code_sign_in_exactly_once() {
    let app = spawn_app().await;
    let id = app.start_ok(&app.browser, "ada@example.com").await;
    let code = app.latest_message("ada@example.com").await.code();
    let attempts = (0..16).map(|_| {
        let client = new_browser();
        let url = app.url("/v1/passwordless/verify");
        let body = json!({ "auth_request_id": id, "code": code });
        tokio::spawn(async move { client.post(url).json(&body).send().await.unwrap().status().as_u16() })
    });
    let statuses: Vec<u16> = futures_join(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "statuses: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 400), "statuses: {statuses:?}");
}}

pub async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

backend_test! {
async fn a_code_works_only_for_its_own_request() {
    let app = spawn_app().await;
    let first = app.start_ok(&app.browser, "ada@example.com").await;
    let first_code = app.latest_message("ada@example.com").await.code();
    let second = app.start_ok(&app.browser, "bob@example.com").await;
    let r = app.verify(&app.browser, &second, &first_code).await;
    assert_eq!(r.status(), 400, "a code of another request is just a wrong code");
    assert_eq!(app.verify(&app.browser, &first, &first_code).await.status(), 200);
}}

backend_test! {
async fn a_second_start_for_an_address_kills_the_first_requests_code_and_link() {
    let app = spawn_app().await;
    let (first, old) = app.start_and_read(&app.browser, "ada@example.com").await;
    app.clock.advance(Duration::from_secs(61));
    let (second, new) = app.start_and_read(&new_browser(), "ada@example.com").await;
    // DESIGN.md: a new secret kills the old — only the newest link and code work.
    let r = app.verify(&app.browser, &first, &old.code()).await;
    assert_eq!(r.status(), 410, "the first code is dead");
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "expired");
    let (status, _) = app.page(&new_browser(), &format!("/login/link?token={}", old.token())).await;
    assert_eq!(status, 400, "and so is the first link");
    assert_eq!(app.verify(&app.browser, &second, &new.code()).await.status(), 200, "the second one works");
}}

backend_test! {
async fn resend_rotates_the_code_and_link_and_the_old_ones_die() {
    let app = spawn_app().await;
    let id = app.start_ok(&app.browser, "ada@example.com").await;
    let old = app.latest_message("ada@example.com").await;
    app.clock.advance(Duration::from_secs(61));
    let r = app.resend(&app.browser, &id).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["auth_request_id"], id.as_str());
    let new = app.wait_for_messages("ada@example.com", 2).await.remove(0);
    assert_ne!(new.token(), old.token(), "a new link");
    // The old link no longer opens.
    let (status, _) = app.page(&new_browser(), &format!("/login/link?token={}", old.token())).await;
    assert_eq!(status, 400, "the old link is dead");
    if old.code() != new.code() {
        assert_eq!(app.verify(&app.browser, &id, &old.code()).await.status(), 400, "the old code is dead");
    }
    assert_eq!(app.verify(&app.browser, &id, &new.code()).await.status(), 200);
}}

backend_test! {
async fn resend_never_resets_the_failure_count() {
    let app = spawn_app().await;
    let id = app.start_ok(&app.browser, "ada@example.com").await;
    let code = app.latest_message("ada@example.com").await.code();
    for _ in 0..4 {
        app.verify(&app.browser, &id, &wrong_code(&code)).await;
    }
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(app.resend(&app.browser, &id).await.status(), 200);
    let new_code = app.wait_for_messages("ada@example.com", 2).await.remove(0).code();
    let r = app.verify(&app.browser, &id, &wrong_code(&new_code)).await;
    assert_eq!(r.status(), 429, "the fifth wrong code overall kills the request");
    assert_eq!(app.verify(&app.browser, &id, &new_code).await.status(), 429);
}}

backend_test! {
async fn resend_of_a_dead_or_used_request_is_refused() {
    let app = spawn_app().await;
    let id = app.start_ok(&app.browser, "ada@example.com").await;
    let code = app.latest_message("ada@example.com").await.code();
    assert_eq!(app.verify(&app.browser, &id, &code).await.status(), 200);
    let r = app.resend(&app.browser, &id).await;
    assert_eq!(r.status(), 410);
    let r = app.resend(&app.browser, "no-such-request").await;
    assert_eq!(r.status(), 400);
}}

backend_test! {
async fn sms_sign_in_goes_to_the_e164_number_with_a_five_minute_code() {
    let app = spawn_app().await;
    let r = app.post_json(&app.browser, "/v1/passwordless/start", &json!({ "phone": "+44 20 7946 0958" })).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["channel"], "sms");
    let id = body["auth_request_id"].as_str().unwrap().to_owned();
    let m = app.latest_message("+442079460958").await;
    assert_eq!(m.channel, "sms");
    assert!(m.html.is_none());
    assert!(m.text.contains("5 min"), "{}", m.text);
    assert!(m.text.trim_end().ends_with(&format!("@127.0.0.1 #{}", m.code())), "WebOTP line: {}", m.text);
    app.clock.advance(Duration::from_secs(5 * 60 + 1));
    assert_eq!(app.verify(&app.browser, &id, &m.code()).await.status(), 410);
}}

backend_test! {
async fn a_phone_sign_in_creates_an_account_with_that_phone() {
    let app = spawn_app().await;
    let r = app
        .post_json(&app.browser, "/v1/passwordless/start", &json!({ "phone": "+14155552671", "channel": "sms" }))
        .await;
    let id = r.json::<Value>().await.unwrap()["auth_request_id"].as_str().unwrap().to_owned();
    let code = app.latest_message("+14155552671").await.code();
    let body: Value = app.verify(&app.browser, &id, &code).await.json().await.unwrap();
    assert_eq!(body["user"]["phone"], "+14155552671");
    assert_eq!(body["user"]["email"], Value::Null);
}}

backend_test! {
async fn a_channel_that_does_not_fit_the_identifier_is_an_invalid_request() {
    let app = spawn_app().await;
    let r = app
        .post_json(&app.browser, "/v1/passwordless/start", &json!({ "email": "ada@example.com", "channel": "sms" }))
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_request");
}}

backend_test! {
async fn closed_signup_answers_the_same_but_sends_nothing_to_unknown_addresses() {
    let app = spawn_app_with(|s| s.signup = postern::config::SignupPolicy::Closed).await;
    let r = app.start(&app.browser, "stranger@example.com").await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["auth_request_id"].is_string());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.inbox("stranger@example.com").await.is_empty(), "no message to an unknown address");
    let r = app.verify(&app.browser, body["auth_request_id"].as_str().unwrap(), "123456").await;
    assert_ne!(r.status(), 200);
}}

backend_test! {
async fn an_account_refuses_codes_after_its_consecutive_failure_limit() {
    let app = spawn_app_with(|s| {
        s.rate_limits.enabled = false;
        s.passwordless.account_max_failures = 7;
    })
    .await;
    app.sign_in(&new_browser(), "ada@example.com").await;
    // Two requests, four wrong codes each: the account's seventh consecutive failure locks it.
    let mut last = 0;
    for _ in 0..2 {
        let (id, message) = app.start_and_read(&app.browser, "ada@example.com").await;
        let code = message.code();
        for _ in 0..4 {
            last = app.verify(&app.browser, &id, &wrong_code(&code)).await.status().as_u16();
        }
    }
    assert_eq!(last, 429);
    let (id, message) = app.start_and_read(&app.browser, "ada@example.com").await;
    let r = app.verify(&app.browser, &id, &message.code()).await;
    assert_eq!(r.status(), 429, "even the right code waits out the lock");
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 3000, "about an hour, got {retry}");
    app.clock.advance(Duration::from_secs(3601));
    let (id, message) = app.start_and_read(&app.browser, "ada@example.com").await;
    assert_eq!(app.verify(&app.browser, &id, &message.code()).await.status(), 200);
}}
