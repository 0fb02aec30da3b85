//! The integration tests: one binary, a module per area, the harness beside them. Every
//! scenario runs against a real server over HTTP (or the CLI, or the service directly), once on
//! SQLite and once on PostgreSQL (`on_both_backends!`).
//!
//! `statements.rs` stays a binary of its own: it counts SQL statements through a process-wide
//! tracing subscriber, which other tests running beside it would disturb.
// Tests unwrap and panic on purpose (a failure is the report) and read the wall clock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

#[macro_use]
mod harness;

mod catalog;
mod cli;
mod documents;
mod http;
mod indexes;
mod inventory;
mod leadership;
mod maturity;
mod objectives;
mod openapi;
mod operation;
mod plan_pages;
mod risk;
mod rules;
mod service;
mod standards;
