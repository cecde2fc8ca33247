//! Access tokens (issue 13): short-lived JWTs signed with EdDSA (Ed25519) that a live
//! session turns into (`POST /v1/session/token`). Apps verify them against the published
//! keys (`/.well-known/jwks.json`); forward-auth verifies a bearer token here.
//!
//! The keys live in the database (`SigningKeyStore`), shared by every instance; the
//! private part is sealed with AES-256-GCM under a key-encryption key (`tokens.
//! encryption_key`, or one derived from the server key). `KeyRing` holds what this
//! instance needs in memory: the active key to sign with, every published key to verify
//! with, and the JWKS document. A token says who it is for and until when; a revoked
//! session gets no new token, but an issued one lives until its `exp` (RFC 9068 §5: keep
//! access tokens short-lived).

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};

use anyhow::Context;
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::crypto;
use crate::store::SigningKey;

pub const ALGORITHM: &str = "EdDSA";

/// What an access token says. `email` and `phone` are there only when verified.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    /// The session the token was issued for.
    pub sid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// Why a token was refused; every reason answers the same 401.
#[derive(Debug, thiserror::Error)]
pub enum Invalid {
    #[error("the token is malformed, tampered with or not signed by a published key")]
    Signature,
    #[error("the token names a key that is not published")]
    UnknownKey,
    #[error("the token has expired")]
    Expired,
}

/// The key that seals private keys at rest: 32 bytes.
pub struct KeyEncryptionKey([u8; 32]);

impl KeyEncryptionKey {
    /// From `tokens.encryption_key` (base64, 32 bytes) or, without one, derived from the
    /// server key (which lives in the same database: set the config key to keep a
    /// database dump from signing tokens).
    pub fn new(configured: Option<&str>, server_key: &[u8; 32]) -> anyhow::Result<Self> {
        match configured {
            Some(b64) => {
                let bytes = crypto::unb64_any(b64).context("tokens.encryption_key is not base64")?;
                let key: [u8; 32] =
                    bytes.try_into().map_err(|_| anyhow::anyhow!("tokens.encryption_key must be 32 bytes"))?;
                Ok(Self(key))
            }
            None => Ok(Self(crypto::hmac(server_key, &[b"signing key encryption"]))),
        }
    }

    fn aead(&self) -> LessSafeKey {
        // 32 bytes is AES-256's key length: this cannot fail.
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).unwrap_or_else(|_| unreachable!()))
    }

    /// Seals a private key: a random nonce, then the ciphertext and tag; the key id is
    /// the associated data (a sealed key moved to another row does not open).
    fn seal(&self, kid: &str, plain: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| anyhow::anyhow!("no randomness"))?;
        let mut sealed = plain.to_vec();
        self.aead()
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(kid.as_bytes()), &mut sealed)
            .map_err(|_| anyhow::anyhow!("sealing the signing key failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(&self, kid: &str, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        anyhow::ensure!(sealed.len() > NONCE_LEN, "the sealed signing key is truncated");
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        let mut buf = rest.to_vec();
        let plain = self.aead().open_in_place(nonce, Aad::from(kid.as_bytes()), &mut buf).map_err(|_| {
            anyhow::anyhow!(
                "the signing key {kid} does not open with this key-encryption key \
                 (was tokens.encryption_key changed? `postern keys rotate` makes a new one)"
            )
        })?;
        Ok(plain.to_vec())
    }
}

/// A new Ed25519 signing key, sealed for the database.
pub fn generate(kek: &KeyEncryptionKey, now: i64) -> anyhow::Result<SigningKey> {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|_| anyhow::anyhow!("generating an Ed25519 key failed"))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| anyhow::anyhow!("bad Ed25519 key"))?;
    let kid = crypto::new_id();
    Ok(SigningKey {
        sealed_private_key: kek.seal(&kid, pkcs8.as_ref())?,
        public_key: pair.public_key().as_ref().to_vec(),
        kid,
        algorithm: ALGORITHM.to_owned(),
        created_at: now,
        retired_at: None,
        expires_at: None,
    })
}

struct Active {
    kid: String,
    key: EncodingKey,
    created_at: i64,
}

struct Loaded {
    active: Option<Active>,
    verifying: HashMap<String, DecodingKey>,
    jwks: String,
}

/// The keys this instance signs and verifies with, reloaded from the store by
/// `flows::tokens::maintain` (and when a token names a key not loaded yet).
pub struct KeyRing {
    kek: KeyEncryptionKey,
    issuer: String,
    audience: String,
    loaded: RwLock<Loaded>,
    /// When a token with an unknown `kid` last made this instance reload.
    last_unknown_reload: AtomicI64,
    /// Tokens already verified, by their whole text, until they expire: an app presents
    /// one token on every request for minutes, and a signature check costs far more than
    /// a lookup. Keyed by the whole token (never a part of it, which a forger could pair
    /// with another payload); tokens cannot be revoked, so a hit answers what a check
    /// would.
    verified: RwLock<HashMap<Box<str>, Claims>>,
}

/// Most tokens remembered as verified; past it, expired ones go (or all, if none has).
const VERIFIED_CAPACITY: usize = 10_000;

impl KeyRing {
    pub fn new(kek: KeyEncryptionKey, issuer: String, audience: String) -> Self {
        let empty = Loaded { active: None, verifying: HashMap::new(), jwks: r#"{"keys":[]}"#.to_owned() };
        Self {
            kek,
            issuer,
            audience,
            loaded: RwLock::new(empty),
            last_unknown_reload: AtomicI64::new(i64::MIN / 2),
            verified: RwLock::new(HashMap::new()),
        }
    }

    /// Whether a token naming an unknown key may make this instance reload now: at most
    /// once every 5 s, so forged `kid`s cannot make every request a database read.
    pub fn may_reload(&self, now: i64) -> bool {
        let last = self.last_unknown_reload.load(Ordering::Relaxed);
        now - last >= 5_000
            && self.last_unknown_reload.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }

    pub fn kek(&self) -> &KeyEncryptionKey {
        &self.kek
    }

    /// Replaces the loaded keys with `keys` (the store's published keys).
    pub fn load(&self, keys: &[SigningKey]) -> anyhow::Result<()> {
        let mut verifying = HashMap::new();
        let mut jwks = Vec::new();
        let mut active = None;
        for k in keys.iter().filter(|k| k.algorithm == ALGORITHM) {
            verifying.insert(k.kid.clone(), DecodingKey::from_ed_der(&k.public_key));
            jwks.push(serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "alg": ALGORITHM, "use": "sig",
                "kid": k.kid, "x": crypto::b64(&k.public_key),
            }));
            if k.retired_at.is_none() {
                let pkcs8 = self.kek.open(&k.kid, &k.sealed_private_key)?;
                active = Some(Active {
                    kid: k.kid.clone(),
                    key: EncodingKey::from_ed_der(&pkcs8),
                    created_at: k.created_at,
                });
            }
        }
        let jwks = serde_json::json!({ "keys": jwks }).to_string();
        let mut loaded = self.loaded.write().unwrap_or_else(|e| e.into_inner());
        *loaded = Loaded { active, verifying, jwks };
        Ok(())
    }

    /// The JWKS document of every published key.
    pub fn jwks(&self) -> String {
        self.loaded.read().unwrap_or_else(|e| e.into_inner()).jwks.clone()
    }

    /// When the active key was created (`None`: no key loaded yet).
    pub fn active_created_at(&self) -> Option<i64> {
        self.loaded.read().unwrap_or_else(|e| e.into_inner()).active.as_ref().map(|a| a.created_at)
    }

    pub fn knows(&self, kid: &str) -> bool {
        self.loaded.read().unwrap_or_else(|e| e.into_inner()).verifying.contains_key(kid)
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Signs `claims` with the active key (its `kid` in the header).
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let loaded = self.loaded.read().unwrap_or_else(|e| e.into_inner());
        let active = loaded.active.as_ref().context("no signing key is loaded")?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(active.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &active.key)?)
    }

    /// The claims of a token signed by a published key, for this issuer and audience,
    /// not expired at `now_ms`. Only EdDSA is accepted: `alg: none`, HMAC with the public
    /// key as secret and every other algorithm are refused (RFC 8725 §3.1).
    pub fn verify(&self, token: &str, now_ms: i64) -> Result<Claims, Invalid> {
        if let Some(claims) = self.verified.read().unwrap_or_else(|e| e.into_inner()).get(token) {
            return if claims.exp * 1000 > now_ms { Ok(claims.clone()) } else { Err(Invalid::Expired) };
        }
        let claims = self.check(token, now_ms)?;
        let mut verified = self.verified.write().unwrap_or_else(|e| e.into_inner());
        if verified.len() >= VERIFIED_CAPACITY {
            verified.retain(|_, c| c.exp * 1000 > now_ms);
            if verified.len() >= VERIFIED_CAPACITY {
                verified.clear();
            }
        }
        verified.insert(token.into(), claims.clone());
        Ok(claims)
    }

    fn check(&self, token: &str, now_ms: i64) -> Result<Claims, Invalid> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Invalid::Signature)?;
        if header.alg != Algorithm::EdDSA {
            return Err(Invalid::Signature);
        }
        let kid = header.kid.ok_or(Invalid::Signature)?;
        let loaded = self.loaded.read().unwrap_or_else(|e| e.into_inner());
        let key = loaded.verifying.get(&kid).ok_or(Invalid::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        // Expiry is checked against the server's clock below, not the library's.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &validation).map_err(|_| Invalid::Signature)?.claims;
        if claims.exp * 1000 <= now_ms {
            return Err(Invalid::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(now: i64) -> (KeyRing, SigningKey) {
        let kek = KeyEncryptionKey::new(None, &[7; 32]).unwrap();
        let key = generate(&kek, now).unwrap();
        let ring = KeyRing::new(kek, "https://auth.example.com".into(), "app".into());
        ring.load(std::slice::from_ref(&key)).unwrap();
        (ring, key)
    }

    fn claims(exp: i64) -> Claims {
        Claims {
            iss: "https://auth.example.com".into(),
            sub: "user".into(),
            aud: "app".into(),
            sid: "session".into(),
            email: Some("ada@example.com".into()),
            phone: None,
            iat: 1_000,
            exp,
            jti: "j".into(),
        }
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let (ring, _) = ring(0);
        let token = ring.sign(&claims(1_300)).unwrap();
        assert_eq!(ring.verify(&token, 1_299_999).unwrap(), claims(1_300));
        assert!(matches!(ring.verify(&token, 1_300_000), Err(Invalid::Expired)));
    }

    #[test]
    fn a_private_key_opens_only_with_its_kek_and_its_kid() {
        let kek = KeyEncryptionKey::new(None, &[7; 32]).unwrap();
        let key = generate(&kek, 0).unwrap();
        assert!(kek.open(&key.kid, &key.sealed_private_key).is_ok());
        assert!(kek.open("another", &key.sealed_private_key).is_err(), "bound to its kid");
        let other = KeyEncryptionKey::new(None, &[8; 32]).unwrap();
        assert!(other.open(&key.kid, &key.sealed_private_key).is_err());
        let configured = KeyEncryptionKey::new(Some(&crypto::b64(&[1; 32])), &[7; 32]).unwrap();
        assert!(configured.open(&key.kid, &key.sealed_private_key).is_err());
        assert!(KeyEncryptionKey::new(Some("c2hvcnQ"), &[7; 32]).is_err(), "32 bytes or nothing");
    }

    #[test]
    fn tampered_unsigned_and_confused_tokens_are_refused() {
        let (ring, key) = ring(0);
        let token = ring.sign(&claims(2_000)).unwrap();
        ring.verify(&token, 0).expect("the real one passes (and is remembered)");
        let parts: Vec<&str> = token.split('.').collect();
        // The payload changed (another subject), the signature kept.
        let mut forged = claims(2_000);
        forged.sub = "admin".into();
        let payload = crypto::b64(serde_json::to_string(&forged).unwrap().as_bytes());
        let tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
        assert!(matches!(ring.verify(&tampered, 0), Err(Invalid::Signature)));
        // alg none, no signature.
        let none = crypto::b64(format!(r#"{{"alg":"none","kid":"{}"}}"#, key.kid).as_bytes());
        assert!(ring.verify(&format!("{none}.{}.", parts[1]), 0).is_err());
        // HS256 keyed with the public key (algorithm confusion).
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key.kid.clone());
        let hs = jsonwebtoken::encode(&header, &claims(2_000), &EncodingKey::from_secret(&key.public_key)).unwrap();
        assert!(ring.verify(&hs, 0).is_err());
        // Another audience or issuer.
        let mut other = claims(2_000);
        other.aud = "another-app".into();
        assert!(ring.verify(&ring.sign(&other).unwrap(), 0).is_err());
        let mut other = claims(2_000);
        other.iss = "https://evil.example".into();
        assert!(ring.verify(&ring.sign(&other).unwrap(), 0).is_err());
        // A key that is not published.
        let (stranger, _) = self::ring(0);
        assert!(matches!(ring.verify(&stranger.sign(&claims(2_000)).unwrap(), 0), Err(Invalid::UnknownKey)));
    }

    #[test]
    fn the_jwks_publishes_the_public_keys_only() {
        let (ring, key) = ring(0);
        let jwks: serde_json::Value = serde_json::from_str(&ring.jwks()).unwrap();
        let k = &jwks["keys"][0];
        assert_eq!(k["kid"], key.kid.as_str());
        assert_eq!(k["kty"], "OKP");
        assert_eq!(k["crv"], "Ed25519");
        assert_eq!(k["x"], crypto::b64(&key.public_key).as_str());
        assert!(k.get("d").is_none(), "never the private part");
    }
}
