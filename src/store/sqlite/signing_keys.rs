//! Access-token signing keys: the published set and the rotation, one job each.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, audit};
use crate::store::{Actor, Event, EventType, Rotate, SigningKey, SigningKeyStore, StoreError};

#[async_trait]
impl SigningKeyStore for SqliteStore {
    async fn signing_keys(&self, now: i64) -> Result<Vec<SigningKey>, StoreError> {
        self.db
            .read(move |c| {
                c.prepare_cached(
                    "SELECT kid, algorithm, sealed_private_key, public_key, created_at, retired_at, expires_at
                     FROM signing_keys WHERE expires_at IS NULL OR expires_at > ?1
                     ORDER BY created_at DESC, kid DESC",
                )?
                .query_map([now], |r| {
                    Ok(SigningKey {
                        kid: r.get(0)?,
                        algorithm: r.get(1)?,
                        sealed_private_key: r.get(2)?,
                        public_key: r.get(3)?,
                        created_at: r.get(4)?,
                        retired_at: r.get(5)?,
                        expires_at: r.get(6)?,
                    })
                })?
                .collect()
            })
            .await
    }

    async fn rotate_signing_key(
        &self,
        new: SigningKey,
        when: Rotate,
        keep_ms: i64,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let actor = actor.clone();
        self.db
            .write(move |c| {
                // The writer thread serialises jobs: what is read here stays true.
                let active: Option<i64> = c
                    .prepare_cached("SELECT created_at FROM signing_keys WHERE retired_at IS NULL")?
                    .query_row([], |r| r.get(0))
                    .optional()?;
                if !when.due(active) {
                    return Ok(false);
                }
                let now = new.created_at;
                c.prepare_cached("UPDATE signing_keys SET retired_at = ?1, expires_at = ?2 WHERE retired_at IS NULL")?
                    .execute(params![now, now + keep_ms])?;
                c.prepare_cached(
                    "INSERT INTO signing_keys (kid, algorithm, sealed_private_key, public_key, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    new.kid,
                    new.algorithm,
                    new.sealed_private_key,
                    new.public_key,
                    now
                ])?;
                let event = Event::new(EventType::SigningKeyRotated, None, Some(serde_json::json!({ "kid": new.kid })));
                audit::insert(c, &actor, now, &[event])?;
                Ok(true)
            })
            .await
    }
}
