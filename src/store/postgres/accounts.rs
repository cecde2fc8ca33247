//! Accounts: profile, password, password login and the failures that throttle it, plus the
//! pieces a redemption changes an account with (claim, secrets killed, notices).

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::audit;
use super::outbox::insert_message;
use super::sessions::{insert_session, revoke_all};
use super::signin::hit_limits;
use super::{PgStore, Tx};
use crate::domain::{Channel, Identifier};
use crate::store::{
    Account, AccountChange, AccountStore, Actor, Event, EventType, Failure, LoginCandidate, NewAccount, Notice,
    OutboxMessage, PasswordChange, PasswordSignIn, ProfileChange, RateLimit, SignUpDetails, SignedIn, StoreError,
};
use crate::store::{like_prefix, of_account_change, of_password, of_profile, rules, with_sessions_revoked};

macro_rules! account_columns {
    () => {
        "id, email, phone, email_verified_at, phone_verified_at, name, preferred_channel, locale, password_hash, \
         disabled_at, created_at"
    };
}
pub(super) use account_columns;

pub(super) fn account_from_row(row: &PgRow) -> Result<Account, sqlx::Error> {
    account_from_row_at(row, 0)
}

/// `account_columns!` read from column `at` on.
pub(super) fn account_from_row_at(row: &PgRow, at: usize) -> Result<Account, sqlx::Error> {
    let password_hash: Option<String> = row.try_get(at + 8)?;
    Ok(Account {
        id: row.try_get(at)?,
        email: row.try_get(at + 1)?,
        phone: row.try_get(at + 2)?,
        email_verified: row.try_get::<Option<i64>, _>(at + 3)?.is_some(),
        phone_verified: row.try_get::<Option<i64>, _>(at + 4)?.is_some(),
        name: row.try_get(at + 5)?,
        preferred_channel: row.try_get::<Option<&str>, _>(at + 6)?.and_then(Channel::from_db),
        locale: row.try_get(at + 7)?,
        password_hash,
        disabled: row.try_get::<Option<i64>, _>(at + 9)?.is_some(),
        created_at: row.try_get(at + 10)?,
    })
}

pub(super) async fn find_account<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    identifier: &Identifier,
) -> Result<Option<Account>, sqlx::Error> {
    let sql = match identifier {
        Identifier::Email(_) => concat!("SELECT ", account_columns!(), " FROM users WHERE email = $1"),
        Identifier::Phone(_) => concat!("SELECT ", account_columns!(), " FROM users WHERE phone = $1"),
    };
    let row = sqlx::query(sql).bind(identifier.as_str()).fetch_optional(exec).await?;
    row.map(|r| account_from_row(&r)).transpose()
}

pub(super) async fn account_by_id<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    id: &str,
) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query(concat!("SELECT ", account_columns!(), " FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await?;
    row.map(|r| account_from_row(&r)).transpose()
}

/// `value` for the other identifier column when no other account holds it, else `None`
/// (a sign-up's second identifier is optional and never steals a number).
async fn free_or_none(
    tx: &mut Tx,
    column: &str,
    value: Option<&str>,
    user_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let Some(value) = value else { return Ok(None) };
    let sql = if column == "email" {
        "SELECT 1 FROM users WHERE email = $1 AND id <> $2"
    } else {
        "SELECT 1 FROM users WHERE phone = $1 AND id <> $2"
    };
    let taken = sqlx::query(sql).bind(value).bind(user_id).fetch_optional(&mut **tx).await?.is_some();
    Ok((!taken).then(|| value.to_owned()))
}

/// Both identifier columns of an account whose `verified` identifier is set and whose
/// other one comes from the sign-up's details, when free.
async fn identifier_columns(
    tx: &mut Tx,
    verified: &Identifier,
    details: &SignUpDetails,
    user_id: &str,
) -> Result<(Option<String>, Option<String>), sqlx::Error> {
    Ok(match verified {
        Identifier::Email(e) => {
            (Some(e.as_str().to_owned()), free_or_none(tx, "phone", details.phone.as_deref(), user_id).await?)
        }
        Identifier::Phone(p) => {
            (free_or_none(tx, "email", details.email.as_deref(), user_id).await?, Some(p.as_str().to_owned()))
        }
    })
}

/// A sign-up for an identifier nobody holds: the account exists from now on, unverified,
/// with the sign-up's details. Returns its id. Two sign-ups racing for one new address
/// end on one account (`ON CONFLICT DO NOTHING`, then the winner's row).
pub(super) async fn create_unverified(
    tx: &mut Tx,
    identifier: &Identifier,
    details: &SignUpDetails,
    locale: Option<&str>,
    now: i64,
) -> Result<String, sqlx::Error> {
    let id = crate::crypto::new_id();
    let (email, phone) = identifier_columns(tx, identifier, details, &id).await?;
    let insert = |email: Option<String>, phone: Option<String>| {
        sqlx::query_scalar::<_, String>(
            "INSERT INTO users (id, email, phone, name, preferred_channel, password_hash, password_changed_at, locale,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $7)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(id.clone())
        .bind(email)
        .bind(phone)
        .bind(details.name.clone())
        .bind(details.preferred_channel.clone())
        .bind(details.password_hash.clone())
        .bind(now)
        .bind(locale.map(str::to_owned))
    };
    if let Some(id) = insert(email.clone(), phone.clone()).fetch_optional(&mut **tx).await? {
        return Ok(id);
    }
    if let Some(account) = find_account(&mut **tx, identifier).await? {
        return Ok(account.id);
    }
    // The second identifier was taken meanwhile: the account goes without it.
    let (email, phone) = match identifier {
        Identifier::Email(_) => (email, None),
        Identifier::Phone(_) => (None, phone),
    };
    insert(email, phone).fetch_one(&mut **tx).await
}

/// The first verification of an account nobody had verified: whatever the account held
/// was set by whoever typed the address, maybe a squatter (account pre-hijacking). The
/// account takes the verifying request's sign-up details, or none: password, name, second
/// identifier and preferred channel are replaced, and every session ends.
pub(super) async fn claim(
    tx: &mut Tx,
    account: &Account,
    verified: &Identifier,
    details: Option<&SignUpDetails>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let empty = SignUpDetails::default();
    let d = details.unwrap_or(&empty);
    let (email, phone) = identifier_columns(tx, verified, d, &account.id).await?;
    sqlx::query(
        "UPDATE users SET email = $2, phone = $3, name = $4, preferred_channel = $5, password_hash = $6,
             password_changed_at = $7, updated_at = $7
         WHERE id = $1",
    )
    .bind(&account.id)
    .bind(email)
    .bind(phone)
    .bind(&d.name)
    .bind(&d.preferred_channel)
    .bind(details.map(|d| d.password_hash.clone()))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    revoke_all(&mut **tx, &account.id, None, now).await?;
    Ok(())
}

/// Kills every live secret of the account (a reset or password change kills all).
pub(super) async fn kill_secrets(tx: &mut Tx, account: &Account) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE auth_requests SET state = 'dead', details = NULL
         WHERE state IN ('pending', 'approved') AND (user_id = $1 OR identifier = $2 OR identifier = $3)",
    )
    .bind(&account.id)
    .bind(&account.email)
    .bind(&account.phone)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn failures<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    identifier: &Identifier,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    let row = sqlx::query("SELECT failed_count, locked_until FROM auth_failures WHERE identifier = $1")
        .bind(identifier.as_str())
        .fetch_optional(exec)
        .await?;
    Ok(match row {
        Some(r) => (i64::from(r.try_get::<i32, _>(0)?), r.try_get(1)?),
        None => (0, None),
    })
}

pub(super) async fn store_failures(
    tx: &mut Tx,
    identifier: &Identifier,
    failures: i64,
    locked_until: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO auth_failures (identifier, failed_count, locked_until, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (identifier) DO UPDATE SET failed_count = excluded.failed_count,
             locked_until = excluded.locked_until, updated_at = excluded.updated_at",
    )
    .bind(identifier.as_str())
    .bind(i32::try_from(failures).unwrap_or(i32::MAX))
    .bind(locked_until)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A success ends the identifier's run of consecutive failures.
pub(super) async fn end_failures(tx: &mut Tx, identifier: &Identifier) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM auth_failures WHERE identifier = $1").bind(identifier.as_str()).execute(&mut **tx).await?;
    Ok(())
}

pub(super) async fn set_password(tx: &mut Tx, user_id: &str, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2, password_changed_at = $3, updated_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Queues `notice` to each of `to`; returns the messages to hand off.
pub(super) async fn queue_notice(
    tx: &mut Tx,
    notice: &Notice,
    to: &[Identifier],
    user_id: &str,
) -> Result<Vec<OutboxMessage>, sqlx::Error> {
    let mut queued = Vec::new();
    for message in notice.messages(to) {
        queued.extend(insert_message(tx, &message, Some(user_id), true).await?);
    }
    Ok(queued)
}

#[async_trait]
impl AccountStore for PgStore {
    async fn account_by_identifier(&self, identifier: &Identifier) -> Result<Option<Account>, StoreError> {
        Ok(find_account(&self.pool, identifier).await?)
    }

    async fn account(&self, user_id: &str) -> Result<Option<Account>, StoreError> {
        Ok(account_by_id(&self.pool, user_id).await?)
    }

    async fn login_candidate(&self, identifier: &Identifier) -> Result<LoginCandidate, StoreError> {
        let sql = match identifier {
            Identifier::Email(_) => {
                "SELECT u.id, u.email, u.phone, u.email_verified_at, u.phone_verified_at, u.name, u.preferred_channel,
                     u.locale, u.password_hash, u.disabled_at, u.created_at, f.failed_count, f.locked_until
                 FROM (SELECT $1::text AS identifier) i
                 LEFT JOIN users u ON u.email = i.identifier LEFT JOIN auth_failures f ON f.identifier = i.identifier"
            }
            Identifier::Phone(_) => {
                "SELECT u.id, u.email, u.phone, u.email_verified_at, u.phone_verified_at, u.name, u.preferred_channel,
                     u.locale, u.password_hash, u.disabled_at, u.created_at, f.failed_count, f.locked_until
                 FROM (SELECT $1::text AS identifier) i
                 LEFT JOIN users u ON u.phone = i.identifier LEFT JOIN auth_failures f ON f.identifier = i.identifier"
            }
        };
        let row = sqlx::query(sql).bind(identifier.as_str()).fetch_one(&self.pool).await?;
        let account = match row.try_get::<Option<String>, _>(0)? {
            Some(_) => Some(account_from_row(&row)?),
            None => None,
        };
        Ok(LoginCandidate {
            account,
            failures: row.try_get::<Option<i32>, _>(11)?.map_or(0, i64::from),
            locked_until: row.try_get(12)?,
        })
    }

    async fn hit_rate_limits(&self, limits: Vec<RateLimit>) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        hit_limits(&mut tx, &limits).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn password_signed_in(&self, login: PasswordSignIn, actor: &Actor) -> Result<Option<SignedIn>, StoreError> {
        let mut tx = self.begin().await?;
        let Some(account) = account_by_id(&mut *tx, &login.user_id).await? else { return Ok(None) };
        if account.disabled {
            return Ok(None);
        }
        if let Some(hash) = &login.rehash {
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(&account.id)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        if login.end_failures {
            end_failures(&mut tx, &login.identifier).await?;
        }
        let session = insert_session(&mut tx, &account.id, &login.session).await?;
        let event = of_password(EventType::SignInSucceeded, Some(&account.id), false);
        audit::insert(&mut *tx, actor, login.session.created_at, &[event]).await?;
        tx.commit().await?;
        if login.session.replaces.is_some() {
            self.settle().await;
        }
        Ok(Some(SignedIn { user: account.user(), session, redirect_to: login.redirect_to }))
    }

    async fn record_failure(&self, f: Failure, actor: &Actor) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // The row lock makes concurrent failures for one identifier count one by one.
        sqlx::query("SELECT 1 FROM auth_failures WHERE identifier = $1 FOR UPDATE")
            .bind(f.identifier.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let (count, _) = failures(&mut *tx, &f.identifier).await?;
        let (count, locked_until) = rules::next_failure(count, f.now, f.account_max_failures, f.account_lockout_ms);
        store_failures(&mut tx, &f.identifier, count, locked_until, f.now).await?;
        let user_id = find_account(&mut *tx, &f.identifier).await?.map(|a| a.id);
        let event = of_password(f.event, user_id.as_deref(), locked_until.is_some());
        audit::insert(&mut *tx, actor, f.now, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn update_profile(
        &self,
        user_id: &str,
        change: ProfileChange,
        now: i64,
        actor: &Actor,
    ) -> Result<Option<Account>, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(concat!(
            "UPDATE users SET name = CASE WHEN $2 THEN $3 ELSE name END,
                 preferred_channel = COALESCE($4, preferred_channel), locale = COALESCE($5, locale), updated_at = $6
             WHERE id = $1 RETURNING ",
            account_columns!()
        ))
        .bind(user_id)
        .bind(change.name.is_some())
        .bind(change.name.clone().flatten())
        .bind(change.preferred_channel.map(Channel::as_str))
        .bind(&change.locale)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let account = row.map(|r| account_from_row(&r)).transpose()?;
        if account.is_some() {
            audit::insert(&mut *tx, actor, now, &[of_profile(user_id, &change)]).await?;
        }
        tx.commit().await?;
        Ok(account)
    }

    async fn change_password(
        &self,
        change: PasswordChange,
        actor: &Actor,
    ) -> Result<Option<Vec<OutboxMessage>>, StoreError> {
        let mut tx = self.begin().await?;
        let Some(account) = account_by_id(&mut *tx, &change.user_id).await? else { return Ok(None) };
        set_password(&mut tx, &account.id, &change.password_hash, change.now).await?;
        // OWASP Session Management: a password change ends the other sessions;
        // DESIGN.md: it kills every outstanding secret.
        let revoked = revoke_all(&mut *tx, &account.id, Some(&change.keep_session), change.now).await?;
        kill_secrets(&mut tx, &account).await?;
        let event = with_sessions_revoked(EventType::PasswordChanged, &account.id, revoked);
        audit::insert(&mut *tx, actor, change.now, &[event]).await?;
        let queued = queue_notice(&mut tx, &change.notice, &account.identifiers(), &account.id).await?;
        tx.commit().await?;
        self.settle().await;
        Ok(Some(queued))
    }

    async fn delete_account(&self, user_id: &str, now: i64, actor: &Actor) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let Some(account) = account_by_id(&mut *tx, user_id).await? else { return Ok(false) };
        for identifier in account.identifiers() {
            end_failures(&mut tx, &identifier).await?;
        }
        // Sessions and requests go with the row (ON DELETE CASCADE); its audit events stay
        // (no foreign key) until retention.
        let deleted = sqlx::query("DELETE FROM users WHERE id = $1").bind(user_id).execute(&mut *tx).await?;
        audit::insert(&mut *tx, actor, now, &[Event::new(EventType::AccountDeleted, Some(user_id), None)]).await?;
        tx.commit().await?;
        self.settle().await;
        Ok(deleted.rows_affected() == 1)
    }

    async fn list_accounts(
        &self,
        search: Option<&str>,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Account>, StoreError> {
        // Ids sort like their bytes (time first): "C" collation compares them so.
        let rows = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM users
             WHERE ($1::text IS NULL OR email LIKE $1 OR phone LIKE $1 OR name ILIKE $1)
               AND ($2::text IS NULL OR id COLLATE \"C\" < $2)
             ORDER BY id COLLATE \"C\" DESC LIMIT $3"
        ))
        .bind(search.map(like_prefix))
        .bind(before)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(account_from_row).collect::<Result<_, _>>()?)
    }

    async fn set_disabled(
        &self,
        user_id: &str,
        disabled: bool,
        now: i64,
        actor: &Actor,
    ) -> Result<Option<Account>, StoreError> {
        let mut tx = self.begin().await?;
        let Some(account) = account_by_id(&mut *tx, user_id).await? else { return Ok(None) };
        sqlx::query("UPDATE users SET disabled_at = $2, updated_at = $3 WHERE id = $1")
            .bind(user_id)
            .bind(disabled.then_some(now))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let event = if disabled {
            let revoked = revoke_all(&mut *tx, user_id, None, now).await?;
            kill_secrets(&mut tx, &account).await?;
            with_sessions_revoked(EventType::AccountDisabled, user_id, revoked)
        } else {
            Event::new(EventType::AccountEnabled, Some(user_id), None)
        };
        audit::insert(&mut *tx, actor, now, &[event]).await?;
        let account = account_by_id(&mut *tx, user_id).await?;
        tx.commit().await?;
        self.settle().await;
        Ok(account)
    }

    async fn create_account(&self, new: NewAccount, actor: &Actor) -> Result<Account, StoreError> {
        let mut tx = self.begin().await?;
        let at = |verified: bool| verified.then_some(new.created_at);
        // A second holder of the email or phone is refused by the unique indexes
        // (`pg_error` turns that into `Conflict`).
        let row = sqlx::query(concat!(
            "INSERT INTO users (id, email, phone, email_verified_at, phone_verified_at, name, preferred_channel,
                 locale, password_hash, password_changed_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $9::text IS NULL THEN NULL ELSE $10 END, $10, $10)
             RETURNING ",
            account_columns!()
        ))
        .bind(&new.id)
        .bind(&new.email)
        .bind(&new.phone)
        .bind(at(new.email_verified))
        .bind(at(new.phone_verified))
        .bind(&new.name)
        .bind(new.preferred_channel.map(Channel::as_str))
        .bind(&new.locale)
        .bind(&new.password_hash)
        .bind(new.created_at)
        .fetch_one(&mut *tx)
        .await?;
        let details = serde_json::json!({ "via": "operator" });
        let event = Event::new(EventType::AccountCreated, Some(&new.id), Some(details));
        audit::insert(&mut *tx, actor, new.created_at, &[event]).await?;
        tx.commit().await?;
        Ok(account_from_row(&row)?)
    }

    async fn update_account(
        &self,
        user_id: &str,
        change: AccountChange,
        now: i64,
        actor: &Actor,
    ) -> Result<Option<Account>, StoreError> {
        let mut tx = self.begin().await?;
        let Some(account) = account_by_id(&mut *tx, user_id).await? else { return Ok(None) };
        let row = sqlx::query("SELECT email_verified_at, phone_verified_at FROM users WHERE id = $1 FOR UPDATE")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        let cols = change.columns(&account, (row.try_get(0)?, row.try_get(1)?), now);
        let row = sqlx::query(concat!(
            "UPDATE users SET email = $2, phone = $3, email_verified_at = $4, phone_verified_at = $5, name = $6,
                 preferred_channel = $7, locale = $8, updated_at = $9
             WHERE id = $1 RETURNING ",
            account_columns!()
        ))
        .bind(user_id)
        .bind(&cols.email)
        .bind(&cols.phone)
        .bind(cols.email_verified_at)
        .bind(cols.phone_verified_at)
        .bind(&cols.name)
        .bind(&cols.preferred_channel)
        .bind(&cols.locale)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let after = account_from_row(&row)?;
        audit::insert(&mut *tx, actor, now, &of_account_change(&account, &after)).await?;
        tx.commit().await?;
        self.settle().await;
        Ok(Some(after))
    }
}
