//! Access tokens across instances (issue 13): every instance signs with the one shared key
//! and accepts the others' tokens; after `postern keys rotate` new tokens carry the new
//! `kid`, the JWKS holds both keys, old tokens stay valid, and an instance that has not
//! reloaded yet accepts a token signed with the new key (it reloads on the unknown `kid`).

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{Cluster, Instance, Options, browser, plain, postern, sign_in};

fn kid(token: &str) -> String {
    use base64::Engine as _;
    let head = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap();
    serde_json::from_slice::<Value>(&head).unwrap()["kid"].as_str().unwrap().to_owned()
}

async fn token(client: &reqwest::Client, base: &str) -> String {
    let r = client.post(format!("{base}/v1/session/token")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
}

async fn passes(base: &str, token: &str) -> bool {
    let r = plain().get(format!("{base}/v1/auth/check")).bearer_auth(token).send().await.unwrap();
    r.status() == StatusCode::OK
}

async fn kids(base: &str) -> Vec<String> {
    let jwks: Value = plain().get(format!("{base}/.well-known/jwks.json")).send().await.unwrap().json().await.unwrap();
    jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn instances_share_the_signing_keys_and_a_rotation_keeps_old_tokens_valid() {
    let cluster = Cluster::start(2, Options { rate_limits: false }, true).await;
    let (a, b) = (cluster.base(0).to_owned(), cluster.base(1).to_owned());
    let client = browser();
    sign_in(&client, "ada@example.com", &a, &a, &a).await;
    let (from_a, from_b) = (token(&client, &a).await, token(&client, &b).await);
    assert_eq!(kid(&from_a), kid(&from_b), "one key for every instance");
    assert_eq!(kids(&a).await, kids(&b).await);
    assert!(passes(&b, &from_a).await && passes(&a, &from_b).await);

    let out = postern(&cluster.db.url).args(["keys", "rotate"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A new instance loads the new key at start; A and B have not reloaded yet.
    let public = cluster.front().to_owned();
    let dir = cluster.db.dir.path().to_owned();
    let c = Instance::start("C", &cluster.db.url, Some(&public), Options { rate_limits: false }, &dir).await;
    let from_c = token(&client, &c.base).await;
    assert_ne!(kid(&from_c), kid(&from_a), "new tokens carry the new kid");
    let published = kids(&c.base).await;
    assert_eq!(published.len(), 2, "the JWKS holds the new key and the retired one");
    assert!(published.contains(&kid(&from_a)) && published.contains(&kid(&from_c)));
    assert!(passes(&c.base, &from_a).await, "a token of the retired key is valid until it expires");
    assert!(passes(&a, &from_c).await, "an instance meeting the new kid reloads and accepts it");

    let listed = postern(&cluster.db.url).args(["keys", "list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains("active") && listed.contains("retired"), "{listed}");
}
