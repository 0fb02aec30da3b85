//! One module per subcommand; `main.rs` parses and dispatches.

pub mod audit;
pub mod backup;
pub mod catalog;
pub mod demo;
pub mod inventory;
pub mod migrate;
pub mod serve;
pub mod token;
pub mod user;
