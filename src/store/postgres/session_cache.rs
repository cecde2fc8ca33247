//! The session cache of one instance on PostgreSQL (issue 15, item 7): a session check
//! answered from memory instead of a round trip, under one rule — a revocation committed
//! anywhere takes effect on every instance within `FRESH_FOR` (100 ms).
//!
//! How the rule is kept:
//! - Triggers (migration 0010) `NOTIFY postern_sessions` with `s:<session id>` when a session
//!   is revoked or a live one deleted, and `u:<user id>` when a user is disabled, deleted or
//!   changes an address. Every instance LISTENs on its own connection and forgets what the
//!   notification names. Triggers, not calls in the code, so no write path (nor an
//!   operator's SQL) can forget to tell.
//! - A revocation's answer (`PgStore::settle` after its commit) waits until every live
//!   instance, this one included, has acknowledged a request sent after the commit (`r:`
//!   out, `a:` back from each instance whose pings it hears; an instance that heard the
//!   request heard the commit's notifications first), or `FRESH_FOR` when that cannot be
//!   shown: by the time the client hears "revoked", the next request finds it revoked
//!   whichever instance it reaches.
//! - Liveness is proven, not assumed: every `PING_EVERY` the instance sends itself
//!   `p:<nonce>:<ms>` through the pool. PostgreSQL delivers notifications in commit order, so
//!   when the listener sees a ping sent at `t`, every revocation committed before `t` has
//!   been applied. The cache answers only until `t + FRESH_FOR`; a listener that is down,
//!   stuck or behind turns the cache off by itself, and a new listener starts empty.
//! - A lookup racing a revocation cannot put a stale row back: an entry is stored only if no
//!   notification arrived since its read began (`generation`).
//!
//! Only live sessions are cached, and each answer is checked again against both deadlines;
//! anything else (expired, unknown) goes to the database.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::Notify;

use crate::store::{Session, User};

const CHANNEL: &str = "postern_sessions";

/// The longest a revoked session can still be accepted by an instance.
const FRESH_FOR_MS: u64 = 100;
const FRESH_FOR: Duration = Duration::from_millis(FRESH_FOR_MS);
/// How often an instance proves its listener alive; five pings fit in `FRESH_FOR`, so one
/// late ping does not turn the cache off.
const PING_EVERY: Duration = Duration::from_millis(20);
/// A listener that heard nothing (not even its pings) for this long is dropped and a new
/// one connected.
const SILENCE: Duration = Duration::from_secs(1);
/// An entry unused for this long is dropped when the cache is full.
const IDLE_ENTRY: Duration = Duration::from_secs(60);
/// A full cache looks for idle entries at most this often: the sweep walks every entry, and
/// with more live sessions than `capacity` every miss would otherwise pay for one.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

pub struct SessionCache {
    capacity: usize,
    started: Instant,
    /// Tells this instance's pings from the others'.
    nonce: String,
    /// When (milliseconds since `started`) the newest of this instance's pings that came
    /// back was sent; answers come from memory until `FRESH_FOR` after it. 0: none yet.
    pinged: AtomicU64,
    /// The other instances (by nonce) and when their last ping was heard.
    peers: Mutex<HashMap<String, Instant>>,
    /// Who acknowledged each of this instance's settle requests, by request number.
    acks: Mutex<HashMap<u64, HashSet<String>>>,
    next_request: AtomicU64,
    /// Wakes `settle` when an acknowledgement arrives.
    acked: Notify,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Counts notifications; a lookup stores its row only if none arrived meanwhile.
    generation: u64,
    entries: HashMap<String, Entry>,
    swept_at: Option<Instant>,
}

struct Entry {
    session: Session,
    user: User,
    used_at: Instant,
}

/// What a lookup saw before it went to the database.
pub struct Lookup(u64);

impl SessionCache {
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            capacity,
            started: Instant::now(),
            nonce: crate::crypto::new_id(),
            pinged: AtomicU64::new(0),
            peers: Mutex::default(),
            acks: Mutex::default(),
            next_request: AtomicU64::new(0),
            acked: Notify::new(),
            inner: Mutex::new(Inner::default()),
        })
    }

    /// Starts the listener and the pings; they run as long as the process does.
    pub fn spawn(self: &Arc<Self>, database_url: String, pool: PgPool) {
        tokio::spawn(listen(self.clone(), database_url, pool.clone()));
        tokio::spawn(ping(self.clone(), pool));
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn is_fresh(&self) -> bool {
        let pinged = self.pinged.load(Ordering::Acquire);
        pinged > 0 && self.now_ms() < pinged.saturating_add(FRESH_FOR_MS)
    }

    /// Sends a ping on `conn`; returns its send time.
    async fn send_ping(&self, conn: &mut sqlx::PgConnection) -> Result<u64, sqlx::Error> {
        let sent = self.now_ms().max(1);
        let payload = format!("p:{}:{sent}", self.nonce);
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(conn).await?;
        Ok(sent)
    }

    /// Returns once every live instance has heard what was committed before this call:
    /// each acknowledged a request sent after it (notifications arrive in commit order, so
    /// an instance that heard the request heard the commit's notifications first). When
    /// that cannot be shown — an instance did not answer, or this instance's own listener is
    /// not current, so it cannot hear the answers — it waits out `FRESH_FOR` instead: by
    /// then every cache has applied the commit or stopped answering.
    pub async fn settle(&self, pool: &PgPool) {
        let deadline = tokio::time::Instant::now() + FRESH_FOR;
        if !(self.is_fresh() && self.acknowledged(pool, deadline).await) {
            tokio::time::sleep_until(deadline).await;
        }
    }

    /// Sends a request and waits (until `deadline`) for every live instance's
    /// acknowledgement; whether they all came.
    async fn acknowledged(&self, pool: &PgPool, deadline: tokio::time::Instant) -> bool {
        let n = self.next_request.fetch_add(1, Ordering::Relaxed);
        let mut waiting_for: HashSet<String> = {
            let peers = locked(&self.peers);
            peers.iter().filter(|(_, heard)| heard.elapsed() < SILENCE).map(|(nonce, _)| nonce.clone()).collect()
        };
        waiting_for.insert(self.nonce.clone());
        locked(&self.acks).insert(n, HashSet::new());
        let request = format!("r:{}:{n}", self.nonce);
        let mut all = false;
        if let Ok(Ok(())) = tokio::time::timeout_at(deadline, notify(pool, request)).await {
            loop {
                let acked = self.acked.notified();
                tokio::pin!(acked);
                acked.as_mut().enable();
                if locked(&self.acks).get(&n).is_some_and(|got| waiting_for.is_subset(got)) {
                    all = true;
                    break;
                }
                if tokio::time::timeout_at(deadline, acked).await.is_err() {
                    tracing::debug!("session cache: an instance did not acknowledge a revocation in time");
                    break;
                }
            }
        }
        locked(&self.acks).remove(&n);
        all
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        locked(&self.inner)
    }

    /// The cached live session, or what a database lookup needs to store its answer.
    pub fn get(&self, id: &str, now: i64) -> Result<(Session, User), Lookup> {
        let mut inner = self.lock();
        let generation = inner.generation;
        if !self.is_fresh() {
            return Err(Lookup(generation));
        }
        match inner.entries.get_mut(id) {
            Some(e) if e.session.expires_at > now && e.session.idle_expires_at > now => {
                e.used_at = Instant::now();
                Ok((e.session.clone(), e.user.clone()))
            }
            _ => Err(Lookup(generation)),
        }
    }

    /// Stores what the database answered, unless a notification arrived since `lookup`.
    pub fn put(&self, lookup: Lookup, session: &Session, user: &User) {
        let mut inner = self.lock();
        if inner.generation != lookup.0 || !self.is_fresh() {
            return;
        }
        if inner.entries.len() >= self.capacity && !inner.entries.contains_key(&session.id) {
            if inner.swept_at.is_none_or(|at| at.elapsed() >= SWEEP_EVERY) {
                inner.swept_at = Some(Instant::now());
                inner.entries.retain(|_, e| e.used_at.elapsed() < IDLE_ENTRY);
            }
            if inner.entries.len() >= self.capacity {
                return;
            }
        }
        let entry = Entry { session: session.clone(), user: user.clone(), used_at: Instant::now() };
        inner.entries.insert(session.id.clone(), entry);
    }

    /// A touch moved the idle deadline.
    pub fn touched(&self, id: &str, now: i64, idle_expires_at: i64) {
        if let Some(e) = self.lock().entries.get_mut(id) {
            e.session.last_seen_at = now;
            e.session.idle_expires_at = idle_expires_at;
        }
    }

    fn forget_session(&self, id: &str) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.remove(id);
    }

    fn forget_user(&self, user_id: &str) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.retain(|_, e| e.user.id != user_id);
    }

    /// Off until a ping arrives through a new listener, and empty: what was missed while
    /// no listener ran is unknown.
    fn reset(&self) {
        self.pinged.store(0, Ordering::Release);
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
    }

    /// Applies one notification; returns the acknowledgement to send, if it asks for one.
    fn heard(&self, payload: &str) -> Option<String> {
        let (kind, rest) = payload.split_once(':').unwrap_or((payload, ""));
        match (kind, rest.split_once(':')) {
            ("s", _) => self.forget_session(rest),
            ("u", _) => self.forget_user(rest),
            ("p", Some((nonce, sent))) if nonce == self.nonce => {
                if let Ok(sent) = sent.parse::<u64>() {
                    self.pinged.fetch_max(sent, Ordering::AcqRel);
                }
            }
            ("p", Some((nonce, _))) => {
                locked(&self.peers).insert(nonce.to_owned(), Instant::now());
            }
            ("r", Some((nonce, n))) if nonce == self.nonce => self.ack(n, &self.nonce),
            ("r", Some((nonce, n))) => return Some(format!("a:{nonce}:{n}:{}", self.nonce)),
            ("a", Some((nonce, rest))) if nonce == self.nonce => {
                if let Some((n, from)) = rest.split_once(':') {
                    self.ack(n, from);
                }
            }
            ("a", Some(_)) => {}
            // Anything else (a newer version's) forgets everything: safe, never stale.
            _ => {
                let mut inner = self.lock();
                inner.generation += 1;
                inner.entries.clear();
            }
        }
        None
    }

    fn ack(&self, n: &str, from: &str) {
        let Ok(n) = n.parse::<u64>() else { return };
        if let Some(got) = locked(&self.acks).get_mut(&n) {
            got.insert(from.to_owned());
        }
        self.acked.notify_waiters();
    }
}

/// One listener connection at a time (not from the pool, which it would hold forever);
/// a lost, failing or silent one is dropped and replaced.
async fn listen(cache: Arc<SessionCache>, database_url: String, pool: PgPool) {
    loop {
        match PgListener::connect(&database_url).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => {
                    cache.reset();
                    tracing::info!("session cache listening");
                    // A timed-out receive may leave the connection mid-message: it is
                    // dropped, never read again.
                    while let Ok(Ok(Some(n))) = tokio::time::timeout(SILENCE, listener.try_recv()).await {
                        if let Some(ack) = cache.heard(n.payload()) {
                            let pool = pool.clone();
                            tokio::spawn(async move { notify(&pool, ack).await });
                        }
                    }
                    tracing::warn!("session cache listener lost; answering from the database until it is back");
                }
                Err(e) => tracing::warn!(error = %e, "session cache: LISTEN failed"),
            },
            Err(e) => tracing::debug!(error = %e, "session cache: listener cannot connect"),
        }
        cache.reset();
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The map is valid after any panic (every change is one insert or remove).
fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn notify(pool: &PgPool, payload: String) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(pool).await.map(|_| ())
}

/// Sends this instance's pings. The send time is taken once a connection is in hand:
/// everything committed before it is delivered before the ping.
async fn ping(cache: Arc<SessionCache>, pool: PgPool) {
    let mut every = tokio::time::interval(PING_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let Ok(mut conn) = pool.acquire().await else { continue };
        if let Err(e) = cache.send_ping(&mut conn).await {
            tracing::debug!(error = %e, "session cache: ping failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, user: &str) -> (Session, User) {
        let session = Session {
            id: id.into(),
            token_hash: vec![1; 32],
            user_id: user.into(),
            created_at: 0,
            last_seen_at: 0,
            idle_expires_at: 1_000,
            expires_at: 2_000,
            ip: String::new(),
            user_agent: String::new(),
        };
        let user = User { id: user.into(), email: None, phone: None, created_at: 0, disabled: false };
        (session, user)
    }

    fn fresh(cache: &SessionCache) {
        cache.heard(&format!("p:{}:{}", cache.nonce, cache.now_ms().max(1)));
    }

    #[test]
    fn answers_only_while_a_ping_proves_the_listener_current() {
        let cache = SessionCache::new(10);
        let (s, u) = row("s1", "u1");
        let Err(lookup) = cache.get("s1", 0) else { panic!("empty cache answered") };
        cache.put(lookup, &s, &u);
        assert!(cache.get("s1", 0).is_err(), "no ping yet: nothing is stored or answered");
        fresh(&cache);
        let Err(lookup) = cache.get("s1", 0) else { panic!("stored without a ping") };
        cache.put(lookup, &s, &u);
        assert!(cache.get("s1", 0).is_ok());
        assert!(cache.get("s1", 1_000).is_err(), "past the idle deadline it asks the database");
        cache.pinged.store(cache.now_ms().max(1), Ordering::Release);
        std::thread::sleep(FRESH_FOR + Duration::from_millis(5));
        assert!(cache.get("s1", 0).is_err(), "a ping older than FRESH_FOR proves nothing");
        cache.heard("p:someone-else:99999999");
        assert!(cache.get("s1", 0).is_err(), "another instance's ping proves nothing");
    }

    #[test]
    fn a_notification_during_a_lookup_keeps_its_row_out() {
        let cache = SessionCache::new(10);
        fresh(&cache);
        let (s, u) = row("s1", "u1");
        let Err(lookup) = cache.get("s1", 0) else { panic!() };
        cache.heard("s:s1");
        cache.put(lookup, &s, &u);
        assert!(cache.get("s1", 0).is_err());
    }

    #[test]
    fn notifications_forget_sessions_and_users() {
        let cache = SessionCache::new(10);
        fresh(&cache);
        for (id, user) in [("s1", "u1"), ("s2", "u1"), ("s3", "u2")] {
            let (s, u) = row(id, user);
            let Err(lookup) = cache.get(id, 0) else { panic!() };
            cache.put(lookup, &s, &u);
        }
        cache.heard("s:s3");
        assert!(cache.get("s3", 0).is_err());
        assert!(cache.get("s1", 0).is_ok());
        cache.heard("u:u1");
        assert!(cache.get("s1", 0).is_err() && cache.get("s2", 0).is_err());
        let (s, u) = row("s4", "u3");
        let Err(lookup) = cache.get("s4", 0) else { panic!() };
        cache.put(lookup, &s, &u);
        cache.heard("x:unknown");
        assert!(cache.get("s4", 0).is_err(), "an unknown notification empties the cache");
    }

    #[test]
    fn requests_of_others_are_acknowledged_and_acks_for_us_counted() {
        let cache = SessionCache::new(10);
        assert_eq!(cache.heard("r:other:7"), Some(format!("a:other:7:{}", cache.nonce)));
        locked(&cache.acks).insert(3, HashSet::new());
        assert_eq!(cache.heard(&format!("a:{}:3:peer", cache.nonce)), None);
        assert_eq!(cache.heard("a:someone-else:3:peer2"), None);
        assert_eq!(cache.heard(&format!("r:{}:3", cache.nonce)), None);
        let got = locked(&cache.acks).get(&3).cloned().unwrap_or_default();
        assert_eq!(got, HashSet::from(["peer".to_owned(), cache.nonce.clone()]));
        cache.heard("p:peer:5");
        assert!(locked(&cache.peers).contains_key("peer"));
    }

    #[test]
    fn a_full_cache_stores_no_more() {
        let cache = SessionCache::new(1);
        fresh(&cache);
        for id in ["s1", "s2"] {
            let (s, u) = row(id, "u");
            let Err(lookup) = cache.get(id, 0) else { panic!() };
            cache.put(lookup, &s, &u);
        }
        assert!(cache.get("s1", 0).is_ok() && cache.get("s2", 0).is_err());
    }
}
