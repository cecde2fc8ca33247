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

/// 16 random bytes, URL-safe base64 (22 characters): identifiers that must not be
/// guessable but are not secrets by themselves.
pub fn random_id() -> String {
    let mut buf = [0u8; 16];
    fill(&mut buf);
    BASE64_URL_SAFE_NO_PAD.encode(buf)
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
