#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The cluster suite: the real `postern` binary run as several stateless processes on one
//! PostgreSQL database, behind a real nginx, killed with SIGKILL, and cut off from its
//! database by a TCP proxy. Each test has its own database and its own processes.
//! `delivery_crash` kills one process (on a SQLite file) while it sends email to a real
//! SMTP server (tests/support/smtp_sink.py; scripts/ensure-python-deps.sh installs it).
//!
//! Run it with `cargo test --test cluster` (add `-- --nocapture` to see the numbers each
//! test measures). It starts PostgreSQL (scripts/ensure-postgres.sh) and installs nginx
//! (scripts/ensure-nginx.sh) when they are missing.

#[path = "../common/mod.rs"]
mod common;

mod harness;
mod proxy;
#[path = "../support/sink.rs"]
mod sink;

mod across_instances;
mod crash;
mod delivery_crash;
mod forward_auth;
mod memory;
mod migrations;
mod outage;
mod session_cache;
mod tokens;
