//! Catalog services shared by the API, the pages and the CLI: loading the built-in library,
//! importing uploaded libraries, exports (aims YAML, OSCAL), trees and coverage.

/// Library files can be larger than ordinary request bodies.
pub const MAX_LIBRARY_BYTES: usize = 10 * 1024 * 1024;

use crate::error::{AppError, ErrorKind};
use crate::file::FileOut;
use aims_catalog::library::{FrameworkMeta, RequirementDef};
use aims_catalog::{ciso, library, oscal, Library, Relation};
use aims_store::{Actor, FrameworkSummary, ImportReport, Requirement, Store};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::OnceLock;

/// Loads or upgrades the built-in frameworks and crosswalks; unchanged ones cost one query each.
pub async fn ensure_builtin(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Vec<ImportReport>, String> {
    static PARSED: OnceLock<Result<Vec<Library>, String>> = OnceLock::new();
    let libs = PARSED
        .get_or_init(|| aims_catalog::builtin().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)?;
    aims_catalog::ai_act_rules().map_err(|e| format!("the built-in EU AI Act rules: {e}"))?;
    store
        .import_libraries(None, libs, true, None, now)
        .await
        .map_err(|e| format!("loading the built-in catalog failed: {e}"))
}

/// Parses an uploaded library: the aims format, or a CISO Assistant library.
pub fn parse_upload(text: &str) -> Result<Vec<Library>, AppError> {
    let invalid =
        |e: aims_catalog::LibraryError| AppError::field(ErrorKind::Invalid, "library", e.0);
    if ciso::looks_like_ciso(text) {
        ciso::parse(text).map_err(invalid)
    } else {
        library::parse(text).map(|l| vec![l]).map_err(invalid)
    }
}

/// Imports an uploaded library into an organization (`None`: the shared catalog, CLI only),
/// under its own key or under `as_key`. A built-in framework is never replaced.
pub async fn import(
    store: &Store,
    org_id: Option<i64>,
    actor: Option<&Actor>,
    text: &str,
    as_key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<ImportReport>, AppError> {
    let mut libs = parse_upload(text)?;
    if let Some(key) = as_key.map(str::trim).filter(|k| !k.is_empty()) {
        library::rename_framework(&mut libs, key)
            .map_err(|e| AppError::field(ErrorKind::Invalid, "as_key", e.0))?;
    }
    Ok(store
        .import_libraries(org_id, &libs, false, actor, now)
        .await?)
}

fn rfc3339(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A framework as stored, back in library form (current requirements only).
pub async fn to_library(
    store: &Store,
    fw: &FrameworkSummary,
) -> Result<(FrameworkMeta, Vec<RequirementDef>), AppError> {
    let reqs = store.list_requirements(fw.framework.id, None).await?;
    let ref_of: HashMap<i64, String> = reqs.iter().map(|r| (r.id, r.reference.clone())).collect();
    let f = &fw.framework;
    let meta = FrameworkMeta {
        key: f.key.clone(),
        name: f.name.clone(),
        version: f.version,
        publisher: f.publisher.clone(),
        description: f.description.clone(),
        url: f.url.clone(),
        provenance: f.provenance.clone(),
        urn: f.urn.clone(),
    };
    let defs = reqs
        .into_iter()
        .map(|r| RequirementDef {
            parent: r.parent_id.and_then(|p| ref_of.get(&p).cloned()),
            reference: r.reference,
            title: r.title,
            kind: r.kind,
            assessable: r.assessable,
            description: r.description,
            guidance: r.guidance,
            evidence: r.evidence.0,
            questions: r.questions.0,
            documents: r.documents.0,
            urn: r.urn,
        })
        .collect();
    Ok((meta, defs))
}

pub async fn export_yaml(store: &Store, fw: &FrameworkSummary) -> Result<String, AppError> {
    let (meta, reqs) = to_library(store, fw).await?;
    library::to_yaml(&meta, &reqs).map_err(|e| AppError::internal(e.0))
}

pub async fn export_oscal(
    store: &Store,
    fw: &FrameworkSummary,
    now: DateTime<Utc>,
) -> Result<serde_json::Value, AppError> {
    let (meta, reqs) = to_library(store, fw).await?;
    Ok(oscal::catalog(&meta, &reqs, &rfc3339(now)))
}

/// Every crosswalk visible to the organization as one OSCAL mapping collection.
pub async fn export_mappings_oscal(
    store: &Store,
    org_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<serde_json::Value, AppError> {
    let frameworks: HashMap<i64, (String, i64)> = store
        .list_frameworks(org_id)
        .await?
        .into_iter()
        .map(|f| (f.framework.id, (f.framework.key, f.framework.version)))
        .collect();
    let mut sets = vec![];
    for s in store.list_mapping_sets(org_id).await? {
        let rows = store.mapping_rows(s.id).await?;
        let (Some(src), Some(tgt)) = (
            frameworks.get(&s.source_framework_id),
            frameworks.get(&s.target_framework_id),
        ) else {
            continue;
        };
        sets.push(oscal::MappingExport {
            key: s.key,
            name: s.name,
            version: s.version,
            source_framework: src.clone(),
            target_framework: tgt.clone(),
            rows: rows
                .into_iter()
                .map(|r| oscal::MappingExportRow {
                    relation: Relation::parse(&r.relation).unwrap_or(Relation::Related),
                    from: r.from_ref,
                    to: r.to_ref,
                    source: r.source,
                    note: r.note,
                })
                .collect(),
        });
    }
    if sets.iter().all(|s| s.rows.is_empty()) {
        return Err(AppError::not_found("crosswalk"));
    }
    Ok(oscal::mapping_collection(
        "aims catalog crosswalks",
        &sets,
        &rfc3339(now),
    ))
}

/// A requirement with its children, for tree views.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TreeNode {
    #[serde(flatten)]
    pub requirement: Requirement,
    #[schema(no_recursion)]
    pub children: Vec<TreeNode>,
}

pub fn tree(reqs: Vec<Requirement>) -> Vec<TreeNode> {
    let present: std::collections::HashSet<i64> = reqs.iter().map(|r| r.id).collect();
    let mut children: HashMap<Option<i64>, Vec<Requirement>> = HashMap::new();
    for r in reqs {
        // A node whose parent is filtered out (search) is shown at the top.
        let parent = r.parent_id.filter(|p| present.contains(p));
        children.entry(parent).or_default().push(r);
    }
    fn build(
        parent: Option<i64>,
        children: &mut HashMap<Option<i64>, Vec<Requirement>>,
    ) -> Vec<TreeNode> {
        let kids = children.remove(&parent).unwrap_or_default();
        kids.into_iter()
            .map(|r| {
                let id = r.id;
                TreeNode {
                    requirement: r,
                    children: build(Some(id), children),
                }
            })
            .collect()
    }
    build(None, &mut children)
}

/// One step of a coverage path.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoveragePath {
    pub control_id: i64,
    pub control_ref: String,
    pub control_name: String,
    /// The requirement the control is linked to, when coverage goes through a mapping.
    pub via_requirement_id: Option<i64>,
    pub via_ref: Option<String>,
    pub via_framework: Option<String>,
    /// How the via requirement relates to the covered one.
    pub relation: Option<String>,
    /// Whether this path alone covers the requirement fully.
    pub full: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageItem {
    pub requirement_id: i64,
    #[serde(rename = "ref")]
    pub reference: String,
    pub title: String,
    /// `direct`, `mapped` (fully through an equivalent or wider requirement), `partial`, or `none`.
    pub status: String,
    /// The strongest paths (direct before mapped, full before partial), at most
    /// `COVERAGE_PATHS_SHOWN`; the requirement's own page lists every control.
    pub paths: Vec<CoveragePath>,
    /// How many paths there are in all.
    pub paths_total: usize,
    /// Frameworks a crosswalk says have nothing for this requirement, with why.
    pub no_counterpart: Vec<String>,
}

/// Paths listed per requirement: a large organization links hundreds of controls to one
/// requirement, and the coverage answer must stay small.
pub const COVERAGE_PATHS_SHOWN: usize = 10;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub framework_key: String,
    pub assessable: usize,
    pub covered: usize,
    pub partial: usize,
    pub uncovered: usize,
    /// Covered (directly or fully through a mapping) as a share of assessable requirements, in percent.
    pub percent: f64,
    pub items: Vec<CoverageItem>,
}

/// Coverage of a framework by the organization's implemented controls. The rule: a
/// requirement is covered when an implemented control is linked to it, or to a requirement
/// mapped onto it as equivalent or wider (superset); other mappings make it partially covered.
pub async fn coverage(
    store: &Store,
    org_id: i64,
    fw: &FrameworkSummary,
) -> Result<Arc<Coverage>, AppError> {
    // Reused until the organization changes; the framework's content hash is in the key, so
    // an upgraded library is never judged by a stale result.
    let kind = format!("coverage:{}:{}", fw.framework.id, fw.framework.content_hash);
    store
        .derived(org_id, &kind, chrono::NaiveDate::MIN, || {
            // Coverage reads no dates: only a change of the organization renews it.
            compute_coverage(store, org_id, fw)
        })
        .await
}

async fn compute_coverage(
    store: &Store,
    org_id: i64,
    fw: &FrameworkSummary,
) -> Result<Coverage, AppError> {
    let reqs = store.list_requirements(fw.framework.id, None).await?;
    let (direct, mapped) = store.coverage_sources(org_id, fw.framework.id).await?;
    let mut paths: HashMap<i64, Vec<CoveragePath>> = HashMap::new();
    for d in direct {
        paths
            .entry(d.requirement_id)
            .or_default()
            .push(CoveragePath {
                control_id: d.control_id,
                control_ref: format!("CTL-{}", d.control_number),
                control_name: d.control_name,
                via_requirement_id: None,
                via_ref: None,
                via_framework: None,
                relation: None,
                full: true,
            });
    }
    for m in mapped {
        let stored = Relation::parse(&m.relation).unwrap_or(Relation::Related);
        // Read the relation from the via requirement (where the control is) to the covered one.
        let rel = if m.direction == "forward" {
            stored
        } else {
            stored.inverse()
        };
        paths
            .entry(m.requirement_id)
            .or_default()
            .push(CoveragePath {
                control_id: m.control_id,
                control_ref: format!("CTL-{}", m.control_number),
                control_name: m.control_name,
                via_requirement_id: Some(m.via_id),
                via_ref: Some(m.via_ref),
                via_framework: Some(m.via_framework),
                relation: Some(rel.as_str().to_string()),
                full: rel.fully_covers(),
            });
    }
    let mut items = vec![];
    let (mut covered, mut partial) = (0, 0);
    for r in reqs.into_iter().filter(|r| r.assessable) {
        let mut p = paths.remove(&r.id).unwrap_or_default();
        let status = if p.iter().any(|x| x.full && x.via_ref.is_none()) {
            "direct"
        } else if p.iter().any(|x| x.full) {
            "mapped"
        } else if !p.is_empty() {
            "partial"
        } else {
            "none"
        };
        match status {
            "direct" | "mapped" => covered += 1,
            "partial" => partial += 1,
            _ => {}
        }
        let paths_total = p.len();
        p.sort_by_key(|x| (!x.full, x.via_ref.is_some(), x.control_id));
        p.truncate(COVERAGE_PATHS_SHOWN);
        let no_counterpart = no_counterparts()
            .iter()
            .filter(|(from, _, reference, _)| {
                *from == fw.framework.key && *reference == r.reference
            })
            .map(|(_, to, _, note)| format!("no counterpart in {to}: {note}"))
            .collect();
        items.push(CoverageItem {
            no_counterpart,
            requirement_id: r.id,
            reference: r.reference,
            title: r.title,
            status: status.into(),
            paths: p,
            paths_total,
        });
    }
    let assessable = items.len();
    Ok(Coverage {
        framework_key: fw.framework.key.clone(),
        assessable,
        covered,
        partial,
        uncovered: assessable - covered - partial,
        percent: if assessable == 0 {
            0.0
        } else {
            (covered as f64 * 1000.0 / assessable as f64).round() / 10.0
        },
        items,
    })
}

/// The built-in crosswalks' "no counterpart" rows, parsed once.
fn no_counterparts() -> &'static [(String, String, String, String)] {
    static ROWS: OnceLock<Vec<(String, String, String, String)>> = OnceLock::new();
    ROWS.get_or_init(aims_catalog::no_counterparts)
}

/// A framework as a download: the aims YAML library or an OSCAL catalog (API and pages).
pub async fn framework_file(
    store: &Store,
    fw: &FrameworkSummary,
    format: &str,
    now: DateTime<Utc>,
) -> Result<FileOut, AppError> {
    let key = &fw.framework.key;
    match format {
        "yaml" => Ok(FileOut::new(
            crate::file::YAML,
            &format!("{key}.yaml"),
            export_yaml(store, fw).await?,
        )),
        "oscal" => Ok(FileOut::new(
            crate::file::JSON,
            &format!("{key}.oscal.json"),
            serde_json::to_vec(&export_oscal(store, fw, now).await?)
                .map_err(|e| AppError::internal(e.to_string()))?,
        )),
        _ => Err(AppError::field(
            ErrorKind::BadRequest,
            "format",
            "must be `yaml` or `oscal`",
        )),
    }
}

/// Every crosswalk visible to the organization as an OSCAL mapping collection download.
pub async fn crosswalks_file(
    store: &Store,
    org_id: i64,
    now: DateTime<Utc>,
) -> Result<FileOut, AppError> {
    let doc = export_mappings_oscal(store, Some(org_id), now).await?;
    Ok(FileOut::new(
        crate::file::JSON,
        "aims-crosswalks.oscal.json",
        serde_json::to_vec(&doc).map_err(|e| AppError::internal(e.to_string()))?,
    ))
}
