//! `aims inventory`: import into and export from the AI system inventory.

use crate::{open, DbArgs};
use aims_domain::Clock;
use aims_service::{Cx, Scope, SystemClock};
use aims_store::Store;
use anyhow::{anyhow, bail, Context};
use clap::{Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum InventoryCommand {
    /// Import a CSV file into a register, or a CycloneDX BOM into the inventory. All or nothing.
    Import {
        file: PathBuf,
        #[arg(long)]
        org: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: InventoryFormat,
        /// The register a CSV file fills: ai-systems, models, datasets or suppliers.
        #[arg(long, default_value = "ai-systems")]
        register: String,
        /// With a BOM: link what it contains to this AI system (e.g. AIS-3).
        #[arg(long)]
        system: Option<String>,
    },
    /// Export a register as CSV or XLSX, or one AI system as a CycloneDX 1.6 BOM.
    Export {
        #[arg(long)]
        org: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: InventoryFormat,
        #[arg(long, default_value = "ai-systems")]
        register: String,
        /// With --format cyclonedx: the AI system to export (e.g. AIS-3).
        #[arg(long)]
        system: Option<String>,
        /// Write here instead of standard output (needed for xlsx).
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum InventoryFormat {
    Csv,
    Xlsx,
    Cyclonedx,
}

pub async fn run(db: &DbArgs, cmd: InventoryCommand) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    aims_service::catalog::ensure_builtin(&store, SystemClock.now())
        .await
        .map_err(|e| anyhow!(e))?;
    let cx = aims_files::local_cx(store, &db.data_dir.join("evidence"))
        .context("cannot prepare the evidence folder")?;
    inventory_command(&cx, cmd).await
}

async fn system_id(store: &Store, org_id: i64, reference: &str) -> anyhow::Result<i64> {
    let spec = &aims_domain::register::AI_SYSTEMS;
    let n = spec
        .parse_reference(reference)
        .ok_or_else(|| anyhow!("--system: `{reference}` is not a reference like AIS-3"))?;
    store
        .register_ids_by_numbers(org_id, spec, &[n])
        .await?
        .first()
        .map(|(_, id)| *id)
        .ok_or_else(|| anyhow!("--system: {reference} does not exist in this organization"))
}

async fn inventory_command(cx: &Cx, cmd: InventoryCommand) -> anyhow::Result<ExitCode> {
    let store = &cx.store;
    let problem = super::problem;
    let org_of = |slug: &str| {
        let slug = slug.to_string();
        async move {
            store
                .org_by_slug(&slug)
                .await?
                .ok_or_else(|| anyhow!("--org: no organization `{slug}`"))
        }
    };
    let register = |r: &str| {
        aims_service::registers::by_path(r).ok_or_else(|| {
            anyhow!("--register: `{r}` is not one of ai-systems, models, datasets, suppliers")
        })
    };
    match cmd {
        InventoryCommand::Import {
            file,
            org,
            format,
            register: reg,
            system,
        } => {
            let org = org_of(&org).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {} as text", file.display()))?;
            match format {
                InventoryFormat::Csv => {
                    let spec = register(&reg)?;
                    let scope = Scope::operator(org.id);
                    let recs = aims_service::registers::write::import_csv(cx, &scope, spec, &text)
                        .await
                        .map_err(problem)?;
                    outln!(
                        "imported {} {} into {}",
                        recs.len(),
                        spec.plural.to_lowercase(),
                        org.slug
                    );
                }
                InventoryFormat::Cyclonedx => {
                    let doc: serde_json::Value = serde_json::from_str(&text)
                        .map_err(|e| anyhow!("{}: not JSON: {e}", file.display()))?;
                    let system_id = match system {
                        Some(s) => Some(system_id(store, org.id, &s).await?),
                        None => None,
                    };
                    let r = aims_service::cyclonedx::import(
                        cx,
                        &Scope::operator(org.id),
                        &doc,
                        system_id,
                    )
                    .await
                    .map_err(|e| anyhow!("{}: {}", file.display(), problem(e)))?;
                    outln!(
                        "BOM imported into {}: {} new, {} already known",
                        org.slug,
                        r.created,
                        r.matched
                    );
                }
                InventoryFormat::Xlsx => {
                    bail!("--format xlsx is for export; import CSV or CycloneDX")
                }
            }
        }
        InventoryCommand::Export {
            org,
            format,
            register: reg,
            system,
            output,
        } => {
            let org = org_of(&org).await?;
            let scope = Scope::operator(org.id);
            let file = match format {
                InventoryFormat::Cyclonedx => {
                    let s = system
                        .ok_or_else(|| anyhow!("--system is required with --format cyclonedx"))?;
                    let id = system_id(store, org.id, &s).await?;
                    let bom = aims_service::cyclonedx::export(cx, &scope, id)
                        .await
                        .map_err(problem)?;
                    aims_service::FileOut::new(
                        aims_service::file::JSON,
                        "bom.json",
                        serde_json::to_vec_pretty(&bom)?,
                    )
                }
                InventoryFormat::Csv | InventoryFormat::Xlsx => {
                    let spec = register(&reg)?;
                    if format == InventoryFormat::Xlsx && output.is_none() {
                        bail!("--output FILE is required for xlsx");
                    }
                    let q = aims_service::registers::ListQuery {
                        limit: 500,
                        ..Default::default()
                    };
                    let ext = if format == InventoryFormat::Csv {
                        "csv"
                    } else {
                        "xlsx"
                    };
                    aims_service::registers::export(cx, &scope, spec, &q, ext)
                        .await
                        .map_err(problem)?
                }
            };
            write_out(file, output.as_deref()).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes an exported file to `output` (or standard output) a chunk at a time, so a large
/// register export does not have to fit in memory.
async fn write_out(
    file: aims_service::FileOut,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    let mut sink: Box<dyn Write> = match output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    match file.body {
        aims_service::FileBody::Bytes(b) => sink.write_all(&b)?,
        aims_service::FileBody::Stream(mut s) => {
            while let Some(chunk) = s.next().await {
                sink.write_all(&chunk?)?;
            }
        }
    }
    sink.flush()?;
    if let Some(path) = output {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
