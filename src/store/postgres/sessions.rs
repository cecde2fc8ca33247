//! Sessions: lookup, listing and revocation, and the insert a redemption opens one with.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::{PgStore, Tx, audit, user_from_row};
use crate::store::{Actor, NewSession, Session, SessionStore, StoreError, User, of_revocation, revocation_scope};

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

/// Revokes the session `s` replaces, if its secret matches.
pub(super) async fn revoke_replaced(tx: &mut Tx, s: &NewSession) -> Result<(), sqlx::Error> {
    if let Some(old) = &s.replaces {
        sqlx::query("UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND token_hash = $2 AND revoked_at IS NULL")
            .bind(&old.id)
            .bind(&old.token_hash[..])
            .bind(s.created_at)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Opens a session, revoking the one it replaces (if its secret matches). Called by a
/// redemption, inside its transaction.
pub(super) async fn insert_session(tx: &mut Tx, user_id: &str, s: &NewSession) -> Result<Session, sqlx::Error> {
    revoke_replaced(tx, s).await?;
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)",
    )
    .bind(&s.id)
    .bind(&s.token_hash[..])
    .bind(user_id)
    .bind(s.created_at)
    .bind(s.idle_expires_at)
    .bind(s.expires_at)
    .bind(&s.ip)
    .bind(&s.user_agent)
    .execute(&mut **tx)
    .await?;
    Ok(opened(user_id, s))
}

/// The row `s` is once inserted for `user_id`.
pub(super) fn opened(user_id: &str, s: &NewSession) -> Session {
    Session {
        id: s.id.clone(),
        token_hash: s.token_hash.to_vec(),
        user_id: user_id.to_owned(),
        created_at: s.created_at,
        last_seen_at: s.created_at,
        idle_expires_at: s.idle_expires_at,
        expires_at: s.expires_at,
        ip: s.ip.clone(),
        user_agent: s.user_agent.clone(),
    }
}

/// Revokes every live session of the user except `keep`.
pub(super) async fn revoke_all<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    user_id: &str,
    keep: Option<&str>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $3
         WHERE user_id = $1 AND revoked_at IS NULL AND ($2::TEXT IS NULL OR id <> $2)",
    )
    .bind(user_id)
    .bind(keep)
    .bind(now)
    .execute(exec)
    .await?;
    Ok(done.rows_affected())
}

#[async_trait]
impl SessionStore for PgStore {
    async fn session(&self, id: &str, now: i64) -> Result<Option<(Session, User)>, StoreError> {
        let lookup = match self.sessions.as_ref().map(|c| c.get(id, now)) {
            Some(Ok(cached)) => return Ok(Some(cached)),
            Some(Err(lookup)) => Some(lookup),
            None => None,
        };
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
        let found = row.map(|r| Ok::<_, sqlx::Error>((session_from_row(&r)?, user_from_row(&r, 9)?))).transpose()?;
        if let (Some(cache), Some(lookup), Some((session, user))) = (&self.sessions, lookup, &found) {
            cache.put(lookup, session, user);
        }
        Ok(found)
    }

    async fn touch_session(&self, id: &str, now: i64, idle_expires_at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .bind(idle_expires_at)
            .execute(&self.pool)
            .await?;
        if let Some(cache) = &self.sessions {
            cache.touched(id, now, idle_expires_at);
        }
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

    async fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
        now: i64,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done =
            sqlx::query("UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
                .bind(session_id)
                .bind(user_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        if let Some(event) = of_revocation(user_id, done.rows_affected(), "one") {
            audit::insert(&mut *tx, actor, now, &[event]).await?;
        }
        tx.commit().await?;
        self.settle().await;
        Ok(done.rows_affected() == 1)
    }

    async fn revoke_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
        now: i64,
        actor: &Actor,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let revoked = revoke_all(&mut *tx, user_id, keep, now).await?;
        if let Some(event) = of_revocation(user_id, revoked, revocation_scope(keep)) {
            audit::insert(&mut *tx, actor, now, &[event]).await?;
        }
        tx.commit().await?;
        self.settle().await;
        Ok(revoked)
    }
}
