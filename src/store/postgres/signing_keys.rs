//! Access-token signing keys: the published set and the rotation, one transaction each.

use async_trait::async_trait;
use sqlx::Row;

use super::signin::lock_key;
use super::{PgStore, audit};
use crate::store::{Actor, Event, EventType, Rotate, SigningKey, SigningKeyStore, StoreError};

#[async_trait]
impl SigningKeyStore for PgStore {
    async fn signing_keys(&self, now: i64) -> Result<Vec<SigningKey>, StoreError> {
        let rows = sqlx::query(
            "SELECT kid, algorithm, sealed_private_key, public_key, created_at, retired_at, expires_at
             FROM signing_keys WHERE expires_at IS NULL OR expires_at > $1
             ORDER BY created_at DESC, kid DESC",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let key = |r: &sqlx::postgres::PgRow| -> Result<SigningKey, sqlx::Error> {
            Ok(SigningKey {
                kid: r.try_get(0)?,
                algorithm: r.try_get(1)?,
                sealed_private_key: r.try_get(2)?,
                public_key: r.try_get(3)?,
                created_at: r.try_get(4)?,
                retired_at: r.try_get(5)?,
                expires_at: r.try_get(6)?,
            })
        };
        Ok(rows.iter().map(key).collect::<Result<_, _>>()?)
    }

    async fn rotate_signing_key(
        &self,
        new: SigningKey,
        when: Rotate,
        keep_ms: i64,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        // Instances rotating at once queue here; the second sees the first's new key.
        lock_key(&mut tx, "signing_keys").await?;
        let active: Option<i64> = sqlx::query_scalar("SELECT created_at FROM signing_keys WHERE retired_at IS NULL")
            .fetch_optional(&mut *tx)
            .await?;
        if !when.due(active) {
            return Ok(false);
        }
        let now = new.created_at;
        sqlx::query("UPDATE signing_keys SET retired_at = $1, expires_at = $2 WHERE retired_at IS NULL")
            .bind(now)
            .bind(now + keep_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO signing_keys (kid, algorithm, sealed_private_key, public_key, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&new.kid)
        .bind(&new.algorithm)
        .bind(&new.sealed_private_key)
        .bind(&new.public_key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let event = Event::new(EventType::SigningKeyRotated, None, Some(serde_json::json!({ "kid": new.kid })));
        audit::insert(&mut *tx, actor, now, &[event]).await?;
        tx.commit().await?;
        Ok(true)
    }
}
