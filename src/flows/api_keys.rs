//! API keys: `postern api-keys create|list|revoke` and the check of `Authorization: Bearer`
//! on every `/admin/v1` request.
//!
//! A key is `pst_<prefix>_<secret>`: the prefix (48 random bits, hex) finds the row, the
//! secret (256 random bits) is stored as SHA-256 and compared in constant time (OWASP
//! Secrets Management / API keys: store a hash, show the key once). A high-entropy secret
//! needs no slow hash: nobody can guess it, so nothing is gained by argon2 here.

use crate::crypto;
use crate::domain::scope::Scope;
use crate::error::{AppError, AppResult};
use crate::store::{Actor, ApiKey, NewApiKey, Store};

const KEY_PREFIX: &str = "pst";
/// A use is recorded at most this often per key (a write per request would make every
/// admin read a write).
const TOUCH_INTERVAL_MS: i64 = 60_000;

/// The key's name: what an operator and the audit trail call it.
pub fn parse_name(name: &str) -> anyhow::Result<String> {
    let name = name.trim();
    if name.is_empty()
        || name.len() > 64
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        anyhow::bail!("a key name is 1 to 64 characters of letters, digits, '-', '_' and '.'");
    }
    Ok(name.to_owned())
}

/// Creates a key; returns it and the full key, to be shown once and never again.
pub async fn create(store: &dyn Store, name: &str, scopes: &[Scope], now: i64) -> anyhow::Result<(ApiKey, String)> {
    let name = parse_name(name)?;
    if scopes.is_empty() {
        anyhow::bail!("a key needs at least one scope");
    }
    let mut prefix_bytes = [0u8; 6];
    getrandom::fill(&mut prefix_bytes).map_err(|e| anyhow::anyhow!("failed to draw random bytes: {e}"))?;
    let prefix: String = prefix_bytes.iter().map(|b| format!("{b:02x}")).collect();
    let secret = crypto::random_token();
    let new = NewApiKey {
        id: crypto::new_id(),
        name: name.clone(),
        prefix: prefix.clone(),
        secret_hash: crypto::sha256(secret.as_bytes()),
        scopes: Scope::join(scopes),
        created_at: now,
    };
    let stored = ApiKey {
        id: new.id.clone(),
        name: new.name.clone(),
        prefix: new.prefix.clone(),
        secret_hash: new.secret_hash.to_vec(),
        scopes: new.scopes.clone(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    if !store.create_api_key(new, &Actor::cli()).await? {
        anyhow::bail!("a live key is already named {name:?}; revoke it first or choose another name");
    }
    Ok((stored, format!("{KEY_PREFIX}_{prefix}_{secret}")))
}

/// The caller of an admin request: a live key and what it may do.
#[derive(Debug, Clone)]
pub struct AdminKey {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
}

impl AdminKey {
    /// `403 forbidden` unless the key has `scope`.
    pub fn require(&self, scope: Scope) -> AppResult<()> {
        if self.scopes.contains(&scope) { Ok(()) } else { Err(AppError::Forbidden(scope)) }
    }
}

/// The key in an `Authorization: Bearer` value, if it is a live one. Every failure is the
/// same `401 unauthorized`: a wrong key says nothing about which part was wrong.
pub async fn authenticate(store: &dyn Store, bearer: &str, now: i64) -> AppResult<AdminKey> {
    let mut parts = bearer.splitn(3, '_');
    let (Some(KEY_PREFIX), Some(prefix), Some(secret)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(AppError::Unauthorized);
    };
    if prefix.len() != 12 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::Unauthorized);
    }
    let key = store.api_key(prefix).await?.ok_or(AppError::Unauthorized)?;
    if !crypto::constant_time_eq(&key.secret_hash, &crypto::sha256(secret.as_bytes())) {
        return Err(AppError::Unauthorized);
    }
    if key.last_used_at.is_none_or(|at| now - at >= TOUCH_INTERVAL_MS) {
        store.touch_api_key(&key.id, now).await?;
    }
    Ok(AdminKey { id: key.id, name: key.name, scopes: Scope::parse_list(&key.scopes) })
}
