//! `impl Store` by area: thin wrappers that dispatch to the backend.

mod access;
mod backup;
mod catalog;
mod documents;
mod incidents;
mod maturity;
mod objectives;
mod registers;
mod risk;
