//! The outbox: leasing, delivery results, the dev inbox, and the insert that queues a
//! message inside the unit of work that needs it.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension as _, Row, params};

use super::{Filtered, SqliteStore};
use crate::domain::Channel;
use crate::store::{
    DeliveryResult, DeliveryStatus, MESSAGE_STATUS_COLUMNS, MessageFilter, MessageStatus, NewMessage, OutboxMessage,
    OutboxStore, StoreError,
};

const OUTBOX_COLUMNS: &str = "seq, channel, recipient, kind, payload, attempts, created_at, expires_at, locale";

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

/// Queues a message; its locale is the request's, else the account's, else the browser's.
/// Unless `deliver`, the row is written `suppressed` without its payload and never sent
/// (the same write as a real message, so both take the same time), and `None` comes back.
pub(super) fn insert_message(
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

#[async_trait]
impl OutboxStore for SqliteStore {
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

    async fn dev_inbox_message(&self, seq: i64) -> Result<Option<OutboxMessage>, StoreError> {
        self.db
            .read(move |c| {
                c.prepare_cached(&format!(
                    "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE seq = ?1 AND status = 'sent' AND provider = 'dev'"
                ))?
                .query_row(params![seq], outbox_from_row)
                .optional()
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

    async fn list_messages(&self, filter: MessageFilter, limit: usize) -> Result<Vec<MessageStatus>, StoreError> {
        self.db
            .read(move |c| {
                Filtered::new(&format!("SELECT {MESSAGE_STATUS_COLUMNS} FROM outbox"))
                    .and("recipient =", filter.recipient)
                    .and("kind =", filter.kind)
                    .and("status =", filter.status)
                    .and("created_at >=", filter.since)
                    .and("seq <", filter.before)
                    .query(c, limit, |r| {
                        Ok(MessageStatus {
                            seq: r.get(0)?,
                            channel: r.get(1)?,
                            recipient: r.get(2)?,
                            kind: r.get(3)?,
                            status: r.get(4)?,
                            attempts: r.get(5)?,
                            provider: r.get(6)?,
                            provider_message_id: r.get(7)?,
                            last_error: r.get(8)?,
                            created_at: r.get(9)?,
                            sent_at: r.get(10)?,
                        })
                    })
            })
            .await
    }
}
