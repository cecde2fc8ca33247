use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with};

backend_test! {
async fn host_header_poisoning_does_not_reach_the_link() {
    let app = spawn_app().await;
    let r = app
        .browser
        .post(app.url("/v1/passwordless/start"))
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .header("forwarded", "host=evil.example;proto=https")
        .json(&json!({ "email": "ada@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let m = app.latest_message("ada@example.com").await;
    assert!(m.link().starts_with(&format!("{}/login/link?token=", app.address)), "{}", m.link());
    assert!(!m.text.contains("evil.example") && !m.html.unwrap().contains("evil.example"));
}}

backend_test! {
async fn off_site_redirect_targets_are_refused() {
    let app = spawn_app_with(|s| s.redirect_allowlist = vec!["https://app.example.com".to_owned()]).await;
    let cases = [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "https://app.example.com.evil.example/",
        "https://app.example.com@evil.example/",
        "javascript:alert(1)",
        "http://app.example.com/",
    ];
    for (i, target) in cases.iter().enumerate() {
        let r = app
            .post_json(
                &app.browser,
                "/v1/passwordless/start",
                &json!({ "email": format!("u{i}@example.com"), "redirect_to": target }),
            )
            .await;
        assert_eq!(r.status(), 400, "{target} was accepted");
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_request");
    }
    for (i, target) in ["/dashboard", "https://app.example.com/welcome"].iter().enumerate() {
        let r = app
            .post_json(
                &app.browser,
                "/v1/passwordless/start",
                &json!({ "email": format!("ok{i}@example.com"), "redirect_to": target }),
            )
            .await;
        assert_eq!(r.status(), 200, "{target} was refused");
    }
}}

backend_test! {
async fn pages_carry_strict_security_headers() {
    let app = spawn_app().await;
    for path in ["/login", "/login/link?token=x", "/dev/inbox"] {
        let r = app.browser.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
    }
    let r = app.browser.get(app.url("/v1/session")).send().await.unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers().contains_key("x-request-id"));
}}

backend_test! {
async fn every_hosted_form_carries_a_csrf_token() {
    let app = spawn_app().await;
    let (_, login) = app.page(&app.browser, "/login").await;
    assert!(login.contains("name=\"csrf\""));
    // Posting the login form without the token is refused and sends nothing.
    let r = app.browser.post(app.url("/login")).form(&[("identifier", "ada@example.com")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(app.inbox("ada@example.com").await.is_empty());
}}

backend_test! {
async fn the_hosted_login_form_starts_a_sign_in_and_the_code_page_completes_it() {
    let app = spawn_app().await;
    let (_, login) = app.page(&app.browser, "/login").await;
    let csrf = crate::helpers::csrf_of(&login);
    let r = app
        .browser
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("identifier", "Ada@Example.com"), ("redirect_to", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/login/code?id="));
    let (status, code_page) = app.page(&app.browser, &location).await;
    assert_eq!(status, 200);
    assert!(code_page.contains("a•••@example.com"));
    assert!(code_page.contains("autocomplete=\"one-time-code\""));
    let id = location.split_once("id=").unwrap().1.to_owned();
    let code = app.latest_message("ada@example.com").await.code();
    let csrf = crate::helpers::csrf_of(&code_page);
    let r = app
        .browser
        .post(app.url("/login/code"))
        .form(&[("csrf", csrf.as_str()), ("auth_request_id", id.as_str()), ("code", "000000")])
        .send()
        .await
        .unwrap();
    if code != "000000" {
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("attempts left"));
    }
    let r = app
        .browser
        .post(app.url("/login/code"))
        .form(&[("csrf", csrf.as_str()), ("auth_request_id", id.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account");
    assert_eq!(app.session(&app.browser).await.status(), 200);
}}

backend_test! {
async fn the_login_page_shows_a_friendly_error_for_a_bad_address() {
    let app = spawn_app().await;
    let (_, login) = app.page(&app.browser, "/login").await;
    let csrf = crate::helpers::csrf_of(&login);
    let r = app
        .browser
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("identifier", "a@b.com, c@d.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("aria-invalid=\"true\""));
}}

backend_test! {
async fn app_names_and_user_agents_are_escaped_on_pages() {
    let app = spawn_app_with(|s| s.app_name = "<script>alert(1)</script>".to_owned()).await;
    let r = app
        .browser
        .post(app.url("/v1/passwordless/start"))
        .header("user-agent", "<img src=x onerror=alert(1)>")
        .json(&json!({ "email": "ada@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, login) = app.page(&app.browser, "/login").await;
    assert!(!login.contains("<script>alert(1)</script>"));
    assert!(login.contains("&lt;script&gt;"));
    let m = app.latest_message("ada@example.com").await;
    assert!(!m.html.unwrap().contains("<script>alert"));
}}
