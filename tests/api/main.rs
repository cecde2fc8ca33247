#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The integration suite: the real server on a real port, a real SQLite file per test.

mod enumeration;
mod errors;
mod helpers;
mod links;
mod ops;
mod passwordless;
mod rate_limits;
mod security;
mod sessions;
