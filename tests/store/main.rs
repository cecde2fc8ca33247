#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The `Store` conformance suite: every backend must pass every test here, which is why
//! each test runs once on SQLite and once on PostgreSQL (`backend_test!`).

#[path = "../common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use postern::crypto::{self, Hash};
use postern::domain::{Channel, EmailAddress, Identifier};
use postern::store::postgres::{self, PgSettings, PgStore};
use postern::store::sqlite::SqliteStore;
use postern::store::{
    AuthState, CodeOutcome, DeliveryResult, DeliveryStatus, LinkAction, LinkOutcome, NewAuthRequest, NewMessage,
    NewSession, Purpose, RateLimit, RedeemCode, RedeemLink, RotatedSecrets, Rotation, Store, StoreError,
};

use crate::common::{Backend, TestDb, backend};

const NOW: i64 = 1_800_000_000_000;
const MINUTE: i64 = 60_000;

struct Fixture {
    store: Arc<dyn Store>,
    _db: TestDb,
}

async fn store() -> Fixture {
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
            })
            .unwrap();
            postgres::run_migrations(s.pool()).await.unwrap();
            Arc::new(s)
        }
    };
    Fixture { store, _db: db }
}

fn email(s: &str) -> Identifier {
    Identifier::Email(EmailAddress::parse(s).unwrap())
}

fn hash(tag: &str) -> Hash {
    crypto::sha256(tag.as_bytes())
}

struct Req {
    id: String,
    code: Hash,
    token: Hash,
}

fn request(address: &str, now: i64) -> (Req, NewAuthRequest, NewMessage) {
    let id = crypto::new_id();
    let req = Req { id: id.clone(), code: hash(&format!("code-{id}")), token: hash(&format!("token-{id}")) };
    let new = NewAuthRequest {
        id: id.clone(),
        purpose: Purpose::SignIn,
        identifier: email(address),
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

async fn start(store: &Arc<dyn Store>, address: &str, now: i64) -> Req {
    let (req, new, message) = request(address, now);
    store.start_auth_request(new, message, true, vec![]).await.unwrap();
    req
}

fn session(now: i64) -> NewSession {
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

fn redeem(req: &Req, code: Hash, now: i64) -> RedeemCode {
    RedeemCode {
        request_id: req.id.clone(),
        code_hash: code,
        now,
        signup_open: true,
        max_attempts: 5,
        account_max_failures: 100,
        account_lockout_ms: 60 * MINUTE,
        session: session(now),
    }
}

/// A count read straight from the database (for what the `Store` interface does not show).
async fn rows(f: &Fixture, sql: &str) -> i64 {
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

fn limit(key: &str, burst: u32, now: i64) -> RateLimit {
    RateLimit { key: key.into(), interval_ms: 60 * MINUTE, burst, now }
}

backend_test! {
async fn the_server_key_is_created_once_and_then_stable() {
    let f = store().await;
    let a = f.store.server_key(NOW).await.unwrap();
    let b = f.store.server_key(NOW + 1).await.unwrap();
    assert_eq!(a, b);
}
}

backend_test! {
async fn a_start_commits_the_request_and_its_message_together() {
    let f = store().await;
    let req = start(&f.store, "ada@example.com", NOW).await;
    let stored = f.store.auth_request(&req.id).await.unwrap().unwrap();
    assert_eq!(stored.state, AuthState::Pending);
    assert_eq!(stored.identifier.as_str(), "ada@example.com");
    assert_eq!(stored.token_hash, req.token.to_vec());
    let claimed = f.store.claim_outbox(NOW, MINUTE, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].recipient, "ada@example.com");
    assert_eq!(claimed[0].attempts, 1);
}
}

backend_test! {
async fn a_rate_limited_start_writes_nothing() {
    let f = store().await;
    let (_, new, message) = request("ada@example.com", NOW);
    f.store.start_auth_request(new, message, true, vec![limit("k", 1, NOW)]).await.unwrap();
    let (second, new, message) = request("ada@example.com", NOW);
    let err = f.store.start_auth_request(new, message, true, vec![limit("other", 9, NOW), limit("k", 1, NOW)]).await;
    match err {
        Err(StoreError::RateLimited { retry_after_ms, .. }) => assert_eq!(retry_after_ms, 60 * MINUTE),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(f.store.auth_request(&second.id).await.unwrap().is_none());
    assert_eq!(f.store.claim_outbox(NOW, MINUTE, 10).await.unwrap().len(), 1);
    // The refused unit of work did not consume the other limit either.
    let (_, new, message) = request("bob@example.com", NOW);
    let nine = (0..9).map(|_| limit("other", 9, NOW)).collect::<Vec<_>>();
    f.store.start_auth_request(new, message, true, nine).await.unwrap();
}
}

backend_test! {
async fn a_closed_signup_start_for_an_unknown_address_sends_nothing_and_holds_no_usable_secret() {
    let f = store().await;
    let (req, new, message) = request("nobody@example.com", NOW);
    let handed = f.store.start_auth_request(new, message, false, vec![]).await.unwrap();
    assert!(handed.is_none(), "nothing to hand to the worker");
    let stored = f.store.auth_request(&req.id).await.unwrap().expect("the request exists, as for anyone");
    assert_ne!(stored.token_hash, req.token.to_vec(), "the link's hash was not stored");
    assert!(f.store.claim_outbox(NOW, MINUTE, 10).await.unwrap().is_empty());
    // The code the flow made does not open it, even with sign-up open at verify.
    let outcome = f.store.redeem_code(redeem(&req, req.code, NOW + 1)).await.unwrap();
    assert!(matches!(outcome, CodeOutcome::WrongCode { remaining: 4 }), "{outcome:?}");
    let link = RedeemLink {
        request_id: req.id.clone(),
        token_hash: req.token,
        action: LinkAction::SignInHere(session(NOW)),
        now: NOW + 1,
        signup_open: true,
    };
    assert!(matches!(f.store.redeem_link(link).await.unwrap(), LinkOutcome::Invalid));
    // A resend rotates to unusable secrets again.
    let rotated = RotatedSecrets { code_hash: hash("c2"), token_hash: hash("t2"), now: NOW + 2, expires_at: NOW + 10 * MINUTE };
    let (_, _, message) = request("nobody@example.com", NOW + 2);
    let Rotation::Rotated { message } = f.store.rotate_auth_request(&req.id, rotated, message, false, vec![]).await.unwrap()
    else {
        panic!("rotated")
    };
    assert!(message.is_none());
    let outcome = f.store.redeem_code(redeem(&req, hash("c2"), NOW + 3)).await.unwrap();
    assert!(matches!(outcome, CodeOutcome::WrongCode { .. }), "{outcome:?}");
}
}

backend_test! {
async fn a_closed_signup_start_writes_the_same_rows_for_a_known_and_an_unknown_address() {
    let f = store().await;
    let known = start(&f.store, "known@example.com", NOW).await;
    let CodeOutcome::SignedIn(_) = f.store.redeem_code(redeem(&known, known.code, NOW)).await.unwrap() else {
        panic!("sign-in")
    };
    let before = rows(&f, "SELECT count(*) FROM outbox").await;
    let (_, new, message) = request("known@example.com", NOW + 1);
    assert!(f.store.start_auth_request(new, message, false, vec![]).await.unwrap().is_some());
    let (_, new, message) = request("nobody@example.com", NOW + 1);
    assert!(f.store.start_auth_request(new, message, false, vec![]).await.unwrap().is_none());
    // One message row each (issue 10, finding 4: the same work, so the same time); the
    // unknown address's is suppressed and keeps no payload.
    assert_eq!(rows(&f, "SELECT count(*) FROM outbox").await, before + 2);
    assert_eq!(rows(&f, "SELECT count(*) FROM outbox WHERE status = 'suppressed' AND payload = ''").await, 1);
}
}

backend_test! {
async fn a_right_secret_does_not_sign_up_an_unknown_address_once_signup_is_closed() {
    let f = store().await;
    let req = start(&f.store, "newcomer@example.com", NOW).await;
    let mut r = redeem(&req, req.code, NOW + 1);
    r.signup_open = false;
    let outcome = f.store.redeem_code(r).await.unwrap();
    assert!(matches!(outcome, CodeOutcome::WrongCode { .. }), "{outcome:?}");
    let link = RedeemLink {
        request_id: req.id.clone(),
        token_hash: req.token,
        action: LinkAction::SignInHere(session(NOW)),
        now: NOW + 1,
        signup_open: false,
    };
    assert!(matches!(f.store.redeem_link(link).await.unwrap(), LinkOutcome::Invalid));
    assert_eq!(rows(&f, "SELECT count(*) FROM users").await, 0);
}
}

backend_test! {
async fn wrong_codes_are_counted_per_identifier_across_requests_and_the_lock() {
    let f = store().await;
    let with = |req: &Req, code: Hash, now: i64| RedeemCode { account_max_failures: 3, ..redeem(req, code, now) };
    // No account: the identifier is counted all the same.
    let a = start(&f.store, "nobody@example.com", NOW).await;
    for _ in 0..2 {
        f.store.redeem_code(with(&a, hash("wrong"), NOW)).await.unwrap();
    }
    let b = start(&f.store, "nobody@example.com", NOW).await;
    let third = f.store.redeem_code(with(&b, hash("wrong"), NOW)).await.unwrap();
    assert!(matches!(third, CodeOutcome::WrongCode { .. }), "{third:?}");
    let locked = f.store.redeem_code(with(&b, b.code, NOW + 1)).await.unwrap();
    assert!(matches!(locked, CodeOutcome::AccountLocked { .. }), "even the right code waits: {locked:?}");
    // After the lock the count stands: one more failure locks again.
    let later = NOW + 61 * MINUTE;
    let c = start(&f.store, "nobody@example.com", later).await;
    f.store.redeem_code(with(&c, hash("wrong"), later)).await.unwrap();
    let again = f.store.redeem_code(with(&c, c.code, later + 1)).await.unwrap();
    assert!(matches!(again, CodeOutcome::AccountLocked { .. }), "{again:?}");
    // A success ends the run.
    let much_later = later + 61 * MINUTE;
    let d = start(&f.store, "nobody@example.com", much_later).await;
    assert!(matches!(f.store.redeem_code(with(&d, d.code, much_later)).await.unwrap(), CodeOutcome::SignedIn(_)));
    assert_eq!(rows(&f, "SELECT count(*) FROM code_failures").await, 0);
}
}

backend_test! {
async fn a_new_session_revokes_the_one_the_browser_held_when_its_secret_matches() {
    let f = store().await;
    let first = start(&f.store, "ada@example.com", NOW).await;
    let r = redeem(&first, first.code, NOW);
    let old_hash = r.session.token_hash;
    let CodeOutcome::SignedIn(old) = f.store.redeem_code(r).await.unwrap() else { panic!("sign-in") };
    // A forged cookie naming the session with another secret revokes nothing.
    let second = start(&f.store, "grace@example.com", NOW + 1).await;
    let mut r = redeem(&second, second.code, NOW + 1);
    r.session.replaces = Some(postern::store::ReplacedSession { id: old.session.id.clone(), token_hash: hash("forged") });
    assert!(matches!(f.store.redeem_code(r).await.unwrap(), CodeOutcome::SignedIn(_)));
    assert!(f.store.session(&old.session.id, NOW + 2).await.unwrap().is_some());
    // The browser's real cookie does.
    let third = start(&f.store, "grace@example.com", NOW + 3).await;
    let mut r = redeem(&third, third.code, NOW + 3);
    r.session.replaces = Some(postern::store::ReplacedSession { id: old.session.id.clone(), token_hash: old_hash });
    assert!(matches!(f.store.redeem_code(r).await.unwrap(), CodeOutcome::SignedIn(_)));
    assert!(f.store.session(&old.session.id, NOW + 4).await.unwrap().is_none());
}
}

backend_test! {
async fn concurrent_hits_on_one_limit_admit_exactly_its_burst() {
    let f = store().await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = f.store.clone();
        tasks.push(tokio::spawn(async move {
            let (_, new, message) = request(&format!("u{i}@example.com"), NOW);
            store.start_auth_request(new, message, true, vec![limit("shared", 5, NOW)]).await
        }));
    }
    let mut admitted = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => admitted += 1,
            Err(StoreError::RateLimited { .. }) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(admitted, 5);
}
}

backend_test! {
async fn concurrent_redemptions_spend_a_request_once() {
    let f = store().await;
    let req = Arc::new(start(&f.store, "ada@example.com", NOW).await);
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (store, req) = (f.store.clone(), req.clone());
        tasks.push(tokio::spawn(async move { store.redeem_code(redeem(&req, req.code, NOW + 1)).await.unwrap() }));
    }
    let mut signed_in = 0;
    for t in tasks {
        match t.await.unwrap() {
            CodeOutcome::SignedIn(_) => signed_in += 1,
            CodeOutcome::Invalid => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(signed_in, 1);
}
}

backend_test! {
async fn wrong_codes_count_and_the_fifth_kills_the_request() {
    let f = store().await;
    let req = start(&f.store, "ada@example.com", NOW).await;
    for remaining in (1..5).rev() {
        match f.store.redeem_code(redeem(&req, hash("wrong"), NOW)).await.unwrap() {
            CodeOutcome::WrongCode { remaining: r } => assert_eq!(r, remaining),
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(f.store.redeem_code(redeem(&req, hash("wrong"), NOW)).await.unwrap(), CodeOutcome::TooManyAttempts));
    assert!(matches!(f.store.redeem_code(redeem(&req, req.code, NOW)).await.unwrap(), CodeOutcome::TooManyAttempts));
    assert_eq!(f.store.auth_request(&req.id).await.unwrap().unwrap().state, AuthState::Dead);
}
}

backend_test! {
async fn an_expired_request_is_not_redeemed() {
    let f = store().await;
    let req = start(&f.store, "ada@example.com", NOW).await;
    assert!(matches!(f.store.redeem_code(redeem(&req, req.code, NOW + 10 * MINUTE)).await.unwrap(), CodeOutcome::Expired));
}
}

backend_test! {
async fn rotation_keeps_the_failure_count_and_kills_the_old_link() {
    let f = store().await;
    let req = start(&f.store, "ada@example.com", NOW).await;
    f.store.redeem_code(redeem(&req, hash("wrong"), NOW)).await.unwrap();
    let (_, _, message) = request("ada@example.com", NOW + 1);
    let rotated = RotatedSecrets { code_hash: hash("new code"), token_hash: hash("new token"), now: NOW + 1, expires_at: NOW + 11 * MINUTE };
    assert!(matches!(
        f.store.rotate_auth_request(&req.id, rotated, message, true, vec![]).await.unwrap(),
        Rotation::Rotated { message: Some(_) }
    ));
    assert_ne!(f.store.auth_request(&req.id).await.unwrap().unwrap().token_hash, req.token.to_vec(), "old link dead");
    let stored = f.store.auth_request(&req.id).await.unwrap().unwrap();
    assert_eq!(stored.failed_attempts, 1);
    assert!(matches!(f.store.redeem_code(redeem(&req, req.code, NOW + 2)).await.unwrap(), CodeOutcome::WrongCode { remaining: 3 }));
    assert!(matches!(f.store.redeem_code(redeem(&req, hash("new code"), NOW + 2)).await.unwrap(), CodeOutcome::SignedIn(_)));
}
}

backend_test! {
async fn approval_needs_the_right_number_and_is_claimed_once() {
    let f = store().await;
    let wrong = start(&f.store, "ada@example.com", NOW).await;
    let forged = f.store.redeem_link(RedeemLink { request_id: wrong.id.clone(), token_hash: hash("forged"), action: LinkAction::Approve { picked: 42 }, now: NOW, signup_open: true }).await.unwrap();
    assert!(matches!(forged, LinkOutcome::Invalid), "the link's secret must match");
    let outcome = f.store.redeem_link(RedeemLink { request_id: wrong.id.clone(), token_hash: wrong.token, action: LinkAction::Approve { picked: 41 }, now: NOW, signup_open: true }).await.unwrap();
    assert!(matches!(outcome, LinkOutcome::WrongNumber));
    assert_eq!(f.store.auth_request(&wrong.id).await.unwrap().unwrap().state, AuthState::Dead);

    let right = start(&f.store, "ada@example.com", NOW).await;
    let outcome = f.store.redeem_link(RedeemLink { request_id: right.id.clone(), token_hash: right.token, action: LinkAction::Approve { picked: 42 }, now: NOW, signup_open: true }).await.unwrap();
    assert!(matches!(outcome, LinkOutcome::Approved));
    let first = f.store.claim_approved(&right.id, session(NOW), NOW + 1).await.unwrap();
    assert_eq!(first.unwrap().user.email.as_deref(), Some("ada@example.com"));
    assert!(f.store.claim_approved(&right.id, session(NOW), NOW + 2).await.unwrap().is_none());
}
}

backend_test! {
async fn concurrent_outbox_claims_never_hand_out_a_message_twice() {
    let f = store().await;
    for i in 0..60 {
        start(&f.store, &format!("u{i}@example.com"), NOW).await;
    }
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = f.store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_outbox(NOW, MINUTE, 7).await.unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|m| m.seq));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 60);
    assert_eq!(unique.len(), 60);
}
}

backend_test! {
async fn a_message_whose_lease_ran_out_is_claimed_again() {
    let f = store().await;
    start(&f.store, "ada@example.com", NOW).await;
    let first = f.store.claim_outbox(NOW, 1000, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert!(f.store.claim_outbox(NOW + 500, 1000, 10).await.unwrap().is_empty(), "leased");
    let again = f.store.claim_outbox(NOW + 1000, 1000, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].seq, first[0].seq);
    assert_eq!(again[0].attempts, 2);
}
}

backend_test! {
async fn a_message_whose_secret_expired_is_never_sent() {
    let f = store().await;
    start(&f.store, "ada@example.com", NOW).await;
    assert!(f.store.claim_outbox(NOW + 10 * MINUTE, MINUTE, 10).await.unwrap().is_empty());
}
}

backend_test! {
async fn a_message_is_in_the_requests_locale_else_the_accounts_else_the_browsers() {
    let f = store().await;
    let (req, mut new, mut message) = request("ada@example.com", NOW);
    new.locale = Some("de".into());
    message.locale = Some("de".into());
    message.fallback_locale = Some("fr".into());
    f.store.start_auth_request(new, message, true, vec![]).await.unwrap();
    let first = f.store.claim_outbox(NOW, MINUTE, 10).await.unwrap();
    assert_eq!(first[0].locale.as_deref(), Some("de"));
    assert_eq!(first[0].expires_at, NOW + 10 * MINUTE);
    // Signing in keeps the request's locale on the account.
    assert!(matches!(f.store.redeem_code(redeem(&req, req.code, NOW + 1)).await.unwrap(), CodeOutcome::SignedIn(_)));
    let (_, new, mut message) = request("ada@example.com", NOW + 2);
    message.fallback_locale = Some("fr".into());
    f.store.start_auth_request(new, message, true, vec![]).await.unwrap();
    let (_, new, mut message) = request("bob@example.com", NOW + 3);
    message.fallback_locale = Some("fr".into());
    f.store.start_auth_request(new, message, true, vec![]).await.unwrap();
    let claimed = f.store.claim_outbox(NOW + 4, MINUTE, 10).await.unwrap();
    let locale = |to: &str| claimed.iter().find(|m| m.recipient == to).unwrap().locale.clone();
    assert_eq!(locale("ada@example.com").as_deref(), Some("de"), "the account's locale");
    assert_eq!(locale("bob@example.com").as_deref(), Some("fr"), "no account: the browser's");
}
}

backend_test! {
async fn a_message_sent_by_a_real_provider_or_failed_keeps_no_secret() {
    let f = store().await;
    start(&f.store, "ada@example.com", NOW).await;
    start(&f.store, "bob@example.com", NOW + 1).await;
    let claimed = f.store.claim_outbox(NOW + 2, MINUTE, 10).await.unwrap();
    let seq = |to: &str| claimed.iter().find(|m| m.recipient == to).unwrap().seq;
    let sent = DeliveryStatus::Sent { provider: "resend".into(), provider_message_id: Some("re_1".into()) };
    let failed = DeliveryStatus::Failed { error: "rejected".into() };
    let results = vec![
        DeliveryResult { seq: seq("ada@example.com"), status: sent },
        DeliveryResult { seq: seq("bob@example.com"), status: failed },
    ];
    f.store.finish_outbox(results, NOW + 3).await.unwrap();
    assert!(f.store.dev_inbox(None, 10).await.unwrap().is_empty(), "not the dev provider");
    let payloads = match backend() {
        Backend::Sqlite => {
            let path = f._db.url.strip_prefix("sqlite://").unwrap();
            let c = rusqlite::Connection::open(path).unwrap();
            let mut stmt = c.prepare("SELECT payload FROM outbox").unwrap();
            stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&f._db.url).await.unwrap();
            sqlx::query_scalar::<_, String>("SELECT payload FROM outbox").fetch_all(&pool).await.unwrap()
        }
    };
    assert_eq!(payloads, vec![String::new(), String::new()]);
}
}

backend_test! {
async fn delivery_outcomes_are_recorded() {
    let f = store().await;
    start(&f.store, "ada@example.com", NOW).await;
    start(&f.store, "bob@example.com", NOW + 1).await;
    start(&f.store, "cy@example.com", NOW + 2).await;
    let claimed = f.store.claim_outbox(NOW + 3, MINUTE, 10).await.unwrap();
    let seq = |to: &str| claimed.iter().find(|m| m.recipient == to).unwrap().seq;
    f.store
        .finish_outbox(
            vec![
                DeliveryResult { seq: seq("ada@example.com"), status: DeliveryStatus::Sent { provider: "dev".into(), provider_message_id: None } },
                DeliveryResult { seq: seq("bob@example.com"), status: DeliveryStatus::Retry { error: "timeout".into(), next_attempt_at: NOW + 5000 } },
                DeliveryResult { seq: seq("cy@example.com"), status: DeliveryStatus::Failed { error: "rejected".into() } },
            ],
            NOW + 4,
        )
        .await
        .unwrap();
    let inbox = f.store.dev_inbox(None, 10).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].recipient, "ada@example.com");
    assert!(f.store.claim_outbox(NOW + 4999, MINUTE, 10).await.unwrap().is_empty(), "retry waits");
    let retried = f.store.claim_outbox(NOW + 5000, MINUTE, 10).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].recipient, "bob@example.com");
}
}

backend_test! {
async fn the_dev_inbox_is_newest_first_and_filters_by_recipient() {
    let f = store().await;
    for (i, to) in ["ada@example.com", "bob@example.com", "ada@example.com"].iter().enumerate() {
        start(&f.store, to, NOW + i as i64).await;
    }
    let claimed = f.store.claim_outbox(NOW + 10, MINUTE, 10).await.unwrap();
    let results = claimed
        .iter()
        .map(|m| DeliveryResult { seq: m.seq, status: DeliveryStatus::Sent { provider: "dev".into(), provider_message_id: None } })
        .collect();
    f.store.finish_outbox(results, NOW + 11).await.unwrap();
    let ada = f.store.dev_inbox(Some("ada@example.com".into()), 10).await.unwrap();
    assert_eq!(ada.len(), 2);
    assert!(ada[0].seq > ada[1].seq, "newest first");
    assert_eq!(f.store.dev_inbox(None, 2).await.unwrap().len(), 2, "the limit holds");
}
}

backend_test! {
async fn sessions_are_found_listed_and_revoked_by_scope() {
    let f = store().await;
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    let mut user_id = String::new();
    for i in 0..3 {
        let req = start(&f.store, "ada@example.com", NOW + i).await;
        let r = redeem(&req, req.code, NOW + i);
        let token_hash = r.session.token_hash;
        let CodeOutcome::SignedIn(s) = f.store.redeem_code(r).await.unwrap() else { panic!("sign-in") };
        user_id = s.user.id.clone();
        ids.push(s.session.id.clone());
        tokens.push(token_hash);
    }
    assert_eq!(f.store.list_sessions(&user_id, NOW + 10).await.unwrap().len(), 3);
    let (s, u) = f.store.session(&ids[0], NOW + 10).await.unwrap().unwrap();
    assert_eq!((s.id.as_str(), u.id.as_str()), (ids[0].as_str(), user_id.as_str()));
    assert_eq!(s.token_hash, tokens[0].to_vec());
    assert!(f.store.session(&ids[0], NOW + 7 * 24 * 60 * MINUTE).await.unwrap().is_none(), "idle deadline");
    assert!(!f.store.revoke_session("someone-else", &ids[1], NOW).await.unwrap(), "not theirs");
    assert_eq!(f.store.revoke_sessions(&user_id, Some(&ids[0]), NOW + 20).await.unwrap(), 2);
    assert!(f.store.session(&ids[1], NOW + 21).await.unwrap().is_none());
    assert!(f.store.session(&ids[0], NOW + 21).await.unwrap().is_some());
    assert!(f.store.revoke_session(&user_id, &ids[0], NOW + 22).await.unwrap());
    assert!(f.store.list_sessions(&user_id, NOW + 23).await.unwrap().is_empty());
}
}

backend_test! {
async fn cleanup_removes_only_what_can_no_longer_matter() {
    let f = store().await;
    let old = start(&f.store, "old@example.com", NOW).await;
    let later = NOW + 8 * 24 * 60 * MINUTE;
    let fresh = start(&f.store, "fresh@example.com", later).await;
    let (_, new, message) = request("limited@example.com", later);
    f.store.start_auth_request(new, message, true, vec![limit("live", 5, later)]).await.unwrap();
    let mut deleted = 0;
    loop {
        let n = f.store.cleanup(later + 1, 2).await.unwrap();
        deleted += n;
        if n == 0 {
            break;
        }
    }
    assert!(deleted >= 1);
    assert!(f.store.auth_request(&old.id).await.unwrap().is_none(), "expired request removed");
    assert!(f.store.auth_request(&fresh.id).await.unwrap().is_some(), "live request kept");
    let (_, new, message) = request("limited@example.com", later + 2);
    let five = (0..4).map(|_| limit("live", 5, later + 2)).collect();
    f.store.start_auth_request(new, message, true, five).await.unwrap();
    let (_, new, message) = request("limited@example.com", later + 3);
    assert!(matches!(
        f.store.start_auth_request(new, message, true, vec![limit("live", 5, later + 3)]).await,
        Err(StoreError::RateLimited { .. })
    ), "a live rate-limit key survives cleanup");
}
}

backend_test! {
async fn a_message_handed_off_at_commit_is_leased_to_its_instance() {
    let f = store().await;
    let (_, new, mut message) = request("ada@example.com", NOW);
    message.lease_until = Some(NOW + MINUTE);
    let queued = f.store.start_auth_request(new, message, true, vec![]).await.unwrap().expect("queued");
    assert_eq!((queued.recipient.as_str(), queued.attempts), ("ada@example.com", 1));
    assert!(f.store.claim_outbox(NOW + 1, MINUTE, 10).await.unwrap().is_empty(), "no other worker takes it");
    let again = f.store.claim_outbox(NOW + MINUTE, MINUTE, 10).await.unwrap();
    assert_eq!(again.len(), 1, "once the lease runs out (the instance died), anyone takes it");
    assert_eq!((again[0].seq, again[0].attempts), (queued.seq, 2));
}
}
