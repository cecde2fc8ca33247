use std::time::Duration;

use serde_json::Value;

use crate::helpers::{csrf_of, new_browser, set_cookies, spawn_app, spawn_app_with};

/// Opens a link page in `client` and returns (status, html).
async fn open_link(app: &crate::helpers::TestApp, client: &reqwest::Client, token: &str) -> (u16, String) {
    app.page(client, &format!("/login/link?token={token}")).await
}

async fn post_link(
    app: &crate::helpers::TestApp,
    client: &reqwest::Client,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client.post(app.url("/login/link")).form(form).send().await.unwrap()
}

fn numbers_offered(html: &str) -> Vec<u8> {
    html.match_indices("name=\"match\" value=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

backend_test! {
async fn opening_a_link_never_consumes_it() {
    let app = spawn_app().await;
    let (_, m) = app.start_and_read(&app.browser, "ada@example.com").await;
    // A mail scanner fetches the link, twice, without cookies.
    let scanner = new_browser();
    for _ in 0..2 {
        let (status, _) = open_link(&app, &scanner, &m.token()).await;
        assert_eq!(status, 200);
    }
    let (status, html) = open_link(&app, &app.browser, &m.token()).await;
    assert_eq!(status, 200);
    let r = post_link(&app, &app.browser, &[("csrf", &csrf_of(&html)), ("token", &m.token()), ("choice", "continue")])
        .await;
    assert_eq!(r.status(), 303, "the link still works after being opened");
}}

backend_test! {
async fn in_the_browser_that_asked_the_link_signs_in_with_one_click() {
    let app = spawn_app().await;
    let (_, m) = app.start_and_read(&app.browser, "ada@example.com").await;
    let (status, html) = open_link(&app, &app.browser, &m.token()).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-autosubmit"), "the same browser gets the one-click form");
    assert!(!html.contains("name=\"match\""), "no approval numbers for the same browser");
    let r = post_link(&app, &app.browser, &[("csrf", &csrf_of(&html)), ("token", &m.token()), ("choice", "continue")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account");
    assert!(set_cookies(&r).iter().any(|c| c.starts_with("postern_session=")));
    assert_eq!(app.session(&app.browser).await.status(), 200);
}}

backend_test! {
async fn the_link_honours_a_same_origin_redirect_to() {
    let app = spawn_app().await;
    let before = app.inbox("ada@example.com").await.len();
    let r = app
        .post_json(
            &app.browser,
            "/v1/passwordless/start",
            &serde_json::json!({ "email": "ada@example.com", "redirect_to": "/welcome?x=1" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let m = app.wait_for_messages("ada@example.com", before + 1).await.remove(0);
    let (_, html) = open_link(&app, &app.browser, &m.token()).await;
    let r = post_link(&app, &app.browser, &[("csrf", &csrf_of(&html)), ("token", &m.token()), ("choice", "continue")])
        .await;
    assert_eq!(r.headers()["location"], "/welcome?x=1");
}}

backend_test! {
async fn on_another_device_the_link_page_shows_who_asked_and_three_numbers() {
    let app = spawn_app().await;
    let r = app.start(&app.browser, "ada@example.com").await;
    let started: Value = r.json().await.unwrap();
    let m = app.latest_message("ada@example.com").await;
    let phone = new_browser();
    let (status, html) = open_link(&app, &phone, &m.token()).await;
    assert_eq!(status, 200);
    assert!(html.contains("a•••@example.com"), "which account");
    assert!(html.contains("Firefox on Linux"), "the requesting browser");
    assert!(html.contains("127.0.0.1"), "the requesting IP");
    assert!(html.contains("Only approve a sign-in you started yourself"), "the warning");
    let numbers = numbers_offered(&html);
    assert_eq!(numbers.len(), 3);
    assert!(numbers.contains(&(started["match_number"].as_u64().unwrap() as u8)));
    let (_, again) = open_link(&app, &phone, &m.token()).await;
    assert_eq!(numbers_offered(&again), numbers, "a reload shows the same numbers");
}}

backend_test! {
async fn approving_with_the_right_number_signs_in_the_waiting_browser() {
    let app = spawn_app().await;
    let r = app.start(&app.browser, "ada@example.com").await;
    let started: Value = r.json().await.unwrap();
    let id = started["auth_request_id"].as_str().unwrap();
    let number = started["match_number"].as_u64().unwrap().to_string();
    let m = app.latest_message("ada@example.com").await;
    let status: Value = app.status(&app.browser, id).await.json().await.unwrap();
    assert_eq!(status["status"], "pending");

    let phone = new_browser();
    let (_, html) = open_link(&app, &phone, &m.token()).await;
    let r = post_link(
        &app,
        &phone,
        &[("csrf", &csrf_of(&html)), ("token", &m.token()), ("choice", "approve"), ("match", &number)],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Sign-in approved"));
    assert_eq!(app.session(&phone).await.status(), 401, "approving does not sign the phone in");

    let r = app.status(&app.browser, id).await;
    assert_eq!(r.status(), 200);
    assert!(set_cookies(&r).iter().any(|c| c.starts_with("postern_session=")));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "approved");
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert_eq!(app.session(&app.browser).await.status(), 200);
    let again: Value = app.status(&app.browser, id).await.json().await.unwrap();
    assert_eq!(again["status"], "expired", "an approval is collected once");
    // The audit trail names the account the approval signed in (written by the statement
    // that signs in on PostgreSQL).
    let key = crate::admin::new_key(&app, "audit", None).await;
    let user_id = body["user"]["id"].as_str().unwrap();
    let (_, events) = crate::admin::admin_get(&app, Some(&key), "/admin/v1/audit?type=sign_in.succeeded").await;
    let events = events["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["user_id"], user_id);
    assert_eq!(events[0]["details"]["method"], "approval", "{events:?}");
}}

backend_test! {
async fn an_approval_cannot_be_collected_by_another_browser() {
    let app = spawn_app().await;
    let started: Value = app.start(&app.browser, "ada@example.com").await.json().await.unwrap();
    let id = started["auth_request_id"].as_str().unwrap();
    let number = started["match_number"].as_u64().unwrap().to_string();
    let m = app.latest_message("ada@example.com").await;
    let phone = new_browser();
    let (_, html) = open_link(&app, &phone, &m.token()).await;
    post_link(
        &app,
        &phone,
        &[("csrf", &csrf_of(&html)), ("token", &m.token()), ("choice", "approve"), ("match", &number)],
    )
    .await;
    let thief = new_browser();
    let r = app.status(&thief, id).await;
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "wrong_browser");
    assert_eq!(app.status(&app.browser, id).await.status(), 200, "the right browser still gets it");
}}

backend_test! {
async fn a_wrong_number_kills_the_request() {
    let app = spawn_app().await;
    let started: Value = app.start(&app.browser, "ada@example.com").await.json().await.unwrap();
    let id = started["auth_request_id"].as_str().unwrap();
    let real = started["match_number"].as_u64().unwrap() as u8;
    let m = app.latest_message("ada@example.com").await;
    let phone = new_browser();
    let (_, html) = open_link(&app, &phone, &m.token()).await;
    let wrong = numbers_offered(&html).into_iter().find(|n| *n != real).unwrap().to_string();
    let r = post_link(
        &app,
        &phone,
        &[("csrf", &csrf_of(&html)), ("token", &m.token()), ("choice", "approve"), ("match", &wrong)],
    )
    .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Sign-in cancelled"));
    let status: Value = app.status(&app.browser, id).await.json().await.unwrap();
    assert_eq!(status["status"], "expired");
    assert_ne!(app.verify(&app.browser, id, &m.code()).await.status(), 200, "the code died with it");
    let (status, _) = open_link(&app, &phone, &m.token()).await;
    assert_eq!(status, 400, "and so did the link");
}}

backend_test! {
async fn signing_in_on_the_other_device_instead_works() {
    let app = spawn_app().await;
    let (_, m) = app.start_and_read(&app.browser, "ada@example.com").await;
    let phone = new_browser();
    let (_, html) = open_link(&app, &phone, &m.token()).await;
    let r = post_link(&app, &phone, &[("csrf", &csrf_of(&html)), ("token", &m.token()), ("choice", "continue")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.session(&phone).await.status(), 200);
    assert_eq!(app.session(&app.browser).await.status(), 401);
}}

backend_test! {
async fn a_used_link_cannot_be_used_again() {
    let app = spawn_app().await;
    let (_, m) = app.start_and_read(&app.browser, "ada@example.com").await;
    let (_, html) = open_link(&app, &app.browser, &m.token()).await;
    let form = [("csrf", csrf_of(&html)), ("token", m.token()), ("choice", "continue".to_owned())];
    assert_eq!(app.browser.post(app.url("/login/link")).form(&form).send().await.unwrap().status(), 303);
    // The sign-in rotated the CSRF cookie: a fresh token, the same spent link.
    let (_, login) = app.page(&app.browser, "/login").await;
    let form = [("csrf", csrf_of(&login)), ("token", m.token()), ("choice", "continue".to_owned())];
    let r = app.browser.post(app.url("/login/link")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("already been used"));
    let (status, _) = open_link(&app, &new_browser(), &m.token()).await;
    assert_eq!(status, 400);
}}

backend_test! {
async fn parallel_posts_of_one_link_sign_in_exactly_once() {
    let app = spawn_app().await;
    let (_, m) = app.start_and_read(&app.browser, "ada@example.com").await;
    let mut ready = Vec::new();
    for _ in 0..12 {
        let client = new_browser();
        let (_, html) = open_link(&app, &client, &m.token()).await;
        let form = vec![
            ("csrf".to_owned(), csrf_of(&html)),
            ("token".to_owned(), m.token()),
            ("choice".to_owned(), "continue".to_owned()),
        ];
        ready.push((client, form));
    }
    let mut handles = Vec::new();
    for (client, form) in ready {
        let url = app.url("/login/link");
        handles.push(tokio::spawn(async move { client.post(url).form(&form).send().await.unwrap().status().as_u16() }));
    }
    let statuses = crate::passwordless::futures_join(handles.into_iter()).await;
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
}}

backend_test! {
async fn an_expired_link_shows_a_friendly_page() {
    let app = spawn_app().await;
    let (_, m) = app.start_and_read(&app.browser, "ada@example.com").await;
    app.clock.advance(Duration::from_secs(601));
    let (status, html) = open_link(&app, &app.browser, &m.token()).await;
    assert_eq!(status, 410);
    assert!(html.contains("This sign-in has ended"));
    assert!(html.contains("href=\"/login\""), "a way forward");
}}

backend_test! {
async fn a_malformed_token_shows_a_friendly_page() {
    let app = spawn_app().await;
    for token in ["", "abc", "%00%0d%0a", &"A".repeat(5000)] {
        let (status, html) = open_link(&app, &app.browser, token).await;
        assert_eq!(status, 400, "{token:?}");
        assert!(html.contains("<html"), "a page, not JSON");
    }
}}

backend_test! {
async fn link_posts_without_a_valid_csrf_token_are_refused() {
    let app = spawn_app().await;
    let (_, m) = app.start_and_read(&app.browser, "ada@example.com").await;
    let (_, html) = open_link(&app, &app.browser, &m.token()).await;
    let token = m.token();
    for (csrf, why) in [("", "empty"), ("forged", "forged")] {
        let r = post_link(&app, &app.browser, &[("csrf", csrf), ("token", &token), ("choice", "continue")]).await;
        assert_eq!(r.status(), 403, "{why}");
    }
    // A token from another browser does not fit this browser's cookie.
    let other = new_browser();
    let (_, other_html) = open_link(&app, &other, &token).await;
    let r =
        post_link(&app, &app.browser, &[("csrf", &csrf_of(&other_html)), ("token", &token), ("choice", "continue")])
            .await;
    assert_eq!(r.status(), 403, "token of another browser");
    // Cross-site posts are refused even with a valid token.
    let r = app
        .browser
        .post(app.url("/login/link"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", csrf_of(&html).as_str()), ("token", &token), ("choice", "continue")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "cross-site");
    // Origin: null (from a no-referrer page) with a valid token is accepted.
    let r = app
        .browser
        .post(app.url("/login/link"))
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf", csrf_of(&html).as_str()), ("token", &token), ("choice", "continue")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "Origin: null is not refused");
}}

backend_test! {
async fn the_link_page_sends_no_referrer_and_cannot_be_framed() {
    let app = spawn_app().await;
    let (_, m) = app.start_and_read(&app.browser, "ada@example.com").await;
    let r = app.browser.get(app.url(&format!("/login/link?token={}", m.token()))).send().await.unwrap();
    let h = r.headers();
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
}}

backend_test! {
async fn https_deployments_use_host_prefixed_secure_cookies() {
    let app = spawn_app_with(|s| {
        s.public_url = Some("https://auth.example.com".to_owned());
        // This test reads its mail from the dev inbox behind a public URL.
        s.delivery.allow_insecure_dev_inbox = true;
    })
    .await;
    let r = app.start(&app.browser, "ada@example.com").await;
    let cookies = set_cookies(&r);
    let device = cookies.iter().find(|c| c.starts_with("__Host-postern_device=")).expect("device cookie");
    assert!(
        device.contains("Secure")
            && device.contains("HttpOnly")
            && device.contains("SameSite=Lax")
            && device.contains("Path=/")
    );
    assert!(!device.contains("Domain="), "__Host- cookies have no Domain");
    let m = app.latest_message("ada@example.com").await;
    assert!(m.link().starts_with("https://auth.example.com/login/link?token="));
}}

backend_test! {
async fn without_javascript_the_waiting_browser_collects_the_approval_with_a_button() {
    let app = spawn_app().await;
    let started: Value = app.start(&app.browser, "ada@example.com").await.json().await.unwrap();
    let id = started["auth_request_id"].as_str().unwrap();
    let number = started["match_number"].as_u64().unwrap().to_string();
    let m = app.latest_message("ada@example.com").await;
    let (status, html) = app.page(&app.browser, &format!("/login/approved?id={id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Not approved yet"));
    let phone = new_browser();
    let (_, link) = open_link(&app, &phone, &m.token()).await;
    post_link(
        &app,
        &phone,
        &[("csrf", &csrf_of(&link)), ("token", &m.token()), ("choice", "approve"), ("match", &number)],
    )
    .await;
    let r = app.browser.get(app.url(&format!("/login/approved?id={id}"))).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.session(&app.browser).await.status(), 200);
}}

backend_test! {
async fn only_the_browser_that_asked_learns_the_match_number() {
    let app = spawn_app_with(|s| s.rate_limits.enabled = false).await;
    let started: Value = app.start(&app.browser, "ada@example.com").await.json().await.unwrap();
    let id = started["auth_request_id"].as_str().unwrap().to_owned();
    let real = started["match_number"].as_u64().unwrap();
    // Anyone else holding the request id (the first half of the emailed token): a resend
    // says nothing of the number, and the code page shows none (issue 10, finding 6).
    let other = new_browser();
    let resent: Value = app.resend(&other, &id).await.json().await.unwrap();
    assert_eq!(resent["match_number"], Value::Null, "{resent}");
    assert_eq!(resent["auth_request_id"], started["auth_request_id"]);
    let (status, page) = app.page(&other, &format!("/login/code?id={id}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("class=\"match-number\""), "no number on another browser's code page");
    assert!(!page.contains("data-poll"), "and no polling for an approval it could not collect");
    // The browser that asked sees it on both.
    let mine: Value = app.resend(&app.browser, &id).await.json().await.unwrap();
    assert_eq!(mine["match_number"].as_u64(), Some(real));
    let (_, page) = app.page(&app.browser, &format!("/login/code?id={id}")).await;
    assert!(page.contains("class=\"match-number\""));
    assert!(page.contains(&format!("</span>{real}</p>")), "the number itself");
}}

backend_test! {
async fn every_link_of_one_request_offers_the_same_three_numbers() {
    let app = spawn_app_with(|s| s.rate_limits.enabled = false).await;
    let started: Value = app.start(&app.browser, "ada@example.com").await.json().await.unwrap();
    let id = started["auth_request_id"].as_str().unwrap().to_owned();
    let real = started["match_number"].as_u64().unwrap() as u8;
    let phone = new_browser();
    let mut offered = Vec::new();
    for round in 0..4 {
        let messages = app.wait_for_messages("ada@example.com", round + 1).await;
        let (status, html) = open_link(&app, &phone, &messages[0].token()).await;
        assert_eq!(status, 200);
        offered.push(numbers_offered(&html));
        assert_eq!(app.resend(&app.browser, &id).await.status(), 200);
    }
    // Decoys drawn per link would differ between links while the real number stays: the
    // intersection of the choices would give it away.
    assert!(offered.iter().all(|o| *o == offered[0]), "{offered:?}");
    assert!(offered[0].contains(&real));
}}

/// Every root-relative URL (`href`, `action`, `src`, `data-poll`) in a page.
fn page_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attr in ["href=\"/", "action=\"/", "src=\"/", "data-poll=\"/"] {
        for (i, m) in html.match_indices(attr) {
            let rest = &html[i + m.len() - 1..];
            urls.push(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    urls
}

backend_test! {
async fn mounted_under_a_path_every_link_form_and_redirect_stays_under_it() {
    // A proxy (an app's route handler, nginx `location /auth/`) serves Postern at
    // `<origin>/auth` and strips the prefix: the pages must point back under it.
    let app = spawn_app_with(|s| s.public_url = Some("http://127.0.0.1:9/auth".to_owned())).await;
    for path in ["/login", "/signup", "/forgot-password", "/dev/inbox"] {
        let (status, html) = app.page(&app.browser, path).await;
        assert_eq!(status, 200, "{path}");
        let urls = page_urls(&html);
        assert!(!urls.is_empty(), "{path} has links");
        for url in urls {
            assert!(url.starts_with("/auth/"), "{path} links to {url} outside the mount");
        }
    }
    let (_, html) = app.page(&app.browser, "/login").await;
    let r = app
        .browser
        .post(app.url("/login"))
        .form(&[("csrf", csrf_of(&html).as_str()), ("identifier", "ada@example.com"), ("redirect_to", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let code_page = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(code_page.starts_with("/auth/login/code?id="), "{code_page}");
    let m = app.latest_message("ada@example.com").await;
    assert!(m.link().starts_with("http://127.0.0.1:9/auth/login/link?token="), "{}", m.link());
    let (_, html) = open_link(&app, &app.browser, &m.token()).await;
    assert!(page_urls(&html).iter().all(|u| u.starts_with("/auth/")));
    let (status, html) = app.page(&app.browser, code_page.strip_prefix("/auth").unwrap()).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-poll=\"/auth/v1/passwordless/status?"), "the waiting page polls under the mount");
    let r = post_link(&app, &app.browser, &[("csrf", &csrf_of(&html)), ("token", &m.token()), ("choice", "continue")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/auth/account", "the default target is Postern's account page");
    let (status, html) = app.page(&app.browser, "/account").await;
    assert_eq!(status, 200);
    assert!(page_urls(&html).iter().all(|u| u.starts_with("/auth/")));
}}
