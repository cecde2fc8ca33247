//! The dev inbox as a mail catcher: a list that waits for the next message, each message
//! on its own page (headers, text with clickable links, the HTML part in a sandboxed
//! frame, texts as a phone shows them), and nothing of it without the dev provider.

use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with};

async fn get(app: &crate::helpers::TestApp, path: &str) -> reqwest::Response {
    reqwest::get(app.url(path)).await.unwrap()
}

async fn inbox_json(app: &crate::helpers::TestApp, query: &str) -> Vec<Value> {
    let body: Value = get(app, &format!("/dev/inbox.json{query}")).await.json().await.unwrap();
    body["messages"].as_array().unwrap().clone()
}

backend_test! {
async fn the_list_shows_recipient_kind_and_time_and_links_each_message() {
    let app = spawn_app().await;
    app.start_ok(&app.browser, "ada@example.com").await;
    let m = &inbox_json(&app, "?to=ada@example.com&wait=5").await[0];
    let id = m["id"].as_str().unwrap();
    assert_eq!(m["kind"], "sign_in");
    let html = get(&app, "/dev/inbox").await.text().await.unwrap();
    assert!(html.contains(&format!("href=\"/dev/inbox/{id}\"")), "each row opens its message");
    assert!(html.contains("ada@example.com") && html.contains("sign_in") && html.contains(m["created_at"].as_str().unwrap()));
    // The page waits for what comes after the newest message it shows.
    assert!(html.contains(&format!("data-refresh=\"/dev/inbox.json?wait=10&amp;after={id}\"")), "{html}");
    let filtered = get(&app, "/dev/inbox?to=bob@example.com").await.text().await.unwrap();
    assert!(!filtered.contains("ada@example.com</a>"), "the recipient filter narrows the list");
    assert!(filtered.contains("&amp;to=bob%40example.com"), "and the refresh waits for that recipient only");
}}

backend_test! {
async fn after_returns_only_newer_messages_and_waits_for_the_next_one() {
    let app = spawn_app().await;
    app.start_ok(&app.browser, "ada@example.com").await;
    let first = inbox_json(&app, "?wait=5").await;
    let latest = first[0]["id"].as_str().unwrap().to_owned();
    assert!(inbox_json(&app, &format!("?after={latest}")).await.is_empty());
    let waiting = {
        let url = app.url(&format!("/dev/inbox.json?wait=8&after={latest}"));
        tokio::spawn(async move { reqwest::get(url).await.unwrap().json::<Value>().await.unwrap() })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.start_ok(&app.browser, "bob@example.com").await;
    let next = waiting.await.unwrap();
    let next = next["messages"].as_array().unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0]["to"], "bob@example.com");
}}

backend_test! {
async fn an_email_opens_with_headers_clickable_text_and_a_sandboxed_html_part() {
    let app = spawn_app().await;
    app.start_ok(&app.browser, "ada@example.com").await;
    let m = &inbox_json(&app, "?to=ada@example.com&wait=5").await[0];
    let id = m["id"].as_str().unwrap();
    let r = get(&app, &format!("/dev/inbox/{id}")).await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("frame-src 'self'") && csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "the message page itself is not framed: {csp}");
    let html = r.text().await.unwrap();
    for header in ["<th scope=\"row\">From</th>", "<th scope=\"row\">To</th>", "<th scope=\"row\">Subject</th>", "<th scope=\"row\">Date</th>"] {
        assert!(html.contains(header), "{header}");
    }
    assert!(html.contains(&format!("<td>{}</td>", m["subject"].as_str().unwrap())));
    let link = m["text"].as_str().unwrap().lines().find(|l| l.contains("/login/link?token=")).unwrap().trim().to_owned();
    let link = &link[link.find("http").unwrap()..];
    assert!(html.contains(&format!("<a href=\"{link}\" target=\"_blank\" rel=\"noopener noreferrer\">")), "the link in the text is clickable");
    assert!(html.contains(&format!(
        "<iframe class=\"email-html\" src=\"/dev/inbox/{id}/html\" sandbox=\"allow-popups allow-popups-to-escape-sandbox\""
    )));
    let part = get(&app, &format!("/dev/inbox/{id}/html")).await;
    assert_eq!(part.status(), 200);
    let csp = part.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.starts_with("sandbox ") && !csp.contains("allow-scripts") && !csp.contains("allow-same-origin"), "{csp}");
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'self'"), "{csp}");
    assert_eq!(part.headers()["x-frame-options"], "SAMEORIGIN");
    let body = part.text().await.unwrap();
    assert!(body.contains("<base target=\"_blank\">"), "links leave the frame");
    assert!(body.contains(m["html"].as_str().unwrap().split("<body").nth(1).unwrap().get(..200).unwrap()));
    // Every other page is still never framed.
    assert_eq!(get(&app, "/login").await.headers()["x-frame-options"], "DENY");
}}

backend_test! {
async fn a_text_message_is_shown_as_a_phone_shows_it() {
    let app = spawn_app().await;
    let (_, message) = app.start_and_read_phone(&app.browser, "+14155550101").await;
    let m = &inbox_json(&app, "?to=%2B14155550101").await[0];
    assert_eq!(m["channel"], "sms");
    let html = get(&app, &format!("/dev/inbox/{}", m["id"].as_str().unwrap())).await.text().await.unwrap();
    let bubble = &html[html.find("<div class=\"bubble\">").expect("a bubble")..];
    assert!(bubble[..bubble.find("</div>").unwrap()].contains(&message.code()), "the code is in the bubble");
    assert!(!html.contains("<iframe"), "a text has no HTML part");
    assert!(!html.contains("<th scope=\"row\">Subject</th>"));
}}

backend_test! {
async fn unknown_or_malformed_ids_are_not_found() {
    let app = spawn_app().await;
    for path in ["/dev/inbox/999999", "/dev/inbox/abc", "/dev/inbox/999999/html", "/dev/inbox/-1/html"] {
        assert_eq!(get(&app, path).await.status(), 404, "{path}");
    }
}}

backend_test! {
async fn without_the_dev_provider_no_message_page_exists() {
    let app = spawn_app_with(|s| {
        s.delivery.email.provider = Some(postern::config::EmailProvider::None);
        s.delivery.sms.provider = Some(postern::config::SmsProvider::None);
    })
    .await;
    for path in ["/dev/inbox", "/dev/inbox/1", "/dev/inbox/1/html", "/dev/inbox.json"] {
        assert_eq!(get(&app, path).await.status(), 404, "{path}");
    }
}}
