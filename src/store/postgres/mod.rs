//! The production store: PostgreSQL through a sqlx pool. Every unit of work is one
//! transaction; rows that decide an outcome are locked (`FOR UPDATE`) before the shared
//! rules in `store::rules` look at them, so concurrent instances agree.

mod migrate;

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};

use crate::crypto;
use crate::domain::{Channel, Identifier};
use crate::store::rules::{self, CodeStep, Holder, LinkStep};
use crate::store::{
    AuthRequest, AuthState, CodeOutcome, DeliveryResult, DeliveryStatus, LinkAction, LinkOutcome, NewAuthRequest,
    NewMessage, NewSession, OutboxMessage, RETENTION_MS, RateLimit, RedeemCode, RedeemLink, RotatedSecrets, Rotation,
    Session, SignedIn, Store, StoreError, User,
};

pub use migrate::{pending_migrations, run_migrations};

pub struct PgStore {
    pool: PgPool,
}

pub struct PgSettings {
    pub url: String,
    pub max_connections: u32,
    /// How long a request waits for a connection before it is answered 503.
    pub acquire_timeout: Duration,
}

impl PgStore {
    /// Connects lazily: an unreachable database makes requests fail fast with
    /// `Unavailable`, and the pool reconnects by itself when it is back.
    pub fn connect(settings: &PgSettings) -> anyhow::Result<Self> {
        let options: PgConnectOptions =
            settings.url.parse().map_err(|e| anyhow::anyhow!("database_url is not a valid PostgreSQL URL: {e}"))?;
        let options = options.application_name("postern");
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .min_connections(0)
            .acquire_timeout(settings.acquire_timeout)
            // No ping before every checkout (it doubles the round trips of a session
            // check); a broken connection fails its query, is dropped and answers 503.
            .test_before_acquire(false)
            .idle_timeout(Duration::from_secs(300))
            .connect_lazy_with(options);
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

pub fn pg_error(e: sqlx::Error) -> StoreError {
    match &e {
        // Anything that breaks getting or keeping a connection is an outage (503), not a
        // bug (500): a dead server behind a TCP balancer accepts and hangs up, which the
        // driver reports as a protocol error during the TLS/startup handshake.
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.into()),
        sqlx::Error::Database(db)
            if db.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300") =>
        {
            // Connection exceptions, admin shutdown, too many connections.
            StoreError::Unavailable(e.into())
        }
        _ => StoreError::Other(e.into()),
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        pg_error(e)
    }
}

type Tx = Transaction<'static, Postgres>;

macro_rules! auth_columns {
    () => {
        "id, identifier_kind, identifier, user_id, channel, device_hash, match_number, redirect_to, state, \
         failed_attempts, requester_ip, requester_agent, created_at, last_sent_at, expires_at, token_hash, locale"
    };
}

fn bad(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("bad {what} in auth_requests").into())
}

fn auth_request_from_row(row: &PgRow) -> Result<AuthRequest, sqlx::Error> {
    let kind: String = row.try_get(1)?;
    let value: String = row.try_get(2)?;
    let channel: String = row.try_get(4)?;
    Ok(AuthRequest {
        id: row.try_get(0)?,
        identifier: Identifier::from_db(&kind, &value).ok_or_else(|| bad("identifier"))?,
        user_id: row.try_get(3)?,
        channel: Channel::from_db(&channel).ok_or_else(|| bad("channel"))?,
        device_hash: row.try_get(5)?,
        match_number: u8::try_from(row.try_get::<i32, _>(6)?).map_err(|_| bad("match_number"))?,
        redirect_to: row.try_get(7)?,
        state: AuthState::from_db(row.try_get::<&str, _>(8)?),
        failed_attempts: u32::try_from(row.try_get::<i32, _>(9)?).unwrap_or(u32::MAX),
        requester_ip: row.try_get(10)?,
        requester_agent: row.try_get(11)?,
        created_at: row.try_get(12)?,
        last_sent_at: row.try_get(13)?,
        expires_at: row.try_get(14)?,
        token_hash: row.try_get(15)?,
        locale: row.try_get(16)?,
    })
}

fn user_from_row(row: &PgRow, at: usize) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get(at)?,
        email: row.try_get(at + 1)?,
        phone: row.try_get(at + 2)?,
        created_at: row.try_get(at + 3)?,
        disabled: row.try_get::<Option<i64>, _>(at + 4)?.is_some(),
    })
}

macro_rules! session_columns {
    () => {
        "s.id, s.user_id, s.created_at, s.last_seen_at, s.idle_expires_at, s.expires_at, s.ip, s.user_agent, s.token_hash"
    };
}

fn session_from_row(row: &PgRow) -> Result<Session, sqlx::Error> {
    Ok(Session {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        created_at: row.try_get(2)?,
        last_seen_at: row.try_get(3)?,
        idle_expires_at: row.try_get(4)?,
        expires_at: row.try_get(5)?,
        ip: row.try_get(6)?,
        user_agent: row.try_get(7)?,
        token_hash: row.try_get(8)?,
    })
}

macro_rules! outbox_columns {
    () => {
        "seq, channel, recipient, kind, payload, attempts, created_at, expires_at, locale"
    };
}

fn outbox_from_row(row: &PgRow) -> Result<OutboxMessage, sqlx::Error> {
    let channel: String = row.try_get(1)?;
    Ok(OutboxMessage {
        seq: row.try_get(0)?,
        channel: Channel::from_db(&channel).unwrap_or(Channel::Email),
        recipient: row.try_get(2)?,
        kind: row.try_get(3)?,
        payload: row.try_get(4)?,
        attempts: u32::try_from(row.try_get::<i32, _>(5)?).unwrap_or(0),
        created_at: row.try_get(6)?,
        expires_at: row.try_get(7)?,
        locale: row.try_get(8)?,
    })
}

/// The account behind an identifier and the identifier's run of wrong codes, its row
/// locked for the rest of the transaction (two wrong codes at once both count).
async fn holder(tx: &mut Tx, identifier: &Identifier) -> Result<Holder, sqlx::Error> {
    let account = find_user(tx, identifier).await?;
    let row = sqlx::query("SELECT failed_count, locked_until FROM code_failures WHERE identifier = $1 FOR UPDATE")
        .bind(identifier.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    let (failures, locked_until) = match row {
        Some(r) => (i64::from(r.try_get::<i32, _>(0)?), r.try_get(1)?),
        None => (0, None),
    };
    Ok(Holder { account, failures, locked_until })
}

/// The locale the request named becomes the account's.
async fn upsert_verified_user(
    tx: &mut Tx,
    identifier: &Identifier,
    request_id: &str,
    now: i64,
) -> Result<User, sqlx::Error> {
    let sql = match identifier {
        Identifier::Email(_) => {
            "INSERT INTO users (id, email, email_verified_at, created_at, updated_at, locale)
             VALUES ($1, $2, $3, $3, $3, (SELECT locale FROM auth_requests WHERE id = $4))
             ON CONFLICT (email) DO UPDATE SET
                 email_verified_at = COALESCE(users.email_verified_at, excluded.email_verified_at),
                 updated_at = excluded.updated_at,
                 locale = COALESCE(excluded.locale, users.locale)
             RETURNING id, email, phone, created_at, disabled_at"
        }
        Identifier::Phone(_) => {
            "INSERT INTO users (id, phone, phone_verified_at, created_at, updated_at, locale)
             VALUES ($1, $2, $3, $3, $3, (SELECT locale FROM auth_requests WHERE id = $4))
             ON CONFLICT (phone) DO UPDATE SET
                 phone_verified_at = COALESCE(users.phone_verified_at, excluded.phone_verified_at),
                 updated_at = excluded.updated_at,
                 locale = COALESCE(excluded.locale, users.locale)
             RETURNING id, email, phone, created_at, disabled_at"
        }
    };
    let row = sqlx::query(sql)
        .bind(crypto::new_id())
        .bind(identifier.as_str())
        .bind(now)
        .bind(request_id)
        .fetch_one(&mut **tx)
        .await?;
    user_from_row(&row, 0)
}

async fn sign_in(
    tx: &mut Tx,
    request_id: &str,
    identifier: &Identifier,
    redirect_to: String,
    s: &NewSession,
) -> Result<SignedIn, sqlx::Error> {
    let user = upsert_verified_user(tx, identifier, request_id, s.created_at).await?;
    // A success ends the identifier's run of consecutive failures.
    sqlx::query("DELETE FROM code_failures WHERE identifier = $1").bind(identifier.as_str()).execute(&mut **tx).await?;
    if let Some(old) = &s.replaces {
        sqlx::query("UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND token_hash = $2 AND revoked_at IS NULL")
            .bind(&old.id)
            .bind(&old.token_hash[..])
            .bind(s.created_at)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)",
    )
    .bind(&s.id)
    .bind(&s.token_hash[..])
    .bind(&user.id)
    .bind(s.created_at)
    .bind(s.idle_expires_at)
    .bind(s.expires_at)
    .bind(&s.ip)
    .bind(&s.user_agent)
    .execute(&mut **tx)
    .await?;
    let session = Session {
        id: s.id.clone(),
        token_hash: s.token_hash.to_vec(),
        user_id: user.id.clone(),
        created_at: s.created_at,
        last_seen_at: s.created_at,
        idle_expires_at: s.idle_expires_at,
        expires_at: s.expires_at,
        ip: s.ip.clone(),
        user_agent: s.user_agent.clone(),
    };
    Ok(SignedIn { user, session, redirect_to })
}

type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// Binds a message's columns in the order both inserts use: channel, recipient, kind,
/// payload, status, attempts, lease_until, created_at (also next_attempt_at), expires_at,
/// locale, fallback locale. A message committed with a lease is already its instance's
/// (`sending`, one attempt); one that must not go out is `suppressed`, without payload.
fn bind_message<'q>(query: PgQuery<'q>, m: &'q NewMessage, deliver: bool) -> PgQuery<'q> {
    let (status, attempts, lease_until, payload) = match (deliver, m.lease_until) {
        (false, _) => ("suppressed", 0, None, ""),
        (true, Some(lease)) => ("sending", 1, Some(lease), m.payload.as_str()),
        (true, None) => ("queued", 0, None, m.payload.as_str()),
    };
    query
        .bind(m.channel.as_str())
        .bind(&m.recipient)
        .bind(&m.kind)
        .bind(payload)
        .bind(status)
        .bind(attempts)
        .bind(lease_until)
        .bind(m.created_at)
        .bind(m.expires_at)
        .bind(&m.locale)
        .bind(&m.fallback_locale)
}

/// Queues a message; its locale is the request's, else the account's, else the browser's.
/// Unless `deliver` the row is `suppressed` (written, never sent) and `None` comes back.
async fn insert_message(
    tx: &mut Tx,
    m: &NewMessage,
    user_id: Option<&str>,
    deliver: bool,
) -> Result<Option<OutboxMessage>, sqlx::Error> {
    let row = bind_message(
        sqlx::query(concat!(
            "INSERT INTO outbox (channel, recipient, kind, payload, status, attempts, lease_until, next_attempt_at,
                 expires_at, created_at, locale)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, COALESCE($10, (SELECT locale FROM users WHERE id = $12), $11))
             RETURNING ",
            outbox_columns!()
        )),
        m,
        deliver,
    )
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    deliver.then(|| outbox_from_row(&row)).transpose()
}

/// Records a request and queues its message in one statement: the account lookup, the
/// decision (`rules::may_sign_in`, written here in SQL: an enabled account, or no account
/// and `$26` = sign-up open), both inserts. A request that may not sign in gets the
/// unusable hashes `$27`/`$28` and a `suppressed` message: the same rows as any other.
/// Returns the message to hand off, if any.
macro_rules! start_sql {
    ($column:literal) => {
        concat!(
            "WITH u AS (SELECT id, disabled_at, locale FROM users WHERE ",
            $column,
            " = $3),
             ok AS (SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN EXISTS (SELECT 1 FROM u WHERE disabled_at IS NULL)
                                ELSE $26 END AS deliver),
             req AS (
                 INSERT INTO auth_requests (id, purpose, identifier_kind, identifier, user_id, channel, code_hash,
                     token_hash, device_hash, match_number, redirect_to, locale, state, requester_ip,
                     requester_agent, created_at, last_sent_at, expires_at)
                 SELECT $1, 'signin', $2, $3, (SELECT id FROM u), $4,
                     CASE WHEN ok.deliver THEN $5 ELSE $27 END, CASE WHEN ok.deliver THEN $6 ELSE $28 END,
                     $7, $8, $9, $10, 'pending', $11, $12, $13, $13, $14
                 FROM ok
                 RETURNING id),
             m AS (
                 INSERT INTO outbox (channel, recipient, kind, payload, status, attempts, lease_until, next_attempt_at,
                     expires_at, created_at, locale)
                 SELECT $15, $16, $17, CASE WHEN ok.deliver THEN $18 ELSE '' END,
                     CASE WHEN ok.deliver THEN $19 ELSE 'suppressed' END, CASE WHEN ok.deliver THEN $20 ELSE 0 END,
                     CASE WHEN ok.deliver THEN $21 END, $22, $23, $22, COALESCE($24, (SELECT locale FROM u), $25)
                 FROM req, ok
                 RETURNING ",
            outbox_columns!(),
            ", status)
             SELECT ",
            outbox_columns!(),
            " FROM m WHERE status <> 'suppressed'"
        )
    };
}

fn start_statement<'q>(new: &'q NewAuthRequest, m: &'q NewMessage, signup_open: bool) -> PgQuery<'q> {
    let sql = match new.identifier {
        Identifier::Email(_) => start_sql!("email"),
        Identifier::Phone(_) => start_sql!("phone"),
    };
    let query = sqlx::query(sql)
        .bind(&new.id)
        .bind(new.identifier.kind())
        .bind(new.identifier.as_str())
        .bind(new.channel.as_str())
        .bind(&new.code_hash[..])
        .bind(&new.token_hash[..])
        .bind(&new.device_hash[..])
        .bind(i32::from(new.match_number))
        .bind(&new.redirect_to)
        .bind(&new.locale)
        .bind(&new.requester_ip)
        .bind(&new.requester_agent)
        .bind(new.created_at)
        .bind(new.expires_at);
    bind_message(query, m, true)
        .bind(signup_open)
        .bind(rules::unusable_hash().to_vec())
        .bind(rules::unusable_hash().to_vec())
}

/// GCRA in one atomic statement: the update happens only while the key is within its
/// tolerance; no row back means "limited" (the same rule as `rules::gcra`).
async fn hit_rate_limit(tx: &mut Tx, limit: &RateLimit) -> Result<(), StoreError> {
    let tolerance = limit.interval_ms * i64::from(limit.burst.saturating_sub(1));
    let allowed = sqlx::query(
        "INSERT INTO rate_limits (key, tat) VALUES ($1, $2 + $3)
         ON CONFLICT (key) DO UPDATE SET tat = GREATEST(rate_limits.tat, $2) + $3
         WHERE GREATEST(rate_limits.tat, $2) - $2 <= $4
         RETURNING tat",
    )
    .bind(&limit.key)
    .bind(limit.now)
    .bind(limit.interval_ms)
    .bind(tolerance)
    .fetch_optional(&mut **tx)
    .await?;
    if allowed.is_some() {
        return Ok(());
    }
    let tat: i64 =
        sqlx::query_scalar("SELECT tat FROM rate_limits WHERE key = $1").bind(&limit.key).fetch_one(&mut **tx).await?;
    Err(StoreError::RateLimited {
        key: limit.key.clone(),
        retry_after_ms: (tat.max(limit.now) - limit.now - tolerance).max(1),
    })
}

async fn find_user(tx: &mut Tx, identifier: &Identifier) -> Result<Option<(String, bool)>, sqlx::Error> {
    let sql = match identifier {
        Identifier::Email(_) => "SELECT id, disabled_at FROM users WHERE email = $1",
        Identifier::Phone(_) => "SELECT id, disabled_at FROM users WHERE phone = $1",
    };
    let row = sqlx::query(sql).bind(identifier.as_str()).fetch_optional(&mut **tx).await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get::<Option<i64>, _>(1)?.is_some()))).transpose()
}

/// A request with its code hash and purpose, locked until the transaction ends.
async fn lock_request(tx: &mut Tx, id: &str) -> Result<Option<(AuthRequest, Vec<u8>, String)>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        auth_columns!(),
        ", code_hash, purpose FROM auth_requests WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| Ok((auth_request_from_row(&r)?, r.try_get(17)?, r.try_get(18)?))).transpose()
}

/// The one statement that spends a pending request.
async fn spend(tx: &mut Tx, id: &str, to: AuthState, now: i64) -> Result<bool, sqlx::Error> {
    let query = match to {
        AuthState::Dead => {
            sqlx::query("UPDATE auth_requests SET state = 'dead' WHERE id = $1 AND state = 'pending'").bind(id)
        }
        AuthState::Approved => sqlx::query(
            "UPDATE auth_requests SET state = 'approved', approved_at = $2 WHERE id = $1 AND state = 'pending'",
        )
        .bind(id)
        .bind(now),
        AuthState::Consumed | AuthState::Pending => sqlx::query(
            "UPDATE auth_requests SET state = 'consumed', consumed_at = $2 WHERE id = $1 AND state = 'pending'",
        )
        .bind(id)
        .bind(now),
    };
    Ok(query.execute(&mut **tx).await?.rows_affected() == 1)
}

impl PgStore {
    async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.pool.begin().await?)
    }
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn server_key(&self, now: i64) -> Result<[u8; 32], StoreError> {
        let candidate = crypto::random_key();
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_at) VALUES ('hmac', $1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&candidate[..])
        .bind(now)
        .execute(&self.pool)
        .await?;
        let value: Vec<u8> =
            sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = 'hmac'").fetch_one(&self.pool).await?;
        value.try_into().map_err(|_| StoreError::Other(anyhow::anyhow!("the stored server key has the wrong length")))
    }

    async fn start_auth_request(
        &self,
        new: NewAuthRequest,
        message: NewMessage,
        signup_open: bool,
        limits: Vec<RateLimit>,
    ) -> Result<Option<OutboxMessage>, StoreError> {
        // Without rate limits the start is one statement in its own implicit transaction:
        // one round trip instead of five.
        if limits.is_empty() {
            let row = start_statement(&new, &message, signup_open).fetch_optional(&self.pool).await?;
            return Ok(row.map(|r| outbox_from_row(&r)).transpose()?);
        }
        let mut tx = self.begin().await?;
        for limit in &limits {
            hit_rate_limit(&mut tx, limit).await?;
        }
        let row = start_statement(&new, &message, signup_open).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row.map(|r| outbox_from_row(&r)).transpose()?)
    }

    async fn auth_request(&self, id: &str) -> Result<Option<AuthRequest>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            auth_columns!(),
            " FROM auth_requests WHERE id = $1 AND purpose = 'signin'"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| auth_request_from_row(&r)).transpose()?)
    }

    async fn rotate_auth_request(
        &self,
        id: &str,
        s: RotatedSecrets,
        message: NewMessage,
        signup_open: bool,
        limits: Vec<RateLimit>,
    ) -> Result<Rotation, StoreError> {
        let mut tx = self.begin().await?;
        let Some((req, _, _)) = lock_request(&mut tx, id).await? else { return Ok(Rotation::Refused) };
        let user = find_user(&mut tx, &req.identifier).await?;
        let deliver = rules::may_sign_in(user.as_ref(), signup_open);
        let (code_hash, token_hash) =
            if deliver { (s.code_hash, s.token_hash) } else { (rules::unusable_hash(), rules::unusable_hash()) };
        // The failed-attempt count is deliberately left alone.
        let rotated = sqlx::query(
            "UPDATE auth_requests SET code_hash = $2, token_hash = $3, expires_at = $4, last_sent_at = $5,
                 send_count = send_count + 1
             WHERE id = $1 AND state = 'pending' AND expires_at > $5",
        )
        .bind(id)
        .bind(&code_hash[..])
        .bind(&token_hash[..])
        .bind(s.expires_at)
        .bind(s.now)
        .execute(&mut *tx)
        .await?;
        if rotated.rows_affected() != 1 {
            return Ok(Rotation::Refused);
        }
        for limit in &limits {
            hit_rate_limit(&mut tx, limit).await?;
        }
        let user_id = user.map(|(id, _)| id);
        let message = insert_message(&mut tx, &message, user_id.as_deref(), deliver).await?;
        tx.commit().await?;
        Ok(Rotation::Rotated { message })
    }

    async fn redeem_code(&self, r: RedeemCode) -> Result<CodeOutcome, StoreError> {
        let mut tx = self.begin().await?;
        let Some((req, code_hash, purpose)) = lock_request(&mut tx, &r.request_id).await? else {
            return Ok(CodeOutcome::Invalid);
        };
        let holder = holder(&mut tx, &req.identifier).await?;
        let outcome = match rules::decide_code(&req, &purpose, &code_hash, &holder, &r) {
            CodeStep::Done(outcome) => return Ok(outcome),
            CodeStep::Wrong { failed, state, failures, locked_until, outcome } => {
                sqlx::query("UPDATE auth_requests SET failed_attempts = $2, state = $3 WHERE id = $1")
                    .bind(&req.id)
                    .bind(i32::try_from(failed).unwrap_or(i32::MAX))
                    .bind(state.as_str())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO code_failures (identifier, failed_count, locked_until, updated_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (identifier) DO UPDATE SET failed_count = excluded.failed_count,
                         locked_until = excluded.locked_until, updated_at = excluded.updated_at",
                )
                .bind(req.identifier.as_str())
                .bind(i32::try_from(failures).unwrap_or(i32::MAX))
                .bind(locked_until)
                .bind(r.now)
                .execute(&mut *tx)
                .await?;
                outcome
            }
            CodeStep::Consume => {
                if !spend(&mut tx, &req.id, AuthState::Consumed, r.now).await? {
                    return Ok(CodeOutcome::Invalid);
                }
                CodeOutcome::SignedIn(
                    sign_in(&mut tx, &req.id, &req.identifier, req.redirect_to.clone(), &r.session).await?,
                )
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn redeem_link(&self, r: RedeemLink) -> Result<LinkOutcome, StoreError> {
        let mut tx = self.begin().await?;
        let Some((req, _, purpose)) = lock_request(&mut tx, &r.request_id).await? else {
            return Ok(LinkOutcome::Invalid);
        };
        let account = find_user(&mut tx, &req.identifier).await?;
        let outcome = match rules::decide_link(&req, &purpose, account.as_ref(), &r) {
            LinkStep::Done(outcome) => return Ok(outcome),
            LinkStep::Kill => {
                spend(&mut tx, &req.id, AuthState::Dead, r.now).await?;
                LinkOutcome::WrongNumber
            }
            LinkStep::Approve => {
                if spend(&mut tx, &req.id, AuthState::Approved, r.now).await? {
                    LinkOutcome::Approved
                } else {
                    LinkOutcome::Invalid
                }
            }
            LinkStep::SignInHere => {
                let LinkAction::SignInHere(session) = &r.action else { return Ok(LinkOutcome::Invalid) };
                if !spend(&mut tx, &req.id, AuthState::Consumed, r.now).await? {
                    return Ok(LinkOutcome::Invalid);
                }
                LinkOutcome::SignedIn(
                    sign_in(&mut tx, &req.id, &req.identifier, req.redirect_to.clone(), session).await?,
                )
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn claim_approved(&self, id: &str, session: NewSession, now: i64) -> Result<Option<SignedIn>, StoreError> {
        let mut tx = self.begin().await?;
        let claimed = sqlx::query(
            "UPDATE auth_requests SET state = 'consumed', consumed_at = $2
             WHERE id = $1 AND state = 'approved' AND expires_at > $2
             RETURNING identifier_kind, identifier, redirect_to",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = claimed else { return Ok(None) };
        let identifier = Identifier::from_db(row.try_get(0)?, row.try_get(1)?).ok_or_else(|| bad("identifier"))?;
        let signed_in = sign_in(&mut tx, id, &identifier, row.try_get(2)?, &session).await?;
        tx.commit().await?;
        Ok(Some(signed_in))
    }

    async fn session(&self, id: &str, now: i64) -> Result<Option<(Session, User)>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            ", u.id, u.email, u.phone, u.created_at, u.disabled_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
               AND s.idle_expires_at > $2 AND u.disabled_at IS NULL"
        ))
        .bind(id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| Ok::<_, sqlx::Error>((session_from_row(&r)?, user_from_row(&r, 9)?))).transpose()?)
    }

    async fn touch_session(&self, id: &str, now: i64, idle_expires_at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .bind(idle_expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn list_sessions(&self, user_id: &str, now: i64) -> Result<Vec<Session>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions s
             WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.idle_expires_at > $2
             ORDER BY s.created_at DESC"
        ))
        .bind(user_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(session_from_row).collect::<Result<_, _>>()?)
    }

    async fn revoke_session(&self, user_id: &str, session_id: &str, now: i64) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
                .bind(session_id)
                .bind(user_id)
                .bind(now)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn revoke_sessions(&self, user_id: &str, keep: Option<&str>, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $3
             WHERE user_id = $1 AND revoked_at IS NULL AND ($2::TEXT IS NULL OR id <> $2)",
        )
        .bind(user_id)
        .bind(keep)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn claim_outbox(&self, now: i64, lease_ms: i64, limit: usize) -> Result<Vec<OutboxMessage>, StoreError> {
        let mut tx = self.begin().await?;
        // SKIP LOCKED: instances claiming at the same moment take different messages
        // instead of waiting for each other. Due order comes from the partial index.
        let due = sqlx::query(
            "SELECT seq, expires_at FROM outbox
             WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1
               AND (status = 'queued' OR lease_until <= $1)
             ORDER BY next_attempt_at LIMIT $2
             FOR UPDATE SKIP LOCKED",
        )
        .bind(now)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        let mut live = Vec::with_capacity(due.len());
        let mut expired = Vec::new();
        for row in &due {
            let (seq, expires_at): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            if expires_at <= now { expired.push(seq) } else { live.push(seq) }
        }
        if !expired.is_empty() {
            // A message whose secret has expired is never sent late.
            sqlx::query(
                "UPDATE outbox SET status = 'failed', last_error = 'expired before delivery', lease_until = NULL,
                     payload = ''
                 WHERE seq = ANY($1)",
            )
            .bind(&expired)
            .execute(&mut *tx)
            .await?;
        }
        let rows = sqlx::query(concat!(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = $2
             WHERE seq = ANY($1)
             RETURNING ",
            outbox_columns!()
        ))
        .bind(&live)
        .bind(now + lease_ms)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut messages = rows.iter().map(outbox_from_row).collect::<Result<Vec<_>, _>>()?;
        messages.sort_by_key(|m| m.seq);
        Ok(messages)
    }

    async fn finish_outbox(&self, results: Vec<DeliveryResult>, now: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // Every delivered message of the batch in one statement (the common case); retries
        // and failures, which are rare, one by one.
        let (mut seqs, mut providers, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for r in &results {
            if let DeliveryStatus::Sent { provider, provider_message_id } = &r.status {
                seqs.push(r.seq);
                providers.push(provider.as_str());
                ids.push(provider_message_id.as_deref());
            }
        }
        if !seqs.is_empty() {
            sqlx::query(
                "UPDATE outbox o SET status = 'sent', sent_at = $2, provider = v.provider,
                     provider_message_id = v.message_id, lease_until = NULL, last_error = NULL,
                     payload = CASE WHEN v.provider = 'dev' THEN o.payload ELSE '' END
                 FROM UNNEST($1::BIGINT[], $3::TEXT[], $4::TEXT[]) AS v(seq, provider, message_id)
                 WHERE o.seq = v.seq",
            )
            .bind(&seqs)
            .bind(now)
            .bind(&providers)
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        }
        for r in &results {
            match &r.status {
                DeliveryStatus::Sent { .. } => {}
                DeliveryStatus::Retry { error, next_attempt_at } => {
                    sqlx::query(
                        "UPDATE outbox SET status = 'queued', next_attempt_at = $2, last_error = $3, lease_until = NULL
                         WHERE seq = $1",
                    )
                    .bind(r.seq)
                    .bind(next_attempt_at)
                    .bind(error)
                    .execute(&mut *tx)
                    .await?;
                }
                DeliveryStatus::Failed { error } => {
                    sqlx::query(
                        "UPDATE outbox SET status = 'failed', last_error = $2, lease_until = NULL, payload = '' WHERE seq = $1",
                    )
                    .bind(r.seq)
                    .bind(error)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn cleanup(&self, now: i64, batch: usize) -> Result<u64, StoreError> {
        let batch = i64::try_from(batch).unwrap_or(i64::MAX);
        let mut deleted = 0;
        // Each statement commits on its own: short transactions, no long locks.
        deleted += sqlx::query(
            "DELETE FROM auth_requests WHERE id IN (SELECT id FROM auth_requests WHERE expires_at < $1 LIMIT $2)",
        )
        .bind(now)
        .bind(batch)
        .execute(&self.pool)
        .await?
        .rows_affected();
        deleted += sqlx::query(
            "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions
             WHERE expires_at < $1 OR idle_expires_at < $1 OR revoked_at < $1 LIMIT $2)",
        )
        .bind(now)
        .bind(batch)
        .execute(&self.pool)
        .await?
        .rows_affected();
        deleted += sqlx::query(
            "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox
             WHERE status IN ('sent', 'failed', 'suppressed') AND created_at < $1 LIMIT $2)",
        )
        .bind(now - RETENTION_MS)
        .bind(batch)
        .execute(&self.pool)
        .await?
        .rows_affected();
        // A run of wrong codes is forgotten a retention period after its last failure,
        // once no lock is running.
        deleted += sqlx::query(
            "DELETE FROM code_failures WHERE identifier IN (SELECT identifier FROM code_failures
             WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $2) LIMIT $3)",
        )
        .bind(now - RETENTION_MS)
        .bind(now)
        .bind(batch)
        .execute(&self.pool)
        .await?
        .rows_affected();
        deleted +=
            sqlx::query("DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE tat < $1 LIMIT $2)")
                .bind(now)
                .bind(batch)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(deleted)
    }

    async fn dev_inbox(&self, recipient: Option<String>, limit: usize) -> Result<Vec<OutboxMessage>, StoreError> {
        // Two statements rather than `($1 IS NULL OR recipient = $1)`: a prepared statement
        // gets a generic plan, and for that OR the generic plan scans the whole outbox.
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let query = match &recipient {
            Some(to) => sqlx::query(concat!(
                "SELECT ",
                outbox_columns!(),
                " FROM outbox WHERE recipient = $1 AND status = 'sent' AND provider = 'dev'
                 ORDER BY seq DESC LIMIT $2"
            ))
            .bind(to)
            .bind(limit),
            None => sqlx::query(concat!(
                "SELECT ",
                outbox_columns!(),
                " FROM outbox WHERE status = 'sent' AND provider = 'dev' ORDER BY seq DESC LIMIT $1"
            ))
            .bind(limit),
        };
        let rows = query.fetch_all(&self.pool).await?;
        Ok(rows.iter().map(outbox_from_row).collect::<Result<_, _>>()?)
    }
}
