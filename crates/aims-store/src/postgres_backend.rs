//! The SQL of `sql/`, compiled for PostgreSQL.

type DB = sqlx::Postgres;
const IS_POSTGRES: bool = true;

// The same files are compiled once per backend, on purpose: written once, typed for each.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;
pub use sql::*;
