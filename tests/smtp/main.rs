#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The `smtp` email provider against a real SMTP server: the real postern server in
//! process, delivering through lettre to `tests/support/smtp_sink.py` (aiosmtpd), which
//! parses each message with Python's `email` package and checks its DKIM signature with
//! dkimpy. The sink's Python dependencies are installed on first use
//! (scripts/ensure-python-deps.sh). Run with `cargo test --test smtp`.

#[path = "../common/mod.rs"]
mod common;
#[path = "../support/sink.rs"]
mod sink;
// The real binary as a child process, for what needs its own environment (SSL_CERT_FILE).
#[allow(dead_code)]
#[path = "../cluster/harness.rs"]
mod harness;

mod app;
mod delivery;
mod dkim;
mod failures;
mod pool;
mod tls;
