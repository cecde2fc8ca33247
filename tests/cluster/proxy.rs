//! A TCP proxy between one Postern instance and PostgreSQL that a test can cut and
//! restore, to play a database outage without touching the real server.
//!
//! `cut(mode)` drops every live connection at once (both sides see them close) and then
//! either closes each new connection cleanly as soon as it is accepted (`Close`: the host
//! answers, the database does not) or stops listening (`Refuse`: connection refused, as when
//! PostgreSQL is down). `restore()` forwards again.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// Accept new connections and close them at once (FIN).
    Close,
    /// Stop listening: new connections are refused.
    Refuse,
}

pub struct PgProxy {
    pub port: u16,
    upstream: String,
    /// true while cut: live connections end and new ones are closed.
    cut: watch::Sender<bool>,
    /// Connections accepted since the start (forwarded or closed).
    accepted: Arc<AtomicUsize>,
    acceptor: Mutex<Option<JoinHandle<()>>>,
}

impl PgProxy {
    /// Listens on a free 127.0.0.1 port and forwards to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let port = listener.local_addr().expect("address").port();
        let (cut, _) = watch::channel(false);
        let proxy = PgProxy {
            port,
            upstream: upstream.to_owned(),
            cut,
            accepted: Arc::new(AtomicUsize::new(0)),
            acceptor: Mutex::new(None),
        };
        *proxy.acceptor.lock().await = Some(proxy.spawn_acceptor(listener));
        proxy
    }

    fn spawn_acceptor(&self, listener: TcpListener) -> JoinHandle<()> {
        let (cut, accepted, upstream) = (self.cut.clone(), self.accepted.clone(), self.upstream.clone());
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                accepted.fetch_add(1, Ordering::Relaxed);
                if *cut.borrow() {
                    tokio::spawn(hang_up(client));
                    continue;
                }
                tokio::spawn(forward(client, upstream.clone(), cut.subscribe()));
            }
        })
    }

    pub async fn cut(&self, mode: Cut) {
        self.cut.send_replace(true);
        if mode == Cut::Refuse
            && let Some(task) = self.acceptor.lock().await.take()
        {
            task.abort();
            // The listener is dropped with the task; wait so the port really is closed.
            let _ = task.await;
        }
    }

    pub async fn restore(&self) {
        let mut acceptor = self.acceptor.lock().await;
        if acceptor.is_none() {
            let listener = TcpListener::bind(("127.0.0.1", self.port)).await.expect("listen again on the proxy port");
            *acceptor = Some(self.spawn_acceptor(listener));
        }
        self.cut.send_replace(false);
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }
}

impl Drop for PgProxy {
    fn drop(&mut self) {
        self.cut.send_replace(true);
        if let Ok(mut acceptor) = self.acceptor.try_lock()
            && let Some(task) = acceptor.take()
        {
            task.abort();
        }
    }
}

/// Closes a new connection cleanly (FIN, not RST, whatever the client sends first), the
/// way a host whose database is gone does: the client reads end-of-file.
async fn hang_up(mut client: TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = client.shutdown().await;
    let mut sink = [0u8; 1024];
    let drain = async { while matches!(client.read(&mut sink).await, Ok(n) if n > 0) {} };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), drain).await;
}

/// Copies both ways until either side closes or the proxy is cut; then both sockets are
/// dropped, which closes them.
async fn forward(mut client: TcpStream, upstream: String, mut cut: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else { return };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = cut.wait_for(|cut| *cut) => {}
    }
}
