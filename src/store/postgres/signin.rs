//! Auth requests: start, resend and redemption, each one transaction (a right code or link
//! that signs in: one statement, after a read without a lock; see `sign_in_unlocked`).

use async_trait::async_trait;
use sqlx::PgConnection;
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::accounts::{
    account_by_id, account_columns, account_from_row_at, claim, create_unverified, end_failures, kill_secrets,
    queue_notice, set_password, store_failures,
};
use super::audit;
use super::outbox::{bind_message, insert_message, outbox_columns, outbox_from_row};
use super::sessions::{insert_session, opened, revoke_all};
use super::{PgQuery, PgStore, Tx, user_from_row};
use crate::crypto;
use crate::domain::{Channel, Identifier};
use crate::store::rules::{self, CodeStep, Holder, LinkStep};
use crate::store::{
    Actor, AuthRequest, AuthState, CodeOutcome, Effect, EventType, LinkAction, LinkOutcome, NewAuthRequest, NewMessage,
    NewSession, OutboxMessage, PasswordWasReset, Purpose, RateLimit, RedeemCode, RedeemLink, Redeemed, RotatedSecrets,
    Rotation, SignInStore, SignUpDetails, SignedIn, StoreError, User,
};

macro_rules! auth_columns {
    () => {
        "id, identifier_kind, identifier, user_id, channel, device_hash, match_number, redirect_to, state, \
         failed_attempts, requester_ip, requester_agent, created_at, last_sent_at, expires_at, token_hash, locale, \
         purpose, link_base, app_state"
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
        purpose: Purpose::from_db(row.try_get::<&str, _>(17)?).ok_or_else(|| bad("purpose"))?,
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
        link_base: row.try_get(18)?,
        app_state: row.try_get(19)?,
    })
}

/// Creates the user of a verified identifier, or marks it verified; the locale the request
/// named becomes the account's. `RETURNING` the user's columns (`user_from_row`). `$when`
/// ends the row's `SELECT`: a condition, or nothing.
macro_rules! upsert_verified {
    ($column:literal, $verified:literal, $when:literal) => {
        concat!(
            "INSERT INTO users (id, ",
            $column,
            ", ",
            $verified,
            ", created_at, updated_at, locale)
             SELECT $1, $2, $3, $3, $3, (SELECT locale FROM auth_requests WHERE id = $4) ",
            $when,
            "
             ON CONFLICT (",
            $column,
            ") DO UPDATE SET
                 ",
            $verified,
            " = COALESCE(users.",
            $verified,
            ", excluded.",
            $verified,
            "),
                 updated_at = excluded.updated_at,
                 locale = COALESCE(excluded.locale, users.locale)
             RETURNING id, email, phone, created_at, disabled_at"
        )
    };
}

async fn upsert_verified_user(
    tx: &mut Tx,
    identifier: &Identifier,
    request_id: &str,
    now: i64,
) -> Result<User, sqlx::Error> {
    let sql = match identifier {
        Identifier::Email(_) => upsert_verified!("email", "email_verified_at", ""),
        Identifier::Phone(_) => upsert_verified!("phone", "phone_verified_at", ""),
    };
    let row = bind_upsert(sql, identifier, now, request_id).fetch_one(&mut **tx).await?;
    user_from_row(&row, 0)
}

/// `upsert_verified!`'s parameters, `$1`–`$4`: the id a new account gets, the identifier,
/// the time, the request whose locale the account takes.
fn bind_upsert<'q>(sql: &'static str, identifier: &'q Identifier, now: i64, request_id: &'q str) -> PgQuery<'q> {
    sqlx::query(sql).bind(crypto::new_id()).bind(identifier.as_str()).bind(now).bind(request_id)
}

/// A whole sign-in in one round trip (issue 15, item 7: the verify's round trips): the
/// request spent when `$18` (its `WHERE state = 'pending'` still guards it, and so does its
/// version `$22` when given: nothing else is written when the spend matched nothing), the
/// identifier's run of wrong codes ended when `$19`, the session it replaces (`$20`, `$21`)
/// revoked, `upsert_verified!`, the new session, and the audit events (`audit::bind_events`
/// at `$11`; an event without a user is the account's).
macro_rules! sign_in_sql {
    ($column:literal, $verified:literal) => {
        concat!(
            "WITH spent AS (UPDATE auth_requests SET state = 'consumed', consumed_at = $3, details = NULL
                            WHERE $18 AND id = $4 AND state = 'pending'
                                  AND ($22::text IS NULL OR xmin::text = $22) RETURNING 1),
             cleared AS (DELETE FROM auth_failures
                         WHERE $19 AND identifier = $2 AND (NOT $18 OR EXISTS (SELECT 1 FROM spent))),
             replaced AS (UPDATE sessions SET revoked_at = $3
                          WHERE id = $20 AND token_hash = $21 AND revoked_at IS NULL
                                AND (NOT $18 OR EXISTS (SELECT 1 FROM spent))),
             u AS (",
            upsert_verified!($column, $verified, "WHERE NOT $18 OR EXISTS (SELECT 1 FROM spent)"),
            "),
             s AS (INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at,
                                         expires_at, ip, user_agent)
                   SELECT $5, $6, u.id, $3, $3, $7, $8, $9, $10 FROM u),
             a AS (INSERT INTO audit_events (type, user_id, details, dedupe_key, ip, user_agent, api_key, created_at)
                   SELECT e.t, COALESCE(e.uid, u.id), e.d, e.k, $15, $16, $17, $3
                   FROM u, UNNEST($11::text[], $12::text[], $13::text[], $14::text[]) AS e(t, uid, d, k)
                   ON CONFLICT (dedupe_key) DO NOTHING)
             SELECT id, email, phone, created_at, disabled_at FROM u"
        )
    };
}

/// How a sign-in treats the request and the identifier's failures.
struct SignInOf<'a> {
    request_id: &'a str,
    identifier: &'a Identifier,
    redirect_to: String,
    /// Spend the request (pending → consumed) in the same statement.
    spend: bool,
    /// The identifier has a run of wrong codes to end.
    had_failures: bool,
    /// Spend only this version of the request (its `xmin`, read without a lock): see
    /// `sign_in_unlocked`.
    version: Option<&'a str>,
}

/// Signs in the account of a request, creating it if needed, and writes `events`; `None`
/// when the request was to be spent and was not pending any more (nothing was written).
async fn sign_in(
    conn: &mut PgConnection,
    of: SignInOf<'_>,
    s: &NewSession,
    actor: &Actor,
    events: &[crate::store::Event],
) -> Result<Option<SignedIn>, sqlx::Error> {
    let sql = match of.identifier {
        Identifier::Email(_) => sign_in_sql!("email", "email_verified_at"),
        Identifier::Phone(_) => sign_in_sql!("phone", "phone_verified_at"),
    };
    let query = bind_upsert(sql, of.identifier, s.created_at, of.request_id)
        .bind(&s.id)
        .bind(&s.token_hash[..])
        .bind(s.idle_expires_at)
        .bind(s.expires_at)
        .bind(&s.ip)
        .bind(&s.user_agent);
    let replaced = s.replaces.as_ref();
    let row = audit::bind_events(query, actor, events)
        .bind(of.spend)
        .bind(of.had_failures)
        .bind(replaced.map(|r| r.id.as_str()))
        .bind(replaced.map(|r| &r.token_hash[..]))
        .bind(of.version)
        .fetch_optional(conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let user = user_from_row(&row, 0)?;
    let session = opened(&user.id, s);
    Ok(Some(SignedIn { user, session, redirect_to: of.redirect_to }))
}

/// Records a request and queues its message in one statement: the account lookup, the
/// decision (`rules::may_sign_in`, written here in SQL: an enabled account, or no account
/// and `$26` = sign-up open), both inserts. A request that may not sign in gets the
/// unusable hashes `$27`/`$28` and a `suppressed` message: the same rows as any other.
/// `$29` is the request's purpose. The identifier's live requests of that purpose die
/// (`killed`): one live secret per identifier and purpose. Returns the message to hand
/// off, if any.
macro_rules! start_sql {
    ($column:literal) => {
        concat!(
            "WITH u AS (SELECT id, disabled_at, locale FROM users WHERE ",
            $column,
            " = $3),
             ok AS (SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN EXISTS (SELECT 1 FROM u WHERE disabled_at IS NULL)
                                ELSE $26 END AS deliver),
             killed AS (
                 UPDATE auth_requests SET state = 'dead'
                 WHERE identifier = $3 AND purpose = $29 AND state IN ('pending', 'approved')),
             killed_for_account AS (
                 UPDATE auth_requests SET state = 'dead'
                 WHERE user_id = (SELECT id FROM u) AND purpose = $29 AND state IN ('pending', 'approved')),
             req AS (
                 INSERT INTO auth_requests (id, purpose, identifier_kind, identifier, user_id, channel, code_hash,
                     token_hash, device_hash, match_number, redirect_to, locale, state, requester_ip,
                     requester_agent, created_at, last_sent_at, expires_at)
                 SELECT $1, $29, $2, $3, (SELECT id FROM u), $4,
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
        .bind(new.purpose.as_str())
}

/// GCRA for every limit of a unit of work in one statement (issue 15, item 7: one round trip
/// however many limits; the same rule as `rules::gcra`): a key's row moves on only while the
/// key is within its tolerance, and a key missing from the rows back is limited. The first
/// limited key in `limits`' order is reported, and the caller drops its transaction, which
/// takes back the other keys' updates: a refused unit of work consumes nothing. The keys
/// must be distinct (`rules::distinct_keys`: one `INSERT … ON CONFLICT` updates a row once).
pub(super) async fn hit_limits(tx: &mut Tx, limits: &[RateLimit]) -> Result<(), StoreError> {
    if limits.is_empty() {
        return Ok(());
    }
    rules::distinct_keys(limits)?;
    let keys: Vec<&str> = limits.iter().map(|l| l.key.as_str()).collect();
    let allowed: Vec<String> = sqlx::query_scalar(
        "WITH l AS (SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
                    AS l(key, now, step, tolerance))
         INSERT INTO rate_limits (key, tat) SELECT key, now + step FROM l
         ON CONFLICT (key) DO UPDATE
             SET tat = GREATEST(rate_limits.tat, (SELECT now FROM l WHERE l.key = excluded.key))
                       + (SELECT step FROM l WHERE l.key = excluded.key)
             WHERE GREATEST(rate_limits.tat, (SELECT now FROM l WHERE l.key = excluded.key))
                   - (SELECT now FROM l WHERE l.key = excluded.key)
                   <= (SELECT tolerance FROM l WHERE l.key = excluded.key)
         RETURNING key",
    )
    .bind(&keys)
    .bind(limits.iter().map(|l| l.now).collect::<Vec<_>>())
    .bind(limits.iter().map(|l| l.interval_ms).collect::<Vec<_>>())
    .bind(limits.iter().map(rules::tolerance).collect::<Vec<_>>())
    .fetch_all(&mut **tx)
    .await?;
    let Some(limited) = limits.iter().find(|l| !allowed.contains(&l.key)) else { return Ok(()) };
    let tat: i64 = sqlx::query_scalar("SELECT tat FROM rate_limits WHERE key = $1")
        .bind(&limited.key)
        .fetch_one(&mut **tx)
        .await?;
    Err(StoreError::RateLimited {
        key: limited.key.clone(),
        retry_after_ms: (tat.max(limited.now) - limited.now - rules::tolerance(limited)).max(1),
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

/// A request fetched for redemption (locked for this transaction by `lock_request`, or read
/// without a lock by `sign_in_unlocked`), with its code hash, a sign-up's details, its
/// version, and what the store knows of its identifier: the account holding it and its run
/// of wrong codes.
struct Fetched {
    req: AuthRequest,
    code_hash: Vec<u8>,
    details: Option<String>,
    /// The row version read (`xmin`).
    version: String,
    account: Option<crate::store::Account>,
    holder: Holder,
}

impl Fetched {
    fn details(&self) -> Result<Option<SignUpDetails>, StoreError> {
        self.details
            .as_deref()
            .map(|j| {
                serde_json::from_str(j)
                    .map_err(|e| StoreError::Other(anyhow::anyhow!("bad details in auth_requests: {e}")))
            })
            .transpose()
    }
}

/// A request, its code hash, details and version (`xmin` as text: a type sqlx does not know
/// costs a catalogue query on every new connection), whether that version is the one the
/// statement's snapshot saw, its identifier's run of wrong codes and account; `$lock` is
/// `FOR UPDATE` or nothing.
macro_rules! request_sql {
    ($lock:literal) => {
        concat!(
            "WITH seen AS (SELECT xmin::text AS v FROM auth_requests WHERE id = $1),
                  r AS (SELECT ",
            auth_columns!(),
            ", code_hash, details, xmin::text AS v FROM auth_requests WHERE id = $1 ",
            $lock,
            ")
             SELECT r.*, r.v = seen.v, f.failed_count, f.locked_until, u.*
             FROM r LEFT JOIN seen ON TRUE
             LEFT JOIN auth_failures f ON f.identifier = r.identifier
             LEFT JOIN LATERAL (
                 SELECT ",
            account_columns!(),
            " FROM users WHERE r.identifier_kind = 'email' AND email = r.identifier
                 UNION ALL SELECT ",
            account_columns!(),
            " FROM users WHERE r.identifier_kind = 'phone' AND phone = r.identifier) u ON TRUE"
        )
    };
}

/// `request_sql!`'s row: `None` when the version read is not the snapshot's.
fn request_from_row(row: &PgRow) -> Result<Option<Fetched>, StoreError> {
    // The columns after the request's 20: its code hash, details and version.
    const VERSION: usize = 22;
    const FRESH: usize = VERSION + 1;
    const ACCOUNT: usize = FRESH + 3;
    if row.try_get::<Option<bool>, _>(FRESH)? != Some(true) {
        return Ok(None);
    }
    let account = match row.try_get::<Option<String>, _>(ACCOUNT)? {
        Some(_) => Some(account_from_row_at(row, ACCOUNT)?),
        None => None,
    };
    let holder = Holder {
        account: account.as_ref().map(|a| (a.id.clone(), a.disabled)),
        failures: row.try_get::<Option<i32>, _>(FRESH + 1)?.map_or(0, i64::from),
        locked_until: row.try_get(FRESH + 2)?,
    };
    Ok(Some(Fetched {
        req: auth_request_from_row(row)?,
        code_hash: row.try_get(20)?,
        details: row.try_get(21)?,
        version: row.try_get(VERSION)?,
        account,
        holder,
    }))
}

/// Locks a request and reads its identifier's account and run of wrong codes in one round
/// trip (issue 15, item 7: the verify's round trips).
///
/// The account and the failure count are read with the statement's snapshot, taken before
/// the lock was granted. Concurrent wrong codes must all be counted (OWASP Authentication
/// Cheat Sheet: account lockout; a lost count would give an attacker free guesses): codes
/// of one request queue on the request's row lock, and every transaction that writes the
/// identifier's failures under that lock also updates the request's row (the wrong-code
/// count, the spend, a rotation). An identifier has only one live request per purpose (a
/// new start kills the older ones; starts for one identifier queue on its rate-limit row).
/// So the snapshot is current unless the row we locked is a newer version than the one the
/// snapshot saw (`xmin` differs): then another transaction committed while we waited, and
/// the read is repeated — now holding the lock, with a snapshot that sees that commit.
async fn lock_request(tx: &mut Tx, id: &str) -> Result<Option<Fetched>, StoreError> {
    for _ in 0..2 {
        let Some(row) = sqlx::query(request_sql!("FOR UPDATE")).bind(id).fetch_optional(&mut **tx).await? else {
            return Ok(None);
        };
        if let Some(locked) = request_from_row(&row)? {
            return Ok(Some(locked));
        }
    }
    // Holding the lock, the second read's snapshot sees the row it locked.
    Err(StoreError::Other(anyhow::anyhow!("auth request {id} changed under its row lock")))
}

/// The one statement that spends a pending request.
async fn spend(tx: &mut Tx, id: &str, to: AuthState, now: i64) -> Result<bool, sqlx::Error> {
    let query = match to {
        AuthState::Dead => {
            sqlx::query("UPDATE auth_requests SET state = 'dead', details = NULL WHERE id = $1 AND state = 'pending'")
                .bind(id)
        }
        AuthState::Approved => sqlx::query(
            "UPDATE auth_requests SET state = 'approved', approved_at = $2 WHERE id = $1 AND state = 'pending'",
        )
        .bind(id)
        .bind(now),
        AuthState::Consumed | AuthState::Pending => sqlx::query(
            "UPDATE auth_requests SET state = 'consumed', consumed_at = $2, details = NULL
             WHERE id = $1 AND state = 'pending'",
        )
        .bind(id)
        .bind(now),
    };
    Ok(query.execute(&mut **tx).await?.rows_affected() == 1)
}

/// Starts a request of any purpose by `rules::may_start`, inside `tx` (the sign-in start
/// without rate limits is `start_statement`, the same rule in one statement).
async fn start_in_tx(
    tx: &mut Tx,
    new: &NewAuthRequest,
    message: &NewMessage,
    signup_open: bool,
    actor: &Actor,
) -> Result<Option<OutboxMessage>, StoreError> {
    // Starts for one identifier, and then for one account, queue on a transaction lock:
    // under READ COMMITTED, two concurrent starts would not see each other's request and
    // both would stay live ("a new one kills the old"). The sign-in start gets the same
    // order from its per-identifier rate-limit row.
    lock_key(tx, new.identifier.as_str()).await?;
    let user = find_user(tx, &new.identifier).await?;
    if let Some((id, _)) = &user {
        lock_key(tx, id).await?;
    }
    let deliver = rules::may_start(new.purpose, user.as_ref(), signup_open);
    let unusable = (rules::unusable_hash(), rules::unusable_hash());
    let (code_hash, token_hash) = if deliver { (&new.code_hash, &new.token_hash) } else { (&unusable.0, &unusable.1) };
    let mut user_id = new.user_id.clone().or_else(|| user.as_ref().map(|(id, _)| id.clone()));
    // A sign-up for an identifier nobody holds creates the account, unverified.
    if let (true, None, Some(details)) = (deliver, &user_id, &new.details) {
        user_id = Some(create_unverified(tx, &new.identifier, details, new.locale.as_deref(), new.created_at).await?);
    }
    // DESIGN.md: a new secret kills the old (issue 11).
    sqlx::query(
        "UPDATE auth_requests SET state = 'dead', details = NULL
         WHERE (identifier = $1 OR user_id = $3) AND purpose = $2 AND state IN ('pending', 'approved')",
    )
    .bind(new.identifier.as_str())
    .bind(new.purpose.as_str())
    .bind(&user_id)
    .execute(&mut **tx)
    .await?;
    let details = match (&new.details, deliver) {
        (Some(d), true) => Some(serde_json::to_string(d).map_err(anyhow::Error::from)?),
        _ => None,
    };
    sqlx::query(
        "INSERT INTO auth_requests (id, purpose, identifier_kind, identifier, user_id, channel, code_hash,
             token_hash, device_hash, match_number, redirect_to, locale, state, requester_ip,
             requester_agent, created_at, last_sent_at, expires_at, details, link_base, app_state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13, $14, $15, $15, $16, $17, $18, $19)",
    )
    .bind(&new.id)
    .bind(new.purpose.as_str())
    .bind(new.identifier.kind())
    .bind(new.identifier.as_str())
    .bind(&user_id)
    .bind(new.channel.as_str())
    .bind(&code_hash[..])
    .bind(&token_hash[..])
    .bind(&new.device_hash[..])
    .bind(i32::from(new.match_number))
    .bind(&new.redirect_to)
    .bind(&new.locale)
    .bind(&new.requester_ip)
    .bind(&new.requester_agent)
    .bind(new.created_at)
    .bind(new.expires_at)
    .bind(details)
    .bind(&new.link_base)
    .bind(&new.app_state)
    .execute(&mut **tx)
    .await?;
    if let Some(event) = crate::store::of_start(new.purpose, user_id.as_deref(), new.channel.as_str(), deliver) {
        audit::insert(&mut **tx, actor, new.created_at, &[event]).await?;
    }
    Ok(insert_message(tx, message, user_id.as_deref(), deliver).await?)
}

/// A transaction-scoped advisory lock on `key` (an identifier or an account id).
pub(super) async fn lock_key(tx: &mut Tx, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('postern start ' || $1, 0))")
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A sign-up's details, kept on its request until it is spent.
/// How a request was redeemed, and by whom (for the audit trail).
struct By<'a> {
    method: &'static str,
    actor: &'a Actor,
}

/// Spends a request and does what it does, by its effect (`rules` decided it may), with its
/// audit events; `None` when it was not pending any more (the caller drops the
/// transaction). `account`: the identifier's, read with the request's lock.
#[allow(clippy::too_many_arguments)]
async fn redeem(
    tx: &mut Tx,
    req: &AuthRequest,
    account: Option<crate::store::Account>,
    details: Option<SignUpDetails>,
    effect: &Effect,
    had_failures: bool,
    now: i64,
    by: By<'_>,
) -> Result<Option<Redeemed>, StoreError> {
    // A sign-in spends the request in its own statement; the other effects spend it first.
    let spent_by_sign_in = matches!(effect, Effect::SignIn(_));
    if !spent_by_sign_in && !spend(tx, &req.id, AuthState::Consumed, now).await? {
        return Ok(None);
    }
    // The first verification of an account nobody verified replaces what a squatter set.
    let claimed = account.as_ref().filter(|a| !a.any_verified());
    if let Some(account) = claimed {
        let details = details.as_ref().filter(|_| req.purpose == Purpose::SignUpVerification);
        claim(tx, account, &req.identifier, details, now).await?;
    }
    let (existed, claimed) = (account.is_some(), claimed.is_some());
    let redeemed = match effect {
        Effect::SignIn(session) => {
            // Its events are written by the statement that signs in (issue 15, item 7).
            let events = crate::store::of_sign_in(req, None, by.method, existed, claimed);
            let of = SignInOf {
                request_id: &req.id,
                identifier: &req.identifier,
                redirect_to: req.redirect_to.clone(),
                spend: true,
                had_failures,
                version: None,
            };
            return Ok(sign_in(tx, of, session, by.actor, &events).await?.map(Redeemed::SignedIn));
        }
        Effect::ResetPassword(reset) => {
            let account = account.ok_or_else(|| StoreError::Other(anyhow::anyhow!("reset without an account")))?;
            // The code or link proved control of the identifier it was sent to.
            let user = upsert_verified_user(tx, &req.identifier, &req.id, now).await?;
            set_password(tx, &user.id, &reset.password_hash, now).await?;
            // OWASP Forgot Password: a reset ends every session and every other secret.
            revoke_all(&mut **tx, &user.id, None, now).await?;
            kill_secrets(tx, &account).await?;
            end_failures(tx, &req.identifier).await?;
            let account = account_by_id(&mut **tx, &user.id).await?.unwrap_or(account);
            let notices = queue_notice(tx, &reset.notice, &account.identifiers(), &user.id).await?;
            let signed_in = match &reset.session {
                Some(session) => Some(SignedIn {
                    user: user.clone(),
                    session: insert_session(tx, &user.id, session).await?,
                    redirect_to: req.redirect_to.clone(),
                }),
                None => None,
            };
            Redeemed::PasswordReset(PasswordWasReset { user_id: user.id, signed_in, notices })
        }
        Effect::ChangeIdentifier { user_id, notice } => {
            let old = account_by_id(&mut **tx, user_id)
                .await?
                .ok_or_else(|| StoreError::Other(anyhow::anyhow!("identifier change without an account")))?;
            let sql = match req.identifier {
                Identifier::Email(_) => {
                    "UPDATE users SET email = $2, email_verified_at = $3, updated_at = $3 WHERE id = $1"
                }
                Identifier::Phone(_) => {
                    "UPDATE users SET phone = $2, phone_verified_at = $3, updated_at = $3 WHERE id = $1"
                }
            };
            sqlx::query(sql).bind(user_id).bind(req.identifier.as_str()).bind(now).execute(&mut **tx).await?;
            // The old address hears of the change (OWASP: notify on sensitive changes).
            let previous: Vec<Identifier> = old
                .identifiers()
                .into_iter()
                .filter(|i| i.kind() == req.identifier.kind() && i.as_str() != req.identifier.as_str())
                .collect();
            let notices = queue_notice(tx, notice, &previous, user_id).await?;
            Redeemed::IdentifierChanged { user_id: user_id.clone(), notices }
        }
        Effect::Identify => {
            let user = upsert_verified_user(tx, &req.identifier, &req.id, now).await?;
            if had_failures {
                end_failures(tx, &req.identifier).await?;
            }
            Redeemed::Identified { user, created: !existed, app_state: req.app_state.clone() }
        }
    };
    let events = crate::store::of_redeemed(req, &redeemed, by.method, existed, claimed);
    audit::insert(&mut **tx, by.actor, now, &events).await?;
    Ok(Some(redeemed))
}

/// What `sign_in_unlocked` did.
enum Unlocked {
    /// There is no such request.
    Missing,
    SignedIn(SignedIn),
    /// Take the locked path.
    Locked,
}

/// A right code or link that signs in, in two round trips and no transaction (issue 15,
/// item 7: it was BEGIN, lock, sign-in, COMMIT): the request is read without a lock
/// (`request_sql!`), `decides_sign_in` asks `rules` as the locked path does, and the sign-in
/// statement spends the request only if its row is still the version that was read
/// (`xmin`), in the same statement as everything else the sign-in writes. So the decision
/// stands on exactly the state a lock would have shown: any change to the request since the
/// read (a wrong code counted, a resend, a spend, a kill) makes the spend match nothing,
/// nothing is written, and the locked path decides again. It answers `Locked` for that
/// change, for any decision other than a sign-in (wrong codes are counted under the lock:
/// OWASP account lockout), and for an account whose first verification replaces what a
/// squatter set (`claim`).
async fn sign_in_unlocked(
    store: &PgStore,
    id: &str,
    session: &NewSession,
    method: &str,
    actor: &Actor,
    decides_sign_in: impl FnOnce(&Fetched) -> bool,
) -> Result<Unlocked, StoreError> {
    let mut conn = store.pool.acquire().await?;
    let Some(row) = sqlx::query(request_sql!("")).bind(id).fetch_optional(&mut *conn).await? else {
        return Ok(Unlocked::Missing);
    };
    let Some(read) = request_from_row(&row)? else { return Ok(Unlocked::Locked) };
    if read.account.as_ref().is_some_and(|a| !a.any_verified()) || !decides_sign_in(&read) {
        return Ok(Unlocked::Locked);
    }
    let req = &read.req;
    let events = crate::store::of_sign_in(req, None, method, read.account.is_some(), false);
    let of = SignInOf {
        request_id: &req.id,
        identifier: &req.identifier,
        redirect_to: req.redirect_to.clone(),
        spend: true,
        had_failures: read.holder.has_failures(),
        version: Some(&read.version),
    };
    let Some(signed_in) = sign_in(&mut conn, of, session, actor, &events).await? else { return Ok(Unlocked::Locked) };
    drop(conn);
    if session.replaces.is_some() {
        store.settle().await;
    }
    Ok(Unlocked::SignedIn(signed_in))
}

#[async_trait]
impl SignInStore for PgStore {
    async fn start_auth_request(
        &self,
        new: NewAuthRequest,
        message: NewMessage,
        signup_open: bool,
        limits: Vec<RateLimit>,
        actor: &Actor,
    ) -> Result<Option<OutboxMessage>, StoreError> {
        if new.purpose != Purpose::SignIn {
            let mut tx = self.begin().await?;
            hit_limits(&mut tx, &limits).await?;
            let queued = start_in_tx(&mut tx, &new, &message, signup_open, actor).await?;
            tx.commit().await?;
            return Ok(queued);
        }
        // Without rate limits the start is one statement in its own implicit transaction:
        // one round trip instead of five.
        if limits.is_empty() {
            let row = start_statement(&new, &message, signup_open).fetch_optional(&self.pool).await?;
            return Ok(row.map(|r| outbox_from_row(&r)).transpose()?);
        }
        let mut tx = self.begin().await?;
        hit_limits(&mut tx, &limits).await?;
        let row = start_statement(&new, &message, signup_open).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row.map(|r| outbox_from_row(&r)).transpose()?)
    }

    async fn auth_request(&self, id: &str) -> Result<Option<AuthRequest>, StoreError> {
        let row = sqlx::query(concat!("SELECT ", auth_columns!(), " FROM auth_requests WHERE id = $1"))
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
        let Some(locked) = lock_request(&mut tx, id).await? else { return Ok(Rotation::Refused) };
        let (req, has_details, user) = (locked.req, locked.details.is_some(), locked.holder.account);
        let deliver = rules::may_rotate(req.purpose, user.as_ref(), signup_open, has_details);
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
        hit_limits(&mut tx, &limits).await?;
        let user_id = req.user_id.clone().or_else(|| user.map(|(id, _)| id));
        let message = insert_message(&mut tx, &message, user_id.as_deref(), deliver).await?;
        tx.commit().await?;
        Ok(Rotation::Rotated { message })
    }

    async fn redeem_code(&self, r: RedeemCode, actor: &Actor) -> Result<CodeOutcome, StoreError> {
        if let Effect::SignIn(session) = &r.effect {
            let right = |read: &Fetched| {
                matches!(rules::decide_code(&read.req, &read.code_hash, &read.holder, &r), CodeStep::Consume)
            };
            match sign_in_unlocked(self, &r.request_id, session, "code", actor, right).await? {
                Unlocked::Missing => return Ok(CodeOutcome::Invalid),
                Unlocked::SignedIn(signed_in) => return Ok(CodeOutcome::Redeemed(Redeemed::SignedIn(signed_in))),
                Unlocked::Locked => {}
            }
        }
        let mut tx = self.begin().await?;
        let Some(mut locked) = lock_request(&mut tx, &r.request_id).await? else {
            return Ok(CodeOutcome::Invalid);
        };
        let account = locked.account.take();
        let (req, code_hash, holder) = (&locked.req, &locked.code_hash, &locked.holder);
        let user_id = holder.account.as_ref().map(|(id, _)| id.as_str()).or(req.user_id.as_deref());
        let outcome = match rules::decide_code(req, code_hash, holder, &r) {
            CodeStep::Done(outcome) => outcome,
            CodeStep::Wrong { failed, state, failures, locked_until, outcome } => {
                sqlx::query("UPDATE auth_requests SET failed_attempts = $2, state = $3 WHERE id = $1")
                    .bind(&req.id)
                    .bind(i32::try_from(failed).unwrap_or(i32::MAX))
                    .bind(state.as_str())
                    .execute(&mut *tx)
                    .await?;
                store_failures(&mut tx, &req.identifier, failures, locked_until, r.now).await?;
                outcome
            }
            CodeStep::Consume => {
                let details = locked.details()?;
                let by = By { method: "code", actor };
                let had_failures = holder.has_failures();
                match redeem(&mut tx, req, account, details, &r.effect, had_failures, r.now, by).await? {
                    Some(redeemed) => CodeOutcome::Redeemed(redeemed),
                    None => return Ok(CodeOutcome::Invalid),
                }
            }
        };
        if let Some(event) = crate::store::of_code_failure(req, user_id, &outcome) {
            audit::insert(&mut *tx, actor, r.now, &[event]).await?;
        }
        tx.commit().await?;
        if let CodeOutcome::Redeemed(redeemed) = &outcome
            && revokes(redeemed, &r.effect)
        {
            self.settle().await;
        }
        Ok(outcome)
    }

    async fn redeem_link(&self, r: RedeemLink, actor: &Actor) -> Result<LinkOutcome, StoreError> {
        if let LinkAction::Redeem(Effect::SignIn(session)) = &r.action {
            let redeems = |read: &Fetched| {
                matches!(rules::decide_link(&read.req, read.holder.account.as_ref(), &r), LinkStep::Redeem)
            };
            match sign_in_unlocked(self, &r.request_id, session, "link", actor, redeems).await? {
                Unlocked::Missing => return Ok(LinkOutcome::Invalid),
                Unlocked::SignedIn(signed_in) => return Ok(LinkOutcome::Redeemed(Redeemed::SignedIn(signed_in))),
                Unlocked::Locked => {}
            }
        }
        let mut tx = self.begin().await?;
        let Some(mut locked) = lock_request(&mut tx, &r.request_id).await? else {
            return Ok(LinkOutcome::Invalid);
        };
        let account = locked.account.take();
        let (req, holder) = (&locked.req, &locked.holder);
        let outcome = match rules::decide_link(req, holder.account.as_ref(), &r) {
            LinkStep::Done(outcome) => outcome,
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
            LinkStep::Redeem => {
                let LinkAction::Redeem(effect) = &r.action else { return Ok(LinkOutcome::Invalid) };
                let details = locked.details()?;
                let by = By { method: "link", actor };
                let had_failures = holder.has_failures();
                match redeem(&mut tx, req, account, details, effect, had_failures, r.now, by).await? {
                    Some(redeemed) => LinkOutcome::Redeemed(redeemed),
                    None => return Ok(LinkOutcome::Invalid),
                }
            }
        };
        let user_id = holder.account.as_ref().map(|(id, _)| id.as_str()).or(req.user_id.as_deref());
        if let Some(event) = crate::store::of_link(req, user_id, &outcome) {
            audit::insert(&mut *tx, actor, r.now, &[event]).await?;
        }
        tx.commit().await?;
        if let (LinkOutcome::Redeemed(redeemed), LinkAction::Redeem(effect)) = (&outcome, &r.action)
            && revokes(redeemed, effect)
        {
            self.settle().await;
        }
        Ok(outcome)
    }

    async fn claim_approved(
        &self,
        id: &str,
        session: NewSession,
        now: i64,
        actor: &Actor,
    ) -> Result<Option<SignedIn>, StoreError> {
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
        let details = serde_json::json!({ "method": "approval" });
        let event = crate::store::Event::new(EventType::SignInSucceeded, None, Some(details));
        let redirect_to = row.try_get(2)?;
        // Its claim above spent the request; an approval counted no wrong codes, but any
        // run of them the identifier has ends with this success.
        let of = SignInOf {
            request_id: id,
            identifier: &identifier,
            redirect_to,
            spend: false,
            had_failures: true,
            version: None,
        };
        let signed_in = sign_in(&mut tx, of, &session, actor, &[event])
            .await?
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("a sign-in without a spend wrote nothing")))?;
        tx.commit().await?;
        if session.replaces.is_some() {
            self.settle().await;
        }
        Ok(Some(signed_in))
    }
}

/// Whether a redemption revoked sessions or changed an account a session shows: a reset
/// ends every session, a change moves an address, and a sign-in replaces the browser's
/// session. (A first verification's claim ends only an unverified squatter's sessions:
/// the notification alone reaches the caches.)
fn revokes(redeemed: &Redeemed, effect: &Effect) -> bool {
    let replaced = match effect {
        Effect::SignIn(session) => session.replaces.is_some(),
        Effect::ResetPassword(reset) => reset.session.as_ref().is_some_and(|s| s.replaces.is_some()),
        Effect::ChangeIdentifier { .. } | Effect::Identify => false,
    };
    replaced || matches!(redeemed, Redeemed::PasswordReset(_) | Redeemed::IdentifierChanged { .. })
}
