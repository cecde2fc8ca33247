//! API keys.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::{PgStore, audit};
use crate::store::{Actor, ApiKey, ApiKeyStore, EventType, NewApiKey, StoreError, of_api_key};

macro_rules! columns {
    () => {
        "id, name, prefix, secret_hash, scopes, created_at, last_used_at, revoked_at"
    };
}

fn api_key_from_row(row: &PgRow) -> Result<ApiKey, sqlx::Error> {
    Ok(ApiKey {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        prefix: row.try_get(2)?,
        secret_hash: row.try_get(3)?,
        scopes: row.try_get(4)?,
        created_at: row.try_get(5)?,
        last_used_at: row.try_get(6)?,
        revoked_at: row.try_get(7)?,
    })
}

#[async_trait]
impl ApiKeyStore for PgStore {
    async fn create_api_key(&self, k: NewApiKey, actor: &Actor) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "INSERT INTO api_keys (id, name, prefix, secret_hash, scopes, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(&k.id)
        .bind(&k.name)
        .bind(&k.prefix)
        .bind(&k.secret_hash[..])
        .bind(&k.scopes)
        .bind(k.created_at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            audit::insert(&mut *tx, actor, k.created_at, &[of_api_key(EventType::ApiKeyCreated, &k.name)]).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let rows = sqlx::query(concat!("SELECT ", columns!(), " FROM api_keys ORDER BY created_at DESC, id DESC"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(api_key_from_row).collect::<Result<_, _>>()?)
    }

    async fn revoke_api_key(&self, name: &str, now: i64, actor: &Actor) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL")
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 1 {
            audit::insert(&mut *tx, actor, now, &[of_api_key(EventType::ApiKeyRevoked, name)]).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn api_key(&self, prefix: &str) -> Result<Option<ApiKey>, StoreError> {
        let row =
            sqlx::query(concat!("SELECT ", columns!(), " FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL"))
                .bind(prefix)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| api_key_from_row(&r)).transpose()?)
    }

    async fn touch_api_key(&self, id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
