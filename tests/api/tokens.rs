//! Access tokens and forward-auth (issue 13): a live session turns into a short-lived
//! EdDSA token whose signature is checked here with aws-lc-rs against the published JWKS
//! (not with the server's JWT library), which expires on the server's clock, which a
//! revoked session no longer gets; `/v1/auth/check` answers for a cookie or a bearer token.

use std::time::Duration;

use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::helpers::{TestApp, new_browser, spawn_app_with};

async fn app() -> TestApp {
    spawn_app_with(|s| {
        s.rate_limits.enabled = false;
        s.redirect_allowlist = vec!["https://app.example.com".into()];
    })
    .await
}

fn part(token: &str, i: usize) -> Value {
    let raw = token.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(raw).unwrap()).unwrap()
}

async fn token_for(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    client.post(app.url("/v1/session/token")).send().await.unwrap()
}

async fn issued(app: &TestApp, client: &reqwest::Client) -> String {
    let r = token_for(app, client).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    body["access_token"].as_str().unwrap().to_owned()
}

/// Checks the signature against the JWKS the server publishes, with aws-lc-rs.
async fn verify_independently(app: &TestApp, token: &str) {
    let jwks: Value = reqwest::get(app.url("/.well-known/jwks.json")).await.unwrap().json().await.unwrap();
    let kid = part(token, 0)["kid"].as_str().unwrap().to_owned();
    let key = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid.as_str()).expect("kid published");
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str(), key["alg"].as_str()),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    let x = URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap()).unwrap();
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    UnparsedPublicKey::new(&ED25519, &x).verify(signed.as_bytes(), &signature).expect("a valid Ed25519 signature");
}

async fn check(app: &TestApp, client: &reqwest::Client, bearer: Option<&str>) -> reqwest::Response {
    let mut req = client.get(app.url("/v1/auth/check"));
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

backend_test! {
async fn a_session_becomes_a_signed_short_lived_token_with_the_accounts_claims() {
    let app = app().await;
    let browser = new_browser();
    let signed_in = app.sign_in(&browser, "ada@example.com").await;
    let token = issued(&app, &browser).await;
    let header = part(&token, 0);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "JWT");
    let claims = part(&token, 1);
    assert_eq!(claims["sub"], signed_in["user"]["id"]);
    assert_eq!(claims["sid"], signed_in["session"]["id"]);
    assert_eq!(claims["email"], "ada@example.com");
    assert!(claims.get("phone").is_none(), "no unverified or absent phone");
    assert_eq!(claims["iss"], app.url("").trim_end_matches('/'));
    assert_eq!(claims["aud"], claims["iss"], "the audience defaults to public_url");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 300);
    verify_independently(&app, &token).await;
    let jwks = reqwest::get(app.url("/.well-known/jwks.json")).await.unwrap();
    assert_eq!(jwks.headers()["cache-control"], "public, max-age=60");
    assert!(!jwks.text().await.unwrap().contains("\"d\""), "never a private part");
    // Without a session: 401.
    assert_eq!(token_for(&app, &new_browser()).await.status(), 401);
}
}

backend_test! {
async fn forward_auth_answers_for_a_cookie_or_a_bearer_token_until_it_expires() {
    let app = app().await;
    let browser = new_browser();
    let signed_in = app.sign_in(&browser, "ada@example.com").await;
    let user_id = signed_in["user"]["id"].as_str().unwrap();
    let r = check(&app, &browser, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-postern-user-id"], user_id);
    assert_eq!(r.headers()["x-postern-email"], "ada@example.com");
    assert_eq!(r.headers()["x-postern-session-id"], signed_in["session"]["id"].as_str().unwrap());
    assert_eq!(r.headers()["cache-control"], "no-store");

    let token = issued(&app, &browser).await;
    let api = reqwest::Client::new();
    let r = check(&app, &api, Some(&token)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-postern-user-id"], user_id);
    // Nothing, a forged token, an API key: 401.
    assert_eq!(check(&app, &api, None).await.status(), 401);
    let (head, rest) = token.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let mut claims = part(&token, 1);
    claims["sub"] = json!("someone-else");
    let forged = format!("{head}.{}.{signature}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    assert_eq!(check(&app, &api, Some(&forged)).await.status(), 401);
    let none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), rest.split_once('.').unwrap().0);
    assert_eq!(check(&app, &api, Some(&none)).await.status(), 401);
    assert_eq!(check(&app, &api, Some("pst_0123456789ab_secret")).await.status(), 401);

    // The token expires on the server's clock.
    app.clock.advance(Duration::from_secs(299));
    assert_eq!(check(&app, &api, Some(&token)).await.status(), 200);
    app.clock.advance(Duration::from_secs(2));
    assert_eq!(check(&app, &api, Some(&token)).await.status(), 401);
}
}

backend_test! {
async fn a_revoked_session_gets_no_new_token_but_an_issued_one_lives_until_it_expires() {
    let app = app().await;
    let browser = new_browser();
    app.sign_in(&browser, "ada@example.com").await;
    let token = issued(&app, &browser).await;
    let r = browser.post(app.url("/v1/logout")).json(&json!({ "scope": "all" })).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(token_for(&app, &browser).await.status(), 401, "no token for a revoked session");
    assert_eq!(check(&app, &browser, None).await.status(), 401, "the cookie no longer passes");
    // Documented: an access token is not checked against its session (verified offline).
    assert_eq!(check(&app, &reqwest::Client::new(), Some(&token)).await.status(), 200);
}
}

backend_test! {
async fn a_signed_out_browser_is_sent_to_sign_in_only_for_an_allowed_page() {
    let app = app().await;
    let client = new_browser();
    let ask = |headers: Vec<(&'static str, &'static str)>| {
        let mut req = client.get(app.url("/v1/auth/check?redirect=true")).header("accept", "text/html");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    let r = ask(vec![("x-forwarded-proto", "https"), ("x-forwarded-host", "app.example.com"), ("x-forwarded-uri", "/dash?x=1")])
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let expected = format!("{}/login?redirect_to=https%3A//app.example.com/dash%3Fx%3D1", app.url("").trim_end_matches('/'));
    assert_eq!(r.headers()["location"], expected.as_str());
    let r = ask(vec![("x-original-url", "https://app.example.com/")]).await.unwrap();
    assert_eq!(r.status(), 303);
    // Another origin, a relative path, no page named: a plain 401.
    let r = ask(vec![("x-original-url", "https://evil.example/")]).await.unwrap();
    assert_eq!(r.status(), 401);
    let r = ask(vec![("x-original-url", "/dash")]).await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(ask(vec![]).await.unwrap().status(), 401);
    // Without `redirect=true`: 401 whatever the headers.
    let r = client.get(app.url("/v1/auth/check")).header("accept", "text/html").header("x-original-url", "https://app.example.com/").send().await.unwrap();
    assert_eq!(r.status(), 401);
}
}
