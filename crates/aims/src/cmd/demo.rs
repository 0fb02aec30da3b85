//! `aims demo`: a believable demo organization, or the benchmark's large one.

use crate::{open, DbArgs};
use aims_domain::Clock;
use aims_service::{Scope, SystemClock};
use anyhow::{anyhow, Context};
use clap::ValueEnum;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub enum DemoScale {
    Small,
    Large,
}

/// Fill an organization with believable, linked demo records (small) or a large
/// organization for benchmarks (large: 5,000 AI systems, 50,000 risks, 100,000 evidence records...).
#[derive(clap::Args)]
pub struct DemoArgs {
    /// An existing organization (create it with `aims user create`).
    #[arg(long)]
    org: String,
    #[arg(long, value_enum, default_value = "small")]
    scale: DemoScale,
}

pub async fn run(db: &DbArgs, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let DemoArgs { org, scale } = args;
    let store = open(db).await?;
    aims_service::catalog::ensure_builtin(&store, SystemClock.now())
        .await
        .map_err(|e| anyhow!(e))?;
    let o = store.org_by_slug(&org).await?.ok_or_else(|| {
        anyhow!("--org: no organization `{org}` (create it with `aims user create`)")
    })?;
    let owner = store
        .list_members(o.id, None, 1)
        .await?
        .first()
        .map(|m| m.user_id)
        .ok_or_else(|| anyhow!("--org: `{org}` has no member to own the demo records"))?;
    let scale = match scale {
        DemoScale::Small => aims_service::demo::SMALL,
        DemoScale::Large => aims_service::demo::LARGE,
    };
    let started = std::time::Instant::now();
    let progress = |m: String| eprintln!("  {m}");
    let cx = aims_files::local_cx(store.clone(), &db.data_dir.join("evidence"))
        .context("cannot prepare the evidence folder")?;
    let counts = aims_service::demo::generate(&cx, &Scope::operator(o.id), owner, scale, &progress)
        .await
        .map_err(|p| anyhow!(p.detail))?;
    outln!(
        "demo data for {org} in {:.1} s: {counts}",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
