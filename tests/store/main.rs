#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The `Store` conformance suite, one module per area (as `src/store/` is): every backend
//! must pass every test here, which is why each test runs once on SQLite and once on
//! PostgreSQL (`backend_test!`). `schema` compares the two backends' migrated schemas;
//! `round_trips` counts the statements a unit of work sends PostgreSQL.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod api_keys;
mod audit;
mod ops;
mod outbox;
mod rate_limits;
mod round_trips;
mod schema;
mod sessions;
mod signin;
mod signing_keys;

use std::sync::Arc;
use std::time::Duration;

use postern::crypto::{self, Hash};
use postern::domain::{Channel, EmailAddress, Identifier};
use postern::store::postgres::{self, PgSettings, PgStore};
use postern::store::sqlite::SqliteStore;
use postern::store::{
    Actor, Effect, LinkAction, NewAuthRequest, NewMessage, NewSession, Purpose, RateLimit, RedeemCode, RedeemLink,
    Store,
};

use crate::common::{Backend, TestDb, backend};

pub(crate) const NOW: i64 = 1_800_000_000_000;
pub(crate) const MINUTE: i64 = 60_000;
pub(crate) const DAY: i64 = 24 * 60 * MINUTE;

/// Who acts in these tests, as the audit trail records it.
pub(crate) fn actor() -> Actor {
    Actor { ip: "203.0.113.7".to_owned(), user_agent: "store-test".to_owned(), api_key: None }
}

pub(crate) struct Fixture {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) _db: TestDb,
}

pub(crate) async fn store() -> Fixture {
    let db = TestDb::new(backend()).await;
    let store: Arc<dyn Store> = match backend() {
        Backend::Sqlite => {
            let path = db.url.strip_prefix("sqlite://").unwrap().to_owned();
            Arc::new(SqliteStore::open(std::path::Path::new(&path), 2, 64, true).unwrap())
        }
        Backend::Postgres => {
            let s = PgStore::connect(&PgSettings {
                url: db.url.clone(),
                max_connections: 16,
                acquire_timeout: Duration::from_secs(5),
                // The conformance tests run through the session cache: a revocation must be
                // seen by the next lookup on the instance that made it.
                session_cache: 1_000,
            })
            .unwrap();
            postgres::run_migrations(s.pool()).await.unwrap();
            Arc::new(s)
        }
    };
    Fixture { store, _db: db }
}

pub(crate) fn email(s: &str) -> Identifier {
    Identifier::Email(EmailAddress::parse(s).unwrap())
}

pub(crate) fn hash(tag: &str) -> Hash {
    crypto::sha256(tag.as_bytes())
}

pub(crate) struct Req {
    pub(crate) id: String,
    pub(crate) code: Hash,
    pub(crate) token: Hash,
}

pub(crate) fn request(address: &str, now: i64) -> (Req, NewAuthRequest, NewMessage) {
    let id = crypto::new_id();
    let req = Req { id: id.clone(), code: hash(&format!("code-{id}")), token: hash(&format!("token-{id}")) };
    let new = NewAuthRequest {
        id: id.clone(),
        purpose: Purpose::SignIn,
        identifier: email(address),
        user_id: None,
        details: None,
        link_base: None,
        app_state: None,
        channel: Channel::Email,
        code_hash: req.code,
        token_hash: req.token,
        device_hash: hash("device"),
        match_number: 42,
        redirect_to: "/account".into(),
        locale: None,
        requester_ip: "127.0.0.1".into(),
        requester_agent: "test".into(),
        created_at: now,
        expires_at: now + 10 * MINUTE,
    };
    let message = NewMessage {
        lease_until: None,
        channel: Channel::Email,
        recipient: address.into(),
        kind: "sign_in".into(),
        payload: format!("{{\"id\":\"{id}\"}}"),
        locale: None,
        fallback_locale: None,
        created_at: now,
        expires_at: now + 10 * MINUTE,
    };
    (req, new, message)
}

pub(crate) async fn start(store: &Arc<dyn Store>, address: &str, now: i64) -> Req {
    let (req, new, message) = request(address, now);
    store.start_auth_request(new, message, true, vec![], &actor()).await.unwrap();
    req
}

pub(crate) fn session(now: i64) -> NewSession {
    let token = crypto::random_token();
    NewSession {
        replaces: None,
        id: crypto::new_id(),
        token_hash: crypto::sha256(token.as_bytes()),
        created_at: now,
        expires_at: now + 30 * 24 * 60 * MINUTE,
        idle_expires_at: now + 7 * 24 * 60 * MINUTE,
        ip: "127.0.0.1".into(),
        user_agent: "test".into(),
    }
}

/// Spending `req`'s link to sign in the browser that holds it.
pub(crate) fn sign_in_here(req: &Req, now: i64, signup_open: bool) -> RedeemLink {
    RedeemLink {
        request_id: req.id.clone(),
        token_hash: req.token,
        action: LinkAction::Redeem(Effect::SignIn(session(now))),
        now,
        signup_open,
    }
}

pub(crate) fn redeem(req: &Req, code: Hash, now: i64) -> RedeemCode {
    RedeemCode {
        request_id: req.id.clone(),
        code_hash: code,
        now,
        signup_open: true,
        max_attempts: 5,
        account_max_failures: 100,
        account_lockout_ms: 60 * MINUTE,
        effect: Effect::SignIn(session(now)),
    }
}

/// The session a sign-in redemption opens.
pub(crate) fn session_of(r: &mut RedeemCode) -> &mut NewSession {
    match &mut r.effect {
        Effect::SignIn(session) => session,
        _ => panic!("not a sign-in"),
    }
}

/// A count read straight from the database (for what the `Store` interface does not show).
pub(crate) async fn rows(f: &Fixture, sql: &str) -> i64 {
    match backend() {
        Backend::Sqlite => {
            let path = f._db.url.strip_prefix("sqlite://").unwrap().to_owned();
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.query_row(sql, [], |r| r.get(0)).unwrap()
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&f._db.url).await.unwrap();
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&mut conn).await.unwrap()
        }
    }
}

pub(crate) fn limit(key: &str, burst: u32, now: i64) -> RateLimit {
    RateLimit { key: key.into(), interval_ms: 60 * MINUTE, burst, now }
}
