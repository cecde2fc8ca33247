//! A local stand-in for an email provider, for the delivery benchmark (postern-bench's
//! `delivery` scenario, `bench/src/delivery.rs`): an HTTP API that answers every POST like
//! Resend does (`200 {"id": …}`) and a minimal SMTP server that accepts every message. It
//! counts what it received; `GET /count` on the HTTP port answers the total as plain text.
//!
//! Usage: `delivery_sink <http port> <smtp port>`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

type Count = Arc<AtomicU64>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let http_port: u16 = args.next().unwrap_or_else(|| "18900".into()).parse()?;
    let smtp_port: u16 = args.next().unwrap_or_else(|| "18925".into()).parse()?;
    let count: Count = Arc::new(AtomicU64::new(0));

    let smtp = TcpListener::bind(("127.0.0.1", smtp_port)).await?;
    let smtp_count = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = smtp.accept().await {
            let count = smtp_count.clone();
            tokio::spawn(async move {
                if let Err(e) = smtp_session(stream, count).await {
                    eprintln!("smtp session ended: {e}");
                }
            });
        }
    });

    let app = Router::new()
        .route("/count", get(|State(c): State<Count>| async move { c.load(Ordering::Relaxed).to_string() }))
        .fallback(post(|State(c): State<Count>| async move {
            let n = c.fetch_add(1, Ordering::Relaxed) + 1;
            ([("content-type", "application/json")], format!("{{\"id\":\"sink-{n}\"}}"))
        }))
        .with_state(count);
    let http = TcpListener::bind(("127.0.0.1", http_port)).await?;
    println!("ready http={http_port} smtp={smtp_port}");
    axum::serve(http, app).await?;
    Ok(())
}

/// Just enough SMTP (RFC 5321) for one client: greeting, EHLO, MAIL, RCPT, DATA, RSET,
/// NOOP, QUIT; every message is accepted.
async fn smtp_session(stream: TcpStream, count: Count) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => write.write_all(b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n").await?,
            "DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                }
                let n = count.fetch_add(1, Ordering::Relaxed) + 1;
                write.write_all(format!("250 OK queued as {n}\r\n").as_bytes()).await?;
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"250 OK\r\n").await?,
        }
    }
}
