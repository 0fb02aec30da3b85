//! `aims documents`: bulk tasks on documented information.

use crate::{open, DbArgs};
use aims_domain::register::DOCUMENT_KINDS;
use aims_domain::Clock;
use aims_service::documents::ImportFile;
use aims_service::{Scope, SystemClock};
use anyhow::{anyhow, Context};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum DocumentsCommand {
    /// Import every Markdown file of a folder (and its subfolders) as a document with its
    /// content as draft 1.0, titled by its first `# ` heading. All files or none.
    Import {
        folder: PathBuf,
        #[arg(long)]
        org: String,
        /// The kind of every document: policy, procedure, plan, record, statement or template.
        #[arg(long, default_value = "procedure")]
        kind: String,
    },
}

pub async fn run(db: &DbArgs, cmd: DocumentsCommand) -> anyhow::Result<ExitCode> {
    let store = open(db).await?;
    aims_service::catalog::ensure_builtin(&store, SystemClock.now())
        .await
        .map_err(|e| anyhow!(e))?;
    let cx = aims_files::local_cx(store, &db.data_dir.join("evidence"))
        .context("cannot prepare the evidence folder")?;
    match cmd {
        DocumentsCommand::Import { folder, org, kind } => {
            if !DOCUMENT_KINDS.iter().any(|(k, _)| *k == kind) {
                return Err(anyhow!(
                    "--kind: `{kind}` is not one of policy, procedure, plan, record, statement, template"
                ));
            }
            let org = cx
                .store
                .org_by_slug(&org)
                .await?
                .ok_or_else(|| anyhow!("--org: no organization `{org}`"))?;
            let mut files = vec![];
            collect(&folder, &folder, &mut files)?;
            files.sort_by(|a, b| a.path.cmp(&b.path));
            let made = aims_service::documents::import(&cx, &Scope::operator(org.id), files, &kind)
                .await
                .map_err(super::problem)?;
            for (rec, v) in &made {
                outln!(
                    "{} {} (draft {})",
                    rec.get("reference")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default(),
                    rec.get("name").and_then(|v| v.as_str()).unwrap_or_default(),
                    v.number()
                );
            }
            outln!("imported {} documents into {}", made.len(), org.slug);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The folder's `.md` files, named by their path inside it.
fn collect(root: &Path, dir: &Path, out: &mut Vec<ImportFile>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?;
    for e in entries {
        let path = e?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("md"))
        {
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            let bytes = std::fs::read(&path).with_context(|| format!("cannot read {name}"))?;
            let content =
                String::from_utf8(bytes).map_err(|_| anyhow!("{name}: is not UTF-8 text"))?;
            out.push(ImportFile {
                path: name,
                content,
            });
        }
    }
    Ok(())
}
