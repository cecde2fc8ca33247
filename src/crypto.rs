//! Secrets: generation, hashing and comparison. Every one-time secret Postern issues comes
//! from here, so the rules live in one place:
//! - link tokens and session ids are 256 random bits (NIST 800-63B §5.1.1.2 asks ≥ 112;
//!   OWASP Session Management asks ≥ 64 bits of entropy);
//! - codes are 6 digits drawn uniformly from a CSPRNG (NIST 800-63B §5.1.3.2);
//! - only hashes are stored; codes, which have little entropy, are keyed with a server
//!   secret (HMAC) so a leaked database cannot be brute-forced offline;
//! - comparisons run in constant time.

use base64::prelude::{BASE64_URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, KeyInit, Mac};
use rand::{Rng, RngExt};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub type Hash = [u8; 32];

/// `rand::rng()` is a ChaCha-based CSPRNG seeded from the OS and reseeded periodically;
/// it avoids one system call per secret on the hot path.
fn fill(buf: &mut [u8]) {
    rand::rng().fill_bytes(buf);
}

/// 32 random bytes, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut buf = [0u8; 32];
    fill(&mut buf);
    BASE64_URL_SAFE_NO_PAD.encode(buf)
}

/// Base64 with its symbols in ASCII order, so encoded ids sort like their bytes.
const ORDERED: base64::engine::GeneralPurpose =
    match base64::alphabet::Alphabet::new("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz") {
        Ok(alphabet) => base64::engine::GeneralPurpose::new(&alphabet, base64::engine::general_purpose::NO_PAD),
        Err(_) => panic!("the ordered alphabet is valid"),
    };

/// An identifier: 6 bytes of milliseconds then 10 random bytes (80 bits), 22 URL-safe
/// characters. Time first keeps inserts at the right edge of the primary-key index
/// instead of dirtying a random page per row; the random part keeps ids unguessable.
/// Ids are not secrets: every secret is checked separately (see `split_token`).
pub fn new_id() -> String {
    let millis =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let mut buf = [0u8; 16];
    buf[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    fill(&mut buf[6..]);
    ORDERED.encode(buf)
}

fn is_id(s: &str) -> bool {
    s.len() == 22 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A bearer token `<id>.<secret>` (a "split token"): the id finds the row by its primary
/// key, the secret (256 bits) is checked against the stored hash in constant time. No
/// lookup is ever made by a secret, so the database index cannot leak timing about one.
pub fn join_token(id: &str, secret: &str) -> String {
    format!("{id}.{secret}")
}

/// `(id, sha256(secret))` of a well-formed token.
pub fn split_token(token: &str) -> Option<(&str, Hash)> {
    let (id, secret) = token.split_once('.')?;
    let secret_ok = secret.len() == 43 && unb64(secret).is_some_and(|b| b.len() == 32);
    (is_id(id) && secret_ok).then(|| (id, sha256(secret.as_bytes())))
}

pub fn random_key() -> [u8; 32] {
    let mut buf = [0u8; 32];
    fill(&mut buf);
    buf
}

/// Six digits, uniform over 000000–999999 (`random_range` rejects biased samples).
pub fn random_code() -> String {
    let n: u32 = rand::rng().random_range(0..1_000_000);
    format!("{n:06}")
}

/// The two-digit number the waiting browser shows for cross-device approval.
pub fn random_match_number() -> u8 {
    rand::rng().random_range(10..100)
}

pub fn sha256(data: &[u8]) -> Hash {
    Sha256::digest(data).into()
}

pub fn hmac(key: &[u8], parts: &[&[u8]]) -> Hash {
    #[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

pub fn b64(data: &[u8]) -> String {
    BASE64_URL_SAFE_NO_PAD.encode(data)
}

pub fn unb64(s: &str) -> Option<Vec<u8>> {
    BASE64_URL_SAFE_NO_PAD.decode(s).ok()
}

/// Base64 in either alphabet, padded or not (a key pasted from `openssl rand -base64 32`).
pub fn unb64_any(s: &str) -> Option<Vec<u8>> {
    unb64(&s.trim().trim_end_matches('=').replace('+', "-").replace('/', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tokens_carry_256_bits_and_do_not_repeat() {
        let tokens: HashSet<String> = (0..1000).map(|_| random_token()).collect();
        assert_eq!(tokens.len(), 1000);
        assert!(tokens.iter().all(|t| unb64(t).map(|b| b.len()) == Some(32)));
    }

    #[test]
    fn ids_sort_by_creation_time_and_do_not_repeat() {
        let first = new_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let later: Vec<String> = (0..1000).map(|_| new_id()).collect();
        assert!(later.iter().all(|id| id.as_str() > first.as_str() && is_id(id)));
        assert_eq!(later.iter().collect::<HashSet<_>>().len(), 1000);
    }

    #[test]
    fn split_tokens_round_trip_and_reject_malformed_ones() {
        let (id, secret) = (new_id(), random_token());
        let token = join_token(&id, &secret);
        assert_eq!(split_token(&token), Some((id.as_str(), sha256(secret.as_bytes()))));
        for bad in ["", ".", &secret, &format!("{id}."), &format!("{id}.{secret}x"), &format!("short.{secret}")] {
            assert!(split_token(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn codes_are_six_digits_and_cover_the_range() {
        let mut first_digits = HashSet::new();
        for _ in 0..2000 {
            let c = random_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
            first_digits.insert(c.as_bytes()[0]);
        }
        assert_eq!(first_digits.len(), 10, "leading zeros must be possible");
    }

    #[test]
    fn hmac_separates_its_parts() {
        let k = [7u8; 32];
        assert_ne!(hmac(&k, &[b"ab", b"c"]), hmac(&k, &[b"a", b"bc"]));
    }
}
