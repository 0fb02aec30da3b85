//! `aims catalog`: browse, import and export the framework catalog.

use crate::{open, DbArgs};
use aims_domain::Clock;
use aims_service::SystemClock;
use aims_store::Store;
use anyhow::{anyhow, bail, Context};
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// List the frameworks and crosswalks.
    List,
    /// Show one requirement with its guidance and mappings: `A.6.2.4`, or `iso42001-2023:A.6.2.4`.
    Show { reference: String },
    /// Import an aims library or a CISO Assistant library (into one organization with --org,
    /// else into the catalog every organization shares).
    Import {
        file: PathBuf,
        #[arg(long)]
        org: Option<String>,
        /// Import the framework under this key (a built-in or earlier framework has its key).
        #[arg(long)]
        as_key: Option<String>,
    },
    /// Export a framework to standard output.
    Export {
        /// The framework's key, e.g. iso42001-2023.
        key: String,
        #[arg(long, value_enum, default_value = "yaml")]
        format: ExportFormat,
    },
    /// Export every shared crosswalk as an OSCAL mapping collection to standard output.
    ExportMappings,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Yaml,
    Oscal,
}

pub async fn run(db: &DbArgs, cmd: CatalogCommand) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    aims_service::catalog::ensure_builtin(&store, SystemClock.now())
        .await
        .map_err(|e| anyhow!(e))?;
    catalog_command(&store, cmd).await
}

async fn catalog_command(store: &Store, cmd: CatalogCommand) -> anyhow::Result<ExitCode> {
    let problem = |p: aims_service::AppError| anyhow!(p.detail);
    match cmd {
        CatalogCommand::List => {
            for f in store.list_frameworks(None).await? {
                outln!(
                    "{:<20} v{:<3} {:>4} requirements ({:>3} assessable)  {}",
                    f.framework.key,
                    f.framework.version,
                    f.requirement_count,
                    f.assessable_count,
                    f.framework.name
                );
            }
            for m in store.list_mapping_sets(None).await? {
                outln!("{:<40} v{:<3} crosswalk  {}", m.key, m.version, m.name);
            }
        }
        CatalogCommand::Show { reference } => {
            let found = match reference.split_once(':') {
                Some((key, r)) => store
                    .requirement_by_ref(None, key, r)
                    .await?
                    .into_iter()
                    .collect::<Vec<_>>(),
                None => {
                    let mut v = vec![];
                    for f in store.list_frameworks(None).await? {
                        if let Some(r) = store
                            .requirement_by_ref(None, &f.framework.key, &reference)
                            .await?
                        {
                            v.push(r);
                        }
                    }
                    v
                }
            };
            if found.is_empty() {
                bail!("no requirement `{reference}` in the catalog (try `framework-key:ref`, e.g. iso42001-2023:A.6.2.4)");
            }
            for r in found {
                let (_, fw) = store
                    .get_requirement(None, r.id)
                    .await?
                    .ok_or_else(|| anyhow!("requirement vanished"))?;
                outln!(
                    "{} {} — {} ({}{})",
                    fw.key,
                    r.reference,
                    r.title,
                    r.kind,
                    if r.assessable { ", assessable" } else { "" }
                );
                if let Some(d) = &r.description {
                    outln!("  {d}");
                }
                for (label, list) in [
                    ("evidence", &r.evidence.0),
                    ("question", &r.questions.0),
                    ("document", &r.documents.0),
                ] {
                    for item in list.iter() {
                        outln!("  {label}: {item}");
                    }
                }
                for m in store.requirement_mappings(None, r.id).await? {
                    let arrow = if m.direction == "outgoing" {
                        "->"
                    } else {
                        "<-"
                    };
                    outln!(
                        "  {arrow} {}:{} {} [{}]",
                        m.framework_key,
                        m.other_ref,
                        m.other_title,
                        m.relation
                    );
                }
            }
        }
        CatalogCommand::Import { file, org, as_key } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {} as text", file.display()))?;
            let org_id = match &org {
                Some(slug) => Some(
                    store
                        .org_by_slug(slug)
                        .await?
                        .ok_or_else(|| anyhow!("--org: no organization `{slug}`"))?
                        .id,
                ),
                None => None,
            };
            let actor = aims_store::Actor::cli();
            let reports = aims_service::catalog::import(
                store,
                org_id,
                Some(&actor),
                &text,
                as_key.as_deref(),
                SystemClock.now(),
            )
            .await
            .map_err(|p| {
                let fields: Vec<String> = p
                    .errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                anyhow!(
                    "{}: {}",
                    file.display(),
                    if fields.is_empty() {
                        p.detail
                    } else {
                        fields.join("; ")
                    }
                )
            })?;
            for r in reports {
                outln!(
                    "{} {} v{}: {} ({} requirements, {} withdrawn, {} mappings)",
                    r.kind,
                    r.key,
                    r.version,
                    r.outcome,
                    r.requirements,
                    r.withdrawn,
                    r.mappings
                );
            }
        }
        CatalogCommand::Export { key, format } => {
            let fw = store
                .framework_by_key(None, &key)
                .await?
                .ok_or_else(|| anyhow!("no framework `{key}` (see `aims catalog list`)"))?;
            match format {
                ExportFormat::Yaml => out!(
                    "{}",
                    aims_service::catalog::export_yaml(store, &fw)
                        .await
                        .map_err(problem)?
                ),
                ExportFormat::Oscal => outln!(
                    "{}",
                    serde_json::to_string_pretty(
                        &aims_service::catalog::export_oscal(store, &fw, SystemClock.now())
                            .await
                            .map_err(problem)?
                    )?
                ),
            }
        }
        CatalogCommand::ExportMappings => {
            outln!(
                "{}",
                serde_json::to_string_pretty(
                    &aims_service::catalog::export_mappings_oscal(store, None, SystemClock.now())
                        .await
                        .map_err(problem)?
                )?
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
