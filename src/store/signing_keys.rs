//! The keys that sign access tokens (issue 13): shared by every instance through the
//! database, the private part sealed (`tokens::seal`) before it is stored. One key is
//! active (signs); a retired one stays published until every token it signed expired.

use async_trait::async_trait;

use crate::store::{Actor, StoreError};

#[async_trait]
pub trait SigningKeyStore: Send + Sync {
    /// Every key still published (the active one and the retired ones whose tokens may
    /// be live), newest first.
    async fn signing_keys(&self, now: i64) -> Result<Vec<SigningKey>, StoreError>;

    /// Makes `new` the active key when `when` says so, retiring the active one (it stays
    /// published for `keep_ms`). Of concurrent rotations by several instances, one wins.
    /// `false`: nothing changed.
    async fn rotate_signing_key(
        &self,
        new: SigningKey,
        when: Rotate,
        keep_ms: i64,
        actor: &Actor,
    ) -> Result<bool, StoreError>;
}

/// When a rotation happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotate {
    /// At first start: only while no key is active.
    IfNone,
    /// On the schedule: when the active key was created before this time (or none is).
    IfOlderThan(i64),
    /// `postern keys rotate`.
    Now,
}

impl Rotate {
    /// Whether to rotate, given the active key's creation time.
    pub fn due(self, active_created_at: Option<i64>) -> bool {
        match (self, active_created_at) {
            (_, None) | (Rotate::Now, _) => true,
            (Rotate::IfNone, Some(_)) => false,
            (Rotate::IfOlderThan(before), Some(created)) => created < before,
        }
    }
}

#[derive(Clone)]
pub struct SigningKey {
    /// The `kid` of its tokens and its JWKS entry.
    pub kid: String,
    /// `EdDSA` (Ed25519).
    pub algorithm: String,
    /// The PKCS#8 private key, sealed with the key-encryption key (nonce ‖ ciphertext).
    /// `SigningKey` has no `Debug`: it cannot reach a log.
    pub sealed_private_key: Vec<u8>,
    /// The raw public key.
    pub public_key: Vec<u8>,
    pub created_at: i64,
    /// No longer signs since then.
    pub retired_at: Option<i64>,
    /// Leaves the JWKS then: its last token has expired.
    pub expires_at: Option<i64>,
}
