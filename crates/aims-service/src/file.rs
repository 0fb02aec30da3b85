//! A file an operation hands back (an export): its name, media type and content. The web crate
//! turns it into a download; the CLI writes it out.

use bytes::Bytes;
use futures_util::stream::BoxStream;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV: &str = "text/csv; charset=utf-8";
pub const YAML: &str = "application/yaml";
pub const JSON: &str = "application/json";

pub enum FileBody {
    Bytes(Bytes),
    /// Produced while it is sent (large register exports), so memory stays flat.
    Stream(BoxStream<'static, std::io::Result<Bytes>>),
}

pub struct FileOut {
    pub name: String,
    pub media_type: String,
    pub body: FileBody,
    /// Extra headers the download carries, such as the content's SHA-256.
    pub sha256: Option<String>,
}

impl FileOut {
    pub fn new(media_type: &str, name: &str, bytes: impl Into<Bytes>) -> FileOut {
        FileOut {
            name: name.to_string(),
            media_type: media_type.to_string(),
            body: FileBody::Bytes(bytes.into()),
            sha256: None,
        }
    }

    pub fn stream(
        media_type: &str,
        name: &str,
        stream: BoxStream<'static, std::io::Result<Bytes>>,
    ) -> FileOut {
        FileOut {
            name: name.to_string(),
            media_type: media_type.to_string(),
            body: FileBody::Stream(stream),
            sha256: None,
        }
    }

    /// The whole content, collecting a stream (the CLI writes files this way).
    pub async fn into_bytes(self) -> std::io::Result<Vec<u8>> {
        use futures_util::TryStreamExt;
        match self.body {
            FileBody::Bytes(b) => Ok(b.to_vec()),
            FileBody::Stream(s) => {
                let parts: Vec<Bytes> = s.try_collect().await?;
                Ok(parts.concat())
            }
        }
    }
}
