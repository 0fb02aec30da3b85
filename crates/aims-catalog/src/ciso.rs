//! Import of CISO Assistant libraries (its open YAML format): `objects.framework` with
//! `requirement_nodes` (`urn`, `parent_urn`, `ref_id`, `name`, `description`, `assessable`),
//! and mapping libraries with `requirement_mapping_set(s)`. Converted into aims libraries.

use crate::library::{
    check_requirements, content_hash, FrameworkLibrary, FrameworkMeta, Library, LibraryError,
    Mapping, MappingSetLibrary, MappingSetMeta, Relation, ReqAddr, RequirementDef,
};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

#[derive(Deserialize)]
struct CisoLibrary {
    urn: String,
    #[serde(default)]
    ref_id: Option<String>,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    copyright: Option<String>,
    objects: CisoObjects,
}

#[derive(Deserialize)]
struct CisoObjects {
    #[serde(default)]
    framework: Option<CisoFramework>,
    #[serde(default)]
    requirement_mapping_set: Option<CisoMappingSet>,
    #[serde(default)]
    requirement_mapping_sets: Vec<CisoMappingSet>,
}

#[derive(Deserialize)]
struct CisoFramework {
    urn: String,
    #[serde(default)]
    ref_id: Option<String>,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    requirement_nodes: Vec<CisoNode>,
}

#[derive(Deserialize)]
struct CisoNode {
    urn: String,
    #[serde(default)]
    assessable: bool,
    #[serde(default)]
    parent_urn: Option<String>,
    #[serde(default)]
    ref_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    typical_evidence: Option<String>,
}

#[derive(Deserialize)]
struct CisoMappingSet {
    urn: String,
    #[serde(default)]
    ref_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    source_framework_urn: String,
    target_framework_urn: String,
    #[serde(default)]
    requirement_mappings: Vec<CisoMapping>,
}

#[derive(Deserialize)]
struct CisoMapping {
    source_requirement_urn: String,
    target_requirement_urn: String,
    relationship: String,
    #[serde(default)]
    rationale: Option<String>,
}

/// Whether a document looks like a CISO Assistant library rather than an aims one.
pub fn looks_like_ciso(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("urn:")) && text.lines().any(|l| l.starts_with("objects:"))
}

fn key_from(ref_id: Option<&str>, urn: &str) -> String {
    let raw = ref_id.unwrap_or_else(|| urn.rsplit(':').next().unwrap_or(urn));
    let mut key: String = raw
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    key = key.trim_matches('-').to_string();
    key.truncate(80);
    if key.is_empty() {
        "imported".into()
    } else {
        key
    }
}

/// A title on one line: line breaks and runs of spaces become one space (OSCAL titles are
/// single-line markup).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters, cut at the last word boundary, with an ellipsis when cut.
fn cut_at_word(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max - 1).collect();
    let cut = head.rfind(' ').map(|i| &head[..i]).unwrap_or(&head);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// Converts a CISO Assistant library into aims libraries (a framework, mapping sets, or both).
pub fn parse(text: &str) -> Result<Vec<Library>, LibraryError> {
    let lib: CisoLibrary = serde_yaml_ng::from_str(text)
        .map_err(|e| LibraryError(format!("not a valid CISO Assistant library: {e}")))?;
    let hash = content_hash(text.as_bytes());
    let version = lib.version.unwrap_or(1).max(1);
    let mut out = vec![];
    if let Some(fw) = lib.objects.framework {
        if fw.requirement_nodes.is_empty() {
            return Err(LibraryError(
                "objects.framework.requirement_nodes: the framework has no requirement nodes"
                    .into(),
            ));
        }
        // Refs must be unique: prefer ref_id, fall back to the URN's last segment.
        let mut seen = HashSet::new();
        let mut ref_of: HashMap<&str, String> = HashMap::new();
        let mut ref_id_at: HashMap<&str, (usize, &str)> = HashMap::new();
        for (i, n) in fw.requirement_nodes.iter().enumerate() {
            if n.urn.trim().is_empty() {
                return Err(LibraryError(format!(
                    "objects.framework.requirement_nodes[{i}]: `urn` is required"
                )));
            }
            let tail = n.urn.rsplit(':').next().unwrap_or(&n.urn).to_string();
            let r = match n.ref_id.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                Some(r) => {
                    if let Some((j, first)) = ref_id_at.insert(r, (i, n.urn.as_str())) {
                        return Err(LibraryError(format!(
                            "objects.framework.requirement_nodes[{i}] (urn `{}`): ref_id `{r}` is already used by requirement_nodes[{j}] (urn `{first}`); a ref_id must be unique in a framework",
                            n.urn
                        )));
                    }
                    r.to_string()
                }
                None => tail,
            };
            if !seen.insert(r.clone()) {
                return Err(LibraryError(format!(
                    "objects.framework.requirement_nodes[{i}] (urn `{}`): duplicate node",
                    n.urn
                )));
            }
            if ref_of.insert(n.urn.as_str(), r).is_some() {
                return Err(LibraryError(format!(
                    "objects.framework.requirement_nodes[{i}]: duplicate urn `{}`",
                    n.urn
                )));
            }
        }
        let mut reqs = Vec::with_capacity(fw.requirement_nodes.len());
        for (i, n) in fw.requirement_nodes.iter().enumerate() {
            let reference = ref_of.get(n.urn.as_str()).cloned().unwrap_or_default();
            let parent = match &n.parent_urn {
                Some(p) => Some(ref_of.get(p.as_str()).cloned().ok_or_else(|| {
                    LibraryError(format!("objects.framework.requirement_nodes[{i}] (urn `{}`): parent_urn `{p}` is not a node of this framework", n.urn))
                })?),
                None => None,
            };
            let title = n
                .name
                .as_deref()
                .map(one_line)
                .filter(|t| !t.is_empty())
                .or_else(|| {
                    n.description
                        .as_deref()
                        .map(|d| cut_at_word(&one_line(d), 120))
                        .filter(|t| !t.is_empty())
                })
                .unwrap_or_else(|| reference.clone());
            reqs.push(RequirementDef {
                reference,
                title: title.trim().to_string(),
                kind: if n.assessable {
                    "requirement".into()
                } else {
                    "section".into()
                },
                parent,
                assessable: n.assessable,
                description: n.description.clone(),
                guidance: None,
                evidence: n
                    .typical_evidence
                    .iter()
                    .flat_map(|e| e.lines())
                    .map(|l| l.trim().trim_start_matches("- ").to_string())
                    .filter(|l| !l.is_empty())
                    .collect(),
                questions: vec![],
                documents: vec![],
                urn: Some(n.urn.clone()),
            });
        }
        let requirements = check_requirements(reqs)?;
        let meta = FrameworkMeta {
            key: key_from(fw.ref_id.as_deref().or(lib.ref_id.as_deref()), &fw.urn),
            name: fw.name,
            version,
            publisher: lib.provider.clone(),
            description: fw.description.or(lib.description.clone()),
            url: None,
            provenance: Some(format!(
                "Imported from the CISO Assistant library {}{}",
                lib.urn,
                lib.copyright
                    .as_ref()
                    .map(|c| format!("; {c}"))
                    .unwrap_or_default()
            )),
            urn: Some(fw.urn),
        };
        out.push(Library::Framework(FrameworkLibrary {
            meta,
            requirements,
            application_dates: vec![],
            content_hash: hash.clone(),
        }));
    }
    let sets = lib
        .objects
        .requirement_mapping_set
        .into_iter()
        .chain(lib.objects.requirement_mapping_sets);
    for (si, set) in sets.enumerate() {
        let mut mappings = vec![];
        for (i, m) in set.requirement_mappings.iter().enumerate() {
            let relation = match m.relationship.as_str() {
                "equal" | "equivalent" => Relation::Equivalent,
                "subset" => Relation::Subset,
                "superset" => Relation::Superset,
                "intersect" | "intersects" => Relation::Intersects,
                "related" => Relation::Related,
                "not_related" => continue,
                other => {
                    return Err(LibraryError(format!(
                        "requirement_mapping_sets[{si}].requirement_mappings[{i}]: unknown relationship `{other}`"
                    )))
                }
            };
            mappings.push(Mapping {
                from: ReqAddr::Urn(m.source_requirement_urn.clone()),
                to: ReqAddr::Urn(m.target_requirement_urn.clone()),
                relation,
                source: Some(lib.urn.clone()),
                note: m.rationale.clone(),
            });
        }
        let meta = MappingSetMeta {
            key: key_from(set.ref_id.as_deref(), &set.urn),
            name: set.name.unwrap_or_else(|| lib.name.clone()),
            version,
            source_framework: set.source_framework_urn,
            target_framework: set.target_framework_urn,
            description: set.description,
        };
        out.push(Library::MappingSet(MappingSetLibrary {
            meta,
            mappings,
            no_counterpart: vec![],
            content_hash: hash.clone(),
        }));
    }
    if out.is_empty() {
        return Err(LibraryError(
            "objects: the library holds neither a framework nor a requirement mapping set".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIB: &str = r#"
urn: urn:test:risk:library:demo
ref_id: DEMO-1
name: Demo
version: 2
objects:
  framework:
    urn: urn:test:risk:framework:demo
    ref_id: DEMO-1
    name: Demo framework
    requirement_nodes:
      - urn: urn:test:risk:req_node:demo:1
        assessable: false
        ref_id: '1'
        name: Governance
      - urn: urn:test:risk:req_node:demo:1.1
        assessable: true
        parent_urn: urn:test:risk:req_node:demo:1
        ref_id: '1.1'
        name: Policy
        description: Have a policy.
      - urn: urn:test:risk:req_node:demo:note
        parent_urn: urn:test:risk:req_node:demo:1
        description: A node with no ref and no name
"#;

    #[test]
    fn converts_nodes() {
        let libs = parse(LIB).unwrap();
        let Library::Framework(f) = &libs[0] else {
            panic!()
        };
        assert_eq!(f.meta.key, "demo-1");
        assert_eq!(f.meta.version, 2);
        assert_eq!(f.requirements.len(), 3);
        assert_eq!(f.requirements[1].parent.as_deref(), Some("1"));
        assert_eq!(f.requirements[2].reference, "note");
        assert!(looks_like_ciso(LIB));
    }

    #[test]
    fn unknown_parent_is_named() {
        let e = parse(&LIB.replace(
            "parent_urn: urn:test:risk:req_node:demo:1\n        ref_id: '1.1'",
            "parent_urn: urn:nope\n        ref_id: '1.1'",
        ))
        .unwrap_err();
        assert!(
            e.0.contains("requirement_nodes[1]") && e.0.contains("urn:nope"),
            "{e}"
        );
    }
}
