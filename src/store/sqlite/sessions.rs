//! Sessions: lookup, listing and revocation, and the insert a redemption opens one with.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{SqliteStore, audit, user_from_row};
use crate::store::{Actor, NewSession, Session, SessionStore, StoreError, User, of_revocation, revocation_scope};

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

/// Opens a session, revoking the one it replaces (if its secret matches). Called by a
/// redemption, inside its job.
pub(super) fn insert_session(conn: &Connection, user_id: &str, s: &NewSession) -> Result<Session, StoreError> {
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

/// Revokes every live session of the user except `keep`, inside the caller's job.
pub(super) fn revoke_all(conn: &Connection, user_id: &str, keep: Option<&str>, now: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "UPDATE sessions SET revoked_at = ?3 WHERE user_id = ?1 AND revoked_at IS NULL AND (?2 IS NULL OR id <> ?2)",
    )?
    .execute(params![user_id, keep, now])
}

#[async_trait]
impl SessionStore for SqliteStore {
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

    async fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
        now: i64,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let (user_id, session_id, actor) = (user_id.to_owned(), session_id.to_owned(), actor.clone());
        self.db
            .write(move |c| {
                let n = c
                    .prepare_cached(
                        "UPDATE sessions SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
                    )?
                    .execute(params![session_id, user_id, now])?;
                if let Some(event) = of_revocation(&user_id, n as u64, "one") {
                    audit::insert(c, &actor, now, &[event])?;
                }
                Ok(n == 1)
            })
            .await
    }

    async fn revoke_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
        now: i64,
        actor: &Actor,
    ) -> Result<u64, StoreError> {
        let (user_id, keep, actor) = (user_id.to_owned(), keep.map(str::to_owned), actor.clone());
        self.db
            .write(move |c| {
                let n = revoke_all(c, &user_id, keep.as_deref(), now)? as u64;
                if let Some(event) = of_revocation(&user_id, n, revocation_scope(keep.as_deref())) {
                    audit::insert(c, &actor, now, &[event])?;
                }
                Ok(n)
            })
            .await
    }
}
