//! API keys of the server-to-server API: created, listed and revoked by the operator
//! (`postern api-keys`), looked up by their public prefix on every admin request.

use async_trait::async_trait;

use crate::crypto::Hash;
use crate::store::{Actor, StoreError};

#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Stores a new key; `false` when a live key already has its name.
    async fn create_api_key(&self, key: NewApiKey, actor: &Actor) -> Result<bool, StoreError>;

    /// Every key, live or revoked, newest first.
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;

    /// Revokes the live key of that name; `false` when there is none. Effective at once on
    /// every instance: each request looks its key up.
    async fn revoke_api_key(&self, name: &str, now: i64, actor: &Actor) -> Result<bool, StoreError>;

    /// The live key with this public prefix.
    async fn api_key(&self, prefix: &str) -> Result<Option<ApiKey>, StoreError>;

    /// Records a use of the key.
    async fn touch_api_key(&self, id: &str, now: i64) -> Result<(), StoreError>;
}

pub struct NewApiKey {
    pub id: String,
    pub name: String,
    pub prefix: String,
    /// SHA-256 of the secret part.
    pub secret_hash: Hash,
    /// Space-separated scopes.
    pub scopes: String,
    pub created_at: i64,
}

/// A key as stored: never its secret, only the secret's hash.
#[derive(Clone)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub scopes: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}
