//! The few requests the benchmark makes itself: a session to check (start, the code from
//! the dev inbox, verify), an access token, accounts with a password for the login flood.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use postern_harness::{code_in, urlencode};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

pub fn client() -> Result<Client> {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .context("failed to build an HTTP client")
}

async fn post_json(client: &Client, url: &str, body: &Value, cookie: Option<&str>) -> Result<Response> {
    let mut req = client.post(url).header("content-type", "application/json").body(body.to_string());
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.with_context(|| format!("POST {url} failed"))
}

async fn json_ok(r: Response, what: &str) -> Result<Value> {
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    if status != StatusCode::OK {
        bail!("{what} answered {status}: {}", text.chars().take(300).collect::<String>());
    }
    serde_json::from_str(&text).with_context(|| format!("{what} answered no JSON: {text}"))
}

fn str_field(v: &Value, key: &str) -> Result<String> {
    v[key].as_str().map(str::to_owned).ok_or_else(|| anyhow!("no {key} in {v}"))
}

/// The code of the newest message to `to`, waiting up to 5 s for it (`&wait=5`).
async fn code_for(client: &Client, base: &str, to: &str) -> Result<String> {
    let url = format!("{base}/dev/inbox.json?wait=5&to={}", urlencode(to));
    let r = client.get(&url).send().await.with_context(|| format!("GET {url} failed"))?;
    let inbox = json_ok(r, "the dev inbox").await?;
    let text = inbox["messages"][0]["text"].as_str().ok_or_else(|| anyhow!("no message for {to} within 5 s"))?;
    code_in(text).ok_or_else(|| anyhow!("no 6-digit code in the message to {to}"))
}

/// `postern_session=…` of a verify answer.
fn session_cookie(r: &Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with("postern_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .find(|v| v.len() > "postern_session=".len())
}

async fn verify(client: &Client, base: &str, id: &str, code: &str) -> Result<String> {
    let r = post_json(
        client,
        &format!("{base}/v1/passwordless/verify"),
        &json!({"auth_request_id": id, "code": code}),
        None,
    )
    .await?;
    let cookie = session_cookie(&r);
    json_ok(r, "POST /v1/passwordless/verify").await?;
    cookie.ok_or_else(|| anyhow!("the verify answer set no postern_session cookie"))
}

/// A signed-in session of `email` (start, code from the dev inbox, verify): its cookie
/// header value, checked with `GET /v1/session` at `base` and at each of `also` (every
/// instance behind nginx must take it).
pub async fn make_session(client: &Client, base: &str, email: &str, also: &[String]) -> Result<String> {
    let started = json_ok(
        post_json(client, &format!("{base}/v1/passwordless/start"), &json!({ "email": email }), None).await?,
        "POST /v1/passwordless/start",
    )
    .await?;
    let id = str_field(&started, "auth_request_id")?;
    let code = code_for(client, base, email).await?;
    let cookie = verify(client, base, &id, &code).await?;
    for b in std::iter::once(base).chain(also.iter().map(String::as_str)) {
        let r = client.get(format!("{b}/v1/session")).header("cookie", &cookie).send().await?;
        if r.status() != StatusCode::OK {
            bail!("GET {b}/v1/session refused the new session ({})", r.status());
        }
    }
    Ok(cookie)
}

/// An access token of the session (`POST /v1/session/token`).
pub async fn access_token(client: &Client, base: &str, cookie: &str) -> Result<String> {
    let r = post_json(client, &format!("{base}/v1/session/token"), &json!({}), Some(cookie)).await?;
    str_field(&json_ok(r, "POST /v1/session/token").await?, "access_token")
}

/// `n` verified accounts `<prefix><i>@example.com` with `password` (sign-up, the code from
/// the dev inbox, verify), 8 at a time; the session cookie of account 0.
pub async fn create_accounts(client: &Client, base: &str, n: usize, password: &str, prefix: &str) -> Result<String> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..8.min(n) {
        let (client, base, next, password, prefix) =
            (client.clone(), base.to_owned(), next.clone(), password.to_owned(), prefix.to_owned());
        workers.spawn(async move {
            let mut first = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<_, anyhow::Error>(first);
                }
                let email = format!("{prefix}{i}@example.com");
                let started = json_ok(
                    post_json(
                        &client,
                        &format!("{base}/v1/signup"),
                        &json!({"email": email, "password": password}),
                        None,
                    )
                    .await?,
                    "POST /v1/signup",
                )
                .await?;
                let id = str_field(&started, "auth_request_id")?;
                let code = code_for(&client, &base, &email).await?;
                let cookie = verify(&client, &base, &id, &code).await?;
                if i == 0 {
                    first = Some(cookie);
                }
            }
        });
    }
    let mut cookie = None;
    while let Some(done) = workers.join_next().await {
        if let Some(c) = done.context("an account worker panicked")?? {
            cookie = Some(c);
        }
    }
    let cookie = cookie.ok_or_else(|| anyhow!("no account was created"))?;
    // One login by hand, so that a refusal shows its answer before the flood.
    let r = post_json(
        client,
        &format!("{base}/v1/login"),
        &json!({"email": format!("{prefix}0@example.com"), "password": password}),
        None,
    )
    .await?;
    json_ok(r, "POST /v1/login").await?;
    Ok(cookie)
}

/// What a closed-loop run of whole sign-ins measured, per step.
#[derive(Default)]
pub struct Steps {
    pub start: Vec<Duration>,
    pub inbox: Vec<Duration>,
    pub verify: Vec<Duration>,
    pub failed: usize,
    /// The first few failures, as the client saw them.
    pub errors: Vec<String>,
}

impl Steps {
    fn fail(&mut self, e: anyhow::Error) {
        self.failed += 1;
        if self.errors.len() < 3 {
            self.errors.push(format!("{e:#}"));
        }
    }
}

/// `clients` tasks, each signing in a new address after the other (start, the code from
/// the dev inbox with `&wait=5`, verify) for `duration`; each step timed on its own.
/// Closed loop: a client sends its next request when the answer to the last one arrived,
/// so a step's latency is what one user waits for it.
pub async fn closed_loop_signins(client: &Client, base: &str, tag: &str, clients: usize, duration: Duration) -> Steps {
    let until = std::time::Instant::now() + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..clients {
        let (client, base, tag) = (client.clone(), base.to_owned(), tag.to_owned());
        tasks.spawn(async move {
            let mut steps = Steps::default();
            let mut i = 0;
            while std::time::Instant::now() < until {
                i += 1;
                let email = format!("{tag}-{c}-{i}@steps.example");
                let t = std::time::Instant::now();
                let started = match post_json(
                    &client,
                    &format!("{base}/v1/passwordless/start"),
                    &json!({ "email": email }),
                    None,
                )
                .await
                {
                    Ok(r) => json_ok(r, "start").await.and_then(|v| str_field(&v, "auth_request_id")),
                    Err(e) => Err(e),
                };
                let id = match started {
                    Ok(id) => id,
                    Err(e) => {
                        steps.fail(e.context("start"));
                        continue;
                    }
                };
                steps.start.push(t.elapsed());
                let t = std::time::Instant::now();
                let code = match code_for(&client, &base, &email).await {
                    Ok(code) => code,
                    Err(e) => {
                        steps.fail(e.context("inbox read"));
                        continue;
                    }
                };
                steps.inbox.push(t.elapsed());
                let t = std::time::Instant::now();
                match verify(&client, &base, &id, &code).await {
                    Ok(_) => steps.verify.push(t.elapsed()),
                    Err(e) => steps.fail(e.context("verify")),
                }
            }
            steps
        });
    }
    let mut all = Steps::default();
    while let Some(done) = tasks.join_next().await {
        if let Ok(s) = done {
            all.start.extend(s.start);
            all.inbox.extend(s.inbox);
            all.verify.extend(s.verify);
            all.failed += s.failed;
            all.errors.extend(s.errors);
        }
    }
    all
}

/// The `q` quantile (0..=1) of `samples`, in milliseconds.
pub fn quantile_ms(samples: &mut [Duration], q: f64) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let i = ((samples.len() - 1) as f64 * q).round() as usize;
    Some(samples[i].as_secs_f64() * 1000.0)
}
