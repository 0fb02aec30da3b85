//! `aims backup` and `aims restore`: logical backups (JSON lines) that restore across backends.

use crate::{open, DbArgs};
use aims_domain::Clock;
use aims_service::SystemClock;
use anyhow::{anyhow, bail, Context};
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// Writes every record and the audit trail to `file`.
pub async fn backup(db: &DbArgs, file: &Path) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    let out =
        std::fs::File::create(file).with_context(|| format!("cannot create {}", file.display()))?;
    let mut w = BufWriter::new(out);
    let header = serde_json::json!({
        "format": "aims-backup",
        "schema_version": store.schema_version().await?,
        "created_at": SystemClock.now().to_rfc3339(),
        "source": store.backend_name(),
    });
    writeln!(w, "{header}")?;
    let mut sink = |table: &str, row: serde_json::Map<String, serde_json::Value>| {
        let line = serde_json::json!({ "table": table, "row": row });
        writeln!(w, "{line}")
    };
    let rows = store.backup_rows(&mut sink).await?;
    w.flush()?;
    outln!("backed up {rows} rows to {}", file.display());
    Ok(ExitCode::SUCCESS)
}

/// Loads a backup into an empty database; the audit chain is verified before commit.
pub async fn restore(db: &DbArgs, file: &Path) -> anyhow::Result<ExitCode> {
    let mut text = String::new();
    std::fs::File::open(file)
        .with_context(|| format!("cannot open {}", file.display()))?
        .read_to_string(&mut text)
        .with_context(|| format!("{} is not a text backup file", file.display()))?;
    let mut lines = text.lines().enumerate();
    let header: serde_json::Value = match lines.next() {
        Some((_, l)) => serde_json::from_str(l)
            .map_err(|e| anyhow!("line 1: not an aims backup header: {e}"))?,
        None => bail!("{} is empty", file.display()),
    };
    if header["format"] != "aims-backup" {
        bail!("line 1: not an aims backup (the header has no \"format\": \"aims-backup\")");
    }
    let store = open(db).await?;
    let ours = store.known_schema_version();
    if header["schema_version"].as_i64() != Some(ours) {
        bail!("line 1: the backup has schema version {}, this aims writes {ours}: restore it with the aims version that made it", header["schema_version"]);
    }
    let mut rows = lines.filter(|(_, l)| !l.trim().is_empty()).map(|(i, l)| {
        let n = i + 1;
        let v: serde_json::Value =
            serde_json::from_str(l).map_err(|e| format!("line {n}: not JSON: {e}"))?;
        let table = v["table"]
            .as_str()
            .ok_or_else(|| format!("line {n}: no \"table\""))?
            .to_string();
        let row = v["row"]
            .as_object()
            .cloned()
            .ok_or_else(|| format!("line {n}: no \"row\" object"))?;
        Ok((n, table, row))
    });
    let count = store.restore_rows(&mut rows).await?;
    outln!(
        "restored {count} rows from {}; the audit chain verified",
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}
