//! The server-to-server API (issue 12, first part): API keys made by the real CLI, their
//! scopes and revocation, and `/admin/v1/users`; `postern users` on the same database.

use serde_json::{Value, json};

use crate::helpers::{TestApp, new_browser, spawn_app_with};

const BIN: &str = env!("CARGO_BIN_EXE_postern");

/// Runs `postern <args>` on the app's database; (exit ok, stdout, stderr).
pub(crate) async fn cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("POSTERN_DATABASE_URL", &app.database_url)
        .env("POSTERN_LOG__LEVEL", "error")
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) async fn new_key(app: &TestApp, name: &str, scopes: Option<&str>) -> String {
    let mut args = vec!["api-keys", "create", "--name", name];
    if let Some(scopes) = scopes {
        args.extend(["--scopes", scopes]);
    }
    let (ok, out, err) = cli(app, &args).await;
    assert!(ok, "{err}");
    let key = out.trim().to_owned();
    assert!(key.starts_with("pst_"), "{key}");
    key
}

pub(crate) async fn admin_get(app: &TestApp, key: Option<&str>, path: &str) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn admin_send(app: &TestApp, key: &str, method: reqwest::Method, path: &str) -> u16 {
    reqwest::Client::new().request(method, app.url(path)).bearer_auth(key).send().await.unwrap().status().as_u16()
}

async fn app() -> TestApp {
    spawn_app_with(|s| s.rate_limits.enabled = false).await
}

backend_test! {
async fn admin_requests_need_a_live_key_with_the_routes_scope() {
    let app = app().await;
    let key = new_key(&app, "backend", None).await;
    let reader = new_key(&app, "reader", Some("users:read")).await;
    assert_eq!(admin_get(&app, None, "/admin/v1/users").await.0, 401);
    assert_eq!(admin_get(&app, Some("pst_000000000000_wrong"), "/admin/v1/users").await.0, 401);
    let forged = format!("{}x", &key[..key.len() - 1]);
    let (status, body) = admin_get(&app, Some(&forged), "/admin/v1/users").await;
    assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")));
    assert_eq!(admin_get(&app, Some(&key), "/admin/v1/users").await.0, 200);
    assert_eq!(admin_get(&app, Some(&reader), "/admin/v1/users").await.0, 200);
    let id = app.sign_in(&new_browser(), "ada@example.com").await["user"]["id"].as_str().unwrap().to_owned();
    let r = reqwest::Client::new().post(app.url(&format!("/admin/v1/users/{id}/disable"))).bearer_auth(&reader).send().await.unwrap();
    assert_eq!(r.status(), 403, "users:read cannot disable");
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "forbidden");
    // Listed without secrets, last use recorded; revoked at once.
    let (ok, listed, _) = cli(&app, &["api-keys", "list"]).await;
    assert!(ok);
    assert!(listed.contains("backend") && listed.contains("reader"), "{listed}");
    assert!(!listed.contains(&key[17..]), "the secret is never shown again");
    let (ok, _, _) = cli(&app, &["api-keys", "revoke", "backend"]).await;
    assert!(ok);
    assert_eq!(admin_get(&app, Some(&key), "/admin/v1/users").await.0, 401, "revoked at once");
    let (ok, _, err) = cli(&app, &["api-keys", "revoke", "backend"]).await;
    assert!(!ok && err.contains("no live key"), "{err}");
    // The name is free again once revoked; a live name is not.
    new_key(&app, "backend", None).await;
    let (ok, _, err) = cli(&app, &["api-keys", "create", "--name", "backend"]).await;
    assert!(!ok && err.contains("already named"), "{err}");
    let (ok, _, err) = cli(&app, &["api-keys", "create", "--name", "x", "--scopes", "users:admin"]).await;
    assert!(!ok && err.contains("unknown scope"), "{err}");
}}

backend_test! {
async fn users_are_listed_searched_and_paged_newest_first() {
    let app = app().await;
    let key = new_key(&app, "ops", None).await;
    for i in 0..5 {
        app.sign_in(&new_browser(), &format!("user{i}@example.com")).await;
    }
    app.sign_in(&new_browser(), "grace@example.com").await;
    let (status, page) = admin_get(&app, Some(&key), "/admin/v1/users?limit=4").await;
    assert_eq!(status, 200);
    let emails: Vec<&str> = page["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["grace@example.com", "user4@example.com", "user3@example.com", "user2@example.com"]);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, next) = admin_get(&app, Some(&key), &format!("/admin/v1/users?limit=4&cursor={cursor}")).await;
    let emails: Vec<&str> = next["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["user1@example.com", "user0@example.com"]);
    assert_eq!(next["next_cursor"], Value::Null);
    // Accounts made while paging do not shift the pages: the cursor is the last id seen.
    app.sign_in(&new_browser(), "late@example.com").await;
    let (_, again) = admin_get(&app, Some(&key), &format!("/admin/v1/users?limit=4&cursor={cursor}")).await;
    let emails: Vec<&str> = again["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["user1@example.com", "user0@example.com"], "stable under concurrent inserts");
    let (_, found) = admin_get(&app, Some(&key), "/admin/v1/users?query=GRA").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, none) = admin_get(&app, Some(&key), "/admin/v1/users?query=%25").await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0, "a % is a character, not a wildcard");
    assert_eq!(admin_get(&app, Some(&key), "/admin/v1/users?limit=0").await.0, 400);
    assert_eq!(admin_get(&app, Some(&key), "/admin/v1/users?cursor=%27").await.0, 400);
}}

backend_test! {
async fn a_disabled_user_is_refused_by_code_link_password_and_sessions_until_enabled() {
    let app = app().await;
    let key = new_key(&app, "ops", None).await;
    let device = new_browser();
    let signup = json!({ "email": "ada@example.com", "password": "plum tulip orbit 8841" });
    let (status, started) = {
        let r = app.post_json(&device, "/v1/signup", &signup).await;
        (r.status(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 200);
    let code = app.latest_message("ada@example.com").await.code();
    let me: Value = app.verify(&device, started["auth_request_id"].as_str().unwrap(), &code).await.json().await.unwrap();
    let id = me["user"]["id"].as_str().unwrap().to_owned();
    let (pending, pending_message) = app.start_and_read(&new_browser(), "ada@example.com").await;
    assert_eq!(admin_send(&app, &key, reqwest::Method::POST, &format!("/admin/v1/users/{id}/disable")).await, 200);
    assert_eq!(app.session(&device).await.status(), 401, "every session ended");
    assert_ne!(app.verify(&new_browser(), &pending, &pending_message.code()).await.status(), 200, "outstanding codes died");
    // A new sign-in answers as for anyone, and sends nothing.
    let before = app.inbox("ada@example.com").await.len();
    let r = app.start(&new_browser(), "ada@example.com").await;
    assert_eq!(r.status(), 200, "the same answer as for anyone");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(app.inbox("ada@example.com").await.len(), before, "no message for a disabled account");
    let login = json!({ "email": "ada@example.com", "password": "plum tulip orbit 8841" });
    assert_eq!(app.post_json(&new_browser(), "/v1/login", &login).await.status(), 401);
    let (_, shown) = admin_get(&app, Some(&key), &format!("/admin/v1/users/{id}")).await;
    assert_eq!(shown["disabled"], true);
    assert_eq!(admin_send(&app, &key, reqwest::Method::POST, &format!("/admin/v1/users/{id}/enable")).await, 200);
    assert_eq!(app.post_json(&new_browser(), "/v1/login", &login).await.status(), 200);
}}

backend_test! {
async fn sessions_are_listed_and_revoked_and_users_deleted_by_the_api_and_the_cli() {
    let app = app().await;
    let key = new_key(&app, "ops", None).await;
    let (a, b) = (new_browser(), new_browser());
    let id = app.sign_in(&a, "ada@example.com").await["user"]["id"].as_str().unwrap().to_owned();
    let second = app.sign_in(&b, "ada@example.com").await["session"]["id"].as_str().unwrap().to_owned();
    let (_, list) = admin_get(&app, Some(&key), &format!("/admin/v1/users/{id}/sessions")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(admin_send(&app, &key, reqwest::Method::DELETE, &format!("/admin/v1/users/{id}/sessions/{second}")).await, 204);
    assert_eq!(app.session(&b).await.status(), 401);
    assert_eq!(app.session(&a).await.status(), 200);
    assert_eq!(admin_send(&app, &key, reqwest::Method::DELETE, &format!("/admin/v1/users/{id}/sessions")).await, 204);
    assert_eq!(app.session(&a).await.status(), 401);
    // The CLI sees and changes the same accounts.
    let (ok, shown, _) = cli(&app, &["users", "show", "ada@example.com"]).await;
    assert!(ok && shown.contains(&id), "{shown}");
    let (ok, listed, _) = cli(&app, &["users", "list", "--query", "ada"]).await;
    assert!(ok && listed.contains("ada@example.com"), "{listed}");
    let (ok, disabled, err) = cli(&app, &["users", "disable", "--", &id]).await;
    assert!(ok && disabled.contains("disabled=true"), "{disabled} {err}");
    let (ok, _, _) = cli(&app, &["users", "enable", "ada@example.com"]).await;
    assert!(ok);
    let (ok, _, _) = cli(&app, &["users", "delete", "--", &id]).await;
    assert!(ok);
    assert_eq!(admin_get(&app, Some(&key), &format!("/admin/v1/users/{id}")).await.0, 404);
    assert_eq!(admin_send(&app, &key, reqwest::Method::DELETE, &format!("/admin/v1/users/{id}")).await, 404);
    let (ok, _, err) = cli(&app, &["users", "show", "nobody@example.com"]).await;
    assert!(!ok && err.contains("no such account"), "{err}");
}}

backend_test! {
async fn messages_show_their_delivery_but_never_a_secret() {
    let app = app().await;
    let key = new_key(&app, "ops", Some("messages:read")).await;
    let users_only = new_key(&app, "users", Some("users:read")).await;
    let (_, message) = app.start_and_read(&new_browser(), "Ada@Example.com").await;
    app.start_and_read(&new_browser(), "grace@example.com").await;
    assert_eq!(admin_get(&app, Some(&users_only), "/admin/v1/messages").await.0, 403);
    let (status, page) = admin_get(&app, Some(&key), "/admin/v1/messages?to=ADA@example.com").await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let m = &items[0];
    assert_eq!((m["to"].as_str(), m["kind"].as_str(), m["status"].as_str(), m["provider"].as_str()), (Some("ada@example.com"), Some("sign_in"), Some("sent"), Some("dev")));
    let body = page.to_string();
    assert!(!body.contains(&message.code()) && !body.contains(&message.token()), "no code, no link: {body}");
    let (_, all) = admin_get(&app, Some(&key), "/admin/v1/messages?kind=sign_in&status=sent&limit=1").await;
    assert_eq!(all["items"][0]["to"], "grace@example.com", "newest first");
    let cursor = all["next_cursor"].as_str().unwrap();
    let (_, next) = admin_get(&app, Some(&key), &format!("/admin/v1/messages?kind=sign_in&limit=1&cursor={cursor}")).await;
    assert_eq!(next["items"][0]["to"], "ada@example.com");
    assert_eq!(admin_get(&app, Some(&key), "/admin/v1/messages?since=2999-01-01T00:00:00Z").await.1["items"].as_array().unwrap().len(), 0);
    for bad in ["kind=nope", "status=lost", "since=yesterday", "cursor=abc", "to=not%20an%20address"] {
        let (status, body) = admin_get(&app, Some(&key), &format!("/admin/v1/messages?{bad}")).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{bad}");
    }
}}

pub(crate) async fn admin_post(app: &TestApp, key: &str, path: &str, body: &Value) -> (u16, Value, bool) {
    let r = reqwest::Client::new().post(app.url(path)).bearer_auth(key).json(body).send().await.unwrap();
    let status = r.status().as_u16();
    let sets_cookie = r.headers().contains_key("set-cookie");
    (status, r.json().await.unwrap_or(Value::Null), sets_cookie)
}

backend_test! {
async fn a_headless_sign_in_is_verified_by_the_apps_server_by_code_or_token_once() {
    let app = spawn_app_with(|s| {
        s.rate_limits.enabled = false;
        s.redirect_allowlist = vec!["https://app.example.com".into()];
    })
    .await;
    let key = new_key(&app, "backend", Some("passwordless")).await;
    let send = json!({ "email": "ada@example.com", "magic_link_url": "https://app.example.com/auth/callback", "state": "xyz-42", "expires_in": 900 });
    let (status, started, _) = admin_post(&app, &key, "/admin/v1/passwordless/send", &send).await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["match_number"], Value::Null);
    let id = started["auth_request_id"].as_str().unwrap().to_owned();
    let message = app.latest_message("ada@example.com").await;
    assert!(message.text.contains("https://app.example.com/auth/callback?token="), "{}", message.text);
    assert!(message.text.contains("15 minutes"), "the app's lifetime: {}", message.text);
    // The public verify does not take a headless code.
    assert_eq!(app.verify(&new_browser(), &id, &message.code()).await.status(), 400);
    let (status, done, sets_cookie) =
        admin_post(&app, &key, "/admin/v1/passwordless/verify", &json!({ "auth_request_id": id, "code": message.code() })).await;
    assert_eq!(status, 200, "{done}");
    assert!(!sets_cookie, "no session, no cookie");
    assert_eq!((done["user"]["email"].as_str(), done["created"].as_bool(), done["state"].as_str()), (Some("ada@example.com"), Some(true), Some("xyz-42")));
    let (status, _, _) = admin_post(&app, &key, "/admin/v1/passwordless/verify", &json!({ "auth_request_id": id, "code": message.code() })).await;
    assert_eq!(status, 400, "once only");
    // By token, with same-browser enforcement.
    let (_, second, _) = admin_post(&app, &key, "/admin/v1/passwordless/send", &json!({ "email": "ada@example.com", "magic_link_url": "https://app.example.com/cb" })).await;
    let text = app.wait_for_messages("ada@example.com", 2).await.remove(0).text;
    let token = text.split_whitespace().find(|w| w.contains("cb?token=")).unwrap().split_once("token=").unwrap().1.to_owned();
    let (status, body, _) = admin_post(&app, &key, "/admin/v1/passwordless/verify", &json!({ "token": token, "auth_request_id": id })).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("wrong_browser")));
    let verify = json!({ "token": token, "auth_request_id": second["auth_request_id"] });
    let (status, done, _) = admin_post(&app, &key, "/admin/v1/passwordless/verify", &verify).await;
    assert_eq!((status, done["created"].as_bool()), (200, Some(false)), "{done}");
    assert_eq!(admin_post(&app, &key, "/admin/v1/passwordless/verify", &verify).await.0, 400, "a token works once");
}}

backend_test! {
async fn headless_sends_are_checked_limited_and_capped_like_public_ones() {
    let app = spawn_app_with(|s| s.redirect_allowlist = vec!["https://app.example.com".into()]).await;
    let key = new_key(&app, "backend", Some("passwordless")).await;
    let users_only = new_key(&app, "users", Some("users:read")).await;
    let send = async |body: Value| admin_post(&app, &key, "/admin/v1/passwordless/send", &body).await;
    assert_eq!(admin_post(&app, &users_only, "/admin/v1/passwordless/send", &json!({ "email": "a@example.com" })).await.0, 403);
    for bad in [
        json!({ "email": "a@example.com", "magic_link_url": "https://evil.example.net/cb" }),
        json!({ "email": "a@example.com", "magic_link_url": "/relative" }),
        json!({ "email": "a@example.com", "expires_in": 30 }),
        json!({ "email": "a@example.com", "expires_in": 7200 }),
        json!({ "email": "a@example.com", "channel": "sms" }),
    ] {
        let (status, body, _) = send(bad.clone()).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{bad}");
    }
    let (status, started, _) = send(json!({ "email": "a@example.com" })).await;
    assert_eq!(status, 200);
    // The per-address limit of the public flow: one message a minute.
    assert_eq!(send(json!({ "email": "a@example.com" })).await.0, 429);
    // Five wrong codes kill the request, even for the right code after.
    let code = app.latest_message("a@example.com").await.code();
    let id = started["auth_request_id"].clone();
    for _ in 0..5 {
        let wrong = json!({ "auth_request_id": id, "code": crate::helpers::wrong_code(&code) });
        assert_ne!(admin_post(&app, &key, "/admin/v1/passwordless/verify", &wrong).await.0, 200);
    }
    let right = json!({ "auth_request_id": id, "code": code });
    assert_ne!(admin_post(&app, &key, "/admin/v1/passwordless/verify", &right).await.0, 200);
    // Many addresses from the one app server are not held back by the per-IP limit (30/h).
    for i in 0..35 {
        assert_eq!(send(json!({ "email": format!("many{i}@example.com") })).await.0, 200, "send {i}");
    }
    // A public sign-in request cannot be verified here, nor resent.
    let public = app.start_ok(&new_browser(), "b@example.com").await;
    let code = app.latest_message("b@example.com").await.code();
    assert_eq!(admin_post(&app, &key, "/admin/v1/passwordless/verify", &json!({ "auth_request_id": public, "code": code })).await.0, 400);
    assert_eq!(admin_post(&app, &key, "/admin/v1/passwordless/resend", &json!({ "auth_request_id": public })).await.0, 400);
}}

pub(crate) async fn admin_patch(app: &TestApp, key: &str, path: &str, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new().patch(app.url(path)).bearer_auth(key).json(body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

backend_test! {
async fn operators_create_and_change_users_with_or_without_a_password() {
    let app = app().await;
    let key = new_key(&app, "ops", None).await;
    let create = json!({ "email": "Ada@Example.com", "password": "plum tulip orbit 8841", "email_verified": true, "name": "Ada" });
    let (status, ada, _) = admin_post(&app, &key, "/admin/v1/users", &create).await;
    assert_eq!(status, 201, "{ada}");
    assert_eq!((ada["email"].as_str(), ada["email_verified"].as_bool(), ada["has_password"].as_bool()), (Some("ada@example.com"), Some(true), Some(true)));
    let login = json!({ "email": "ada@example.com", "password": "plum tulip orbit 8841" });
    assert_eq!(app.post_json(&new_browser(), "/v1/login", &login).await.status(), 200);
    let (status, body, _) = admin_post(&app, &key, "/admin/v1/users", &create).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("conflict")));
    let (status, body, _) = admin_post(&app, &key, "/admin/v1/users", &json!({ "email": "weak@example.com", "password": "password" })).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("weak_password")));
    assert_eq!(admin_post(&app, &key, "/admin/v1/users", &json!({ "name": "nobody" })).await.0, 400);
    // Without a password, invited: a sign-in message goes out.
    let (status, grace, _) = admin_post(&app, &key, "/admin/v1/users", &json!({ "phone": "+447911123456", "invite": true })).await;
    assert_eq!((status, grace["has_password"].as_bool()), (201, Some(false)));
    assert_eq!(app.latest_message("+447911123456").await.channel, "sms");
    // Changes: a new email is unverified unless said; null clears the name; disable.
    let id = ada["id"].as_str().unwrap();
    let (status, changed) = admin_patch(&app, &key, &format!("/admin/v1/users/{id}"), &json!({ "email": "ada@new.example", "name": null, "locale": "fr" })).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!((changed["email"].as_str(), changed["email_verified"].as_bool(), changed["name"].clone(), changed["locale"].as_str()), (Some("ada@new.example"), Some(false), Value::Null, Some("fr")));
    let (status, _) = admin_patch(&app, &key, &format!("/admin/v1/users/{id}"), &json!({ "phone": "+447911123456" })).await;
    assert_eq!(status, 409, "the number is Grace's");
    let (status, changed) = admin_patch(&app, &key, &format!("/admin/v1/users/{id}"), &json!({ "email_verified": true, "disabled": true })).await;
    assert_eq!((status, changed["email_verified"].as_bool(), changed["disabled"].as_bool()), (200, Some(true), Some(true)));
    assert_eq!(admin_patch(&app, &key, "/admin/v1/users/nobody", &json!({ "name": "x" })).await.0, 404);
    assert_eq!(admin_patch(&app, &key, &format!("/admin/v1/users/{id}"), &json!({ "email": null, "phone": null })).await.0, 400);
}}
