//! The SMTP connections of the `smtp` provider, and their pool. lettre speaks the protocol
//! (greeting, EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA) and does the TLS; the TCP connections
//! are opened here, with `TCP_NODELAY` set.
//!
//! Why not lettre's own transport: lettre 0.11.23 leaves Nagle's algorithm on, and
//! `AsyncSmtpConnection::message` writes the message and then its terminator `\r\n.\r\n`
//! as a second small write. Nagle holds that second write until the first is
//! acknowledged, and the server delays that ACK (up to 40 ms on Linux) because it is
//! itself waiting for the end of the data: every message costs at least 40 ms of idle
//! time on its connection (179 msgs/s with 8 connections). Fixed upstream by
//! lettre PR #1159 (sets `TCP_NODELAY`), not released yet.
//!
//! The pool: at most `pool_max` connections, open or being opened. A send takes the most
//! recently used idle connection or opens a new one; a connection goes back to the pool
//! only after a send that succeeded. One that saw an error, or was cut off by the timeout
//! (mid-command: its late replies would be read as the next message's), is closed.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
#[allow(deprecated)] // `AsyncNetworkStream`: public, "not meant to be", and the only way to TLS here.
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::io::ReadBuf;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// An idle connection unused for longer is closed (QUIT) rather than reused: servers drop
/// idle clients after a while (RFC 5321 §4.5.3.2.7 suggests 5 minutes; many use less).
pub(super) const IDLE_MAX: Duration = Duration::from_secs(60);
/// How often idle connections are looked at for closing.
const REAP_EVERY: Duration = Duration::from_secs(20);
/// How long a best-effort QUIT may take.
const QUIT_WAIT: Duration = Duration::from_secs(5);

/// How the connection is secured, from the URL.
pub(super) enum Security {
    /// `smtp://host`: clear text.
    Plain,
    /// `smtp://host?tls=required` (STARTTLS, an error if the server does not offer it) or
    /// `?tls=opportunistic` (STARTTLS when offered).
    StartTls { tls: TlsParameters, required: bool },
    /// `smtps://host`: TLS from the first byte.
    Implicit(TlsParameters),
}

/// The server and how to talk to it.
pub(super) struct Endpoint {
    /// A host name or IP address (without the brackets of an IPv6 literal).
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// AUTH (PLAIN or LOGIN, as lettre picks) after EHLO (and STARTTLS).
    pub credentials: Option<Credentials>,
    pub hello_name: ClientId,
}

/// Why a send did not go through.
pub(super) enum Failure {
    /// lettre's error: an SMTP reply, TLS, the connection.
    Smtp(lettre::transport::smtp::Error),
    /// The TCP connection could not be made.
    Connect(io::Error),
    /// The send took longer than its timeout.
    TimedOut,
    /// Every connection stayed busy for the whole timeout.
    Busy,
}

impl From<lettre::transport::smtp::Error> for Failure {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        Failure::Smtp(e)
    }
}

struct Conn {
    smtp: AsyncSmtpConnection,
    /// A second handle on the TCP socket (the first is inside `smtp`), to see whether the
    /// server closed the connection or said something while it was idle. Declared after
    /// `smtp`: the socket closes when both are dropped.
    probe: std::net::TcpStream,
    idle_since: Instant,
}

impl Conn {
    /// Nothing to read and not closed: an idle SMTP connection hears nothing unless the
    /// server is giving up on it (`421` on its idle timeout, TLS close_notify, FIN, RST).
    fn looks_usable(&self) -> bool {
        let mut byte = [0u8; 1];
        !self.smtp.has_broken() && matches!(self.probe.peek(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }
}

pub(super) struct Pool {
    endpoint: Endpoint,
    /// Oldest first: sends take from the end (the most recently used, the least likely
    /// to have been dropped by the server), the reaper from the front.
    idle: Mutex<Vec<Conn>>,
    /// One permit per connection in use (or being opened): at most `pool_max` at once.
    slots: Semaphore,
}

impl Pool {
    /// The pool, with a task closing idle connections once they are `IDLE_MAX` old (when
    /// built inside a tokio runtime; outside one they are closed when next looked at).
    pub(super) fn new(endpoint: Endpoint, max: usize) -> Arc<Self> {
        let pool = Arc::new(Pool { endpoint, idle: Mutex::new(Vec::new()), slots: Semaphore::new(max) });
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(reap(Arc::downgrade(&pool)));
        }
        pool
    }

    /// Sends `message` to the envelope's recipients over a pooled connection. Waiting for
    /// a free connection is bounded by `timeout`, and so, separately, is the send itself:
    /// connecting, TLS, EHLO, AUTH, MAIL, RCPT, DATA and the reply to the message.
    pub(super) async fn send(&self, envelope: &Envelope, message: &[u8], timeout: Duration) -> Result<(), Failure> {
        let Ok(Ok(_slot)) = tokio::time::timeout(timeout, self.slots.acquire()).await else {
            return Err(Failure::Busy);
        };
        let reused = self.take_idle();
        let attempt = async move {
            let mut conn = match reused {
                Some(conn) => conn,
                None => self.open().await?,
            };
            // On an error the connection is dropped here, never put back: lettre has sent
            // QUIT after a negative reply; after anything else its state is unknown.
            conn.smtp.send(envelope, message).await?;
            Ok::<_, Failure>(conn)
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(Ok(conn)) => {
                self.put_back(conn);
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            // The connection, mid-command, was dropped (closed) with the attempt.
            Err(_) => Err(Failure::TimedOut),
        }
    }

    /// The most recently used idle connection that is still usable. Those the server has
    /// given up on are closed; those idle too long get a QUIT, in the background.
    fn take_idle(&self) -> Option<Conn> {
        let mut stale = Vec::new();
        let found = {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                let Some(conn) = idle.pop() else { break None };
                if conn.idle_since.elapsed() >= IDLE_MAX {
                    stale.push(conn);
                } else if conn.looks_usable() {
                    break Some(conn);
                }
            }
        };
        if !stale.is_empty() {
            tokio::spawn(quit_all(stale));
        }
        found
    }

    fn put_back(&self, mut conn: Conn) {
        conn.idle_since = Instant::now();
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(conn);
    }

    /// The idle connections unused for `IDLE_MAX`.
    fn take_stale(&self) -> Vec<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh = idle.iter().position(|c| c.idle_since.elapsed() < IDLE_MAX).unwrap_or(idle.len());
        idle.drain(..fresh).collect()
    }

    /// A new connection, ready for MAIL: TCP, TLS or STARTTLS, EHLO, AUTH.
    async fn open(&self) -> Result<Conn, Failure> {
        let e = &self.endpoint;
        let tcp = connect(&e.host, e.port).await.map_err(Failure::Connect)?;
        // A second descriptor on the same socket (dup), for `looks_usable`; both are
        // non-blocking (the flag belongs to the socket, set by tokio).
        let std_tcp = tcp.into_std().map_err(Failure::Connect)?;
        let probe = std_tcp.try_clone().map_err(Failure::Connect)?;
        let tcp = TcpStream::from_std(std_tcp).map_err(Failure::Connect)?;
        let stream: Box<dyn AsyncTokioStream> = match &e.security {
            Security::Implicit(tls) => {
                #[allow(deprecated)]
                let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
                // lettre's TLS: the certificate is verified as for STARTTLS.
                stream.upgrade_tls(tls.clone()).await?;
                Box::new(ImplicitTls(stream))
            }
            Security::Plain | Security::StartTls { .. } => Box::new(tcp),
        };
        let mut smtp = AsyncSmtpConnection::connect_with_transport(stream, &e.hello_name).await?;
        match &e.security {
            // lettre's `starttls` fails when the server does not offer STARTTLS: nothing
            // (credentials, message) is ever sent in clear text when it is required.
            Security::StartTls { tls, required } if *required || smtp.can_starttls() => {
                smtp.starttls(tls.clone(), &e.hello_name).await?;
            }
            _ => {}
        }
        if let Some(credentials) = &e.credentials {
            smtp.auth(DEFAULT_MECHANISMS, credentials).await?;
        }
        Ok(Conn { smtp, probe, idle_since: Instant::now() })
    }
}

impl Drop for Pool {
    /// The idle connections get a QUIT, best effort, if a runtime is still there to send it.
    fn drop(&mut self) {
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(PoisonError::into_inner));
        if !idle.is_empty()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(quit_all(idle));
        }
    }
}

/// Closes the pool's stale idle connections every `REAP_EVERY`, until the pool is gone.
async fn reap(pool: Weak<Pool>) {
    loop {
        tokio::time::sleep(REAP_EVERY).await;
        let Some(pool) = pool.upgrade() else { return };
        let stale = pool.take_stale();
        drop(pool);
        quit_all(stale).await;
    }
}

/// QUIT on each connection, each bounded by `QUIT_WAIT`; they are closed either way.
async fn quit_all(conns: Vec<Conn>) {
    for mut conn in conns {
        let _ = tokio::time::timeout(QUIT_WAIT, conn.smtp.quit()).await;
    }
}

/// A TCP connection to `host:port` (each address it resolves to, in turn), with
/// `TCP_NODELAY` set.
pub(super) async fn connect(host: &str, port: u16) -> io::Result<TcpStream> {
    let mut last = None;
    for addr in tokio::net::lookup_host((host, port)).await? {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                // Nagle's algorithm off (see the module documentation): every write lettre
                // makes is a whole command or the end of a message, to be sent now. The
                // cost, a few more small packets, is nothing next to 40 ms per message.
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the SMTP host has no address")))
}

/// lettre's TLS stream over our socket, handed back to lettre: `connect_with_transport`
/// takes a tokio stream, and lettre's stream implements the `futures-io` traits only.
#[allow(deprecated)]
#[derive(Debug)]
struct ImplicitTls(AsyncNetworkStream);

impl tokio::io::AsyncRead for ImplicitTls {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let n = ready!(futures_io::AsyncRead::poll_read(Pin::new(&mut self.0), cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for ImplicitTls {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(Pin::new(&mut self.0), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(Pin::new(&mut self.0), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(Pin::new(&mut self.0), cx)
    }
}

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connections_are_made_with_nagle_off() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let stream = connect("127.0.0.1", port).await.unwrap();
        assert!(stream.nodelay().unwrap());
    }

    #[tokio::test]
    async fn a_refused_connection_is_an_io_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        assert_eq!(connect("127.0.0.1", port).await.unwrap_err().kind(), io::ErrorKind::ConnectionRefused);
    }
}
