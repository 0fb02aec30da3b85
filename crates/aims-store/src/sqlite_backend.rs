//! The SQL of `sql/`, compiled for SQLite.

type DB = sqlx::Sqlite;
const IS_POSTGRES: bool = false;

// The same files are compiled once per backend, on purpose: written once, typed for each.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;
pub use sql::*;
