//! Accounts: profile, password, password login and the failures that throttle it, plus the
//! pieces a redemption changes an account with (claim, secrets killed, notices).

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::SqliteStore;
use super::audit;
use super::outbox::insert_message;
use super::sessions::{insert_session, revoke_all};
use super::signin::hit_limits;
use crate::domain::{Channel, Identifier};
use crate::store::{
    Account, AccountChange, AccountStore, Actor, Event, EventType, Failure, LoginCandidate, NewAccount, Notice,
    OutboxMessage, PasswordChange, PasswordSignIn, ProfileChange, RateLimit, SignUpDetails, SignedIn, StoreError,
};
use crate::store::{like_prefix, of_account_change, of_password, of_profile, rules, with_sessions_revoked};

const ACCOUNT_COLUMNS: &str = "id, email, phone, email_verified_at, phone_verified_at, name, preferred_channel, \
     locale, password_hash, disabled_at, created_at";

fn account_from_row(row: &Row<'_>) -> rusqlite::Result<Account> {
    let password_hash: Option<String> = row.get(8)?;
    Ok(Account {
        id: row.get(0)?,
        email: row.get(1)?,
        phone: row.get(2)?,
        email_verified: row.get::<_, Option<i64>>(3)?.is_some(),
        phone_verified: row.get::<_, Option<i64>>(4)?.is_some(),
        name: row.get(5)?,
        preferred_channel: row.get::<_, Option<String>>(6)?.as_deref().and_then(Channel::from_db),
        locale: row.get(7)?,
        password_hash,
        disabled: row.get::<_, Option<i64>>(9)?.is_some(),
        created_at: row.get(10)?,
    })
}

pub(super) fn find_account(conn: &Connection, identifier: &Identifier) -> rusqlite::Result<Option<Account>> {
    let column = identifier_column(identifier);
    conn.prepare_cached(&format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE {column} = ?1"))?
        .query_row([identifier.as_str()], account_from_row)
        .optional()
}

pub(super) fn account_by_id(conn: &Connection, id: &str) -> rusqlite::Result<Option<Account>> {
    conn.prepare_cached(&format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = ?1"))?
        .query_row([id], account_from_row)
        .optional()
}

fn identifier_column(identifier: &Identifier) -> &'static str {
    match identifier {
        Identifier::Email(_) => "email",
        Identifier::Phone(_) => "phone",
    }
}

/// `value` for the other identifier column when no other account holds it, else `None`
/// (a sign-up's second identifier is optional and never steals a number).
fn free_or_none(
    conn: &Connection,
    column: &str,
    value: Option<&str>,
    user_id: &str,
) -> rusqlite::Result<Option<String>> {
    let Some(value) = value else { return Ok(None) };
    let taken = conn
        .prepare_cached(&format!("SELECT 1 FROM users WHERE {column} = ?1 AND id <> ?2"))?
        .query_row(params![value, user_id], |_| Ok(()))
        .optional()?
        .is_some();
    Ok((!taken).then(|| value.to_owned()))
}

/// A sign-up for an identifier nobody holds: the account exists from now on, unverified,
/// with the sign-up's details. Returns its id.
pub(super) fn create_unverified(
    conn: &Connection,
    identifier: &Identifier,
    details: &SignUpDetails,
    locale: Option<&str>,
    now: i64,
) -> rusqlite::Result<String> {
    let id = crate::crypto::new_id();
    let (email, phone) = match identifier {
        Identifier::Email(e) => {
            (Some(e.as_str().to_owned()), free_or_none(conn, "phone", details.phone.as_deref(), &id)?)
        }
        Identifier::Phone(p) => {
            (free_or_none(conn, "email", details.email.as_deref(), &id)?, Some(p.as_str().to_owned()))
        }
    };
    conn.prepare_cached(
        "INSERT INTO users (id, email, phone, name, preferred_channel, password_hash, password_changed_at, locale,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?7)",
    )?
    .execute(params![
        id,
        email,
        phone,
        details.name,
        details.preferred_channel,
        details.password_hash,
        now,
        locale
    ])?;
    Ok(id)
}

/// The first verification of an account nobody had verified: whatever the account held
/// was set by whoever typed the address, maybe a squatter (account pre-hijacking). The
/// account takes the verifying request's sign-up details, or none: password, name, second
/// identifier and preferred channel are replaced, and every session ends.
pub(super) fn claim(
    conn: &Connection,
    account: &Account,
    verified: &Identifier,
    details: Option<&SignUpDetails>,
    now: i64,
) -> rusqlite::Result<()> {
    let empty = SignUpDetails::default();
    let d = details.unwrap_or(&empty);
    let password = details.map(|d| d.password_hash.clone());
    let (email, phone) = match verified {
        Identifier::Email(e) => {
            (Some(e.as_str().to_owned()), free_or_none(conn, "phone", d.phone.as_deref(), &account.id)?)
        }
        Identifier::Phone(p) => {
            (free_or_none(conn, "email", d.email.as_deref(), &account.id)?, Some(p.as_str().to_owned()))
        }
    };
    conn.prepare_cached(
        "UPDATE users SET email = ?2, phone = ?3, name = ?4, preferred_channel = ?5, password_hash = ?6,
             password_changed_at = ?7, updated_at = ?7
         WHERE id = ?1",
    )?
    .execute(params![account.id, email, phone, d.name, d.preferred_channel, password, now])?;
    revoke_all(conn, &account.id, None, now)?;
    Ok(())
}

/// Kills every live secret of the account (a reset or password change kills all).
pub(super) fn kill_secrets(conn: &Connection, account: &Account) -> rusqlite::Result<()> {
    // One statement per index (an `OR` of them is planned as a scan of every live request).
    conn.prepare_cached(
        "UPDATE auth_requests SET state = 'dead', details = NULL WHERE user_id = ?1 AND state IN ('pending', 'approved')",
    )?
    .execute([&account.id])?;
    for identifier in account.identifiers() {
        conn.prepare_cached(
            "UPDATE auth_requests SET state = 'dead', details = NULL
             WHERE identifier = ?1 AND state IN ('pending', 'approved')",
        )?
        .execute([identifier.as_str()])?;
    }
    Ok(())
}

pub(super) fn failures(conn: &Connection, identifier: &Identifier) -> rusqlite::Result<(i64, Option<i64>)> {
    Ok(conn
        .prepare_cached("SELECT failed_count, locked_until FROM auth_failures WHERE identifier = ?1")?
        .query_row([identifier.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, None)))
}

pub(super) fn store_failures(
    conn: &Connection,
    identifier: &Identifier,
    failures: i64,
    locked_until: Option<i64>,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO auth_failures (identifier, failed_count, locked_until, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (identifier) DO UPDATE SET failed_count = excluded.failed_count,
             locked_until = excluded.locked_until, updated_at = excluded.updated_at",
    )?
    .execute(params![identifier.as_str(), failures, locked_until, now])?;
    Ok(())
}

/// A success ends the identifier's run of consecutive failures.
pub(super) fn end_failures(conn: &Connection, identifier: &Identifier) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM auth_failures WHERE identifier = ?1")?.execute([identifier.as_str()])?;
    Ok(())
}

pub(super) fn set_password(conn: &Connection, user_id: &str, hash: &str, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE users SET password_hash = ?2, password_changed_at = ?3, updated_at = ?3 WHERE id = ?1",
    )?
    .execute(params![user_id, hash, now])?;
    Ok(())
}

/// Queues `notice` to each of `to`; returns the messages to hand off.
pub(super) fn queue_notice(
    conn: &Connection,
    notice: &Notice,
    to: &[Identifier],
    user_id: &str,
) -> rusqlite::Result<Vec<OutboxMessage>> {
    let mut queued = Vec::new();
    for message in notice.messages(to) {
        queued.extend(insert_message(conn, &message, Some(user_id), true)?);
    }
    Ok(queued)
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn account_by_identifier(&self, identifier: &Identifier) -> Result<Option<Account>, StoreError> {
        let identifier = identifier.clone();
        self.db.read(move |c| find_account(c, &identifier)).await
    }

    async fn account(&self, user_id: &str) -> Result<Option<Account>, StoreError> {
        let id = user_id.to_owned();
        self.db.read(move |c| account_by_id(c, &id)).await
    }

    async fn login_candidate(&self, identifier: &Identifier) -> Result<LoginCandidate, StoreError> {
        let identifier = identifier.clone();
        self.db
            .read(move |c| {
                let account = find_account(c, &identifier)?;
                let (failures, locked_until) = failures(c, &identifier)?;
                Ok(LoginCandidate { account, failures, locked_until })
            })
            .await
    }

    async fn hit_rate_limits(&self, limits: Vec<RateLimit>) -> Result<(), StoreError> {
        self.db.write(move |c| hit_limits(c, &limits)).await
    }

    async fn password_signed_in(&self, login: PasswordSignIn, actor: &Actor) -> Result<Option<SignedIn>, StoreError> {
        let actor = actor.clone();
        self.db
            .write(move |c| {
                let Some(account) = account_by_id(c, &login.user_id)? else { return Ok(None) };
                if account.disabled {
                    return Ok(None);
                }
                if let Some(hash) = &login.rehash {
                    c.prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?
                        .execute(params![account.id, hash])?;
                }
                if login.end_failures {
                    end_failures(c, &login.identifier)?;
                }
                let session = insert_session(c, &account.id, &login.session)?;
                let event = of_password(EventType::SignInSucceeded, Some(&account.id), false);
                audit::insert(c, &actor, login.session.created_at, &[event])?;
                Ok(Some(SignedIn { user: account.user(), session, redirect_to: login.redirect_to }))
            })
            .await
    }

    async fn record_failure(&self, f: Failure, actor: &Actor) -> Result<(), StoreError> {
        let actor = actor.clone();
        self.db
            .write(move |c| {
                let (count, _) = failures(c, &f.identifier)?;
                let (count, locked_until) =
                    rules::next_failure(count, f.now, f.account_max_failures, f.account_lockout_ms);
                store_failures(c, &f.identifier, count, locked_until, f.now)?;
                let user_id = find_account(c, &f.identifier)?.map(|a| a.id);
                let event = of_password(f.event, user_id.as_deref(), locked_until.is_some());
                Ok(audit::insert(c, &actor, f.now, &[event])?)
            })
            .await
    }

    async fn update_profile(
        &self,
        user_id: &str,
        change: ProfileChange,
        now: i64,
        actor: &Actor,
    ) -> Result<Option<Account>, StoreError> {
        let id = user_id.to_owned();
        let actor = actor.clone();
        self.db
            .write(move |c| {
                c.prepare_cached(
                    "UPDATE users SET name = CASE WHEN ?2 THEN ?3 ELSE name END,
                         preferred_channel = COALESCE(?4, preferred_channel), locale = COALESCE(?5, locale),
                         updated_at = ?6
                     WHERE id = ?1",
                )?
                .execute(params![
                    id,
                    change.name.is_some(),
                    change.name.clone().flatten(),
                    change.preferred_channel.map(Channel::as_str),
                    change.locale,
                    now
                ])?;
                let account = account_by_id(c, &id)?;
                if account.is_some() {
                    audit::insert(c, &actor, now, &[of_profile(&id, &change)])?;
                }
                Ok(account)
            })
            .await
    }

    async fn change_password(
        &self,
        change: PasswordChange,
        actor: &Actor,
    ) -> Result<Option<Vec<OutboxMessage>>, StoreError> {
        let actor = actor.clone();
        self.db
            .write(move |c| {
                let Some(account) = account_by_id(c, &change.user_id)? else { return Ok(None) };
                set_password(c, &account.id, &change.password_hash, change.now)?;
                // OWASP Session Management: a password change ends the other sessions;
                // DESIGN.md: it kills every outstanding secret.
                let revoked = revoke_all(c, &account.id, Some(&change.keep_session), change.now)?;
                kill_secrets(c, &account)?;
                let event = with_sessions_revoked(EventType::PasswordChanged, &account.id, revoked as u64);
                audit::insert(c, &actor, change.now, &[event])?;
                Ok(Some(queue_notice(c, &change.notice, &account.identifiers(), &account.id)?))
            })
            .await
    }

    async fn delete_account(&self, user_id: &str, now: i64, actor: &Actor) -> Result<bool, StoreError> {
        let id = user_id.to_owned();
        let actor = actor.clone();
        self.db
            .write(move |c| {
                let Some(account) = account_by_id(c, &id)? else { return Ok(false) };
                for identifier in account.identifiers() {
                    end_failures(c, &identifier)?;
                }
                // Sessions and requests go with the row (ON DELETE CASCADE); its audit
                // events stay (no foreign key) until retention.
                let deleted = c.prepare_cached("DELETE FROM users WHERE id = ?1")?.execute([&id])? == 1;
                audit::insert(c, &actor, now, &[Event::new(EventType::AccountDeleted, Some(&id), None)])?;
                Ok(deleted)
            })
            .await
    }

    async fn list_accounts(
        &self,
        search: Option<&str>,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Account>, StoreError> {
        let pattern = search.map(like_prefix);
        let before = before.map(str::to_owned);
        self.db
            .read(move |c| {
                c.prepare_cached(&format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM users
                     WHERE (?1 IS NULL OR email LIKE ?1 ESCAPE '\\' OR phone LIKE ?1 ESCAPE '\\'
                            OR name LIKE ?1 ESCAPE '\\')
                       AND (?2 IS NULL OR id < ?2)
                     ORDER BY id DESC LIMIT ?3"
                ))?
                .query_map(params![pattern, before, limit as i64], account_from_row)?
                .collect()
            })
            .await
    }

    async fn set_disabled(
        &self,
        user_id: &str,
        disabled: bool,
        now: i64,
        actor: &Actor,
    ) -> Result<Option<Account>, StoreError> {
        let id = user_id.to_owned();
        let actor = actor.clone();
        self.db
            .write(move |c| {
                let Some(account) = account_by_id(c, &id)? else { return Ok(None) };
                c.prepare_cached("UPDATE users SET disabled_at = ?2, updated_at = ?3 WHERE id = ?1")?
                    .execute(params![id, disabled.then_some(now), now])?;
                let event = if disabled {
                    let revoked = revoke_all(c, &id, None, now)?;
                    kill_secrets(c, &account)?;
                    with_sessions_revoked(EventType::AccountDisabled, &id, revoked as u64)
                } else {
                    Event::new(EventType::AccountEnabled, Some(&id), None)
                };
                audit::insert(c, &actor, now, &[event])?;
                Ok(account_by_id(c, &id)?)
            })
            .await
    }

    async fn create_account(&self, new: NewAccount, actor: &Actor) -> Result<Account, StoreError> {
        let actor = actor.clone();
        self.db
            .write(move |c| {
                if taken(c, new.email.as_deref(), new.phone.as_deref(), &new.id)? {
                    return Err(StoreError::Conflict);
                }
                let at = |verified: bool| verified.then_some(new.created_at);
                c.prepare_cached(
                    "INSERT INTO users (id, email, phone, email_verified_at, phone_verified_at, name, preferred_channel,
                         locale, password_hash, password_changed_at, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, CASE WHEN ?9 IS NULL THEN NULL ELSE ?10 END, ?10, ?10)",
                )?
                .execute(params![
                    new.id,
                    new.email,
                    new.phone,
                    at(new.email_verified),
                    at(new.phone_verified),
                    new.name,
                    new.preferred_channel.map(Channel::as_str),
                    new.locale,
                    new.password_hash,
                    new.created_at
                ])?;
                let details = serde_json::json!({ "via": "operator" });
                audit::insert(c, &actor, new.created_at, &[Event::new(EventType::AccountCreated, Some(&new.id), Some(details))])?;
                account_by_id(c, &new.id)?.ok_or_else(|| StoreError::Other(anyhow::anyhow!("the new account is gone")))
            })
            .await
    }

    async fn update_account(
        &self,
        user_id: &str,
        change: AccountChange,
        now: i64,
        actor: &Actor,
    ) -> Result<Option<Account>, StoreError> {
        let id = user_id.to_owned();
        let actor = actor.clone();
        self.db
            .write(move |c| {
                let Some(account) = account_by_id(c, &id)? else { return Ok(None) };
                let was = c
                    .prepare_cached("SELECT email_verified_at, phone_verified_at FROM users WHERE id = ?1")?
                    .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let cols = change.columns(&account, was, now);
                if taken(c, cols.email.as_deref(), cols.phone.as_deref(), &id)? {
                    return Err(StoreError::Conflict);
                }
                c.prepare_cached(
                    "UPDATE users SET email = ?2, phone = ?3, email_verified_at = ?4, phone_verified_at = ?5, name = ?6,
                         preferred_channel = ?7, locale = ?8, updated_at = ?9
                     WHERE id = ?1",
                )?
                .execute(params![
                    id,
                    cols.email,
                    cols.phone,
                    cols.email_verified_at,
                    cols.phone_verified_at,
                    cols.name,
                    cols.preferred_channel,
                    cols.locale,
                    now
                ])?;
                let after = account_by_id(c, &id)?;
                if let Some(after) = &after {
                    audit::insert(c, &actor, now, &of_account_change(&account, after))?;
                }
                Ok(after)
            })
            .await
    }
}

/// Whether another account than `id` holds `email` or `phone`.
fn taken(c: &Connection, email: Option<&str>, phone: Option<&str>, id: &str) -> rusqlite::Result<bool> {
    Ok(free_or_none(c, "email", email, id)?.is_none() && email.is_some()
        || free_or_none(c, "phone", phone, id)?.is_none() && phone.is_some())
}
