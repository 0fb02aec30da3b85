//! One application error for every caller. The web crate presents it twice (problem+json and
//! an HTML page) through one status table; the CLI prints its detail and field errors.

use aims_domain::{FieldError, Invalid};
use aims_store::StoreError;

/// What went wrong, independent of how it is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request cannot be read (a bad query parameter, a malformed body).
    BadRequest,
    /// No credentials, or credentials that are unknown, revoked or expired.
    Unauthenticated,
    /// The caller's role does not allow the operation.
    Forbidden,
    NotFound,
    /// Fields fail their rules; `errors` names each one.
    Invalid,
    /// The state of the record forbids the change.
    Conflict,
    /// The record changed since the caller read it.
    Stale,
    /// A one-time thing was used or has expired; a stored file is missing.
    Gone,
    TooLarge,
    TooManyRequests,
    Internal,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{detail}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// For `Stale`: the version the record has now, so a form can offer to overwrite it.
    pub current_version: Option<i64>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> AppError {
        AppError {
            kind,
            detail: detail.into(),
            errors: vec![],
            current_version: None,
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> AppError {
        AppError::new(ErrorKind::BadRequest, detail)
    }
    pub fn unauthenticated(detail: impl Into<String>) -> AppError {
        AppError::new(ErrorKind::Unauthenticated, detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> AppError {
        AppError::new(ErrorKind::Forbidden, detail)
    }
    pub fn not_found(what: &str) -> AppError {
        AppError::new(ErrorKind::NotFound, format!("{what} not found"))
    }
    pub fn conflict(detail: impl Into<String>) -> AppError {
        AppError::new(ErrorKind::Conflict, detail)
    }
    pub fn gone(detail: impl Into<String>) -> AppError {
        AppError::new(ErrorKind::Gone, detail)
    }
    /// An error of ours, logged here; the caller sees `detail`.
    pub fn internal(detail: impl Into<String>) -> AppError {
        let detail = detail.into();
        tracing::error!(error = %detail, "internal error");
        AppError::new(ErrorKind::Internal, detail)
    }
    pub fn invalid(invalid: Invalid) -> AppError {
        AppError {
            kind: ErrorKind::Invalid,
            detail: format!("the request has invalid fields: {invalid}"),
            errors: invalid.0,
            current_version: None,
        }
    }
    /// One named field is wrong, with the kind the caller should see (`BadRequest` for a query
    /// parameter, `Invalid` for a body field).
    pub fn field(kind: ErrorKind, field: &str, message: impl Into<String>) -> AppError {
        let inv = Invalid::field(field, message);
        AppError {
            kind,
            detail: inv.to_string(),
            errors: inv.0,
            current_version: None,
        }
    }
    /// Several problems found in one file or batch: nothing was written.
    pub fn rejected(detail: impl Into<String>, errors: Vec<FieldError>) -> AppError {
        AppError {
            kind: ErrorKind::Invalid,
            detail: detail.into(),
            errors,
            current_version: None,
        }
    }
}

impl From<Invalid> for AppError {
    fn from(inv: Invalid) -> AppError {
        AppError::invalid(inv)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound(what) => AppError::not_found(&what),
            StoreError::Conflict(m) => AppError::conflict(m),
            e @ StoreError::Stale { current } => AppError {
                current_version: Some(current),
                ..AppError::new(ErrorKind::Stale, e.to_string())
            },
            StoreError::Invalid(inv) => AppError::invalid(inv),
            StoreError::Gone(m) => AppError::gone(m),
            StoreError::Forbidden(m) => AppError::forbidden(m),
            StoreError::TooMany(m) => AppError::new(ErrorKind::TooManyRequests, m),
            other => {
                tracing::error!(error = %other, "internal error");
                AppError::new(
                    ErrorKind::Internal,
                    "internal error; the server log has the details",
                )
            }
        }
    }
}
