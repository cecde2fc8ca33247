//! The audit trail (issue 12, item 5): a row for each kind of change, written with the
//! change (absent when it rolled back), listed by `GET /admin/v1/audit`, shown to the
//! owner on `/account`, never holding a secret.

use serde_json::{Value, json};

use crate::admin::{admin_get, admin_patch, admin_post, admin_send, new_key};
use crate::helpers::{TestApp, new_browser, spawn_app_with, wrong_code};

const PASSWORD: &str = "plum tulip orbit 8841";
const NEW_PASSWORD: &str = "violet canyon mirror 2207";

async fn app() -> TestApp {
    spawn_app_with(|s| s.rate_limits.enabled = false).await
}

/// Every event of the account (newest first), through the API.
async fn events_of(app: &TestApp, key: &str, user_id: &str) -> Vec<Value> {
    let (status, body) = admin_get(app, Some(key), &format!("/admin/v1/audit?user_id={user_id}&limit=200")).await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

fn find<'a>(events: &'a [Value], kind: &str) -> &'a Value {
    events.iter().find(|e| e["type"] == kind).unwrap_or_else(|| panic!("no {kind} in {:?}", types(events)))
}

async fn user_id_of(app: &TestApp, client: &reqwest::Client) -> String {
    let body: Value = app.session(client).await.json().await.unwrap();
    body["user"]["id"].as_str().unwrap().to_owned()
}

backend_test! {
async fn each_change_writes_its_event_with_ip_user_agent_and_no_secret() {
    let app = app().await;
    let key = new_key(&app, "backoffice", None).await;
    let browser = new_browser();
    let mut secrets: Vec<String> = vec![PASSWORD.to_owned(), NEW_PASSWORD.to_owned()];

    // Sign-up, then its verification by code (one wrong code first).
    let r = app.post_json(&browser, "/v1/signup", &json!({ "email": "ada@example.com", "password": PASSWORD })).await;
    assert_eq!(r.status(), 200);
    let id = r.json::<Value>().await.unwrap()["auth_request_id"].as_str().unwrap().to_owned();
    let message = app.wait_for_messages("ada@example.com", 1).await.remove(0);
    secrets.extend([message.code(), message.link().split_once("token=").unwrap().1.to_owned()]);
    assert_eq!(app.verify(&browser, &id, &wrong_code(&message.code())).await.status(), 400);
    assert_eq!(app.verify(&browser, &id, &message.code()).await.status(), 200);
    let user_id = user_id_of(&app, &browser).await;

    // Password login: one wrong, one right.
    let login = |password: &'static str| {
        let app = &app;
        async move {
            let body = json!({ "email": "ada@example.com", "password": password });
            app.post_json(&new_browser(), "/v1/login", &body).await.status().as_u16()
        }
    };
    assert_eq!(login("wrong password entirely").await, 401);
    assert_eq!(login(PASSWORD).await, 200);

    // Forgot and reset by link; then a password change and a sign-out of the others.
    let r = app.post_json(&new_browser(), "/v1/password/forgot", &json!({ "email": "ada@example.com" })).await;
    assert_eq!(r.status(), 200);
    app.wait_for_messages("ada@example.com", 2).await;
    let text = app.latest_message("ada@example.com").await.text;
    let link = text.split_whitespace().find(|w| w.contains("/reset-password?token=")).expect("a reset link");
    let token = link.split_once("token=").unwrap().1.to_owned();
    secrets.push(token.clone());
    let body = json!({ "token": token, "new_password": NEW_PASSWORD });
    assert_eq!(app.post_json(&new_browser(), "/v1/password/reset", &body).await.status(), 200);
    let body = json!({ "email": "ada@example.com", "password": NEW_PASSWORD });
    assert_eq!(app.post_json(&browser, "/v1/login", &body).await.status(), 200);
    let body = json!({ "current_password": NEW_PASSWORD, "new_password": PASSWORD });
    let r = app.post_json(&browser, "/v1/account/password", &body).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert_eq!(app.post_json(&browser, "/v1/logout", &json!({ "scope": "current" })).await.status(), 204);

    // An operator disables, enables, changes and ends the sessions of the account.
    assert_eq!(admin_post(&app, &key, &format!("/admin/v1/users/{user_id}/disable"), &json!({})).await.0, 200);
    assert_eq!(admin_post(&app, &key, &format!("/admin/v1/users/{user_id}/enable"), &json!({})).await.0, 200);
    let (status, _) = admin_patch(&app, &key, &format!("/admin/v1/users/{user_id}"), &json!({ "name": "Ada" })).await;
    assert_eq!(status, 200);
    let path = format!("/admin/v1/users/{user_id}/sessions");
    assert_eq!(admin_send(&app, &key, reqwest::Method::DELETE, &path).await, 204);

    let events = events_of(&app, &key, &user_id).await;
    let kinds = types(&events);
    for expected in [
        "sign_up.requested",
        "code.failed",
        "sign_up.verified",
        "sign_in.succeeded",
        "sign_in.failed",
        "password_reset.requested",
        "password_reset.completed",
        "password.changed",
        "sessions.revoked",
        "account.disabled",
        "account.enabled",
        "account.updated",
    ] {
        assert!(kinds.contains(&expected), "{expected} missing from {kinds:?}");
    }
    // Newest first; every sign-in names its method.
    let seqs: Vec<i64> = events.iter().map(|e| e["id"].as_str().unwrap().parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first: {seqs:?}");
    let methods: Vec<&str> =
        events.iter().filter(|e| e["type"] == "sign_in.succeeded").map(|e| e["details"]["method"].as_str().unwrap()).collect();
    assert!(methods.contains(&"code") && methods.contains(&"password"), "{methods:?}");
    assert_eq!(find(&events, "sign_in.failed")["details"]["method"], "password");
    assert_eq!(find(&events, "code.failed")["details"]["reason"], "wrong_code");
    assert_eq!(find(&events, "password_reset.completed")["details"]["method"], "link");
    assert_eq!(find(&events, "account.updated")["details"]["fields"], json!(["name"]));

    // Who: the browser's IP and user agent; the operator's key by name.
    let signed_in = find(&events, "sign_up.verified");
    assert_eq!(signed_in["ip"], "127.0.0.1");
    assert!(signed_in["user_agent"].as_str().unwrap().contains("Firefox"), "{signed_in}");
    assert_eq!(signed_in["api_key"], Value::Null);
    assert_eq!(find(&events, "account.disabled")["api_key"], "backoffice");
    assert_eq!(find(&events, "sessions.revoked")["api_key"], Value::Null, "the newest revocation is the operator's");

    // Never a secret: no code, link token or password in any row, in any column.
    let all = admin_get(&app, Some(&key), "/admin/v1/audit?limit=200").await.1.to_string();
    for secret in &secrets {
        assert!(!all.contains(secret.as_str()), "a secret reached the audit trail");
    }
    assert!(!all.contains("argon2"), "no password hash either");
}
}

backend_test! {
async fn a_change_that_rolled_back_leaves_no_event() {
    let app = app().await;
    let key = new_key(&app, "ops", None).await;
    let (_, ada, _) = admin_post(&app, &key, "/admin/v1/users", &json!({ "email": "ada@example.com" })).await;
    let (_, bob, _) = admin_post(&app, &key, "/admin/v1/users", &json!({ "email": "bob@example.com" })).await;
    let bob_id = bob["id"].as_str().unwrap();
    // Bob may not take Ada's address: 409, nothing changed, nothing recorded.
    let path = format!("/admin/v1/users/{bob_id}");
    let (status, _) = admin_patch(&app, &key, &path, &json!({ "email": "ada@example.com" })).await;
    assert_eq!(status, 409);
    let events = events_of(&app, &key, bob_id).await;
    assert_eq!(types(&events), vec!["account.created"], "the refused update left no event");
    assert_eq!(find(&events, "account.created")["api_key"], "ops");
    assert_eq!(events_of(&app, &key, ada["id"].as_str().unwrap()).await.len(), 1);
    // An unknown account changes nothing and records nothing.
    assert_eq!(admin_send(&app, &key, reqwest::Method::DELETE, "/admin/v1/users/nobody").await, 404);
    let (_, all) = admin_get(&app, Some(&key), "/admin/v1/audit?type=account.deleted").await;
    assert_eq!(all["items"], json!([]));
    // A deleted account's history stays, with its deletion last.
    assert_eq!(admin_send(&app, &key, reqwest::Method::DELETE, &path).await, 204);
    let events = events_of(&app, &key, bob_id).await;
    assert_eq!(types(&events), vec!["account.deleted", "account.created"]);
}
}

backend_test! {
async fn a_refused_start_records_the_rate_limit_but_not_the_request() {
    let app = spawn_app_with(|_| {}).await;
    let key = new_key(&app, "ops", None).await;
    let (_, ada, _) = admin_post(&app, &key, "/admin/v1/users", &json!({ "email": "ada@example.com", "email_verified": true })).await;
    let ada_id = ada["id"].as_str().unwrap();
    let body = json!({ "email": "ada@example.com" });
    let forgot = || app.post_json(&app.browser, "/v1/password/forgot", &body);
    assert_eq!(forgot().await.status(), 200);
    // The second within a minute is refused by the per-address limit: its request rolled
    // back, the refusal is recorded on its own, once however often it repeats.
    for _ in 0..3 {
        assert_eq!(forgot().await.status(), 429);
    }
    let events = events_of(&app, &key, ada_id).await;
    assert_eq!(types(&events).iter().filter(|t| **t == "password_reset.requested").count(), 1, "{:?}", types(&events));
    let (_, limited) = admin_get(&app, Some(&key), "/admin/v1/audit?type=rate_limit.hit").await;
    let items = limited["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "one row per limit and minute: {limited}");
    assert_eq!(items[0]["details"]["limit"], "send:min");
    assert!(!limited.to_string().contains("ada@example.com"), "the limit's key names no address");
}
}

backend_test! {
async fn the_listing_filters_by_user_type_and_time_and_pages_with_a_cursor() {
    let app = app().await;
    let key = new_key(&app, "ops", None).await;
    let reader = new_key(&app, "reader", Some("users:read")).await;
    let auditor = new_key(&app, "auditor", Some("audit:read")).await;
    assert_eq!(admin_get(&app, None, "/admin/v1/audit").await.0, 401);
    assert_eq!(admin_get(&app, Some(&reader), "/admin/v1/audit").await.0, 403);
    for i in 0..5 {
        let body = json!({ "email": format!("u{i}@example.com"), "email_verified": true });
        admin_post(&app, &key, "/admin/v1/users", &body).await;
    }
    app.clock.advance(std::time::Duration::from_secs(3600));
    let later = postern::clock::Clock::now_ms(&app.clock);
    let browser = new_browser();
    app.sign_in(&browser, "u0@example.com").await;
    let since = postern::clock::rfc3339(later);

    let (status, page) = admin_get(&app, Some(&auditor), "/admin/v1/audit?type=account.created&limit=2").await;
    assert_eq!(status, 200, "{page}");
    let mut seen: Vec<String> = page["items"].as_array().unwrap().iter().map(|e| e["user_id"].as_str().unwrap().to_owned()).collect();
    let mut cursor = page["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let (_, next) = admin_get(&app, Some(&auditor), &format!("/admin/v1/audit?type=account.created&limit=2&cursor={c}")).await;
        seen.extend(next["items"].as_array().unwrap().iter().map(|e| e["user_id"].as_str().unwrap().to_owned()));
        cursor = next["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 5, "every account once: {seen:?}");
    seen.dedup();
    assert_eq!(seen.len(), 5);

    let (_, recent) = admin_get(&app, Some(&auditor), &format!("/admin/v1/audit?since={since}")).await;
    assert_eq!(types(recent["items"].as_array().unwrap()), vec!["sign_in.succeeded"], "{recent}");
    for bad in ["type=nope", "since=yesterday", "cursor=abc", "limit=0", "limit=201", "colour=red"] {
        let (status, body) = admin_get(&app, Some(&auditor), &format!("/admin/v1/audit?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"], "invalid_request", "{bad}");
    }
}
}

backend_test! {
async fn the_owner_sees_recent_activity_on_the_account_page() {
    let app = app().await;
    let browser = new_browser();
    app.sign_in(&browser, "ada@example.com").await;
    let wrong = json!({ "email": "ada@example.com", "password": "no such password here" });
    app.post_json(&new_browser(), "/v1/login", &wrong).await;
    let (status, html) = app.page(&browser, "/account").await;
    assert_eq!(status, 200);
    assert!(html.contains("Recent activity"), "{html}");
    assert!(html.contains("Signed in") && html.contains("Wrong password at sign-in"), "{html}");
    assert!(html.contains("Firefox on Linux"));
    let (_, german) = app.page(&browser, "/account?locale=de").await;
    assert!(german.contains("Letzte Aktivitäten") && german.contains("Angemeldet"));
    // Another account's events are not shown.
    let other = new_browser();
    app.sign_in(&other, "bob@example.com").await;
    let (_, bobs) = app.page(&other, "/account").await;
    assert!(!bobs.contains("Wrong password at sign-in"));
}
}
