//! `postern send-test`: the real binary sends a sample through the configured provider
//! (a local webhook receiver here) and reports the provider's answer; failures exit 1.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_postern");
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A webhook receiver answering `status`; returns its URL and what it received.
async fn receiver(status: StatusCode) -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let store = seen.clone();
    let app = Router::new().route(
        "/hook",
        post(move |body: axum::Json<Value>| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push(body.0);
                (status, "{\"id\":\"hook-1\"}")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

async fn send_test(envs: &[(&str, &str)], to: &str) -> std::process::Output {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.arg("send-test").arg(to).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().await.unwrap()
}

fn webhook_env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("POSTERN_DELIVERY__EMAIL__PROVIDER", "webhook".to_owned()),
        ("POSTERN_DELIVERY__EMAIL__WEBHOOK__URL", url.to_owned()),
        ("POSTERN_DELIVERY__EMAIL__WEBHOOK__SECRET", SECRET.to_owned()),
    ]
}

#[tokio::test]
async fn send_test_delivers_a_sample_and_reports_the_answer() {
    let (url, seen) = receiver(StatusCode::OK).await;
    let env = webhook_env(&url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = send_test(&env, "ada@example.com").await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("sent via webhook"), "{stdout}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["to"], "ada@example.com");
    assert_eq!(seen[0]["kind"], "sign_in");
    assert!(seen[0]["text"].as_str().unwrap().contains("000000"), "the sample's placeholder code");
}

#[tokio::test]
async fn send_test_fails_loudly_when_the_provider_refuses() {
    let (url, _) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
    let env = webhook_env(&url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = send_test(&env, "ada@example.com").await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("500"), "{stderr}");
    // SMS switched off: a clear refusal.
    let mut off = env.clone();
    off.push(("POSTERN_DELIVERY__SMS__PROVIDER", "none"));
    let out = send_test(&off, "+4915112345678").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no provider is configured for sms"));
    // The dev provider sends nothing, and says so.
    let out = send_test(&[], "ada@example.com").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dev provider"));
}

#[tokio::test]
async fn config_check_builds_the_providers_and_names_what_is_wrong() {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(["config", "check"]).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.env("POSTERN_DELIVERY__EMAIL__PROVIDER", "webhook")
        .env("POSTERN_DELIVERY__EMAIL__WEBHOOK__URL", "http://127.0.0.1:9/hook")
        .env("POSTERN_DELIVERY__EMAIL__WEBHOOK__SECRET", "not-a-secret");
    let out = cmd.output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("whsec_"), "{stderr}");
    assert!(!stderr.contains("not-a-secret"), "the secret is never printed: {stderr}");
    cmd.env("POSTERN_DELIVERY__EMAIL__WEBHOOK__SECRET", SECRET);
    let out = cmd.output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET), "the secret is never printed");
}

#[tokio::test]
async fn config_check_never_prints_a_password_given_as_a_url_parameter() {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(["config", "check"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("POSTERN_DATABASE_URL", "postgres://db.internal/postern?user=postern&password=hunter2&sslmode=require")
        .env("POSTERN_DELIVERY__EMAIL__PROVIDER", "smtp")
        .env("POSTERN_DELIVERY__EMAIL__SMTP_URL", "smtp://relay.internal:25?password=swordfish")
        .env("POSTERN_METRICS__BEARER_TOKEN", "metrics-token-0123456789");
    let out = cmd.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    for secret in ["hunter2", "swordfish", "metrics-token-0123456789"] {
        assert!(!stdout.contains(secret), "{secret} printed: {stdout}");
    }
    assert!(stdout.contains("password=***"), "{stdout}");
    assert!(stdout.contains("sslmode=require"), "the rest of the URL stays readable: {stdout}");
}

backend_test! {
async fn openapi_prints_the_document_the_server_serves() {
    // `clients/js` generates its types from this output: it must be what /openapi.json is.
    let app = crate::helpers::spawn_app_with(|s| s.public_url = Some("http://127.0.0.1:8080".to_owned())).await;
    let served: Value = app.browser.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let out = tokio::process::Command::new(BIN)
        .arg("openapi")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(printed, served);
    assert!(printed["paths"]["/admin/v1/users"]["get"]["operationId"] == "adminListUsers");
}}
