//! DKIM: messages signed with the configured key verify (dkimpy, against the key's TXT
//! record); a key that is missing or unusable stops the server at start, naming the file.

use std::path::PathBuf;
use std::time::Duration;

use postern::config::DkimSettings;

use crate::app::{spawn, start_error};
use crate::sink::{Sink, SinkOptions, header};

fn key(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/dkim")).join(name)
}

fn txt(name: &str) -> String {
    std::fs::read_to_string(key(name)).expect("TXT record").trim().to_owned()
}

fn dkim(file: PathBuf) -> Option<DkimSettings> {
    Some(DkimSettings { domain: "postern.test".to_owned(), selector: "s2026".to_owned(), key_file: file })
}

/// One sign-in message through a sink that knows `txt_record`; returns what it saw.
async fn signed_message(key_file: &str, txt_record: &str, to: &str) -> serde_json::Value {
    let sink = Sink::start(&SinkOptions { dkim_txt: Some(txt(txt_record)), ..Default::default() });
    let app = spawn(&sink.url(), |s| {
        s.delivery.email.smtp.dkim = dkim(key(key_file));
        s.delivery.email.reply_to = Some("help@postern.test".to_owned());
    })
    .await;
    app.start(to).await;
    sink.wait_for(to, 1, Duration::from_secs(10)).await.remove(0)
}

#[tokio::test]
async fn an_rsa_signature_verifies_with_pkcs8_and_pkcs1_keys() {
    for (file, to) in [("rsa-pkcs8.pem", "pkcs8@example.com"), ("rsa-pkcs1.pem", "pkcs1@example.com")] {
        let m = signed_message(file, "rsa.txt", to).await;
        assert_eq!(m["dkim"], "pass", "{file}: {}", m["raw"]);
        let signature = header(&m, "DKIM-Signature").expect("a DKIM-Signature").replace(['\r', '\n', ' ', '\t'], "");
        assert!(signature.contains("a=rsa-sha256;") && signature.contains("d=postern.test;"), "{signature}");
        assert!(signature.contains("s=s2026;") && signature.contains("c=relaxed/relaxed;"), "{signature}");
        for name in ["from", "to", "subject", "date", "message-id", "reply-to", "mime-version", "content-type"] {
            let list = signature.split("h=").nth(1).unwrap_or_default().split(';').next().unwrap_or_default();
            assert!(list.to_ascii_lowercase().split(':').any(|h| h == name), "{name} is signed: h={list}");
        }
    }
}

#[tokio::test]
async fn the_sink_tells_a_signature_made_with_another_key() {
    // Guards the test above: the sink's verdict depends on the key it was given.
    let m = signed_message("rsa-pkcs8.pem", "other-rsa.txt", "other@example.com").await;
    assert_eq!(m["dkim"], "fail");
}

#[tokio::test]
async fn an_ed25519_key_signs_too() {
    // dkimpy needs PyNaCl for Ed25519: the verdict is not checked, the signature is.
    let m = signed_message("ed25519.pem", "rsa.txt", "ed@example.com").await;
    let signature = header(&m, "DKIM-Signature").expect("a DKIM-Signature").replace(['\r', '\n', ' ', '\t'], "");
    assert!(signature.contains("a=ed25519-sha256;"), "{signature}");
}

#[tokio::test]
async fn a_missing_or_broken_dkim_key_stops_the_server_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n").unwrap();
    let not_pem = dir.path().join("not-pem.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    for (file, why) in [
        (missing, "could not be read"),
        (garbage, "PKCS#8"),
        (not_pem, "no PEM private key"),
        (key("rsa-512.pem"), "512 bits"),
    ] {
        let error = start_error("smtp://127.0.0.1:25", |s| s.delivery.email.smtp.dkim = dkim(file.clone())).await;
        assert!(error.contains(&file.display().to_string()), "the error names {}: {error}", file.display());
        assert!(error.contains(why), "{error}");
    }
}

#[test]
fn postern_serve_exits_with_an_error_naming_a_missing_dkim_key() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-key.pem");
    let db = format!("sqlite://{}", dir.path().join("postern.db").display());
    let out = crate::harness::postern(&db)
        .arg("serve")
        .env("POSTERN_LISTEN", "127.0.0.1:0")
        .env("POSTERN_DELIVERY__EMAIL__PROVIDER", "smtp")
        .env("POSTERN_DELIVERY__EMAIL__SMTP_URL", "smtp://127.0.0.1:25")
        .env("POSTERN_DELIVERY__EMAIL__SMTP__DKIM__DOMAIN", "postern.test")
        .env("POSTERN_DELIVERY__EMAIL__SMTP__DKIM__SELECTOR", "s2026")
        .env("POSTERN_DELIVERY__EMAIL__SMTP__DKIM__KEY_FILE", &missing)
        .output()
        .expect("run postern serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "postern serve started without its DKIM key");
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
}
