#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Contract tests of the HTTP delivery providers: the real server sends through each
//! provider to a local mock that validates every request against the provider's own
//! OpenAPI document (`specs/`) or its documented request shape.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod app;
mod controls;
mod mock;
mod scenarios;
mod spec;
