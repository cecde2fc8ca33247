use serde_json::{Value, json};

use crate::helpers::spawn_app;

async fn assert_error(r: reqwest::Response, status: u16, code: &str, why: &str) {
    assert_eq!(r.status().as_u16(), status, "{why}");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "{why}: JSON error body");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], code, "{why}: {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{why}: a message");
}

backend_test! {
async fn bad_start_bodies_are_invalid_requests() {
    let app = spawn_app().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "no identifier"),
        (json!({ "email": "ada@example.com", "phone": "+14155552671" }), "both identifiers"),
        (json!({ "email": 42 }), "wrong type"),
        (json!({ "email": ["a@example.com", "b@example.com"] }), "array of addresses"),
        (json!({ "email": "a@example.com,b@example.com" }), "list in a string"),
        (json!({ "email": "a@example.com\r\nbcc: b@example.com" }), "CRLF injection"),
        (json!({ "email": "a＠example.com" }), "fullwidth at"),
        (json!({ "email": "\"a b\"@example.com" }), "quoted local part"),
        (json!({ "email": "a@b" }), "no dot in domain"),
        (json!({ "email": "" }), "empty"),
        (json!({ "email": "a".repeat(10_000) }), "very long"),
        (json!({ "phone": "020 7946 0958" }), "national number"),
        (json!({ "phone": "+1-800-FLOWERS" }), "vanity number"),
        (json!({ "phone": 14155552671u64 }), "phone as a number"),
        (json!({ "email": "ada@example.com", "channel": "pigeon" }), "unknown channel"),
        (json!({ "email": "ada@example.com", "locale": "<script>" }), "bad locale"),
        (json!({ "email": "ada@example.com", "emial": "typo" }), "unknown field"),
        (json!(["ada@example.com"]), "array body"),
        (json!("ada@example.com"), "string body"),
    ];
    for (body, why) in cases {
        let r = app.post_json(&app.browser, "/v1/passwordless/start", &body).await;
        assert_error(r, 400, "invalid_request", why).await;
    }
}}

backend_test! {
async fn malformed_json_and_wrong_content_types_are_invalid_requests() {
    let app = spawn_app().await;
    for (body, content_type, why) in [
        ("{\"email\": ", "application/json", "truncated JSON"),
        ("not json", "application/json", "not JSON"),
        ("", "application/json", "empty body"),
        ("{\"email\":\"ada@example.com\"}", "text/plain", "wrong content type"),
        ("email=ada@example.com", "application/x-www-form-urlencoded", "form body"),
        ("{\"email\":\"\\ud800@example.com\"}", "application/json", "lone surrogate"),
    ] {
        let r = app
            .browser
            .post(app.url("/v1/passwordless/start"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_error(r, 400, "invalid_request", why).await;
    }
}}

backend_test! {
async fn bad_verify_bodies_are_invalid_requests() {
    let app = spawn_app().await;
    let id = app.start_ok(&app.browser, "ada@example.com").await;
    for (body, why) in [
        (json!({ "auth_request_id": id }), "missing code"),
        (json!({ "code": "123456" }), "missing id"),
        (json!({ "auth_request_id": id, "code": 123456 }), "code as a number"),
        (json!({ "auth_request_id": id, "code": "12345" }), "five digits"),
        (json!({ "auth_request_id": id, "code": "１２３４５６" }), "fullwidth digits"),
        (json!({ "auth_request_id": "../../etc", "code": "123456" }), "bad id"),
    ] {
        let r = app.post_json(&app.browser, "/v1/passwordless/verify", &body).await;
        assert_error(r, 400, "invalid_request", why).await;
    }
    // A malformed code does not cost an attempt.
    let r = app.verify(&app.browser, &id, &"0".repeat(5)).await;
    assert_eq!(r.status(), 400);
    let code = app.latest_message("ada@example.com").await.code();
    for _ in 0..4 {
        app.verify(&app.browser, &id, &crate::helpers::wrong_code(&code)).await;
    }
    assert_eq!(app.verify(&app.browser, &id, &code).await.status(), 200, "four wrong codes still leave one try");
}}

backend_test! {
async fn an_unknown_request_id_is_an_invalid_code() {
    let app = spawn_app().await;
    let r = app.verify(&app.browser, "AAAAAAAAAAAAAAAAAAAAAA", "123456").await;
    assert_error(r, 400, "invalid_code", "unknown id").await;
}}

backend_test! {
async fn an_oversize_body_is_refused_with_413() {
    let app = spawn_app().await;
    let big = format!("{{\"email\":\"{}@example.com\"}}", "a".repeat(70 * 1024));
    let r = app
        .browser
        .post(app.url("/v1/passwordless/start"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_error(r, 413, "invalid_request", "70 KiB body").await;
}}

backend_test! {
async fn unknown_routes_and_methods_answer_json_errors() {
    let app = spawn_app().await;
    let r = app.browser.get(app.url("/v1/nope")).send().await.unwrap();
    assert_error(r, 404, "not_found", "unknown route").await;
    let r = app.browser.get(app.url("/v1/passwordless/start")).send().await.unwrap();
    assert_eq!(r.status(), 405, "wrong method");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}}

backend_test! {
async fn status_needs_a_valid_request_id() {
    let app = spawn_app().await;
    let r = app.browser.get(app.url("/v1/passwordless/status")).send().await.unwrap();
    assert_error(r, 400, "invalid_request", "missing id").await;
    let r = app.status(&app.browser, "AAAAAAAAAAAAAAAAAAAAAA").await;
    assert_error(r, 400, "invalid_request", "unknown id").await;
}}

backend_test! {
async fn garbage_never_panics_the_server() {
    let app = spawn_app().await;
    let bodies: Vec<Vec<u8>> = vec![
        vec![0xff, 0xfe, 0x00, 0x01],
        b"{\"email\":\"\\u0000@example.com\"}".to_vec(),
        b"{\"email\":{\"$gt\":\"\"}}".to_vec(),
        b"{\"email\":null}".to_vec(),
        b"{\"email\":\"a@example.com\",\"email\":\"b@example.com\"}".to_vec(),
        "[".repeat(10_000).into_bytes(),
        "{\"email\":\"\u{202e}moc.elpmaxe@a\"}".as_bytes().to_vec(),
    ];
    for path in ["/v1/passwordless/start", "/v1/passwordless/verify", "/v1/passwordless/resend", "/v1/logout"] {
        for body in &bodies {
            let r = app
                .browser
                .post(app.url(path))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            assert!((400..500).contains(&status), "{path} answered {status}");
            let parsed: Value = r.json().await.unwrap();
            assert!(parsed["error"].is_string());
        }
    }
    assert_eq!(app.browser.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}}
