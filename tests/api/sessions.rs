use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{browser_with_jar, cookie_value, new_browser, set_cookies, spawn_app};

backend_test! {
async fn the_session_endpoint_answers_401_without_a_cookie() {
    let app = spawn_app().await;
    let r = app.session(&app.browser).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "unauthorized");
    let r = app
        .browser
        .get(app.url("/v1/session"))
        .header("cookie", "postern_session=forged-value-of-the-right-length-0000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}}

backend_test! {
async fn the_session_cookie_is_httponly_lax_and_scoped_to_the_root() {
    let app = spawn_app().await;
    let (id, m) = app.start_and_read(&app.browser, "ada@example.com").await;
    let r = app.verify(&app.browser, &id, &m.code()).await;
    let cookie = set_cookies(&r).into_iter().find(|c| c.starts_with("postern_session=")).expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "no Secure on plain http: {cookie}");
    assert!(cookie.contains("Max-Age=2592000"), "30 days: {cookie}");
    let value = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    assert!(value.len() >= 43, "256 bits");
}}

backend_test! {
async fn every_sign_in_gets_a_new_session_id() {
    let app = spawn_app().await;
    let first = app.sign_in(&app.browser, "ada@example.com").await;
    app.clock.advance(Duration::from_secs(61));
    let second = app.sign_in(&app.browser, "ada@example.com").await;
    assert_ne!(first["session"]["id"], second["session"]["id"]);
}}

backend_test! {
async fn logout_ends_the_current_session_and_clears_the_cookie() {
    let app = spawn_app().await;
    app.sign_in(&app.browser, "ada@example.com").await;
    // A program holding the cookie (no Origin, no Sec-Fetch-Site) may post an empty body.
    let r = app.browser.post(app.url("/v1/logout")).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert!(set_cookies(&r).iter().any(|c| c.starts_with("postern_session=;") && c.contains("Max-Age=0")));
    assert_eq!(app.session(&app.browser).await.status(), 401);
}}

async fn three_devices(app: &crate::helpers::TestApp) -> Vec<reqwest::Client> {
    let mut devices = Vec::new();
    for _ in 0..3 {
        let d = new_browser();
        app.sign_in(&d, "ada@example.com").await;
        app.clock.advance(Duration::from_secs(61));
        devices.push(d);
    }
    devices
}

backend_test! {
async fn logout_of_others_keeps_only_this_session() {
    let app = spawn_app().await;
    let d = three_devices(&app).await;
    let r = app.post_json(&d[0], "/v1/logout", &json!({ "scope": "others" })).await;
    assert_eq!(r.status(), 204);
    assert_eq!(app.session(&d[0]).await.status(), 200);
    assert_eq!(app.session(&d[1]).await.status(), 401);
    assert_eq!(app.session(&d[2]).await.status(), 401);
}}

backend_test! {
async fn logout_of_all_ends_every_session() {
    let app = spawn_app().await;
    let d = three_devices(&app).await;
    let r = app.post_json(&d[1], "/v1/logout", &json!({ "scope": "all" })).await;
    assert_eq!(r.status(), 204);
    for device in &d {
        assert_eq!(app.session(device).await.status(), 401);
    }
}}

backend_test! {
async fn logout_with_an_unknown_scope_is_an_invalid_request() {
    let app = spawn_app().await;
    app.sign_in(&app.browser, "ada@example.com").await;
    let r = app.post_json(&app.browser, "/v1/logout", &json!({ "scope": "everything" })).await;
    assert_eq!(r.status(), 400);
    assert_eq!(app.session(&app.browser).await.status(), 200);
}}

backend_test! {
async fn a_user_lists_their_sessions_and_revokes_one() {
    let app = spawn_app().await;
    let d = three_devices(&app).await;
    let other_user = new_browser();
    let stranger: Value = app.sign_in(&other_user, "bob@example.com").await;
    let r = d[0].get(app.url("/v1/sessions")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let list = body["sessions"].as_array().unwrap();
    assert_eq!(list.len(), 3, "only this user's sessions");
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(list.iter().all(|s| s["device"] == "Firefox on Linux"));
    let victim = list.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();
    let r = d[0].delete(app.url(&format!("/v1/sessions/{victim}"))).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let body: Value = d[0].get(app.url("/v1/sessions")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["sessions"].as_array().unwrap().len(), 2);
    // Another user's session id is not found, and stays alive.
    let theirs = stranger["session"]["id"].as_str().unwrap();
    let r = d[0].delete(app.url(&format!("/v1/sessions/{theirs}"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(app.session(&other_user).await.status(), 200);
}}

backend_test! {
async fn a_session_ends_after_seven_idle_days() {
    let app = spawn_app().await;
    app.sign_in(&app.browser, "ada@example.com").await;
    app.clock.advance(Duration::from_secs(7 * 86400 + 1));
    assert_eq!(app.session(&app.browser).await.status(), 401);
}}

backend_test! {
async fn activity_pushes_the_idle_deadline_back_but_not_the_absolute_one() {
    let app = spawn_app().await;
    app.sign_in(&app.browser, "ada@example.com").await;
    // Seen every 6 days: never idle for 7, but 30 days is the hard end.
    for _ in 0..4 {
        app.clock.advance(Duration::from_secs(6 * 86400));
        assert_eq!(app.session(&app.browser).await.status(), 200);
    }
    app.clock.advance(Duration::from_secs(6 * 86400 + 1));
    assert_eq!(app.session(&app.browser).await.status(), 401, "30 days absolute");
}}

backend_test! {
async fn the_idle_deadline_is_refreshed_at_most_daily() {
    let app = spawn_app().await;
    let first: Value = app.sign_in(&app.browser, "ada@example.com").await;
    app.clock.advance(Duration::from_secs(3600));
    let again: Value = app.session(&app.browser).await.json().await.unwrap();
    assert_eq!(again["session"]["last_seen_at"], first["session"]["last_seen_at"], "no write within a day");
    app.clock.advance(Duration::from_secs(86400));
    let later: Value = app.session(&app.browser).await.json().await.unwrap();
    assert_ne!(later["session"]["last_seen_at"], first["session"]["last_seen_at"]);
}}

backend_test! {
async fn cross_site_logout_requests_are_refused() {
    let app = spawn_app().await;
    app.sign_in(&app.browser, "ada@example.com").await;
    let r = app.browser.post(app.url("/v1/logout")).header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .browser
        .post(app.url("/v1/logout"))
        .header("content-type", "text/plain")
        .body("{\"scope\":\"all\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a simple (CORS-free) body is not accepted");
    assert_eq!(app.session(&app.browser).await.status(), 200);
}}

backend_test! {
async fn the_account_page_shows_the_user_and_signs_out_with_csrf() {
    let app = spawn_app().await;
    let (status, _) = app.page(&app.browser, "/account").await;
    assert_eq!(status, 303, "signed out: to the login page");
    app.sign_in(&app.browser, "ada@example.com").await;
    let (status, html) = app.page(&app.browser, "/account").await;
    assert_eq!(status, 200);
    assert!(html.contains("ada@example.com"));
    assert!(html.contains("this device"));
    let r = app
        .browser
        .post(app.url("/account/logout"))
        .form(&[("csrf", "nope"), ("scope", "current")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no CSRF token, no sign-out");
    let csrf = crate::helpers::csrf_of(&html);
    let r = app
        .browser
        .post(app.url("/account/logout"))
        .form(&[("csrf", csrf.as_str()), ("scope", "all")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.session(&app.browser).await.status(), 401);
}}

backend_test! {
async fn logout_from_a_sibling_origin_is_refused_whatever_the_body() {
    let app = spawn_app().await;
    app.sign_in(&app.browser, "ada@example.com").await;
    let evil = "https://evil.example.com";
    // What a page on another origin of the same site can make a browser send without a
    // CORS preflight: an empty POST, a form, text/plain — and, with a no-referrer page,
    // `Origin: null`. None of them logs out (issue 10, finding 5).
    let attempts: [(&str, Option<&str>, &str); 5] = [
        (evil, None, ""),
        (evil, Some("application/x-www-form-urlencoded"), "scope=all"),
        ("null", None, ""),
        ("null", Some("application/x-www-form-urlencoded"), "scope=all"),
        ("null", Some("text/plain"), "{\"scope\":\"all\"}"),
    ];
    for (origin, content_type, body) in attempts {
        let mut req = app
            .browser
            .post(app.url("/v1/logout"))
            .header("origin", origin)
            .header("sec-fetch-site", "same-site")
            .body(body.to_owned());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 400, "{origin} {content_type:?} {body:?}");
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_request");
    }
    // A JSON body from a foreign origin is refused by the Origin check.
    let r = app
        .browser
        .post(app.url("/v1/logout"))
        .header("origin", evil)
        .json(&json!({ "scope": "all" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let sessions = app.browser.get(app.url("/v1/sessions")).send().await.unwrap();
    assert_eq!(sessions.status(), 200, "still signed in");
    // Revoking a session from a foreign origin is refused too.
    let id = sessions.json::<Value>().await.unwrap()["sessions"][0]["id"].as_str().unwrap().to_owned();
    let r = app.browser.delete(app.url(&format!("/v1/sessions/{id}"))).header("origin", evil).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(app.session(&app.browser).await.status(), 200);
    // A sibling page's empty POST that does not say where it comes from is refused too.
    let r = app.browser.post(app.url("/v1/logout")).header("sec-fetch-site", "same-site").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(app.session(&app.browser).await.status(), 200);
    // This origin's own script logs out, whether the browser vouches for it
    // (`Sec-Fetch-Site: same-origin`, even with the `Origin: null` of a no-referrer page)…
    let r = app
        .browser
        .post(app.url("/v1/logout"))
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // …or, in a browser without Fetch Metadata, it sends JSON from its own origin.
    app.sign_in(&app.browser, "grace@example.com").await;
    let r = app
        .browser
        .post(app.url("/v1/logout"))
        .header("origin", app.address.as_str())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}}

backend_test! {
async fn a_script_may_log_out_with_the_form_token_instead_of_json() {
    let app = spawn_app().await;
    app.sign_in(&app.browser, "ada@example.com").await;
    let (_, html) = app.page(&app.browser, "/account").await;
    let csrf = crate::helpers::csrf_of(&html);
    // A browser whose page sends `Origin: null` (no-referrer) and no Fetch Metadata.
    let post = || app.browser.post(app.url("/v1/logout")).header("origin", "null");
    let r = post().header("x-csrf-token", "forged").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = post().header("x-csrf-token", csrf).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.session(&app.browser).await.status(), 401);
}}

backend_test! {
async fn signing_in_as_another_account_in_the_same_browser_revokes_the_first_session() {
    let app = spawn_app().await;
    let (browser, jar) = browser_with_jar();
    app.sign_in(&browser, "ada@example.com").await;
    // The first session's cookie, as whoever used this browser before still knows it.
    let stolen = cookie_value(&app, &jar, "postern_session");
    assert!(!stolen.is_empty());
    app.sign_in(&browser, "grace@example.com").await;
    let now: Value = app.session(&browser).await.json().await.unwrap();
    assert_eq!(now["user"]["email"], "grace@example.com");
    let replay = reqwest::Client::new()
        .get(app.url("/v1/session"))
        .header("cookie", format!("postern_session={stolen}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401, "the first account's session was revoked");
    // Signing in by the hosted link page replaces it as well.
    app.clock.advance(Duration::from_secs(61));
    let (_, m) = app.start_and_read(&browser, "ada@example.com").await;
    let before = cookie_value(&app, &jar, "postern_session");
    let (_, page) = app.page(&browser, &format!("/login/link?token={}", m.token())).await;
    let r = browser
        .post(app.url("/login/link"))
        .form(&[("csrf", crate::helpers::csrf_of(&page).as_str()), ("token", m.token().as_str()), ("choice", "continue")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let replay = reqwest::Client::new()
        .get(app.url("/v1/session"))
        .header("cookie", format!("postern_session={before}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
}}

backend_test! {
async fn the_csrf_cookie_is_rotated_at_sign_in_and_sign_out_and_bound_to_the_session() {
    let app = spawn_app().await;
    let (browser, jar) = browser_with_jar();
    let (_, login) = app.page(&browser, "/login").await;
    let before = crate::helpers::csrf_of(&login);
    let id = app.start_ok(&browser, "ada@example.com").await;
    let code = app.latest_message("ada@example.com").await.code();
    let r = app.verify(&browser, &id, &code).await;
    assert_eq!(r.status(), 200);
    assert!(
        set_cookies(&r).iter().any(|c| c.starts_with("postern_csrf=;") && c.contains("Max-Age=0")),
        "the sign-in drops the CSRF cookie: {:?}",
        set_cookies(&r)
    );
    let (_, account) = app.page(&browser, "/account").await;
    let after = crate::helpers::csrf_of(&account);
    assert_ne!(before, after);
    // The token from before the sign-in no longer passes.
    let r = browser
        .post(app.url("/account/logout"))
        .form(&[("csrf", before.as_str()), ("scope", "current")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A token is bound to the session: the same CSRF cookie with another session fails.
    let csrf_cookie = cookie_value(&app, &jar, "postern_csrf");
    let (other, other_jar) = browser_with_jar();
    app.sign_in(&other, "grace@example.com").await;
    let other_session = cookie_value(&app, &other_jar, "postern_session");
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/account/logout"))
        .header("cookie", format!("postern_csrf={csrf_cookie}; postern_session={other_session}"))
        .form(&[("csrf", after.as_str()), ("scope", "current")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a token issued for one session does not work with another");
    let r = browser
        .post(app.url("/account/logout"))
        .form(&[("csrf", after.as_str()), ("scope", "current")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(set_cookies(&r).iter().any(|c| c.starts_with("postern_csrf=;")), "and the sign-out drops it again");
}}
