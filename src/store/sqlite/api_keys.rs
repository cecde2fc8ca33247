//! API keys.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, audit};
use crate::store::{Actor, ApiKey, ApiKeyStore, EventType, NewApiKey, StoreError, of_api_key};

const COLUMNS: &str = "id, name, prefix, secret_hash, scopes, created_at, last_used_at, revoked_at";

fn api_key_from_row(row: &Row<'_>) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        id: row.get(0)?,
        name: row.get(1)?,
        prefix: row.get(2)?,
        secret_hash: row.get(3)?,
        scopes: row.get(4)?,
        created_at: row.get(5)?,
        last_used_at: row.get(6)?,
        revoked_at: row.get(7)?,
    })
}

#[async_trait]
impl ApiKeyStore for SqliteStore {
    async fn create_api_key(&self, k: NewApiKey, actor: &Actor) -> Result<bool, StoreError> {
        let actor = actor.clone();
        self.db
            .write(move |c| {
                let n = c
                    .prepare_cached(
                        "INSERT INTO api_keys (id, name, prefix, secret_hash, scopes, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                    )?
                    .execute(params![k.id, k.name, k.prefix, &k.secret_hash[..], k.scopes, k.created_at])?;
                if n == 1 {
                    audit::insert(c, &actor, k.created_at, &[of_api_key(EventType::ApiKeyCreated, &k.name)])?;
                }
                Ok(n == 1)
            })
            .await
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.db
            .read(move |c| {
                c.prepare_cached(&format!("SELECT {COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC"))?
                    .query_map([], api_key_from_row)?
                    .collect()
            })
            .await
    }

    async fn revoke_api_key(&self, name: &str, now: i64, actor: &Actor) -> Result<bool, StoreError> {
        let (name, actor) = (name.to_owned(), actor.clone());
        self.db
            .write(move |c| {
                let n = c
                    .prepare_cached("UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL")?
                    .execute(params![name, now])?;
                if n == 1 {
                    audit::insert(c, &actor, now, &[of_api_key(EventType::ApiKeyRevoked, &name)])?;
                }
                Ok(n == 1)
            })
            .await
    }

    async fn api_key(&self, prefix: &str) -> Result<Option<ApiKey>, StoreError> {
        let prefix = prefix.to_owned();
        self.db
            .read(move |c| {
                c.prepare_cached(&format!("SELECT {COLUMNS} FROM api_keys WHERE prefix = ?1 AND revoked_at IS NULL"))?
                    .query_row([prefix], api_key_from_row)
                    .optional()
            })
            .await
    }

    async fn touch_api_key(&self, id: &str, now: i64) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.db
            .write(move |c| {
                c.prepare_cached("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1")?.execute(params![id, now])?;
                Ok(())
            })
            .await
    }
}
