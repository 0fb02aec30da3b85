//! Where evidence files are kept, as the service sees it: bytes under a key. The service does
//! not know the storage; `aims-files` adapts `object_store` (a local folder, or an S3-compatible
//! store when several nodes run).

use bytes::Bytes;
use futures_util::future::BoxFuture;

/// Why a file could not be stored or read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FilesError {
    #[error("no file is stored under this key")]
    Missing,
    #[error("{0}")]
    Failed(String),
}

pub trait EvidenceFiles: Send + Sync {
    /// Stores `bytes` under `key` (the same key always holds the same bytes).
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes) -> BoxFuture<'a, Result<(), FilesError>>;
    /// The bytes under `key`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Bytes, FilesError>>;
}
