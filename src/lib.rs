//! Postern: passwordless sign-in (magic links and codes by email and SMS), sessions and
//! the hosted pages around them, behind a small HTTP contract.

#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod delivery;
pub mod domain;
pub mod error;
pub mod flows;
pub mod http;
pub mod i18n;
pub mod memory;
pub mod messages;
pub mod passwords;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod templates;
pub mod tokens;
