//! The aims library format (`format: aims-library/1`): a framework as a tree of requirements,
//! or a mapping set between two frameworks. Parsing checks everything that can be checked
//! without a database and names the node (or the YAML line) that is wrong.
//! See docs/catalog-format.md for the format.

use aims_domain::classify::ApplicationDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

pub const FORMAT: &str = "aims-library/1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct LibraryError(pub String);

fn err<T>(m: impl Into<String>) -> Result<T, LibraryError> {
    Err(LibraryError(m.into()))
}

/// How one requirement relates to another (after NIST IR 8477 / OLIR set theory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Same content.
    Equivalent,
    /// The source's content is contained in the target's.
    Subset,
    /// The source's content contains the target's.
    Superset,
    /// They share some content; each has content the other lacks.
    Intersects,
    /// On the same topic, without a set-theoretic claim.
    Related,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Equivalent => "equivalent",
            Relation::Subset => "subset",
            Relation::Superset => "superset",
            Relation::Intersects => "intersects",
            Relation::Related => "related",
        }
    }

    /// The relation read from the other end.
    pub fn inverse(self) -> Relation {
        match self {
            Relation::Subset => Relation::Superset,
            Relation::Superset => Relation::Subset,
            r => r,
        }
    }

    /// Whether implementing the source fully covers the target.
    pub fn fully_covers(self) -> bool {
        matches!(self, Relation::Equivalent | Relation::Superset)
    }

    /// The NIST IR 8477 relationship token used by OSCAL mapping collections.
    pub fn oscal_token(self) -> &'static str {
        match self {
            Relation::Equivalent => "equivalent-to",
            Relation::Subset => "subset-of",
            Relation::Superset => "superset-of",
            Relation::Intersects => "intersects-with",
            Relation::Related => "related-to",
        }
    }

    pub fn parse(s: &str) -> Option<Relation> {
        match s {
            "equivalent" => Some(Relation::Equivalent),
            "subset" => Some(Relation::Subset),
            "superset" => Some(Relation::Superset),
            "intersects" => Some(Relation::Intersects),
            "related" => Some(Relation::Related),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkMeta {
    /// Stable key, e.g. `iso42001-2023`; lowercase letters, digits, `.`, `-`.
    pub key: String,
    pub name: String,
    /// Content version: a higher one upgrades the stored framework in place.
    pub version: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where the identifiers and titles come from, and under which terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingSetMeta {
    pub key: String,
    pub name: String,
    pub version: i64,
    /// Key of the framework that `from` refs belong to.
    pub source_framework: String,
    /// Key of the framework that `to` refs belong to.
    pub target_framework: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementDef {
    /// The reference as the framework writes it: `A.6.2.4`, `6.1.2`, `Art. 9`, `GOVERN 1.1`.
    #[serde(rename = "ref")]
    pub reference: String,
    pub title: String,
    /// clause, control_objective, control, article, annex_area, subcategory, ...
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default)]
    pub assessable: bool,
    /// What it asks, in plain words (our own words, never the standard's text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How to implement it: what to do, typical pitfalls, links to other clauses (our words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<String>,
    /// Typical evidence an auditor accepts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Questions an auditor would ask.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
    /// Documented information this requirement calls for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urn: Option<String>,
}

/// An end of a mapping: a ref in a known framework, or a URN (CISO Assistant libraries).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReqAddr {
    Ref {
        framework: String,
        reference: String,
    },
    Urn(String),
}

impl std::fmt::Display for ReqAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReqAddr::Ref {
                framework,
                reference,
            } => write!(f, "{framework}:{reference}"),
            ReqAddr::Urn(u) => f.write_str(u),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingDef {
    pub from: String,
    pub to: String,
    pub relation: Relation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The document as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryFile {
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<FrameworkMeta>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping_set: Option<MappingSetMeta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<RequirementDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mappings: Vec<MappingDef>,
    /// Source requirements the target framework has nothing for (mapping sets), said explicitly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub no_counterpart: Vec<NoCounterpart>,
    /// Dates from which parts of a regulation apply, each with its legal source (EU AI Act).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub application_dates: Vec<ApplicationDate>,
}

/// A source requirement with no counterpart in the target framework, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoCounterpart {
    #[serde(rename = "ref")]
    pub reference: String,
    pub note: String,
}

/// A mapping with both ends resolved to addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub from: ReqAddr,
    pub to: ReqAddr,
    pub relation: Relation,
    pub source: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Library {
    Framework(FrameworkLibrary),
    MappingSet(MappingSetLibrary),
}

/// A checked framework: unique refs, parents defined, no cycles, parents before children.
#[derive(Debug, Clone)]
pub struct FrameworkLibrary {
    pub meta: FrameworkMeta,
    pub requirements: Vec<RequirementDef>,
    pub application_dates: Vec<ApplicationDate>,
    pub content_hash: String,
}

#[derive(Debug, Clone)]
pub struct MappingSetLibrary {
    pub meta: MappingSetMeta,
    pub mappings: Vec<Mapping>,
    pub no_counterpart: Vec<NoCounterpart>,
    pub content_hash: String,
}

impl Library {
    pub fn key(&self) -> &str {
        match self {
            Library::Framework(f) => &f.meta.key,
            Library::MappingSet(m) => &m.meta.key,
        }
    }
    pub fn content_hash(&self) -> &str {
        match self {
            Library::Framework(f) => &f.content_hash,
            Library::MappingSet(m) => &m.content_hash,
        }
    }
}

pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn check_key(what: &str, key: &str) -> Result<(), LibraryError> {
    let ok = !key.is_empty()
        && key.len() <= 80
        && key.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' || c == '_'
        })
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        err(format!("{what}: `{key}` is not a valid key (lowercase letters, digits, `.`, `-`, `_`; at most 80)"))
    }
}

/// Gives the one framework in `libs` another key (and points the mapping sets that come with
/// it there), so a library whose key is taken, by a built-in or an earlier import, can be
/// imported beside it.
pub fn rename_framework(libs: &mut [Library], new_key: &str) -> Result<(), LibraryError> {
    check_key("as_key", new_key)?;
    let mut frameworks = libs.iter_mut().filter_map(|l| match l {
        Library::Framework(f) => Some(f),
        Library::MappingSet(_) => None,
    });
    let (Some(fw), None) = (frameworks.next(), frameworks.next()) else {
        return err(
            "as_key: the file must hold exactly one framework to import it under another key",
        );
    };
    let old = std::mem::replace(&mut fw.meta.key, new_key.to_string());
    for l in libs.iter_mut() {
        if let Library::MappingSet(m) = l {
            for end in [&mut m.meta.source_framework, &mut m.meta.target_framework] {
                if *end == old {
                    *end = new_key.to_string();
                }
            }
            for map in &mut m.mappings {
                for addr in [&mut map.from, &mut map.to] {
                    if let ReqAddr::Ref { framework, .. } = addr {
                        if *framework == old {
                            *framework = new_key.to_string();
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Parses an aims library document (YAML or JSON).
pub fn parse(text: &str) -> Result<Library, LibraryError> {
    let file: LibraryFile = serde_yaml_ng::from_str(text)
        .map_err(|e| LibraryError(format!("not a valid aims library: {e}")))?;
    from_file(file, content_hash(text.as_bytes()))
}

/// Checks a library document already deserialised (also used for converted CISO Assistant libraries).
pub fn from_file(file: LibraryFile, hash: String) -> Result<Library, LibraryError> {
    if file.format != FORMAT {
        return err(format!(
            "format: expected `{FORMAT}`, found `{}`",
            file.format
        ));
    }
    match (file.framework, file.mapping_set) {
        (Some(meta), None) => {
            if !file.mappings.is_empty() || !file.no_counterpart.is_empty() {
                return err("mappings: a framework library carries no mappings; put them in a mapping_set library");
            }
            check_key("framework.key", &meta.key)?;
            if meta.name.trim().is_empty() {
                return err("framework.name: is required");
            }
            if meta.version < 1 {
                return err("framework.version: must be 1 or more");
            }
            let requirements = check_requirements(file.requirements)?;
            check_dates(&file.application_dates)?;
            Ok(Library::Framework(FrameworkLibrary {
                meta,
                requirements,
                application_dates: file.application_dates,
                content_hash: hash,
            }))
        }
        (None, Some(meta)) => {
            if !file.requirements.is_empty() || !file.application_dates.is_empty() {
                return err("requirements: a mapping_set library carries no requirements or application dates");
            }
            check_key("mapping_set.key", &meta.key)?;
            check_key("mapping_set.source_framework", &meta.source_framework)?;
            check_key("mapping_set.target_framework", &meta.target_framework)?;
            if meta.version < 1 {
                return err("mapping_set.version: must be 1 or more");
            }
            let mut seen = HashSet::new();
            let mut mappings = Vec::with_capacity(file.mappings.len());
            for (i, m) in file.mappings.into_iter().enumerate() {
                let at = format!("mappings[{i}] ({} -> {})", m.from, m.to);
                if m.from.trim().is_empty() || m.to.trim().is_empty() {
                    return err(format!("{at}: `from` and `to` are required"));
                }
                if !seen.insert((m.from.clone(), m.to.clone())) {
                    return err(format!("{at}: duplicate mapping"));
                }
                mappings.push(Mapping {
                    from: ReqAddr::Ref {
                        framework: meta.source_framework.clone(),
                        reference: m.from,
                    },
                    to: ReqAddr::Ref {
                        framework: meta.target_framework.clone(),
                        reference: m.to,
                    },
                    relation: m.relation,
                    source: m.source,
                    note: m.note,
                });
            }
            if let Some(n) = file
                .no_counterpart
                .iter()
                .find(|n| file_mapped(&mappings, &n.reference))
            {
                return err(format!(
                    "no_counterpart: `{}` has mappings, so it is not without counterpart",
                    n.reference
                ));
            }
            Ok(Library::MappingSet(MappingSetLibrary {
                meta,
                mappings,
                no_counterpart: file.no_counterpart,
                content_hash: hash,
            }))
        }
        (Some(_), Some(_)) => err("a library has either `framework` or `mapping_set`, not both"),
        (None, None) => err("a library needs a `framework` or a `mapping_set` section"),
    }
}

fn file_mapped(mappings: &[Mapping], reference: &str) -> bool {
    mappings
        .iter()
        .any(|m| matches!(&m.from, ReqAddr::Ref { reference: r, .. } if r == reference))
}

/// Each date is YYYY-MM-DD, has a source, and its key is unique.
fn check_dates(dates: &[ApplicationDate]) -> Result<(), LibraryError> {
    let mut seen = HashSet::new();
    for (i, d) in dates.iter().enumerate() {
        let at = format!("application_dates[{i}] (key `{}`)", d.key);
        if !seen.insert(d.key.as_str()) {
            return err(format!("{at}: duplicate key"));
        }
        for (what, v) in [
            ("applies_from", Some(&d.applies_from)),
            ("original", d.original.as_ref()),
        ] {
            if let Some(v) = v {
                if chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err() {
                    return err(format!("{at}: {what} `{v}` is not a date (YYYY-MM-DD)"));
                }
            }
        }
        if d.source.trim().is_empty() || d.label.trim().is_empty() {
            return err(format!("{at}: `label` and `source` are required"));
        }
    }
    Ok(())
}

/// Unique refs, parents defined, no cycles; returns them ordered parents-first, keeping
/// the document order otherwise.
pub fn check_requirements(reqs: Vec<RequirementDef>) -> Result<Vec<RequirementDef>, LibraryError> {
    if reqs.is_empty() {
        return err("requirements: a framework needs at least one requirement");
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, r) in reqs.iter().enumerate() {
        let at = format!("requirements[{i}] (ref `{}`)", r.reference);
        if r.reference.trim().is_empty() || r.reference.trim() != r.reference {
            return err(format!(
                "requirements[{i}]: `ref` is required and has no surrounding spaces"
            ));
        }
        if r.title.trim().is_empty() {
            return err(format!("{at}: `title` is required"));
        }
        if r.kind.trim().is_empty() {
            return err(format!("{at}: `kind` is required"));
        }
        if let Some(j) = index.insert(&r.reference, i) {
            return err(format!(
                "{at}: duplicate ref, first defined at requirements[{j}]"
            ));
        }
    }
    for (i, r) in reqs.iter().enumerate() {
        if let Some(p) = &r.parent {
            if !index.contains_key(p.as_str()) {
                return err(format!(
                    "requirements[{i}] (ref `{}`): parent `{p}` is not defined in this library",
                    r.reference
                ));
            }
        }
    }
    // Depth-first, parents first; a cycle is a node reached again while on the path.
    let mut children: HashMap<Option<&str>, Vec<usize>> = HashMap::new();
    for (i, r) in reqs.iter().enumerate() {
        children.entry(r.parent.as_deref()).or_default().push(i);
    }
    let mut order = Vec::with_capacity(reqs.len());
    let mut stack: Vec<usize> = children
        .get(&None)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .rev()
        .collect();
    let mut placed = vec![false; reqs.len()];
    while let Some(i) = stack.pop() {
        if placed[i] {
            continue;
        }
        placed[i] = true;
        order.push(i);
        if let Some(kids) = children.get(&Some(reqs[i].reference.as_str())) {
            stack.extend(kids.iter().rev());
        }
    }
    if let Some(i) = placed.iter().position(|p| !p) {
        return err(format!(
            "requirements[{i}] (ref `{}`): its parents form a cycle",
            reqs[i].reference
        ));
    }
    let mut slots: Vec<Option<RequirementDef>> = reqs.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

/// Writes a framework back as an aims library document.
pub fn to_yaml(
    meta: &FrameworkMeta,
    requirements: &[RequirementDef],
) -> Result<String, LibraryError> {
    let file = LibraryFile {
        format: FORMAT.into(),
        framework: Some(meta.clone()),
        mapping_set: None,
        requirements: requirements.to_vec(),
        mappings: vec![],
        no_counterpart: vec![],
        application_dates: vec![],
    };
    serde_yaml_ng::to_string(&file).map_err(|e| LibraryError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
format: aims-library/1
framework: {key: demo, name: Demo, version: 1}
requirements:
  - {ref: "1.1", title: Child, kind: clause, parent: "1", assessable: true}
  - {ref: "1", title: Parent, kind: clause}
"#;

    #[test]
    fn parents_come_first() {
        let Library::Framework(f) = parse(GOOD).unwrap() else {
            panic!()
        };
        let refs: Vec<_> = f
            .requirements
            .iter()
            .map(|r| r.reference.as_str())
            .collect();
        assert_eq!(refs, ["1", "1.1"]);
    }

    #[test]
    fn errors_name_the_node_or_line() {
        let e = parse(&GOOD.replace("parent: \"1\"", "parent: \"9\"")).unwrap_err();
        assert!(
            e.0.contains("requirements[0] (ref `1.1`): parent `9`"),
            "{e}"
        );
        let e = parse(&GOOD.replace("\"1.1\"", "\"1\"")).unwrap_err();
        assert!(e.0.contains("duplicate ref"), "{e}");
        let e = parse("format: aims-library/1\nframework: {key: demo, name: Demo, version: 1}\nrequirements:\n  - {ref: x, title: [}").unwrap_err();
        assert!(e.0.contains("line 4"), "{e}");
        let e = parse(&GOOD.replace("kind: clause}", "kind: clause, colour: red}")).unwrap_err();
        assert!(e.0.contains("unknown field `colour`"), "{e}");
        let cyc = "format: aims-library/1\nframework: {key: d, name: D, version: 1}\nrequirements:\n  - {ref: a, title: A, kind: k, parent: b}\n  - {ref: b, title: B, kind: k, parent: a}\n";
        assert!(parse(cyc).unwrap_err().0.contains("cycle"));
    }

    #[test]
    fn relations_invert() {
        assert_eq!(Relation::Subset.inverse(), Relation::Superset);
        assert!(Relation::Subset.inverse().fully_covers());
        assert!(!Relation::Related.fully_covers());
    }
}
