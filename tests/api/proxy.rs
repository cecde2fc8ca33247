//! An app's server speaking for its users (issue 14, Postern's side): with an API key that
//! has the `proxy` scope, `X-Postern-Client-Ip` / `-User-Agent` name the end user, who then
//! gets their own rate-limit bucket and is who the audit trail records; from anyone else
//! the headers are ignored.

use serde_json::{Value, json};

use crate::admin::{admin_get, new_key};
use crate::helpers::{TestApp, spawn_app_with};

async fn login(app: &TestApp, key: Option<&str>, ip: &str) -> u16 {
    let mut req = reqwest::Client::new()
        .post(app.url("/v1/login"))
        .header("x-postern-client-ip", ip)
        .header("x-postern-client-user-agent", "EndUser/1.0 (Firefox)")
        .json(&json!({ "email": "nobody@example.com", "password": "not the password at all" }));
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    req.send().await.unwrap().status().as_u16()
}

/// (ip, user agent, api key) of the failed logins, oldest first.
async fn failures(app: &TestApp, auditor: &str) -> Vec<(String, String, Value)> {
    let (_, body) = admin_get(app, Some(auditor), "/admin/v1/audit?type=sign_in.failed").await;
    let mut rows: Vec<(String, String, Value)> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (e["ip"].as_str().unwrap().to_owned(), e["user_agent"].as_str().unwrap().to_owned(), e["api_key"].clone())
        })
        .collect();
    rows.reverse();
    rows
}

backend_test! {
async fn only_a_proxy_key_may_name_the_end_user() {
    let app = spawn_app_with(|s| s.passwords.login_per_ip_per_hour = 2).await;
    let proxy = new_key(&app, "next-app", Some("proxy")).await;
    let backend = new_key(&app, "backend", None).await;
    let auditor = new_key(&app, "auditor", Some("audit:read")).await;

    // Without a key, or with a key that lacks `proxy`: the headers are ignored.
    assert_eq!(login(&app, None, "198.51.100.1").await, 401);
    assert_eq!(login(&app, Some(&backend), "198.51.100.2").await, 401);
    let rows = failures(&app, &auditor).await;
    assert_eq!(rows.len(), 2);
    for (ip, agent, key) in &rows {
        assert_eq!(ip, "127.0.0.1", "the connection's address, not the header's");
        assert!(!agent.contains("EndUser"), "{agent}");
        assert_eq!(key, &Value::Null);
    }
    // Those two spent 127.0.0.1's budget of two.
    assert_eq!(login(&app, Some(&backend), "198.51.100.3").await, 429);

    // With the proxy key: each end user has their own budget, and is who is recorded.
    assert_eq!(login(&app, Some(&proxy), "203.0.113.10").await, 401);
    assert_eq!(login(&app, Some(&proxy), "203.0.113.10").await, 401);
    assert_eq!(login(&app, Some(&proxy), "203.0.113.10").await, 429, "this end user's own limit");
    assert_eq!(login(&app, Some(&proxy), "203.0.113.20").await, 401, "another end user is not limited by it");
    let rows = failures(&app, &auditor).await;
    let proxied: Vec<_> = rows.iter().filter(|(_, _, key)| key == "next-app").collect();
    assert_eq!(proxied.len(), 3);
    assert_eq!(proxied[0].0, "203.0.113.10");
    assert_eq!(proxied[2].0, "203.0.113.20");
    assert!(proxied.iter().all(|(_, agent, _)| agent == "EndUser/1.0 (Firefox)"));
    // A value that is not an address leaves the connection's.
    assert_eq!(login(&app, Some(&proxy), "not-an-ip").await, 429, "127.0.0.1's budget is spent");
}
}
