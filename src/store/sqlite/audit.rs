//! The audit trail: rows written inside other areas' jobs, and the operators' listing.

use async_trait::async_trait;
use rusqlite::{Connection, params};

use super::{Filtered, SqliteStore};
use crate::store::{Actor, AuditEvent, AuditFilter, AuditStore, Event, StoreError};

/// Writes events inside the caller's job, so they commit or roll back with its change.
pub(super) fn insert(conn: &Connection, actor: &Actor, now: i64, events: &[Event]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO audit_events (type, user_id, ip, user_agent, api_key, details, dedupe_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (dedupe_key) DO NOTHING",
    )?;
    for e in events {
        stmt.execute(params![
            e.kind.as_str(),
            e.user_id,
            actor.ip,
            actor.user_agent,
            actor.api_key,
            e.details_json(),
            e.dedupe_key,
            now
        ])?;
    }
    Ok(())
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn record_events(&self, events: Vec<Event>, actor: &Actor, now: i64) -> Result<(), StoreError> {
        let actor = actor.clone();
        self.db.write(move |c| Ok(insert(c, &actor, now, &events)?)).await
    }

    async fn list_events(&self, filter: AuditFilter, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
        self.db
            .read(move |c| {
                Filtered::new(
                    "SELECT seq, type, user_id, ip, user_agent, api_key, details, created_at FROM audit_events",
                )
                .and("user_id =", filter.user_id)
                .and("type =", filter.kind)
                .and("created_at >=", filter.since)
                .and("seq <", filter.before)
                .query(c, limit, |r| {
                    Ok(AuditEvent {
                        seq: r.get(0)?,
                        kind: r.get(1)?,
                        user_id: r.get(2)?,
                        ip: r.get(3)?,
                        user_agent: r.get(4)?,
                        api_key: r.get(5)?,
                        details: r.get(6)?,
                        created_at: r.get(7)?,
                    })
                })
            })
            .await
    }
}
