//! Statements per unit of work on PostgreSQL (issue 15, item 7: each statement costs the
//! database a round trip's system calls and an executor start, whatever it does). The store
//! talks to PostgreSQL through a proxy here that counts what the client asks the server to
//! run: simple queries (`Q`, e.g. BEGIN and COMMIT) and executions of prepared statements
//! (`E`). Preparing a statement (`Parse`/`Describe`) is not counted: it happens once per
//! connection. The proxy can also hold a unit of work between two of its statements, so a
//! test can change the database in between.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use postern::store::postgres::{self, PgSettings, PgStore};
use postern::store::{CodeOutcome, LinkOutcome, Redeemed, RotatedSecrets, Rotation, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::common::{Backend, TestDb};
use crate::{MINUTE, NOW, actor, hash, limit, redeem, request, sign_in_here, start};

/// Forwards connections to PostgreSQL and counts the statements clients send.
struct CountingProxy {
    url: String,
    statements: Arc<AtomicUsize>,
    gate: Arc<Gate>,
}

/// Holds the client's next statement once `after` statements have been counted, until
/// released (`usize::MAX`: never).
struct Gate {
    after: AtomicUsize,
    held: Notify,
    release: Notify,
}

impl CountingProxy {
    async fn start(db_url: &str) -> Self {
        let url = reqwest::Url::parse(db_url).unwrap();
        let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut proxied = url.clone();
        proxied.set_host(Some("127.0.0.1")).unwrap();
        proxied.set_port(Some(listener.local_addr().unwrap().port())).unwrap();
        // In clear text, so the proxy can read the messages.
        proxied.query_pairs_mut().append_pair("sslmode", "disable");
        let statements = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(Gate { after: AtomicUsize::new(usize::MAX), held: Notify::new(), release: Notify::new() });
        let (counter, held) = (statements.clone(), gate.clone());
        tokio::spawn(async move {
            loop {
                let (client, _) = listener.accept().await.unwrap();
                let server = TcpStream::connect(&upstream).await.unwrap();
                tokio::spawn(relay(client, server, counter.clone(), held.clone()));
            }
        });
        CountingProxy { url: proxied.to_string(), statements, gate }
    }

    fn take(&self) -> usize {
        self.statements.swap(0, Ordering::SeqCst)
    }

    /// From now on, lets `n` statements through and holds the next one (`held`) until
    /// `release`.
    fn hold_after(&self, n: usize) {
        self.take();
        self.gate.after.store(n, Ordering::SeqCst);
    }

    async fn held(&self) {
        self.gate.held.notified().await;
    }

    fn release(&self) {
        self.gate.release.notify_one();
    }
}

/// A store on `url` with one connection, so every statement runs on a connection that has
/// prepared it, and no session cache (its listener's pings would be counted too).
async fn store_on(url: &str) -> Arc<dyn Store> {
    let pg = PgStore::connect(&PgSettings {
        url: url.to_owned(),
        max_connections: 1,
        acquire_timeout: Duration::from_secs(5),
        session_cache: 0,
    })
    .unwrap();
    postgres::run_migrations(pg.pool()).await.unwrap();
    Arc::new(pg)
}

async fn relay(client: TcpStream, server: TcpStream, statements: Arc<AtomicUsize>, gate: Arc<Gate>) {
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();
    let down = tokio::spawn(async move { tokio::io::copy(&mut server_rx, &mut client_tx).await });
    let mut pending = Vec::new();
    let mut started = false;
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = match client_rx.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&chunk[..n]);
        let counted = statements.load(Ordering::SeqCst);
        // The start-up message has no type byte; every later message is a type byte and a
        // length that counts itself.
        loop {
            let head = if started { 1 } else { 0 };
            if pending.len() < head + 4 {
                break;
            }
            let len = u32::from_be_bytes(pending[head..head + 4].try_into().unwrap()) as usize;
            if pending.len() < head + len {
                break;
            }
            if started && matches!(pending[0], b'Q' | b'E') {
                statements.fetch_add(1, Ordering::SeqCst);
            }
            started = true;
            pending.drain(..head + len);
        }
        if statements.load(Ordering::SeqCst) > counted && counted >= gate.after.load(Ordering::SeqCst) {
            gate.after.store(usize::MAX, Ordering::SeqCst);
            gate.held.notify_one();
            gate.release.notified().await;
        }
        if server_tx.write_all(&chunk[..n]).await.is_err() {
            break;
        }
    }
    down.abort();
}

#[tokio::test]
async fn a_sign_in_is_one_statement_to_start_and_two_to_verify_on_postgres() {
    let db = TestDb::new(Backend::Postgres).await;
    let proxy = CountingProxy::start(&db.url).await;
    let store = store_on(&proxy.url).await;
    for (round, address) in ["warm-up@example.com", "ada@example.com"].into_iter().enumerate() {
        let now = NOW + round as i64 * MINUTE;
        proxy.take();
        let by_code = start(&store, address, now).await;
        let started = proxy.take();
        // Another address: a new start for `address` would kill the request verified below.
        let (_, new, message) = request(&format!("limited-{address}"), now);
        let limits = ["a", "b", "c"].map(|k| limit(&format!("{k}-{round}"), 5, now)).to_vec();
        store.start_auth_request(new, message, true, limits, &actor()).await.unwrap();
        let limited_start = proxy.take();
        let outcome = store.redeem_code(redeem(&by_code, by_code.code, now + 1), &actor()).await.unwrap();
        assert!(matches!(outcome, CodeOutcome::Redeemed(Redeemed::SignedIn(_))), "{outcome:?}");
        let verified = proxy.take();
        let by_link = start(&store, address, now + 2).await;
        proxy.take();
        let outcome = store.redeem_link(sign_in_here(&by_link, now + 3, true), &actor()).await.unwrap();
        assert!(matches!(outcome, LinkOutcome::Redeemed(Redeemed::SignedIn(_))), "{outcome:?}");
        let by_link = proxy.take();
        // The first round prepares each statement on the connection; the counts hold for both.
        assert_eq!(started, 1, "the start, round {round}");
        assert_eq!(limited_start, 4, "BEGIN, the three limits, the start, COMMIT: round {round}");
        assert_eq!(verified, 2, "the read without a lock, the sign-in of that version: round {round}");
        assert_eq!(by_link, 2, "the link: the read without a lock, the sign-in of that version: round {round}");
    }
}

/// A right code (then a right link) is read without a lock; a resend then gives the request
/// new secrets before the sign-in statement runs. That statement must spend nothing (the row
/// is no longer the version that was read), and the locked path then finds the old secret
/// wrong. Without the version guard the old code or link would sign in after the resend.
#[tokio::test]
async fn a_secret_read_before_a_resend_does_not_sign_in_after_it_on_postgres() {
    let db = TestDb::new(Backend::Postgres).await;
    let proxy = CountingProxy::start(&db.url).await;
    let (held, direct) = (store_on(&proxy.url).await, store_on(&db.url).await);
    let resend = async |req: &crate::Req, now: i64| {
        let rotated =
            RotatedSecrets { code_hash: hash("c2"), token_hash: hash("t2"), now, expires_at: now + 10 * MINUTE };
        let (_, _, message) = request("ada@example.com", now);
        let rotation = direct.rotate_auth_request(&req.id, rotated, message, true, vec![]).await.unwrap();
        assert!(matches!(rotation, Rotation::Rotated { .. }));
    };

    let req = start(&direct, "ada@example.com", NOW).await;
    proxy.hold_after(1);
    let verify = {
        let (store, r) = (held.clone(), redeem(&req, req.code, NOW + 1));
        tokio::spawn(async move { store.redeem_code(r, &actor()).await })
    };
    // The read went through; the sign-in statement waits.
    proxy.held().await;
    resend(&req, NOW + 2).await;
    proxy.release();
    let outcome = verify.await.unwrap().unwrap();
    assert!(matches!(outcome, CodeOutcome::WrongCode { remaining: 4 }), "the old code after a resend: {outcome:?}");
    let outcome = direct.redeem_code(redeem(&req, hash("c2"), NOW + 3), &actor()).await.unwrap();
    assert!(matches!(outcome, CodeOutcome::Redeemed(Redeemed::SignedIn(_))), "the new code: {outcome:?}");

    let req = start(&direct, "ada@example.com", NOW + MINUTE).await;
    proxy.hold_after(1);
    let verify = {
        let (store, r) = (held.clone(), sign_in_here(&req, NOW + MINUTE + 1, true));
        tokio::spawn(async move { store.redeem_link(r, &actor()).await })
    };
    proxy.held().await;
    resend(&req, NOW + MINUTE + 2).await;
    proxy.release();
    let outcome = verify.await.unwrap().unwrap();
    assert!(matches!(outcome, LinkOutcome::Invalid), "the old link after a resend: {outcome:?}");
    let mut link = sign_in_here(&req, NOW + MINUTE + 3, true);
    link.token_hash = hash("t2");
    let outcome = direct.redeem_link(link, &actor()).await.unwrap();
    assert!(matches!(outcome, LinkOutcome::Redeemed(Redeemed::SignedIn(_))), "the new link: {outcome:?}");
}
