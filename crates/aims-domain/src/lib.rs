//! Pure types and rules of aims: no IO, no SQL, no HTTP, no wall clock.
//!
//! Everything here is unit-testable; callers pass time in.

pub mod audit;
pub mod classify;
pub mod clock;
pub mod document;
pub mod incident;
pub mod kpi;
pub mod maturity;
pub mod register;
pub mod risk;
pub mod role;
pub mod validate;

pub use clock::{Clock, FixedClock};
pub use role::{Permission, Permissions, Role};
pub use validate::{FieldError, Invalid};
