//! Forward-auth behind a real nginx configured with the nginx block of
//! docs/forward-auth.md (issue 13): signed out, a page redirects to sign in and an API
//! answers 401; signed in, the page is served and the API gets the user's id; a bearer
//! access token passes, a forged one does not. The document is the configuration tested.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{Backend, TestDb};
use crate::harness::{Instance, Nginx, Options, browser, plain, sign_in};

/// The first ```nginx block of docs/forward-auth.md, made to run here.
fn documented_config(postern_port: u16, app_root: &str, port: u16) -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/forward-auth.md")).unwrap();
    let start = doc.find("```nginx\n").expect("an nginx block") + "```nginx\n".len();
    let block = &doc[start..start + doc[start..].find("```").unwrap()];
    let mut conf = block.to_owned();
    for (from, to) in [
        ("server 127.0.0.1:8080;", format!("server 127.0.0.1:{postern_port};")),
        ("listen 80;", format!("listen 127.0.0.1:{port};")),
        ("root /srv/app;", format!("root {app_root};")),
    ] {
        assert!(conf.contains(from), "the documented config has {from}");
        conf = conf.replace(from, &to);
    }
    conf
}

#[tokio::test]
async fn nginx_auth_request_lets_only_signed_in_people_through() {
    let db = TestDb::new(Backend::Postgres).await;
    let dir = db.dir.path().to_owned();
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let front = format!("http://127.0.0.1:{}", reserved.local_addr().unwrap().port());
    let allow = format!(r#"["{front}"]"#);
    let env = [("POSTERN_REDIRECT_ALLOWLIST", allow.as_str())];
    let postern =
        Instance::start_with_env("A", &db.url, Some(&front), Options { rate_limits: false }, &dir, &env).await;
    let app_root = dir.join("app");
    std::fs::create_dir_all(app_root.join("api")).unwrap();
    std::fs::write(app_root.join("index.html"), "the private page").unwrap();
    std::fs::write(app_root.join("api/me.json"), "{\"private\":true}").unwrap();
    let root = app_root.display().to_string();
    let port = postern.port;
    let nginx = Nginx::start_with(reserved, &dir, &|p| documented_config(port, &root, p)).await;
    let base = nginx.base.clone();

    // Signed out: the page sends the browser to sign in (and back), the API says 401.
    let b = browser();
    let r = b.get(nginx.url("/index.html?a=1&b=2")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", nginx.error_log());
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let back = crate::harness::urlencode(&format!("{base}/index.html?a=1&b=2")).replace("%2F", "/");
    assert_eq!(location, format!("{base}/login?redirect_to={back}"));
    assert_eq!(b.get(&location).send().await.unwrap().status(), StatusCode::OK, "the sign-in page, through nginx");
    let r = b.get(nginx.url("/api/me.json")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Signed in through nginx: the page and the API, with the user's id.
    let (signed_in, _) = sign_in(&b, "ada@example.com", &base, &base, &base).await;
    let user_id = signed_in["user"]["id"].as_str().unwrap();
    let r = b.get(nginx.url("/index.html")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "the private page");
    let r = b.get(nginx.url("/api/me.json")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-postern-user-id"], user_id);

    // A bearer access token (made through nginx) passes; a forged one does not.
    let r = b.post(nginx.url("/v1/session/token")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let token = r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
    let api = plain();
    let r = api.get(nginx.url("/api/me.json")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-postern-user-id"], user_id);
    let forged = format!("{}x", &token[..token.len() - 1]);
    let r = api.get(nginx.url("/api/me.json")).bearer_auth(&forged).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Signed out again: the cookie no longer passes.
    let r = b.post(nginx.url("/v1/logout")).header("content-type", "application/json").body("{}").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    tokio::time::sleep(Duration::from_millis(10)).await;
    let r = b.get(nginx.url("/api/me.json")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
