//! The dev provider (and its inbox, which lists every code and link) never faces a
//! production setup by omission (issue 10, finding 1): a table of configurations, each
//! through the real binary's `postern config check` and `postern serve`.

use std::process::Stdio;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_postern");

const SMTP: [(&str, &str); 2] =
    [("POSTERN_DELIVERY__EMAIL__PROVIDER", "smtp"), ("POSTERN_DELIVERY__EMAIL__SMTP_URL", "smtp://127.0.0.1:9")];
const TWILIO: [(&str, &str); 4] = [
    ("POSTERN_DELIVERY__SMS__PROVIDER", "twilio"),
    ("POSTERN_DELIVERY__SMS__TWILIO__ACCOUNT_SID", "AC00000000000000000000000000000000"),
    ("POSTERN_DELIVERY__SMS__TWILIO__AUTH_TOKEN", "token"),
    ("POSTERN_DELIVERY__SMS__TWILIO__FROM", "+15005550006"),
];
const PUBLIC: (&str, &str) = ("POSTERN_PUBLIC_URL", "https://auth.example.com");
const ACK: (&str, &str) = ("POSTERN_DELIVERY__ALLOW_INSECURE_DEV_INBOX", "true");
const SMS_DEV: (&str, &str) = ("POSTERN_DELIVERY__SMS__PROVIDER", "dev");

/// What a configuration must lead to.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Serves; the dev inbox is on or off; SMS may or may not be requested.
    Serves { inbox: bool, sms: bool, email: bool },
    /// Refuses to start, naming this text.
    Refused(&'static str),
}

struct Case {
    what: &'static str,
    env: Vec<(&'static str, &'static str)>,
    want: Outcome,
}

fn cases() -> Vec<Case> {
    let with = |parts: &[&[(&'static str, &'static str)]]| parts.concat();
    vec![
        Case { what: "nothing configured", env: vec![], want: Outcome::Serves { inbox: true, sms: true, email: true } },
        Case {
            what: "email on SMTP behind https, SMS unconfigured: SMS is off",
            env: with(&[&SMTP, &[PUBLIC]]),
            want: Outcome::Serves { inbox: false, sms: false, email: true },
        },
        Case {
            what: "SMS on Twilio, email unconfigured: email is off",
            env: with(&[&TWILIO]),
            want: Outcome::Serves { inbox: false, sms: true, email: false },
        },
        Case {
            what: "an explicit dev SMS beside SMTP",
            env: with(&[&SMTP, &[SMS_DEV]]),
            want: Outcome::Refused("delivery.sms.provider = \"dev\" beside a real provider"),
        },
        Case {
            what: "an explicit dev SMS beside SMTP, acknowledged",
            env: with(&[&SMTP, &[SMS_DEV, ACK]]),
            want: Outcome::Serves { inbox: true, sms: true, email: true },
        },
        Case {
            what: "no provider behind a public https URL",
            env: vec![PUBLIC],
            want: Outcome::Refused("is not a loopback address"),
        },
        Case {
            what: "no provider behind a public https URL, acknowledged",
            env: vec![PUBLIC, ACK],
            want: Outcome::Serves { inbox: true, sms: true, email: true },
        },
        Case {
            what: "listening on every interface without a public URL",
            env: vec![("POSTERN_LISTEN", "0.0.0.0:1")],
            want: Outcome::Refused("is not a loopback address"),
        },
        Case {
            what: "a localhost public URL",
            env: vec![("POSTERN_PUBLIC_URL", "http://localhost:8080")],
            want: Outcome::Serves { inbox: true, sms: true, email: true },
        },
        Case {
            what: "both channels switched off",
            env: vec![("POSTERN_DELIVERY__EMAIL__PROVIDER", "none"), ("POSTERN_DELIVERY__SMS__PROVIDER", "none")],
            want: Outcome::Serves { inbox: false, sms: false, email: false },
        },
    ]
}

fn command(args: &[&str], env: &[(&str, &str)], dir: &std::path::Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("POSTERN_DATABASE_URL", format!("sqlite://{}", dir.join("postern.db").display()))
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `postern serve` with `env`: what it did, judged from outside.
async fn serve(env: &[(&str, &str)]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut env: Vec<(&str, &str)> = env.to_vec();
    if !env.iter().any(|(k, _)| *k == "POSTERN_LISTEN") {
        env.push(("POSTERN_LISTEN", &listen));
    }
    let mut child =
        command(&["serve"], &env, dir.path()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let base = format!("http://{listen}");
    for _ in 0..200 {
        if let Ok(Some(_)) = child.try_wait() {
            let out = child.wait_with_output().await.unwrap();
            let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            return refused(&text);
        }
        if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status() == 200) {
            let inbox = reqwest::get(format!("{base}/dev/inbox.json")).await.unwrap().status() == 200;
            let accepts = |body: serde_json::Value| {
                let base = base.clone();
                async move {
                    let r = reqwest::Client::new()
                        .post(format!("{base}/v1/passwordless/start"))
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    r.status() == 200
                }
            };
            let sms = accepts(serde_json::json!({ "phone": "+4915112345678" })).await;
            let email = accepts(serde_json::json!({ "email": "ada@example.com" })).await;
            child.kill().await.unwrap();
            return Outcome::Serves { inbox, sms, email };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().await.unwrap();
    panic!("postern serve neither started nor exited");
}

/// The case's expected refusal text found in `output`.
fn refused(output: &str) -> Outcome {
    for case in cases() {
        if let Outcome::Refused(text) = case.want
            && output.contains(text)
        {
            return Outcome::Refused(text);
        }
    }
    panic!("refused for another reason: {output}");
}

#[tokio::test]
async fn the_dev_provider_runs_only_where_no_real_user_can_reach_it() {
    for case in cases() {
        let got = serve(&case.env).await;
        assert_eq!(got, case.want, "postern serve with {}", case.what);
    }
}

#[tokio::test]
async fn config_check_refuses_what_serve_refuses() {
    for case in cases() {
        let dir = tempfile::tempdir().unwrap();
        let out = command(&["config", "check"], &case.env, dir.path()).output().await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        match case.want {
            Outcome::Refused(text) => {
                assert_eq!(out.status.code(), Some(1), "config check with {}", case.what);
                assert!(stderr.contains(text), "{}: {stderr}", case.what);
                assert!(stderr.contains("allow_insecure_dev_inbox"), "the way out is named: {stderr}");
            }
            Outcome::Serves { .. } => assert!(out.status.success(), "config check with {}: {stderr}", case.what),
        }
    }
}
