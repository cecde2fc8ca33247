//! Auth requests: start, resend and redemption, each one job on the writer thread.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::accounts::{
    account_by_id, claim, create_unverified, end_failures, find_account, kill_secrets, queue_notice, set_password,
    store_failures,
};
use super::audit;
use super::outbox::insert_message;
use super::sessions::{insert_session, revoke_all};
use super::{SqliteStore, user_from_row};
use crate::crypto;
use crate::domain::{Channel, Identifier};
use crate::store::rules::{self, CodeStep, Holder, LinkStep};
use crate::store::{
    Actor, AuthRequest, AuthState, CodeOutcome, Effect, EventType, LinkAction, LinkOutcome, NewAuthRequest, NewMessage,
    NewSession, OutboxMessage, PasswordWasReset, Purpose, RateLimit, RedeemCode, RedeemLink, Redeemed, RotatedSecrets,
    Rotation, SignInStore, SignUpDetails, SignedIn, StoreError, User,
};

const AUTH_COLUMNS: &str = "id, identifier_kind, identifier, user_id, channel, device_hash, \
     match_number, redirect_to, state, failed_attempts, requester_ip, requester_agent, \
     created_at, last_sent_at, expires_at, token_hash, locale, purpose, link_base, app_state";

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
        purpose: Purpose::from_db(&row.get::<_, String>(17)?).ok_or_else(|| bad("purpose"))?,
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
        link_base: row.get(18)?,
        app_state: row.get(19)?,
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

fn sign_in(
    conn: &Connection,
    request_id: &str,
    identifier: &Identifier,
    redirect_to: String,
    session: &NewSession,
    had_failures: bool,
) -> Result<SignedIn, StoreError> {
    let user = upsert_verified_user(conn, identifier, request_id, session.created_at)?;
    if had_failures {
        end_failures(conn, identifier)?;
    }
    let session = insert_session(conn, &user.id, session)?;
    Ok(SignedIn { user, session, redirect_to })
}

/// GCRA for every limit of a unit of work (`rules::gcra`); the writer thread serialises
/// jobs, so read-then-write here is atomic. The first limited key is reported, and the job's
/// savepoint, rolled back, takes back the others' updates. The keys must be distinct
/// (`rules::distinct_keys`, as on PostgreSQL).
pub(super) fn hit_limits(conn: &Connection, limits: &[RateLimit]) -> Result<(), StoreError> {
    rules::distinct_keys(limits)?;
    for limit in limits {
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
    }
    Ok(())
}

/// A request, whatever its purpose, with its code hash (the writer thread serialises jobs,
/// so what it reads stays true until the job ends).
fn load_request_for_update(conn: &Connection, id: &str) -> rusqlite::Result<Option<(AuthRequest, Vec<u8>)>> {
    conn.prepare_cached(&format!("SELECT {AUTH_COLUMNS}, code_hash FROM auth_requests WHERE id = ?1"))?
        .query_row([id], |r| Ok((auth_request_from_row(r)?, r.get(20)?)))
        .optional()
}

/// The account behind an identifier and the identifier's run of wrong codes.
fn holder(conn: &Connection, identifier: &Identifier) -> rusqlite::Result<Holder> {
    let account = find_user(conn, identifier)?;
    let (failures, locked_until) = super::accounts::failures(conn, identifier)?;
    Ok(Holder { account, failures, locked_until })
}

/// The one statement that spends a pending request: of two concurrent redemptions only
/// one sees state = 'pending'.
fn spend(conn: &Connection, id: &str, to: AuthState, now: i64) -> rusqlite::Result<bool> {
    let changed = match to {
        AuthState::Dead => conn
            .prepare_cached(
                "UPDATE auth_requests SET state = 'dead', details = NULL WHERE id = ?1 AND state = 'pending'",
            )?
            .execute([id])?,
        AuthState::Approved => conn
            .prepare_cached(
                "UPDATE auth_requests SET state = 'approved', approved_at = ?2 WHERE id = ?1 AND state = 'pending'",
            )?
            .execute(params![id, now])?,
        AuthState::Consumed | AuthState::Pending => conn
            .prepare_cached(
                "UPDATE auth_requests SET state = 'consumed', consumed_at = ?2, details = NULL
                 WHERE id = ?1 AND state = 'pending'",
            )?
            .execute(params![id, now])?,
    };
    Ok(changed == 1)
}

/// A sign-up's details, kept on its request until it is spent.
fn request_details(conn: &Connection, id: &str) -> Result<Option<SignUpDetails>, StoreError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT details FROM auth_requests WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .flatten();
    json.map(|j| {
        serde_json::from_str(&j).map_err(|e| StoreError::Other(anyhow::anyhow!("bad details in auth_requests: {e}")))
    })
    .transpose()
}

/// How a request was redeemed, and by whom (for the audit trail).
struct By<'a> {
    method: &'static str,
    actor: &'a Actor,
}

/// What a spent request does, by its effect (`rules` decided it may), with its audit
/// events.
fn redeem(
    conn: &Connection,
    req: &AuthRequest,
    details: Option<SignUpDetails>,
    effect: &Effect,
    had_failures: bool,
    now: i64,
    by: By<'_>,
) -> Result<Redeemed, StoreError> {
    let account = find_account(conn, &req.identifier)?;
    // The first verification of an account nobody verified replaces what a squatter set.
    let claimed = account.as_ref().filter(|a| !a.any_verified());
    if let Some(account) = claimed {
        let details = details.as_ref().filter(|_| req.purpose == Purpose::SignUpVerification);
        claim(conn, account, &req.identifier, details, now)?;
    }
    let (existed, claimed) = (account.is_some(), claimed.is_some());
    let redeemed = apply(conn, req, account, effect, had_failures, now)?;
    audit::insert(conn, by.actor, now, &crate::store::of_redeemed(req, &redeemed, by.method, existed, claimed))?;
    Ok(redeemed)
}

fn apply(
    conn: &Connection,
    req: &AuthRequest,
    account: Option<crate::store::Account>,
    effect: &Effect,
    had_failures: bool,
    now: i64,
) -> Result<Redeemed, StoreError> {
    match effect {
        Effect::SignIn(session) => Ok(Redeemed::SignedIn(sign_in(
            conn,
            &req.id,
            &req.identifier,
            req.redirect_to.clone(),
            session,
            had_failures,
        )?)),
        Effect::ResetPassword(reset) => {
            let account = account.ok_or_else(|| StoreError::Other(anyhow::anyhow!("reset without an account")))?;
            // The code or link proved control of the identifier it was sent to.
            let user = upsert_verified_user(conn, &req.identifier, &req.id, now)?;
            set_password(conn, &user.id, &reset.password_hash, now)?;
            // OWASP Forgot Password: a reset ends every session and every other secret.
            revoke_all(conn, &user.id, None, now)?;
            kill_secrets(conn, &account)?;
            end_failures(conn, &req.identifier)?;
            let account = account_by_id(conn, &user.id)?.unwrap_or(account);
            let notices = queue_notice(conn, &reset.notice, &account.identifiers(), &user.id)?;
            let signed_in = match &reset.session {
                Some(session) => Some(SignedIn {
                    user: user.clone(),
                    session: insert_session(conn, &user.id, session)?,
                    redirect_to: req.redirect_to.clone(),
                }),
                None => None,
            };
            Ok(Redeemed::PasswordReset(PasswordWasReset { user_id: user.id, signed_in, notices }))
        }
        Effect::ChangeIdentifier { user_id, notice } => {
            let old = account_by_id(conn, user_id)?
                .ok_or_else(|| StoreError::Other(anyhow::anyhow!("identifier change without an account")))?;
            let sql = match req.identifier {
                Identifier::Email(_) => {
                    "UPDATE users SET email = ?2, email_verified_at = ?3, updated_at = ?3 WHERE id = ?1"
                }
                Identifier::Phone(_) => {
                    "UPDATE users SET phone = ?2, phone_verified_at = ?3, updated_at = ?3 WHERE id = ?1"
                }
            };
            conn.prepare_cached(sql)?.execute(params![user_id, req.identifier.as_str(), now])?;
            // The old address hears of the change (OWASP: notify on sensitive changes).
            let previous: Vec<Identifier> = old
                .identifiers()
                .into_iter()
                .filter(|i| i.kind() == req.identifier.kind() && i.as_str() != req.identifier.as_str())
                .collect();
            let notices = queue_notice(conn, notice, &previous, user_id)?;
            Ok(Redeemed::IdentifierChanged { user_id: user_id.clone(), notices })
        }
        Effect::Identify => {
            let user = upsert_verified_user(conn, &req.identifier, &req.id, now)?;
            if had_failures {
                end_failures(conn, &req.identifier)?;
            }
            Ok(Redeemed::Identified { user, created: account.is_none(), app_state: req.app_state.clone() })
        }
    }
}

fn redeem_code_job(conn: &Connection, r: RedeemCode, actor: &Actor) -> Result<CodeOutcome, StoreError> {
    let Some((req, code_hash)) = load_request_for_update(conn, &r.request_id)? else {
        return Ok(CodeOutcome::Invalid);
    };
    let holder = holder(conn, &req.identifier)?;
    let user_id = holder.account.as_ref().map(|(id, _)| id.as_str()).or(req.user_id.as_deref());
    let outcome = match rules::decide_code(&req, &code_hash, &holder, &r) {
        CodeStep::Done(outcome) => outcome,
        CodeStep::Wrong { failed, state, failures, locked_until, outcome } => {
            conn.prepare_cached("UPDATE auth_requests SET failed_attempts = ?2, state = ?3 WHERE id = ?1")?
                .execute(params![req.id, failed, state.as_str()])?;
            store_failures(conn, &req.identifier, failures, locked_until, r.now)?;
            outcome
        }
        CodeStep::Consume => {
            let details = request_details(conn, &req.id)?;
            if !spend(conn, &req.id, AuthState::Consumed, r.now)? {
                return Ok(CodeOutcome::Invalid);
            }
            let by = By { method: "code", actor };
            return Ok(CodeOutcome::Redeemed(redeem(
                conn,
                &req,
                details,
                &r.effect,
                holder.has_failures(),
                r.now,
                by,
            )?));
        }
    };
    if let Some(event) = crate::store::of_code_failure(&req, user_id, &outcome) {
        audit::insert(conn, actor, r.now, &[event])?;
    }
    Ok(outcome)
}

fn redeem_link_job(conn: &Connection, r: RedeemLink, actor: &Actor) -> Result<LinkOutcome, StoreError> {
    let Some((req, _)) = load_request_for_update(conn, &r.request_id)? else {
        return Ok(LinkOutcome::Invalid);
    };
    let account = find_user(conn, &req.identifier)?;
    let outcome = match rules::decide_link(&req, account.as_ref(), &r) {
        LinkStep::Done(outcome) => outcome,
        LinkStep::Kill => {
            spend(conn, &req.id, AuthState::Dead, r.now)?;
            LinkOutcome::WrongNumber
        }
        LinkStep::Approve => {
            if spend(conn, &req.id, AuthState::Approved, r.now)? {
                LinkOutcome::Approved
            } else {
                LinkOutcome::Invalid
            }
        }
        LinkStep::Redeem => {
            let LinkAction::Redeem(effect) = &r.action else { return Ok(LinkOutcome::Invalid) };
            let details = request_details(conn, &req.id)?;
            if !spend(conn, &req.id, AuthState::Consumed, r.now)? {
                return Ok(LinkOutcome::Invalid);
            }
            let by = By { method: "link", actor };
            return Ok(LinkOutcome::Redeemed(redeem(conn, &req, details, effect, true, r.now, by)?));
        }
    };
    let user_id = account.as_ref().map(|(id, _)| id.as_str()).or(req.user_id.as_deref());
    if let Some(event) = crate::store::of_link(&req, user_id, &outcome) {
        audit::insert(conn, actor, r.now, &[event])?;
    }
    Ok(outcome)
}

#[async_trait]
impl SignInStore for SqliteStore {
    async fn start_auth_request(
        &self,
        new: NewAuthRequest,
        message: NewMessage,
        signup_open: bool,
        limits: Vec<RateLimit>,
        actor: &Actor,
    ) -> Result<Option<OutboxMessage>, StoreError> {
        let actor = actor.clone();
        self.db
            .write(move |c| {
                hit_limits(c, &limits)?;
                let user = find_user(c, &new.identifier)?;
                let deliver = rules::may_start(new.purpose, user.as_ref(), signup_open);
                let (code_hash, token_hash) = if deliver {
                    (new.code_hash, new.token_hash)
                } else {
                    (rules::unusable_hash(), rules::unusable_hash())
                };
                let mut user_id = new.user_id.clone().or_else(|| user.as_ref().map(|(id, _)| id.clone()));
                // A sign-up for an identifier nobody holds creates the account, unverified.
                if let (true, None, Some(details)) = (deliver, &user_id, &new.details) {
                    user_id =
                        Some(create_unverified(c, &new.identifier, details, new.locale.as_deref(), new.created_at)?);
                }
                // DESIGN.md: a new secret kills the old — the live requests of this purpose
                // for the identifier or its account die, so only the newest link and code
                // work (issue 11).
                // Two statements, each on its index: SQLite plans `identifier = ? OR
                // user_id = ?` as a scan of every live request.
                c.prepare_cached(
                    "UPDATE auth_requests SET state = 'dead', details = NULL
                     WHERE identifier = ?1 AND purpose = ?2 AND state IN ('pending', 'approved')",
                )?
                .execute(params![new.identifier.as_str(), new.purpose.as_str()])?;
                if let Some(user_id) = &user_id {
                    c.prepare_cached(
                        "UPDATE auth_requests SET state = 'dead', details = NULL
                         WHERE user_id = ?1 AND purpose = ?2 AND state IN ('pending', 'approved')",
                    )?
                    .execute(params![user_id, new.purpose.as_str()])?;
                }
                let details = match (&new.details, deliver) {
                    (Some(d), true) => Some(serde_json::to_string(d).map_err(anyhow::Error::from)?),
                    _ => None,
                };
                c.prepare_cached(
                    "INSERT INTO auth_requests (id, purpose, identifier_kind, identifier, user_id, channel, code_hash,
                         token_hash, device_hash, match_number, redirect_to, locale, state, requester_ip,
                         requester_agent, created_at, last_sent_at, expires_at, details, link_base, app_state)
                     VALUES (?1, ?16, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'pending', ?12, ?13, ?14, ?14, ?15, ?17,
                         ?18, ?19)",
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
                    new.purpose.as_str(),
                    details,
                    new.link_base,
                    new.app_state,
                ])?;
                if let Some(event) =
                    crate::store::of_start(new.purpose, user_id.as_deref(), new.channel.as_str(), deliver)
                {
                    audit::insert(c, &actor, new.created_at, &[event])?;
                }
                Ok(insert_message(c, &message, user_id.as_deref(), deliver)?)
            })
            .await
    }

    async fn auth_request(&self, id: &str) -> Result<Option<AuthRequest>, StoreError> {
        let id = id.to_owned();
        self.db
            .read(move |c| {
                c.prepare_cached(&format!("SELECT {AUTH_COLUMNS} FROM auth_requests WHERE id = ?1"))?
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
                let Some((req, _)) = load_request_for_update(c, &id)? else {
                    return Ok(Rotation::Refused);
                };
                let user = find_user(c, &req.identifier)?;
                let has_details = request_details(c, &id)?.is_some();
                let deliver = rules::may_rotate(req.purpose, user.as_ref(), signup_open, has_details);
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
                hit_limits(c, &limits)?;
                let user_id = req.user_id.clone().or_else(|| user.map(|(id, _)| id));
                let message = insert_message(c, &message, user_id.as_deref(), deliver)?;
                Ok(Rotation::Rotated { message })
            })
            .await
    }

    async fn redeem_code(&self, redeem: RedeemCode, actor: &Actor) -> Result<CodeOutcome, StoreError> {
        let actor = actor.clone();
        self.db.write(move |c| redeem_code_job(c, redeem, &actor)).await
    }

    async fn redeem_link(&self, redeem: RedeemLink, actor: &Actor) -> Result<LinkOutcome, StoreError> {
        let actor = actor.clone();
        self.db.write(move |c| redeem_link_job(c, redeem, &actor)).await
    }

    async fn claim_approved(
        &self,
        id: &str,
        session: NewSession,
        now: i64,
        actor: &Actor,
    ) -> Result<Option<SignedIn>, StoreError> {
        let id = id.to_owned();
        let actor = actor.clone();
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
                let signed_in = sign_in(c, &id, &identifier, redirect_to, &session, true)?;
                let details = serde_json::json!({ "method": "approval" });
                let event =
                    crate::store::Event::new(EventType::SignInSucceeded, Some(&signed_in.user.id), Some(details));
                audit::insert(c, &actor, now, &[event])?;
                Ok(Some(signed_in))
            })
            .await
    }
}
