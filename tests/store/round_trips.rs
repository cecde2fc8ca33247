//! Statements per unit of work on PostgreSQL (issue 15, item 7: each statement costs the
//! database a round trip's system calls and an executor start, whatever it does). The store
//! talks to PostgreSQL through a proxy here that counts what the client asks the server to
//! run: simple queries (`Q`, e.g. BEGIN and COMMIT) and executions of prepared statements
//! (`E`). Preparing a statement (`Parse`/`Describe`) is not counted: it happens once per
//! connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use postern::store::postgres::{self, PgSettings, PgStore};
use postern::store::{CodeOutcome, LinkOutcome, Redeemed, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::{Backend, TestDb};
use crate::{MINUTE, NOW, actor, redeem, sign_in_here, start};

/// Forwards connections to PostgreSQL and counts the statements clients send.
struct CountingProxy {
    url: String,
    statements: Arc<AtomicUsize>,
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
        let counter = statements.clone();
        tokio::spawn(async move {
            loop {
                let (client, _) = listener.accept().await.unwrap();
                let server = TcpStream::connect(&upstream).await.unwrap();
                tokio::spawn(relay(client, server, counter.clone()));
            }
        });
        CountingProxy { url: proxied.to_string(), statements }
    }

    fn take(&self) -> usize {
        self.statements.swap(0, Ordering::SeqCst)
    }
}

async fn relay(client: TcpStream, server: TcpStream, statements: Arc<AtomicUsize>) {
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
        if server_tx.write_all(&chunk[..n]).await.is_err() {
            break;
        }
        pending.extend_from_slice(&chunk[..n]);
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
    }
    down.abort();
}

#[tokio::test]
async fn a_sign_in_is_one_statement_to_start_and_four_to_verify_on_postgres() {
    let db = TestDb::new(Backend::Postgres).await;
    let proxy = CountingProxy::start(&db.url).await;
    let pg = PgStore::connect(&PgSettings {
        url: proxy.url.clone(),
        // One connection, so every statement below runs on a connection that has prepared it.
        max_connections: 1,
        acquire_timeout: Duration::from_secs(5),
        // No listener: its pings would be counted too.
        session_cache: 0,
    })
    .unwrap();
    postgres::run_migrations(pg.pool()).await.unwrap();
    let store: Arc<dyn Store> = Arc::new(pg);
    for (round, address) in ["warm-up@example.com", "ada@example.com"].into_iter().enumerate() {
        let now = NOW + round as i64 * MINUTE;
        proxy.take();
        let by_code = start(&store, address, now).await;
        let started = proxy.take();
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
        assert_eq!(verified, 2, "the read without a lock, the sign-in of that version: round {round}");
        assert_eq!(by_link, 4, "the link: BEGIN, the lock and reads, the sign-in, COMMIT: round {round}");
    }
}
