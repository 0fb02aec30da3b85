//! `aims migrate`: apply the database migrations and exit.

use crate::{open, DbArgs};
use aims_domain::Clock;
use aims_service::SystemClock;
use anyhow::anyhow;
use std::process::ExitCode;

pub async fn run(db: &DbArgs) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    aims_service::catalog::ensure_builtin(&store, SystemClock.now())
        .await
        .map_err(|e| anyhow!(e))?;
    outln!(
        "database is at schema version {}",
        store.schema_version().await?
    );
    Ok(ExitCode::SUCCESS)
}
