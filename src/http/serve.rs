//! The accept loop: every connection is served by hyper's HTTP/1.1 connection directly, with
//! the peer's address in the request's extensions (`ConnectInfo`), until a graceful stop.
//!
//! Why not `axum::serve`: it serves through hyper-util's protocol-sniffing connection, which
//! first reads the HTTP/2 preface's 24 bytes into a buffer of its own and hands them back
//! to the HTTP/1.1 reader as a prefix; the reader's 8 KB buffer then no longer fits a
//! request beside them and doubles, so every open connection kept a 16 KB read buffer and
//! a larger task (issue 15, item 4: heaptrack at 256 connections, 4.1 MB of buffers). Postern
//! speaks HTTP/1.1 only (the `http2` features are off; proxies speak HTTP/1.1 to it), so
//! there is nothing to sniff.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::Layer;

/// Serves `router` on `listener` until `stop` completes, then stops accepting and waits
/// for the connections' requests in flight to be answered (each connection closes after
/// its current response; idle ones close at once). The caller bounds that wait.
pub async fn serve(listener: TcpListener, router: Router, stop: impl Future<Output = ()>) {
    let http1 = hyper::server::conn::http1::Builder::new();
    let connections = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    backoff_after(e).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let service = TowerToHyperService::new(axum::Extension(ConnectInfo::<SocketAddr>(peer)).layer(router.clone()));
        let connection = connections.watch(http1.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A peer that resets or sends garbage ends its own connection; hyper has already
            // answered what it could (400, 408), so there is nothing left to tell anyone.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
}

/// After a failed `accept`: a connection that died in the backlog is the peer's business;
/// anything else (out of file descriptors, of memory) would fail again at once, so the loop
/// waits a second instead of spinning on it.
async fn backoff_after(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset) {
        return;
    }
    tracing::error!(error = %e, "failed to accept a connection; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
