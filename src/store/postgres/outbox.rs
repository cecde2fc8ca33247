//! The outbox: leasing, delivery results, the dev inbox, and the insert that queues a
//! message inside the unit of work that needs it.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::{Filtered, PgQuery, PgStore, Tx};
use crate::domain::Channel;
use crate::store::{
    DeliveryResult, DeliveryStatus, MESSAGE_STATUS_COLUMNS, MessageFilter, MessageStatus, NewMessage, OutboxMessage,
    OutboxStore, StoreError,
};

/// The columns `outbox_from_row` reads, also returned by the start statement in `signin.rs`
/// (a macro, so that `concat!` can build the statements at compile time).
macro_rules! outbox_columns {
    () => {
        "seq, channel, recipient, kind, payload, attempts, created_at, expires_at, locale"
    };
}
pub(super) use outbox_columns;

pub(super) fn outbox_from_row(row: &PgRow) -> Result<OutboxMessage, sqlx::Error> {
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

/// Binds a message's columns in the order both inserts use: channel, recipient, kind,
/// payload, status, attempts, lease_until, created_at (also next_attempt_at), expires_at,
/// locale, fallback locale. A message committed with a lease is already its instance's
/// (`sending`, one attempt); one that must not go out is `suppressed`, without payload.
pub(super) fn bind_message<'q>(query: PgQuery<'q>, m: &'q NewMessage, deliver: bool) -> PgQuery<'q> {
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
pub(super) async fn insert_message(
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

#[async_trait]
impl OutboxStore for PgStore {
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
        // Every delivered message of the batch in one statement (the common case); retries
        // and failures, which are rare, one by one. A batch of deliveries only is that one
        // statement alone, without BEGIN and COMMIT around it (issue 15, item 7).
        let (mut seqs, mut providers, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for r in &results {
            if let DeliveryStatus::Sent { provider, provider_message_id } = &r.status {
                seqs.push(r.seq);
                providers.push(provider.as_str());
                ids.push(provider_message_id.as_deref());
            }
        }
        let sent = sqlx::query(
            "UPDATE outbox o SET status = 'sent', sent_at = $2, provider = v.provider,
                 provider_message_id = v.message_id, lease_until = NULL, last_error = NULL,
                 payload = CASE WHEN v.provider = 'dev' THEN o.payload ELSE '' END
             FROM UNNEST($1::BIGINT[], $3::TEXT[], $4::TEXT[]) AS v(seq, provider, message_id)
             WHERE o.seq = v.seq",
        )
        .bind(&seqs)
        .bind(now)
        .bind(&providers)
        .bind(&ids);
        if seqs.len() == results.len() {
            sent.execute(&self.pool).await?;
            return Ok(());
        }
        let mut tx = self.begin().await?;
        if !seqs.is_empty() {
            sent.execute(&mut *tx).await?;
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

    async fn dev_inbox_message(&self, seq: i64) -> Result<Option<OutboxMessage>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            outbox_columns!(),
            " FROM outbox WHERE seq = $1 AND status = 'sent' AND provider = 'dev'"
        ))
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(outbox_from_row).transpose()?)
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

    async fn list_messages(&self, filter: MessageFilter, limit: usize) -> Result<Vec<MessageStatus>, StoreError> {
        let rows = Filtered::new(&format!("SELECT {MESSAGE_STATUS_COLUMNS} FROM outbox"))
            .and("recipient =", filter.recipient)
            .and("kind =", filter.kind)
            .and("status =", filter.status)
            .and("created_at >=", filter.since)
            .and("seq <", filter.before)
            .fetch(&self.pool, limit)
            .await?;
        let status = |r: &PgRow| -> Result<MessageStatus, sqlx::Error> {
            Ok(MessageStatus {
                seq: r.try_get(0)?,
                channel: r.try_get(1)?,
                recipient: r.try_get(2)?,
                kind: r.try_get(3)?,
                status: r.try_get(4)?,
                attempts: i64::from(r.try_get::<i32, _>(5)?),
                provider: r.try_get(6)?,
                provider_message_id: r.try_get(7)?,
                last_error: r.try_get(8)?,
                created_at: r.try_get(9)?,
                sent_at: r.try_get(10)?,
            })
        };
        Ok(rows.iter().map(status).collect::<Result<_, _>>()?)
    }
}
