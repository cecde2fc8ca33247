#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The integration suite: the real server on a real port, each test on its own fresh
//! database, once on SQLite and once on PostgreSQL (`backend_test!`).

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod account_pages;
mod accounts;
mod admin;
mod audit;
mod cli;
mod delivery;
mod dev_inbox;
mod dev_provider;
mod enumeration;
mod errors;
mod helpers;
mod i18n;
mod links;
mod ops;
mod passwordless;
mod proxy;
mod rate_limits;
mod security;
mod sessions;
mod tokens;
