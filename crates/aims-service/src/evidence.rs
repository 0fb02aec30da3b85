//! Evidence files: content-addressed by SHA-256, checked against it on every read.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::file::FileOut;
use crate::files::FilesError;
use crate::record::text;
use aims_domain::register::EVIDENCE;
use aims_domain::Permission;
use aims_store::Record;
use bytes::Bytes;
use sha2::{Digest, Sha256};

/// Evidence files above this answer 413.
pub const MAX_EVIDENCE_BYTES: usize = 25 * 1024 * 1024;

/// Files are kept under `ab/abcdef...`: the first two hex digits spread them over folders.
fn file_path(sha: &str) -> String {
    format!("{}/{sha}", &sha[..2])
}

/// Stores the bytes under their SHA-256, once however often they are uploaded (evidence files
/// and document attachments): (sha256, size). Empty or oversized files are refused.
pub(crate) async fn put_bytes(cx: &Cx, bytes: Bytes) -> AppResult<(String, i64)> {
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(AppError::new(
            ErrorKind::TooLarge,
            format!(
                "the file is larger than {} MiB",
                MAX_EVIDENCE_BYTES / (1024 * 1024)
            ),
        ));
    }
    if bytes.is_empty() {
        return Err(AppError::field(ErrorKind::Invalid, "file", "is empty"));
    }
    let sha = hex::encode(Sha256::digest(&bytes));
    let size = bytes.len() as i64;
    cx.files
        .put(&file_path(&sha), bytes)
        .await
        .map_err(|e| AppError::internal(format!("storing the file failed: {e}")))?;
    Ok((sha, size))
}

/// The stored bytes of `sha`, after checking that they still match it.
pub(crate) async fn get_bytes(cx: &Cx, sha: &str) -> AppResult<Bytes> {
    let bytes = cx.files.get(&file_path(sha)).await.map_err(|e| match e {
        FilesError::Missing => AppError::new(ErrorKind::Gone, "the stored file is missing"),
        FilesError::Failed(m) => AppError::internal(m),
    })?;
    if hex::encode(Sha256::digest(&bytes)) != sha {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "the stored file no longer matches its SHA-256: it was altered outside aims",
        ));
    }
    Ok(bytes)
}

/// Stores the bytes under their SHA-256 (once, however often uploaded) and records them on the evidence.
pub async fn store_file(cx: &Cx, scope: &Scope, id: i64, file: FileIn) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    let (s, org_id) = (cx, scope.org_id);
    let FileIn {
        version,
        name,
        media_type,
        bytes,
    } = file;
    let name = aims_domain::validate::text(&name, 300)
        .map_err(|m| AppError::field(ErrorKind::Invalid, "name", m))?;
    s.store
        .register_get(org_id, &EVIDENCE, id)
        .await?
        .ok_or_else(|| AppError::not_found("evidence"))?;
    let (sha, size) = put_bytes(cx, bytes).await?;
    Ok(s.store
        .set_evidence_file(
            &scope.actor,
            org_id,
            id,
            version,
            &name,
            &sha,
            size,
            &media_type,
            cx.now(),
        )
        .await?)
}

/// The file, after checking that its bytes still match the recorded SHA-256.
pub async fn load_file(cx: &Cx, scope: &Scope, id: i64) -> AppResult<FileOut> {
    scope.require(Permission::Read)?;
    let (s, org_id) = (cx, scope.org_id);
    let ev = s
        .store
        .register_get(org_id, &EVIDENCE, id)
        .await?
        .ok_or_else(|| AppError::not_found("evidence"))?;
    let sha = text(&ev, "file_sha256");
    if sha.len() != 64 {
        return Err(AppError::not_found("file of this evidence"));
    }
    let bytes = get_bytes(cx, &sha).await?;
    let name = text(&ev, "file_name").replace(['"', '\r', '\n'], "");
    let media = text(&ev, "media_type");
    let mut file = FileOut::new(
        if media.is_empty() {
            "application/octet-stream"
        } else {
            &media
        },
        &name,
        bytes,
    );
    file.sha256 = Some(sha);
    Ok(file)
}

/// An uploaded file for an evidence record, with the version of the record it was read at.
pub struct FileIn {
    pub version: i64,
    pub name: String,
    pub media_type: String,
    pub bytes: Bytes,
}
