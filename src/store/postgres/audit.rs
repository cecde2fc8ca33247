//! The audit trail: rows written inside other areas' transactions, and the operators'
//! listing.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::{Filtered, PgQuery, PgStore};
use crate::store::{Actor, AuditEvent, AuditFilter, AuditStore, Event, StoreError};

/// Writes events inside the caller's transaction (one statement for all of them), so
/// they commit or roll back with its change.
pub(super) async fn insert<'e>(
    db: impl sqlx::PgExecutor<'e>,
    actor: &Actor,
    now: i64,
    events: &[Event],
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let query = sqlx::query(
        "INSERT INTO audit_events (type, user_id, details, dedupe_key, ip, user_agent, api_key, created_at)
         SELECT t, u, d, k, $5, $6, $7, $8 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) AS e(t, u, d, k)
         ON CONFLICT (dedupe_key) DO NOTHING",
    );
    bind_events(query, actor, events).bind(now).execute(db).await?;
    Ok(())
}

/// Binds `events` as four arrays (type, user id, details, dedupe key) and then the actor's
/// ip, user agent and API key: seven parameters, in the order every audit insert unnests
/// them (`insert`, and the sign-in statement that writes its events with the account).
pub(super) fn bind_events<'q>(query: PgQuery<'q>, actor: &'q Actor, events: &[Event]) -> PgQuery<'q> {
    let kinds: Vec<String> = events.iter().map(|e| e.kind.as_str().to_owned()).collect();
    let users: Vec<Option<String>> = events.iter().map(|e| e.user_id.clone()).collect();
    let details: Vec<Option<String>> = events.iter().map(Event::details_json).collect();
    let dedupe: Vec<Option<String>> = events.iter().map(|e| e.dedupe_key.clone()).collect();
    query
        .bind(kinds)
        .bind(users)
        .bind(details)
        .bind(dedupe)
        .bind(&actor.ip)
        .bind(&actor.user_agent)
        .bind(&actor.api_key)
}

#[async_trait]
impl AuditStore for PgStore {
    async fn record_events(&self, events: Vec<Event>, actor: &Actor, now: i64) -> Result<(), StoreError> {
        Ok(insert(&self.pool, actor, now, &events).await?)
    }

    async fn list_events(&self, filter: AuditFilter, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
        let rows =
            Filtered::new("SELECT seq, type, user_id, ip, user_agent, api_key, details, created_at FROM audit_events")
                .and("user_id =", filter.user_id)
                .and("type =", filter.kind)
                .and("created_at >=", filter.since)
                .and("seq <", filter.before)
                .fetch(&self.pool, limit)
                .await?;
        let event = |r: &PgRow| -> Result<AuditEvent, sqlx::Error> {
            Ok(AuditEvent {
                seq: r.try_get(0)?,
                kind: r.try_get(1)?,
                user_id: r.try_get(2)?,
                ip: r.try_get(3)?,
                user_agent: r.try_get(4)?,
                api_key: r.try_get(5)?,
                details: r.try_get(6)?,
                created_at: r.try_get(7)?,
            })
        };
        Ok(rows.iter().map(event).collect::<Result<_, _>>()?)
    }
}
