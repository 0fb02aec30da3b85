//! Every rule of aims that needs the store, behind one function per operation.
//!
//! Each operation takes the context it runs in (`Cx`: store, evidence files, clock) and the
//! scope it runs for (`Scope`: organization, actor, permissions) and checks the permission
//! itself, so the API, the pages, the CLI and background jobs cannot skip a rule. Nothing here
//! knows HTTP: errors are `AppError`s with a kind, exports are `FileOut`s.
//!
//! Areas import only downward: registers → rules → risk, impact, evidence → soa, trace,
//! catalog → maturity → demo.

pub mod access;
pub mod audit_trail;
pub mod catalog;
pub mod changes;
pub mod classification;
pub mod competence;
pub mod concerns;
pub mod cx;
pub mod cyclonedx;
pub mod demo;
pub mod document_templates;
pub mod documents;
pub mod error;
pub mod evidence;
pub mod file;
pub mod files;
pub mod impact;
pub mod incidents;
pub mod maturity;
pub mod objectives;
pub mod record;
pub mod registers;
pub mod risk;
pub mod roles;
pub mod rules;
pub mod settings;
pub mod soa;
pub mod trace;

pub use cx::{Cx, Scope, SystemClock};
pub use error::{AppError, AppResult, ErrorKind};
pub use file::{FileBody, FileOut};
