//! Evidence files of aims in an `object_store`: the local folder by default; an S3-compatible
//! store fits the same trait when several nodes share one PostgreSQL.

use aims_service::files::{EvidenceFiles, FilesError};
use aims_service::Cx;
use aims_store::Store;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use object_store::{ObjectStore, ObjectStoreExt};
use std::sync::Arc;

/// Any `object_store` as the service's evidence files.
pub struct ObjectFiles(pub Arc<dyn ObjectStore>);

impl EvidenceFiles for ObjectFiles {
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes) -> BoxFuture<'a, Result<(), FilesError>> {
        Box::pin(async move {
            self.0
                .put(
                    &object_store::path::Path::from(key),
                    object_store::PutPayload::from_bytes(bytes),
                )
                .await
                .map(|_| ())
                .map_err(|e| FilesError::Failed(format!("storing the file failed: {e}")))
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Bytes, FilesError>> {
        Box::pin(async move {
            let got = self
                .0
                .get(&object_store::path::Path::from(key))
                .await
                .map_err(|e| match e {
                    object_store::Error::NotFound { .. } => FilesError::Missing,
                    e => FilesError::Failed(e.to_string()),
                })?;
            got.bytes()
                .await
                .map_err(|e| FilesError::Failed(e.to_string()))
        })
    }
}

/// Evidence files in a local folder (created when missing).
pub fn local(dir: &std::path::Path) -> std::io::Result<Arc<dyn EvidenceFiles>> {
    std::fs::create_dir_all(dir)?;
    let files = object_store::local::LocalFileSystem::new_with_prefix(dir)
        .map_err(std::io::Error::other)?;
    Ok(Arc::new(ObjectFiles(Arc::new(files))))
}

/// A service context over `store` with its evidence files in a local folder.
pub fn local_cx(store: Store, dir: &std::path::Path) -> std::io::Result<Cx> {
    Ok(Cx::new(store, local(dir)?))
}
