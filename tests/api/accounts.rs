//! Accounts and passwords (issue 11): sign-up with verification, password login, reset by
//! link or code over the preferred channel, account changes.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{TestApp, new_browser, spawn_app_with};

const PASSWORD: &str = "plum tulip orbit 8841";
const NEW_PASSWORD: &str = "violet canyon mirror 2207";

async fn app() -> TestApp {
    spawn_app_with(|s| s.rate_limits.enabled = false).await
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Signs up and verifies with the code sent to `to`; returns the verify body.
async fn sign_up_verified(app: &TestApp, client: &reqwest::Client, body: Value, to: &str) -> Value {
    let before = app.inbox(to).await.len();
    let (status, started) = json_of(app.post_json(client, "/v1/signup", &body).await).await;
    assert_eq!(status, 200, "{started}");
    let message = app.wait_for_messages(to, before + 1).await.remove(0);
    let r = app.verify(client, started["auth_request_id"].as_str().unwrap(), &message.code()).await;
    assert_eq!(r.status(), 200, "verification signs in");
    r.json().await.unwrap()
}

async fn login(app: &TestApp, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
    app.post_json(client, "/v1/login", &json!({ "email": email, "password": password })).await
}

async fn forgot(app: &TestApp, body: Value) -> Value {
    let (status, started) = json_of(app.post_json(&new_browser(), "/v1/password/forgot", &body).await).await;
    assert_eq!(status, 200, "{started}");
    started
}

async fn reset(app: &TestApp, client: &reqwest::Client, body: Value) -> (u16, Value) {
    json_of(app.post_json(client, "/v1/password/reset", &body).await).await
}

fn shape(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

backend_test! {
async fn sign_up_sends_a_verification_whose_code_signs_in_and_the_password_then_logs_in() {
    let app = app().await;
    let client = new_browser();
    let body = json!({ "email": "ada@example.com", "password": PASSWORD, "name": "Ada Lovelace" });
    let signed_in = sign_up_verified(&app, &client, body, "ada@example.com").await;
    assert_eq!(signed_in["user"]["email"], "ada@example.com");
    let message = app.latest_message("ada@example.com").await;
    assert!(message.subject.contains("Confirm"), "a verification message: {}", message.subject);
    let (status, me) = json_of(client.get(app.url("/v1/account")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!((me["email_verified"].clone(), me["name"].clone(), me["has_password"].clone()), (json!(true), json!("Ada Lovelace"), json!(true)));
    assert!(me.get("password_hash").is_none());
    let (status, body) = json_of(login(&app, &new_browser(), "ADA@example.com", PASSWORD).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], signed_in["user"]["id"]);
}}

backend_test! {
async fn the_verification_link_completes_a_sign_up_like_a_sign_in() {
    let app = app().await;
    let r = app.post_json(&app.browser, "/v1/signup", &json!({ "email": "bob@example.com", "password": PASSWORD })).await;
    assert_eq!(r.status(), 200);
    let message = app.latest_message("bob@example.com").await;
    assert!(message.link().contains("/login/link?token="), "{}", message.link());
    let page = app.page(&app.browser, "/login").await.1;
    let r = app
        .browser
        .post(app.url("/login/link"))
        .form(&[("csrf", crate::helpers::csrf_of(&page).as_str()), ("token", message.token().as_str()), ("choice", "continue")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.session(&app.browser).await.status(), 200);
    assert_eq!(login(&app, &new_browser(), "bob@example.com", PASSWORD).await.status(), 200);
}}

backend_test! {
async fn sign_up_answers_alike_for_new_and_existing_addresses_and_tells_the_owner() {
    let app = app().await;
    sign_up_verified(&app, &new_browser(), json!({ "email": "owner@example.com", "password": PASSWORD }), "owner@example.com").await;
    let existing = app.post_json(&new_browser(), "/v1/signup", &json!({ "email": "owner@example.com", "password": NEW_PASSWORD })).await;
    let new = app.post_json(&new_browser(), "/v1/signup", &json!({ "email": "fresh@example.com", "password": NEW_PASSWORD })).await;
    let ((s1, b1), (s2, b2)) = (json_of(existing).await, json_of(new).await);
    assert_eq!((s1, shape(&b1), &b1["channel"]), (s2, shape(&b2), &b2["channel"]));
    let notice = app.wait_for_messages("owner@example.com", 2).await.remove(0);
    assert!(notice.subject.contains("already have"), "{}", notice.subject);
    assert!(!notice.text.contains(&b1["auth_request_id"].as_str().unwrap()[..8]));
    // The request holds no usable secret and the password did not change.
    assert_eq!(login(&app, &new_browser(), "owner@example.com", NEW_PASSWORD).await.status(), 401);
    assert_eq!(login(&app, &new_browser(), "owner@example.com", PASSWORD).await.status(), 200);
}}

backend_test! {
async fn the_real_owner_verifying_replaces_a_squatters_password_and_sessions() {
    let app = spawn_app_with(|s| {
        s.rate_limits.enabled = false;
        s.passwords.unverified_login = true;
    })
    .await;
    let squatter = new_browser();
    let r = app
        .post_json(&squatter, "/v1/signup", &json!({ "email": "victim@example.com", "phone": "+447911123456", "password": "squatter owns this 1" }))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(login(&app, &squatter, "victim@example.com", "squatter owns this 1").await.status(), 200, "unverified login allowed here");
    assert_eq!(app.session(&squatter).await.status(), 200);
    // The owner signs up too and verifies the address.
    let owner = new_browser();
    sign_up_verified(&app, &owner, json!({ "email": "victim@example.com", "password": PASSWORD }), "victim@example.com").await;
    assert_eq!(app.session(&squatter).await.status(), 401, "the squatter's session ended");
    assert_eq!(login(&app, &new_browser(), "victim@example.com", "squatter owns this 1").await.status(), 401);
    assert_eq!(login(&app, &new_browser(), "victim@example.com", PASSWORD).await.status(), 200);
    let me: Value = owner.get(app.url("/v1/account")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["phone"], Value::Null, "the squatter's phone number is gone");
}}

backend_test! {
async fn a_passwordless_sign_in_by_the_owner_also_discards_a_squatters_password() {
    let app = app().await;
    let r = app.post_json(&new_browser(), "/v1/signup", &json!({ "email": "claimed@example.com", "password": "squatter owns this 1" })).await;
    assert_eq!(r.status(), 200);
    // The squatter's verification reaches the inbox first, so the sign-in reads its own code.
    app.wait_for_messages("claimed@example.com", 1).await;
    app.sign_in(&new_browser(), "claimed@example.com").await;
    assert_eq!(login(&app, &new_browser(), "claimed@example.com", "squatter owns this 1").await.status(), 401);
}}

backend_test! {
async fn an_unverified_account_cannot_log_in_by_default() {
    let app = app().await;
    let r = app.post_json(&new_browser(), "/v1/signup", &json!({ "email": "later@example.com", "password": PASSWORD })).await;
    assert_eq!(r.status(), 200);
    let (status, body) = json_of(login(&app, &new_browser(), "later@example.com", PASSWORD).await).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_credentials")));
}}

backend_test! {
async fn every_failed_login_is_the_same_invalid_credentials() {
    let app = app().await;
    sign_up_verified(&app, &new_browser(), json!({ "email": "known@example.com", "password": PASSWORD }), "known@example.com").await;
    app.sign_in(&new_browser(), "nopassword@example.com").await;
    let mut answers = Vec::new();
    for (email, password) in [
        ("known@example.com", "wrong password here"),
        ("unknown@example.com", PASSWORD),
        ("nopassword@example.com", PASSWORD),
        ("known@example.com", "short"),
    ] {
        let (status, body) = json_of(login(&app, &new_browser(), email, password).await).await;
        answers.push((status, body));
    }
    for (status, body) in &answers {
        assert_eq!(*status, 401);
        assert_eq!(body, &answers[0].1, "one answer for every failure");
    }
    assert_eq!(answers[0].1["error"], "invalid_credentials");
}}

/// The median of the paired differences between a wrong-password login of `known` and
/// one of a new unknown address: pairing cancels what tests running beside this one do to
/// both (a slow period slows both of a pair alike), and the order within a pair alternates
/// so that neither side always runs on the warmer machine.
async fn median_login_gap(app: &TestApp, known: &str, unknown: &str) -> Duration {
    let mut gaps: Vec<i128> = Vec::new();
    for i in 0..61 {
        let mut pair = [Duration::ZERO; 2];
        let mut order = [(0, known.to_owned()), (1, unknown.replace("{}", &i.to_string()))];
        if i % 2 == 1 {
            order.reverse();
        }
        for (slot, email) in order {
            let t = Instant::now();
            let r = login(app, &new_browser(), &email, "wrong password here").await;
            pair[slot] = t.elapsed();
            assert_eq!(r.status(), 401);
        }
        gaps.push(pair[0].as_micros() as i128 - pair[1].as_micros() as i128);
    }
    gaps.sort();
    Duration::from_micros(gaps[gaps.len() / 2].unsigned_abs() as u64)
}

backend_test! {
async fn a_login_takes_as_long_for_an_unknown_account_as_for_a_known_one() {
    let app = spawn_app_with(|s| {
        s.rate_limits.enabled = false;
        s.passwordless.account_max_failures = 100;
    })
    .await;
    sign_up_verified(&app, &new_browser(), json!({ "email": "known@example.com", "password": PASSWORD }), "known@example.com").await;
    median_login_gap(&app, "warm@example.com", "warmer{}@example.com").await;
    // Fewer than 100 failures: the known account is not locked by the measurement.
    let gap = median_login_gap(&app, "known@example.com", "nobody{}@example.com").await;
    // Without the dummy verification an unknown address would answer a whole argon2id
    // hash (tens of ms) sooner; 10 ms leaves room for two test threads sharing two cores.
    assert!(gap < Duration::from_millis(10), "a known account's login differs by {gap:?} from an unknown one's");
}}

backend_test! {
async fn consecutive_failures_lock_the_identifier_for_passwords_and_codes_alike() {
    let app = spawn_app_with(|s| {
        s.rate_limits.enabled = false;
        s.passwordless.account_max_failures = 3;
    })
    .await;
    sign_up_verified(&app, &new_browser(), json!({ "email": "ada@example.com", "password": PASSWORD }), "ada@example.com").await;
    // One wrong code and two wrong passwords make three consecutive failures.
    let (id, message) = app.start_and_read(&app.browser, "ada@example.com").await;
    let r = app.verify(&app.browser, &id, &crate::helpers::wrong_code(&message.code())).await;
    assert_eq!(r.status(), 400);
    for _ in 0..2 {
        assert_eq!(login(&app, &new_browser(), "ada@example.com", "wrong password here").await.status(), 401);
    }
    let r = login(&app, &new_browser(), "ada@example.com", PASSWORD).await;
    assert_eq!(r.status(), 429, "locked: even the right password waits");
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "too_many_attempts");
    // An unknown address locks the same way.
    for _ in 0..3 {
        assert_eq!(login(&app, &new_browser(), "ghost@example.com", "wrong password here").await.status(), 401);
    }
    assert_eq!(login(&app, &new_browser(), "ghost@example.com", "wrong password here").await.status(), 429);
    // After the lockout a right password succeeds and ends the run.
    app.clock.advance(Duration::from_secs(3601));
    assert_eq!(login(&app, &new_browser(), "ada@example.com", PASSWORD).await.status(), 200);
    assert_eq!(login(&app, &new_browser(), "ada@example.com", "wrong password here").await.status(), 401);
    assert_eq!(login(&app, &new_browser(), "ada@example.com", PASSWORD).await.status(), 200, "the count started over");
}}

backend_test! {
async fn logins_are_limited_per_client_ip() {
    let app = spawn_app_with(|s| s.passwords.login_per_ip_per_hour = 3).await;
    for i in 0..3 {
        assert_eq!(login(&app, &new_browser(), &format!("spray{i}@example.com"), PASSWORD).await.status(), 401);
    }
    let r = login(&app, &new_browser(), "spray9@example.com", PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "rate_limited");
}}

backend_test! {
async fn a_reset_by_code_sets_the_password_ends_every_session_and_sends_a_notice() {
    let app = app().await;
    let device = new_browser();
    sign_up_verified(&app, &device, json!({ "email": "ada@example.com", "password": PASSWORD }), "ada@example.com").await;
    let other = new_browser();
    assert_eq!(login(&app, &other, "ada@example.com", PASSWORD).await.status(), 200);
    let started = forgot(&app, json!({ "email": "ada@example.com" })).await;
    let message = app.wait_for_messages("ada@example.com", 2).await.remove(0);
    assert!(message.subject.contains("Reset"), "{}", message.subject);
    assert!(message.text.contains("/reset-password?token="), "{}", message.text);
    let id = started["auth_request_id"].as_str().unwrap();
    let (status, body) = reset(&app, &new_browser(), json!({ "auth_request_id": id, "code": message.code(), "new_password": NEW_PASSWORD })).await;
    assert_eq!((status, &body["status"]), (200, &json!("reset")), "{body}");
    assert!(body.get("session").is_none(), "not signed in automatically");
    assert_eq!(app.session(&device).await.status(), 401);
    assert_eq!(app.session(&other).await.status(), 401);
    let notice = app.wait_for_messages("ada@example.com", 3).await.remove(0);
    assert!(notice.subject.contains("password was changed"), "{}", notice.subject);
    assert_eq!(login(&app, &new_browser(), "ada@example.com", PASSWORD).await.status(), 401);
    assert_eq!(login(&app, &new_browser(), "ada@example.com", NEW_PASSWORD).await.status(), 200);
    // The code works once.
    let (status, _) = reset(&app, &new_browser(), json!({ "auth_request_id": id, "code": message.code(), "new_password": PASSWORD })).await;
    assert_eq!(status, 400);
}}

backend_test! {
async fn a_reset_by_link_works_and_can_sign_in_when_configured() {
    let app = spawn_app_with(|s| {
        s.rate_limits.enabled = false;
        s.passwords.sign_in_after_reset = true;
    })
    .await;
    sign_up_verified(&app, &new_browser(), json!({ "email": "ada@example.com", "password": PASSWORD }), "ada@example.com").await;
    forgot(&app, json!({ "email": "ada@example.com" })).await;
    let text = app.wait_for_messages("ada@example.com", 2).await.remove(0).text;
    let link = text.split_whitespace().find(|w| w.contains("/reset-password?token=")).expect("a reset link");
    let token = link.split_once("token=").unwrap().1.to_owned();
    let client = new_browser();
    let (status, body) = reset(&app, &client, json!({ "token": token, "new_password": NEW_PASSWORD })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert_eq!(app.session(&client).await.status(), 200);
    let (status, body) = reset(&app, &new_browser(), json!({ "token": token, "new_password": PASSWORD })).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_code")), "a link works once");
}}

backend_test! {
async fn a_reset_goes_by_sms_to_a_person_who_prefers_sms_and_asks_by_email() {
    let app = app().await;
    let body = json!({ "email": "sam@example.com", "phone": "+447911123456", "password": PASSWORD, "preferred_channel": "sms" });
    sign_up_verified(&app, &new_browser(), body, "+447911123456").await;
    let started = forgot(&app, json!({ "email": "sam@example.com" })).await;
    assert_eq!(started["channel"], "email", "the answer names the channel asked for, not the route");
    let sms = app.wait_for_messages("+447911123456", 2).await.remove(0);
    assert_eq!(sms.channel, "sms");
    assert!(sms.text.contains("reset"), "{}", sms.text);
    assert!(app.inbox("sam@example.com").await.iter().all(|m| !m.subject.contains("Reset")));
    let id = started["auth_request_id"].as_str().unwrap();
    let (status, _) = reset(&app, &new_browser(), json!({ "auth_request_id": id, "code": sms.code(), "new_password": NEW_PASSWORD })).await;
    assert_eq!(status, 200);
    // The notice goes over every channel the account has.
    assert!(app.wait_for_messages("+447911123456", 3).await[0].text.contains("password"));
    assert!(app.wait_for_messages("sam@example.com", 1).await[0].subject.contains("password was changed"));
    // Asking for the email channel explicitly routes there.
    forgot(&app, json!({ "phone": "+447911123456", "channel": "email" })).await;
    let email = app.wait_for_messages("sam@example.com", 2).await.remove(0);
    assert!(email.subject.contains("Reset"), "{}", email.subject);
}}

backend_test! {
async fn forgot_answers_alike_for_known_and_unknown_addresses() {
    let app = app().await;
    sign_up_verified(&app, &new_browser(), json!({ "email": "known@example.com", "password": PASSWORD }), "known@example.com").await;
    let known = forgot(&app, json!({ "email": "known@example.com" })).await;
    let unknown = forgot(&app, json!({ "email": "unknown@example.com" })).await;
    assert_eq!(shape(&known), shape(&unknown));
    assert_eq!((&known["channel"], &known["match_number"]), (&unknown["channel"], &unknown["match_number"]));
    assert!(app.inbox("unknown@example.com").await.is_empty());
}}

backend_test! {
async fn a_new_reset_kills_the_old_one_and_five_wrong_codes_kill_a_reset() {
    let app = app().await;
    sign_up_verified(&app, &new_browser(), json!({ "email": "ada@example.com", "password": PASSWORD }), "ada@example.com").await;
    let first = forgot(&app, json!({ "email": "ada@example.com" })).await;
    let first_code = app.wait_for_messages("ada@example.com", 2).await.remove(0).code();
    let second = forgot(&app, json!({ "email": "ada@example.com" })).await;
    let second_code = app.wait_for_messages("ada@example.com", 3).await.remove(0).code();
    let (status, _) = reset(&app, &new_browser(), json!({ "auth_request_id": first["auth_request_id"], "code": first_code, "new_password": NEW_PASSWORD })).await;
    assert_eq!(status, 400, "the first reset died with the second");
    let id = second["auth_request_id"].clone();
    for _ in 0..5 {
        let (status, _) = reset(&app, &new_browser(), json!({ "auth_request_id": id, "code": crate::helpers::wrong_code(&second_code), "new_password": NEW_PASSWORD })).await;
        assert!(status == 400 || status == 429, "{status}");
    }
    let (status, _) = reset(&app, &new_browser(), json!({ "auth_request_id": id, "code": second_code, "new_password": NEW_PASSWORD })).await;
    assert_ne!(status, 200, "five wrong codes killed it");
    assert_eq!(login(&app, &new_browser(), "ada@example.com", PASSWORD).await.status(), 200);
}}

backend_test! {
async fn a_reset_or_sign_up_secret_does_not_cross_purposes() {
    let app = app().await;
    sign_up_verified(&app, &new_browser(), json!({ "email": "ada@example.com", "password": PASSWORD }), "ada@example.com").await;
    let started = forgot(&app, json!({ "email": "ada@example.com" })).await;
    let message = app.wait_for_messages("ada@example.com", 2).await.remove(0);
    let id = started["auth_request_id"].as_str().unwrap();
    let r = app.verify(&new_browser(), id, &message.code()).await;
    assert_eq!(r.status(), 400, "a reset code does not sign in");
    let (status, _) = reset(&app, &new_browser(), json!({ "auth_request_id": id, "code": message.code(), "new_password": NEW_PASSWORD })).await;
    assert_eq!(status, 200, "and the failed attempt did not spend it");
}}

backend_test! {
async fn a_second_sign_in_start_for_the_account_kills_the_first_even_by_another_identifier() {
    let app = app().await;
    let body = json!({ "email": "two@example.com", "phone": "+447911123456", "password": PASSWORD, "preferred_channel": "sms" });
    sign_up_verified(&app, &new_browser(), body, "+447911123456").await;
    let client = new_browser();
    // The phone is verified; the email is not yet, so sign in by phone twice, then email.
    let (first, first_message) = app.start_and_read_phone(&client, "+447911123456").await;
    let (second, second_message) = app.start_and_read_phone(&client, "+447911123456").await;
    assert_eq!(app.verify(&client, &first, &first_message.code()).await.status(), 410, "killed by the second");
    assert_eq!(app.verify(&client, &second, &second_message.code()).await.status(), 200);
}}

backend_test! {
async fn weak_overlong_and_unicode_passwords() {
    let app = app().await;
    for (password, why) in [
        ("password", "too common"),
        ("short", "too short"),
        (&*"x".repeat(129), "129 characters are refused, never cut"),
        ("ada.lovelace.2026!", "made of the address"),
    ] {
        let r = app.post_json(&new_browser(), "/v1/signup", &json!({ "email": "ada.lovelace@example.com", "password": password })).await;
        let (status, body) = json_of(r).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("weak_password")), "{why}: {body}");
        assert!(body["message"].as_str().unwrap().len() > 10, "a reason a person understands: {body}");
    }
    assert!(app.inbox("ada.lovelace@example.com").await.is_empty());
    // 128 characters are fine; NFKC: the ligature "ﬁ" and "fi" are the same password.
    let words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey";
    let long: String = words.chars().take(128).collect();
    assert_eq!(long.chars().count(), 128);
    sign_up_verified(&app, &new_browser(), json!({ "email": "long@example.com", "password": long }), "long@example.com").await;
    assert_eq!(login(&app, &new_browser(), "long@example.com", &long).await.status(), 200);
    sign_up_verified(&app, &new_browser(), json!({ "email": "uni@example.com", "password": "ﬁne ﬂowers ＃ orbit 77" }), "uni@example.com").await;
    assert_eq!(login(&app, &new_browser(), "uni@example.com", "fine flowers # orbit 77").await.status(), 200);
}}

backend_test! {
async fn a_password_change_needs_proof_kills_outstanding_secrets_and_other_sessions() {
    let app = app().await;
    let device = new_browser();
    sign_up_verified(&app, &device, json!({ "email": "ada@example.com", "password": PASSWORD }), "ada@example.com").await;
    let other = new_browser();
    assert_eq!(login(&app, &other, "ada@example.com", PASSWORD).await.status(), 200);
    // Eleven minutes later the sign-in is not recent: the current password is needed.
    app.clock.advance(Duration::from_secs(11 * 60));
    let (pending, pending_message) = app.start_and_read(&new_browser(), "ada@example.com").await;
    let change = async |body: Value| app.post_json(&device, "/v1/account/password", &body).await;
    let (status, body) = json_of(change(json!({ "new_password": NEW_PASSWORD })).await).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_credentials")));
    let (status, _) = json_of(change(json!({ "current_password": "not it at all", "new_password": NEW_PASSWORD })).await).await;
    assert_eq!(status, 401);
    let (status, body) = json_of(change(json!({ "current_password": PASSWORD, "new_password": "password1" })).await).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("weak_password")));
    let r = change(json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD })).await;
    assert_eq!(r.status(), 204);
    assert_eq!(app.session(&device).await.status(), 200, "this device stays signed in");
    assert_eq!(app.session(&other).await.status(), 401, "other devices are signed out");
    assert_eq!(app.verify(&new_browser(), &pending, &pending_message.code()).await.status(), 410, "outstanding codes died");
    assert!(app.wait_for_messages("ada@example.com", 3).await[0].subject.contains("password was changed"));
    assert_eq!(login(&app, &new_browser(), "ada@example.com", NEW_PASSWORD).await.status(), 200);
}}

backend_test! {
async fn an_email_change_is_verified_and_the_old_address_is_told() {
    let app = app().await;
    let device = new_browser();
    sign_up_verified(&app, &device, json!({ "email": "old@example.com", "password": PASSWORD }), "old@example.com").await;
    let (status, started) = json_of(app.post_json(&device, "/v1/account/identifier", &json!({ "email": "new@example.com" })).await).await;
    assert_eq!(status, 200, "{started}");
    let code = app.latest_message("new@example.com").await.code();
    let r = app
        .post_json(&device, "/v1/account/identifier/verify", &json!({ "auth_request_id": started["auth_request_id"], "code": code }))
        .await;
    let (status, me) = json_of(r).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!((me["email"].clone(), me["email_verified"].clone()), (json!("new@example.com"), json!(true)));
    let notice = app.wait_for_messages("old@example.com", 2).await.remove(0);
    assert!(notice.subject.contains("changed"), "{}", notice.subject);
    assert_eq!(login(&app, &new_browser(), "new@example.com", PASSWORD).await.status(), 200);
    assert_eq!(login(&app, &new_browser(), "old@example.com", PASSWORD).await.status(), 401);
    // An address another account holds gets nothing, and the answer is the same.
    app.sign_in(&new_browser(), "taken@example.com").await;
    let before = app.inbox("taken@example.com").await.len();
    let (status, _) = json_of(app.post_json(&device, "/v1/account/identifier", &json!({ "email": "taken@example.com" })).await).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.inbox("taken@example.com").await.len(), before);
}}

backend_test! {
async fn the_profile_is_updated_and_the_account_deleted() {
    let app = app().await;
    let device = new_browser();
    let body = json!({ "email": "ada@example.com", "phone": "+447911123456", "password": PASSWORD });
    let first = sign_up_verified(&app, &device, body, "ada@example.com").await;
    let r = app.browser_patch(&device, "/v1/account", &json!({ "name": "Ada", "preferred_channel": "sms", "locale": "de" })).await;
    let (status, me) = json_of(r).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!((me["name"].clone(), me["preferred_channel"].clone(), me["locale"].clone()), (json!("Ada"), json!("sms"), json!("de")));
    let r = device.delete(app.url("/v1/account")).send().await.unwrap();
    assert_eq!(r.status(), 204, "a fresh sign-in needs no password");
    assert_eq!(app.session(&device).await.status(), 401);
    assert_eq!(login(&app, &new_browser(), "ada@example.com", PASSWORD).await.status(), 401);
    let again = app.sign_in(&new_browser(), "ada@example.com").await;
    assert_ne!(again["user"]["id"], first["user"]["id"], "a new account");
}}

backend_test! {
async fn sign_up_spends_the_send_limits_before_hashing_a_password() {
    let app = spawn_app_with(|_| {}).await;
    let body = json!({ "email": "ada@example.com", "password": PASSWORD });
    assert_eq!(app.post_json(&new_browser(), "/v1/signup", &body).await.status(), 200);
    let r = app.post_json(&new_browser(), "/v1/signup", &body).await;
    assert_eq!(r.status(), 429, "one message per minute per address");
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "rate_limited");
    // A weak password is refused before any limit is spent.
    let weak = json!({ "email": "bob@example.com", "password": "password" });
    assert_eq!(app.post_json(&new_browser(), "/v1/signup", &weak).await.status(), 400);
    let fine = json!({ "email": "bob@example.com", "password": PASSWORD });
    assert_eq!(app.post_json(&new_browser(), "/v1/signup", &fine).await.status(), 200);
}}

backend_test! {
async fn wrong_current_passwords_count_towards_the_lockout() {
    let app = spawn_app_with(|s| {
        s.rate_limits.enabled = false;
        s.passwordless.account_max_failures = 3;
    })
    .await;
    let device = new_browser();
    sign_up_verified(&app, &device, json!({ "email": "ada@example.com", "password": PASSWORD }), "ada@example.com").await;
    let wrong = json!({ "current_password": "not it at all", "new_password": NEW_PASSWORD });
    for _ in 0..3 {
        assert_eq!(app.post_json(&device, "/v1/account/password", &wrong).await.status(), 401);
    }
    let right = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });
    assert_eq!(app.post_json(&device, "/v1/account/password", &right).await.status(), 429);
    assert_eq!(login(&app, &new_browser(), "ada@example.com", PASSWORD).await.status(), 429, "the login is locked too");
}}

backend_test! {
async fn a_resend_of_a_sign_up_for_an_existing_address_never_becomes_a_code() {
    let app = app().await;
    sign_up_verified(&app, &new_browser(), json!({ "email": "owner@example.com", "password": PASSWORD }), "owner@example.com").await;
    let client = new_browser();
    let (_, started) = json_of(app.post_json(&client, "/v1/signup", &json!({ "email": "owner@example.com", "password": NEW_PASSWORD })).await).await;
    app.wait_for_messages("owner@example.com", 2).await;
    let r = app.resend(&client, started["auth_request_id"].as_str().unwrap()).await;
    assert_eq!(r.status(), 200, "the same answer as for a new address");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.inbox("owner@example.com").await.len(), 2, "nothing more was sent");
}}

backend_test! {
async fn a_sign_up_link_opened_on_another_device_signs_that_device_in() {
    let app = app().await;
    let r = app.post_json(&new_browser(), "/v1/signup", &json!({ "email": "phone@example.com", "password": PASSWORD })).await;
    assert_eq!(r.status(), 200);
    let token = app.latest_message("phone@example.com").await.token();
    let other = new_browser();
    let (status, page) = app.page(&other, &format!("/login/link?token={token}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("name=\"match\""), "no number matching for a sign-up");
    let r = other
        .post(app.url("/login/link"))
        .form(&[("csrf", crate::helpers::csrf_of(&page).as_str()), ("token", token.as_str()), ("choice", "continue")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.session(&other).await.status(), 200);
}}

backend_test! {
async fn a_hash_with_old_parameters_is_replaced_at_the_next_login() {
    use argon2::PasswordHasher as _;
    let app = app().await;
    sign_up_verified(&app, &new_browser(), json!({ "email": "ada@example.com", "password": PASSWORD }), "ada@example.com").await;
    // A cheaper hash, as an older release (or an import) would have stored.
    let params = argon2::Params::new(8192, 1, 1, None).unwrap();
    let old = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(PASSWORD.as_bytes())
        .unwrap()
        .to_string();
    crate::common::sql_exec(&app.database_url, &format!("UPDATE users SET password_hash = '{old}'")).await;
    assert_eq!(login(&app, &new_browser(), "ada@example.com", PASSWORD).await.status(), 200);
    let stored = crate::common::sql_text(&app.database_url, "SELECT password_hash FROM users").await;
    assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "rehashed: {stored}");
    assert_eq!(login(&app, &new_browser(), "ada@example.com", PASSWORD).await.status(), 200);
}}
