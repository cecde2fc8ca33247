//! The embedded store: one SQLite file in WAL mode, written by one thread with group
//! commit and read by a few reader threads (see `threads.rs`).

mod migrate;
mod threads;

use std::path::Path;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::crypto;
use crate::domain::{Channel, Identifier};
use crate::store::rules::{self, CodeStep, Holder, LinkStep};
use crate::store::{
    AuthRequest, AuthState, CodeOutcome, DeliveryResult, DeliveryStatus, LinkAction, LinkOutcome, NewAuthRequest,
    NewMessage, NewSession, OutboxMessage, RateLimit, RedeemCode, RedeemLink, RotatedSecrets, Rotation, Session,
    SignedIn, Store, StoreError, User,
};
use threads::{Threads, db_error};

pub use migrate::run_migrations;

pub struct SqliteStore {
    db: Threads,
}

impl SqliteStore {
    /// Opens (creating if needed) and, with `migrate`, migrates the database, then starts
    /// its threads.
    pub fn open(path: &Path, readers: usize, max_batch: usize, migrate: bool) -> anyhow::Result<Self> {
        let mut writer = threads::open(path, false)?;
        if migrate {
            run_migrations(&mut writer)?;
        }
        let db = Threads::start(path, writer, readers, max_batch)?;
        Ok(Self { db })
    }

    /// `postern migrate`: applies pending migrations (or, with `check_only`, lists them).
    pub fn migrate_only(path: &Path, check_only: bool) -> anyhow::Result<Vec<i64>> {
        let mut conn = threads::open(path, false)?;
        if check_only { migrate::pending_migrations(&conn) } else { run_migrations(&mut conn) }
    }
}

/// Rusqlite errors inside a write job; `?` turns them into store errors.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        db_error(e)
    }
}

const AUTH_COLUMNS: &str = "id, identifier_kind, identifier, user_id, channel, device_hash, \
     match_number, redirect_to, state, failed_attempts, requester_ip, requester_agent, \
     created_at, last_sent_at, expires_at, token_hash, locale";

fn auth_request_from_row(row: &Row<'_>) -> rusqlite::Result<AuthRequest> {
    let kind: String = row.get(1)?;
    let value: String = row.get(2)?;
    let channel: String = row.get(4)?;
    let bad = |what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("bad {what} in auth_requests").into(),
        )
    };
    Ok(AuthRequest {
        id: row.get(0)?,
        identifier: Identifier::from_db(&kind, &value).ok_or_else(|| bad("identifier"))?,
        user_id: row.get(3)?,
        channel: Channel::from_db(&channel).ok_or_else(|| bad("channel"))?,
        device_hash: row.get(5)?,
        match_number: row.get(6)?,
        redirect_to: row.get(7)?,
        state: AuthState::from_db(&row.get::<_, String>(8)?),
        failed_attempts: row.get(9)?,
        requester_ip: row.get(10)?,
        requester_agent: row.get(11)?,
        created_at: row.get(12)?,
        last_sent_at: row.get(13)?,
        expires_at: row.get(14)?,
        token_hash: row.get(15)?,
        locale: row.get(16)?,
    })
}

fn user_from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(at)?,
        email: row.get(at + 1)?,
        phone: row.get(at + 2)?,
        created_at: row.get(at + 3)?,
        disabled: row.get::<_, Option<i64>>(at + 4)?.is_some(),
    })
}

const SESSION_COLUMNS: &str =
    "s.id, s.user_id, s.created_at, s.last_seen_at, s.idle_expires_at, s.expires_at, s.ip, s.user_agent, s.token_hash";

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: row.get(0)?,
        user_id: row.get(1)?,
        created_at: row.get(2)?,
        last_seen_at: row.get(3)?,
        idle_expires_at: row.get(4)?,
        expires_at: row.get(5)?,
        ip: row.get(6)?,
        user_agent: row.get(7)?,
        token_hash: row.get(8)?,
    })
}

fn outbox_from_row(row: &Row<'_>) -> rusqlite::Result<OutboxMessage> {
    let channel: String = row.get(1)?;
    Ok(OutboxMessage {
        seq: row.get(0)?,
        channel: Channel::from_db(&channel).unwrap_or(Channel::Email),
        recipient: row.get(2)?,
        kind: row.get(3)?,
        payload: row.get(4)?,
        attempts: row.get(5)?,
        created_at: row.get(6)?,
        expires_at: row.get(7)?,
        locale: row.get(8)?,
    })
}

/// The account behind an identifier: (id, disabled).
fn find_user(conn: &Connection, identifier: &Identifier) -> rusqlite::Result<Option<(String, bool)>> {
    let sql = match identifier {
        Identifier::Email(_) => "SELECT id, disabled_at FROM users WHERE email = ?1",
        Identifier::Phone(_) => "SELECT id, disabled_at FROM users WHERE phone = ?1",
    };
    conn.prepare_cached(sql)?
        .query_row([identifier.as_str()], |r| Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.is_some())))
        .optional()
}

/// Finds or creates the account for a verified identifier and marks it verified. The
/// locale the request named becomes the account's.
fn upsert_verified_user(
    conn: &Connection,
    identifier: &Identifier,
    request_id: &str,
    now: i64,
) -> Result<User, StoreError> {
    let sql = match identifier {
        Identifier::Email(_) => {
            "INSERT INTO users (id, email, email_verified_at, created_at, updated_at, locale)
             VALUES (?1, ?2, ?3, ?3, ?3, (SELECT locale FROM auth_requests WHERE id = ?4))
             ON CONFLICT (email) DO UPDATE SET
                 email_verified_at = COALESCE(users.email_verified_at, excluded.email_verified_at),
                 updated_at = excluded.updated_at,
                 locale = COALESCE(excluded.locale, users.locale)
             RETURNING id, email, phone, created_at, disabled_at"
        }
        Identifier::Phone(_) => {
            "INSERT INTO users (id, phone, phone_verified_at, created_at, updated_at, locale)
             VALUES (?1, ?2, ?3, ?3, ?3, (SELECT locale FROM auth_requests WHERE id = ?4))
             ON CONFLICT (phone) DO UPDATE SET
                 phone_verified_at = COALESCE(users.phone_verified_at, excluded.phone_verified_at),
                 updated_at = excluded.updated_at,
                 locale = COALESCE(excluded.locale, users.locale)
             RETURNING id, email, phone, created_at, disabled_at"
        }
    };
    let user = conn
        .prepare_cached(sql)?
        .query_row(params![crypto::new_id(), identifier.as_str(), now, request_id], |r| user_from_row(r, 0))?;
    Ok(user)
}

fn insert_session(conn: &Connection, user_id: &str, s: &NewSession) -> Result<Session, StoreError> {
    if let Some(old) = &s.replaces {
        conn.prepare_cached(
            "UPDATE sessions SET revoked_at = ?3 WHERE id = ?1 AND token_hash = ?2 AND revoked_at IS NULL",
        )?
        .execute(params![old.id, &old.token_hash[..], s.created_at])?;
    }
    conn.prepare_cached(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at, expires_at, ip, user_agent)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![s.id, &s.token_hash[..], user_id, s.created_at, s.idle_expires_at, s.expires_at, s.ip, s.user_agent])?;
    Ok(Session {
        id: s.id.clone(),
        token_hash: s.token_hash.to_vec(),
        user_id: user_id.to_owned(),
        created_at: s.created_at,
        last_seen_at: s.created_at,
        idle_expires_at: s.idle_expires_at,
        expires_at: s.expires_at,
        ip: s.ip.clone(),
        user_agent: s.user_agent.clone(),
    })
}

fn sign_in(
    conn: &Connection,
    request_id: &str,
    identifier: &Identifier,
    redirect_to: String,
    session: &NewSession,
) -> Result<SignedIn, StoreError> {
    let user = upsert_verified_user(conn, identifier, request_id, session.created_at)?;
    // A success ends the identifier's run of consecutive failures.
    conn.prepare_cached("DELETE FROM code_failures WHERE identifier = ?1")?.execute([identifier.as_str()])?;
    let session = insert_session(conn, &user.id, session)?;
    Ok(SignedIn { user, session, redirect_to })
}

const OUTBOX_COLUMNS: &str = "seq, channel, recipient, kind, payload, attempts, created_at, expires_at, locale";

/// Queues a message; its locale is the request's, else the account's, else the browser's.
/// Unless `deliver`, the row is written `suppressed` without its payload and never sent
/// (the same write as a real message, so both take the same time), and `None` comes back.
fn insert_message(
    conn: &Connection,
    m: &NewMessage,
    user_id: Option<&str>,
    deliver: bool,
) -> rusqlite::Result<Option<OutboxMessage>> {
    let (status, attempts, lease_until, payload) = match (deliver, m.lease_until) {
        (false, _) => ("suppressed", 0, None, ""),
        (true, Some(lease)) => ("sending", 1, Some(lease), m.payload.as_str()),
        (true, None) => ("queued", 0, None, m.payload.as_str()),
    };
    conn.prepare_cached(&format!(
        "INSERT INTO outbox (channel, recipient, kind, payload, status, attempts, lease_until, next_attempt_at,
             expires_at, created_at, locale)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8,
             COALESCE(?10, (SELECT locale FROM users WHERE id = ?11), ?12))
         RETURNING {OUTBOX_COLUMNS}",
    ))?
    .query_row(
        params![
            m.channel.as_str(),
            m.recipient,
            m.kind,
            payload,
            status,
            attempts,
            lease_until,
            m.created_at,
            m.expires_at,
            m.locale,
            user_id,
            m.fallback_locale
        ],
        outbox_from_row,
    )
    .map(|message| deliver.then_some(message))
}

/// The writer thread serialises jobs, so read-then-write here is atomic.
fn hit_rate_limit(conn: &Connection, limit: &RateLimit) -> Result<(), StoreError> {
    let tat: Option<i64> = conn
        .prepare_cached("SELECT tat FROM rate_limits WHERE key = ?1")?
        .query_row([&limit.key], |r| r.get(0))
        .optional()?;
    let new_tat = rules::gcra(tat, limit)
        .map_err(|retry_after_ms| StoreError::RateLimited { key: limit.key.clone(), retry_after_ms })?;
    conn.prepare_cached(
        "INSERT INTO rate_limits (key, tat) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET tat = excluded.tat",
    )?
    .execute(params![limit.key, new_tat])?;
    Ok(())
}

/// A request with its code hash and purpose (the writer thread serialises jobs, so what
/// it reads stays true until the job ends).
fn load_request_for_update(conn: &Connection, id: &str) -> rusqlite::Result<Option<(AuthRequest, Vec<u8>, String)>> {
    conn.prepare_cached(&format!("SELECT {AUTH_COLUMNS}, code_hash, purpose FROM auth_requests WHERE id = ?1"))?
        .query_row([id], |r| Ok((auth_request_from_row(r)?, r.get(17)?, r.get(18)?)))
        .optional()
}

/// The account behind an identifier and the identifier's run of wrong codes.
fn holder(conn: &Connection, identifier: &Identifier) -> rusqlite::Result<Holder> {
    let account = find_user(conn, identifier)?;
    let failures = conn
        .prepare_cached("SELECT failed_count, locked_until FROM code_failures WHERE identifier = ?1")?
        .query_row([identifier.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (failures, locked_until) = failures.unwrap_or((0, None));
    Ok(Holder { account, failures, locked_until })
}

/// The one statement that spends a pending request: of two concurrent redemptions only
/// one sees state = 'pending'.
fn spend(conn: &Connection, id: &str, to: AuthState, now: i64) -> rusqlite::Result<bool> {
    let changed = match to {
        AuthState::Dead => conn
            .prepare_cached("UPDATE auth_requests SET state = 'dead' WHERE id = ?1 AND state = 'pending'")?
            .execute([id])?,
        AuthState::Approved => conn
            .prepare_cached(
                "UPDATE auth_requests SET state = 'approved', approved_at = ?2 WHERE id = ?1 AND state = 'pending'",
            )?
            .execute(params![id, now])?,
        AuthState::Consumed | AuthState::Pending => conn
            .prepare_cached(
                "UPDATE auth_requests SET state = 'consumed', consumed_at = ?2 WHERE id = ?1 AND state = 'pending'",
            )?
            .execute(params![id, now])?,
    };
    Ok(changed == 1)
}

fn redeem_code_job(conn: &Connection, r: RedeemCode) -> Result<CodeOutcome, StoreError> {
    let Some((req, code_hash, purpose)) = load_request_for_update(conn, &r.request_id)? else {
        return Ok(CodeOutcome::Invalid);
    };
    let holder = holder(conn, &req.identifier)?;
    match rules::decide_code(&req, &purpose, &code_hash, &holder, &r) {
        CodeStep::Done(outcome) => Ok(outcome),
        CodeStep::Wrong { failed, state, failures, locked_until, outcome } => {
            conn.prepare_cached("UPDATE auth_requests SET failed_attempts = ?2, state = ?3 WHERE id = ?1")?
                .execute(params![req.id, failed, state.as_str()])?;
            conn.prepare_cached(
                "INSERT INTO code_failures (identifier, failed_count, locked_until, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (identifier) DO UPDATE SET failed_count = excluded.failed_count,
                     locked_until = excluded.locked_until, updated_at = excluded.updated_at",
            )?
            .execute(params![req.identifier.as_str(), failures, locked_until, r.now])?;
            Ok(outcome)
        }
        CodeStep::Consume => {
            if !spend(conn, &req.id, AuthState::Consumed, r.now)? {
                return Ok(CodeOutcome::Invalid);
            }
            Ok(CodeOutcome::SignedIn(sign_in(conn, &req.id, &req.identifier, req.redirect_to, &r.session)?))
        }
    }
}

fn redeem_link_job(conn: &Connection, r: RedeemLink) -> Result<LinkOutcome, StoreError> {
    let Some((req, _, purpose)) = load_request_for_update(conn, &r.request_id)? else {
        return Ok(LinkOutcome::Invalid);
    };
    let account = find_user(conn, &req.identifier)?;
    match rules::decide_link(&req, &purpose, account.as_ref(), &r) {
        LinkStep::Done(outcome) => Ok(outcome),
        LinkStep::Kill => {
            spend(conn, &req.id, AuthState::Dead, r.now)?;
            Ok(LinkOutcome::WrongNumber)
        }
        LinkStep::Approve => Ok(if spend(conn, &req.id, AuthState::Approved, r.now)? {
            LinkOutcome::Approved
        } else {
            LinkOutcome::Invalid
        }),
        LinkStep::SignInHere => {
            let LinkAction::SignInHere(session) = &r.action else { return Ok(LinkOutcome::Invalid) };
            if !spend(conn, &req.id, AuthState::Consumed, r.now)? {
                return Ok(LinkOutcome::Invalid);
            }
            Ok(LinkOutcome::SignedIn(sign_in(conn, &req.id, &req.identifier, req.redirect_to, session)?))
        }
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.db.read(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))).await.map(|_| ())
    }

    async fn server_key(&self, now: i64) -> Result<[u8; 32], StoreError> {
        let candidate = crypto::random_key();
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO server_secrets (name, value, created_at) VALUES ('hmac', ?1, ?2) ON CONFLICT (name) DO NOTHING",
                    params![&candidate[..], now],
                )?;
                let value: Vec<u8> = c.query_row("SELECT value FROM server_secrets WHERE name = 'hmac'", [], |r| r.get(0))?;
                value
                    .try_into()
                    .map_err(|_| StoreError::Other(anyhow::anyhow!("the stored server key has the wrong length")))
            })
            .await
    }

    async fn start_auth_request(
        &self,
        new: NewAuthRequest,
        message: NewMessage,
        signup_open: bool,
        limits: Vec<RateLimit>,
    ) -> Result<Option<OutboxMessage>, StoreError> {
        self.db
            .write(move |c| {
                for limit in &limits {
                    hit_rate_limit(c, limit)?;
                }
                let user = find_user(c, &new.identifier)?;
                let deliver = rules::may_sign_in(user.as_ref(), signup_open);
                let (code_hash, token_hash) =
                    if deliver { (new.code_hash, new.token_hash) } else { (rules::unusable_hash(), rules::unusable_hash()) };
                let user_id = user.as_ref().map(|(id, _)| id.clone());
                c.prepare_cached(
                    "INSERT INTO auth_requests (id, purpose, identifier_kind, identifier, user_id, channel, code_hash,
                         token_hash, device_hash, match_number, redirect_to, locale, state, requester_ip,
                         requester_agent, created_at, last_sent_at, expires_at)
                     VALUES (?1, 'signin', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'pending', ?12, ?13, ?14, ?14, ?15)",
                )?
                .execute(params![
                    new.id,
                    new.identifier.kind(),
                    new.identifier.as_str(),
                    user_id,
                    new.channel.as_str(),
                    &code_hash[..],
                    &token_hash[..],
                    &new.device_hash[..],
                    new.match_number,
                    new.redirect_to,
                    new.locale,
                    new.requester_ip,
                    new.requester_agent,
                    new.created_at,
                    new.expires_at,
                ])?;
                Ok(insert_message(c, &message, user_id.as_deref(), deliver)?)
            })
            .await
    }

    async fn auth_request(&self, id: &str) -> Result<Option<AuthRequest>, StoreError> {
        let id = id.to_owned();
        self.db
            .read(move |c| {
                c.prepare_cached(&format!(
                    "SELECT {AUTH_COLUMNS} FROM auth_requests WHERE id = ?1 AND purpose = 'signin'"
                ))?
                .query_row([id], auth_request_from_row)
                .optional()
            })
            .await
    }

    async fn rotate_auth_request(
        &self,
        id: &str,
        s: RotatedSecrets,
        message: NewMessage,
        signup_open: bool,
        limits: Vec<RateLimit>,
    ) -> Result<Rotation, StoreError> {
        let id = id.to_owned();
        self.db
            .write(move |c| {
                let Some((req, _, _)) = load_request_for_update(c, &id)? else {
                    return Ok(Rotation::Refused);
                };
                let user = find_user(c, &req.identifier)?;
                let deliver = rules::may_sign_in(user.as_ref(), signup_open);
                let (code_hash, token_hash) = if deliver {
                    (s.code_hash, s.token_hash)
                } else {
                    (rules::unusable_hash(), rules::unusable_hash())
                };
                // The failed-attempt count is deliberately left alone: a resend must never
                // buy an attacker five more guesses.
                let rotated = c
                    .prepare_cached(
                        "UPDATE auth_requests SET code_hash = ?2, token_hash = ?3, expires_at = ?4, last_sent_at = ?5,
                             send_count = send_count + 1
                         WHERE id = ?1 AND state = 'pending' AND expires_at > ?5",
                    )?
                    .execute(params![id, &code_hash[..], &token_hash[..], s.expires_at, s.now])?;
                if rotated != 1 {
                    return Ok(Rotation::Refused);
                }
                for limit in &limits {
                    hit_rate_limit(c, limit)?;
                }
                let user_id = user.map(|(id, _)| id);
                let message = insert_message(c, &message, user_id.as_deref(), deliver)?;
                Ok(Rotation::Rotated { message })
            })
            .await
    }

    async fn redeem_code(&self, redeem: RedeemCode) -> Result<CodeOutcome, StoreError> {
        self.db.write(move |c| redeem_code_job(c, redeem)).await
    }

    async fn redeem_link(&self, redeem: RedeemLink) -> Result<LinkOutcome, StoreError> {
        self.db.write(move |c| redeem_link_job(c, redeem)).await
    }

    async fn claim_approved(&self, id: &str, session: NewSession, now: i64) -> Result<Option<SignedIn>, StoreError> {
        let id = id.to_owned();
        self.db
            .write(move |c| {
                let claimed = c
                    .prepare_cached(
                        "UPDATE auth_requests SET state = 'consumed', consumed_at = ?2
                         WHERE id = ?1 AND state = 'approved' AND expires_at > ?2
                         RETURNING identifier_kind, identifier, redirect_to",
                    )?
                    .query_row(params![id, now], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
                    })
                    .optional()?;
                let Some((kind, value, redirect_to)) = claimed else { return Ok(None) };
                let identifier = Identifier::from_db(&kind, &value)
                    .ok_or_else(|| StoreError::Other(anyhow::anyhow!("bad identifier in auth_requests")))?;
                Ok(Some(sign_in(c, &id, &identifier, redirect_to, &session)?))
            })
            .await
    }

    async fn session(&self, id: &str, now: i64) -> Result<Option<(Session, User)>, StoreError> {
        let id = id.to_owned();
        self.db
            .read(move |c| {
                c.prepare_cached(&format!(
                    "SELECT {SESSION_COLUMNS}, u.id, u.email, u.phone, u.created_at, u.disabled_at
                     FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.id = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2
                       AND s.idle_expires_at > ?2 AND u.disabled_at IS NULL"
                ))?
                .query_row(params![id, now], |r| Ok((session_from_row(r)?, user_from_row(r, 9)?)))
                .optional()
            })
            .await
    }

    async fn touch_session(&self, id: &str, now: i64, idle_expires_at: i64) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.db
            .write(move |c| {
                c.prepare_cached(
                    "UPDATE sessions SET last_seen_at = ?2, idle_expires_at = ?3 WHERE id = ?1 AND revoked_at IS NULL",
                )?
                .execute(params![id, now, idle_expires_at])?;
                Ok(())
            })
            .await
    }

    async fn list_sessions(&self, user_id: &str, now: i64) -> Result<Vec<Session>, StoreError> {
        let user_id = user_id.to_owned();
        self.db
            .read(move |c| {
                c.prepare_cached(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions s
                     WHERE s.user_id = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2 AND s.idle_expires_at > ?2
                     ORDER BY s.created_at DESC"
                ))?
                .query_map(params![user_id, now], session_from_row)?
                .collect()
            })
            .await
    }

    async fn revoke_session(&self, user_id: &str, session_id: &str, now: i64) -> Result<bool, StoreError> {
        let (user_id, session_id) = (user_id.to_owned(), session_id.to_owned());
        self.db
            .write(move |c| {
                let n = c
                    .prepare_cached(
                        "UPDATE sessions SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
                    )?
                    .execute(params![session_id, user_id, now])?;
                Ok(n == 1)
            })
            .await
    }

    async fn revoke_sessions(&self, user_id: &str, keep: Option<&str>, now: i64) -> Result<u64, StoreError> {
        let (user_id, keep) = (user_id.to_owned(), keep.map(str::to_owned));
        self.db
            .write(move |c| {
                let n = c
                    .prepare_cached(
                        "UPDATE sessions SET revoked_at = ?3
                         WHERE user_id = ?1 AND revoked_at IS NULL AND (?2 IS NULL OR id <> ?2)",
                    )?
                    .execute(params![user_id, keep, now])?;
                Ok(n as u64)
            })
            .await
    }

    async fn claim_outbox(&self, now: i64, lease_ms: i64, limit: usize) -> Result<Vec<OutboxMessage>, StoreError> {
        self.db
            .write(move |c| {
                // Due messages in index order (no sort, however long the queue), then
                // messages whose worker's lease ran out (few: only those in flight).
                let mut due: Vec<(i64, i64)> = c
                    .prepare_cached(
                        "SELECT seq, expires_at FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?1
                         ORDER BY next_attempt_at LIMIT ?2",
                    )?
                    .query_map(params![now, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                let room = limit.saturating_sub(due.len()) as i64;
                if room > 0 {
                    let stale = c
                        .prepare_cached(
                            "SELECT seq, expires_at FROM outbox WHERE status = 'sending' AND lease_until <= ?1 LIMIT ?2",
                        )?
                        .query_map(params![now, room], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    due.extend(stale);
                }
                let mut claimed = Vec::with_capacity(due.len());
                for (seq, expires_at) in due {
                    if expires_at <= now {
                        // A message whose secret has expired is never sent late.
                        c.prepare_cached(
                            "UPDATE outbox SET status = 'failed', last_error = 'expired before delivery', lease_until = NULL,
                                 payload = ''
                             WHERE seq = ?1",
                        )?
                        .execute([seq])?;
                        continue;
                    }
                    let message = c
                        .prepare_cached(&format!(
                            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = ?2 WHERE seq = ?1
                             RETURNING {OUTBOX_COLUMNS}",
                        ))?
                        .query_row(params![seq, now + lease_ms], outbox_from_row)?;
                    claimed.push(message);
                }
                claimed.sort_by_key(|m| m.seq);
                Ok(claimed)
            })
            .await
    }

    async fn finish_outbox(&self, results: Vec<DeliveryResult>, now: i64) -> Result<(), StoreError> {
        self.db
            .write(move |c| {
                for r in &results {
                    match &r.status {
                        DeliveryStatus::Sent { provider, provider_message_id } => {
                            c.prepare_cached(
                                "UPDATE outbox SET status = 'sent', sent_at = ?2, provider = ?3, provider_message_id = ?4,
                                     lease_until = NULL, last_error = NULL,
                                     payload = CASE WHEN ?3 = 'dev' THEN payload ELSE '' END
                                 WHERE seq = ?1",
                            )?
                            .execute(params![r.seq, now, provider, provider_message_id])?;
                        }
                        DeliveryStatus::Retry { error, next_attempt_at } => {
                            c.prepare_cached(
                                "UPDATE outbox SET status = 'queued', next_attempt_at = ?2, last_error = ?3, lease_until = NULL
                                 WHERE seq = ?1",
                            )?
                            .execute(params![r.seq, next_attempt_at, error])?;
                        }
                        DeliveryStatus::Failed { error } => {
                            c.prepare_cached(
                                "UPDATE outbox SET status = 'failed', last_error = ?2, lease_until = NULL, payload = ''
                                 WHERE seq = ?1",
                            )?
                                .execute(params![r.seq, error])?;
                        }
                    }
                }
                Ok(())
            })
            .await
    }

    async fn cleanup(&self, now: i64, batch: usize) -> Result<u64, StoreError> {
        let old = now - crate::store::RETENTION_MS;
        self.db
            .write(move |c| {
                let batch = batch as i64;
                let mut deleted = 0;
                deleted += c
                    .prepare_cached("DELETE FROM auth_requests WHERE id IN (SELECT id FROM auth_requests WHERE expires_at < ?1 LIMIT ?2)")?
                    .execute(params![now, batch])?;
                deleted += c
                    .prepare_cached(
                        "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions
                         WHERE expires_at < ?1 OR idle_expires_at < ?1 OR revoked_at < ?1 LIMIT ?2)",
                    )?
                    .execute(params![now, batch])?;
                deleted += c
                    .prepare_cached(
                        "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox
                         WHERE status IN ('sent', 'failed', 'suppressed') AND created_at < ?1 LIMIT ?2)",
                    )?
                    .execute(params![old, batch])?;
                deleted += c
                    .prepare_cached("DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE tat < ?1 LIMIT ?2)")?
                    .execute(params![now, batch])?;
                // A run of wrong codes is forgotten a retention period after its last
                // failure, once no lock is running.
                deleted += c
                    .prepare_cached(
                        "DELETE FROM code_failures WHERE identifier IN (SELECT identifier FROM code_failures
                         WHERE updated_at < ?1 AND (locked_until IS NULL OR locked_until < ?2) LIMIT ?3)",
                    )?
                    .execute(params![old, now, batch])?;
                Ok(deleted as u64)
            })
            .await
    }

    async fn dev_inbox(&self, recipient: Option<String>, limit: usize) -> Result<Vec<OutboxMessage>, StoreError> {
        self.db
            .read(move |c| {
                // Two statements rather than `(?1 IS NULL OR recipient = ?1)`: with the OR,
                // SQLite's planner skips the recipient index and sorts the whole outbox.
                let limit = limit as i64;
                match recipient {
                    Some(to) => c
                        .prepare_cached(&format!(
                            "SELECT {OUTBOX_COLUMNS} FROM outbox
                             WHERE recipient = ?1 AND status = 'sent' AND provider = 'dev'
                             ORDER BY seq DESC LIMIT ?2",
                        ))?
                        .query_map(params![to, limit], outbox_from_row)?
                        .collect(),
                    None => c
                        .prepare_cached(&format!(
                            "SELECT {OUTBOX_COLUMNS} FROM outbox
                             WHERE status = 'sent' AND provider = 'dev'
                             ORDER BY seq DESC LIMIT ?1",
                        ))?
                        .query_map(params![limit], outbox_from_row)?
                        .collect(),
                }
            })
            .await
    }
}
