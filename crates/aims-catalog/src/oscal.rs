//! Export as OSCAL 1.2: a framework as a `catalog`, crosswalks as a `mapping-collection`.
//! Requirement ids become OSCAL tokens with [`oscal_id`], so mapping id-refs match the catalogs.

use crate::library::{FrameworkMeta, Relation, RequirementDef};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

pub const OSCAL_VERSION: &str = "1.2.1";

/// A name-based UUID (v5), stable for the same name.
pub fn stable_uuid(name: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("urn:aims:{name}").as_bytes(),
    )
    .to_string()
}

/// An OSCAL token for a requirement ref: starts with a letter, then letters, digits, `.`, `-`, `_`.
pub fn oscal_id(reference: &str) -> String {
    let body: String = reference
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("r-{body}")
}

fn metadata(title: &str, version: i64, last_modified: &str) -> Value {
    json!({
        "title": title,
        "last-modified": last_modified,
        "version": version.to_string(),
        "oscal-version": OSCAL_VERSION,
    })
}

/// `last_modified` must be an RFC 3339 timestamp with a time zone.
pub fn catalog(
    meta: &FrameworkMeta,
    requirements: &[RequirementDef],
    last_modified: &str,
) -> Value {
    // Unique ids even if two refs sanitise to the same token.
    let mut used = HashSet::new();
    let mut ids: HashMap<&str, String> = HashMap::new();
    for r in requirements {
        let mut id = oscal_id(&r.reference);
        let mut n = 2;
        while !used.insert(id.clone()) {
            id = format!("{}-{n}", oscal_id(&r.reference));
            n += 1;
        }
        ids.insert(&r.reference, id);
    }
    let mut children: HashMap<Option<&str>, Vec<&RequirementDef>> = HashMap::new();
    for r in requirements {
        children.entry(r.parent.as_deref()).or_default().push(r);
    }

    fn parts(r: &RequirementDef) -> Vec<Value> {
        let mut p = vec![];
        if let Some(d) = r.description.as_ref().filter(|d| !d.trim().is_empty()) {
            p.push(json!({"name": "statement", "prose": d}));
        }
        if let Some(g) = r.guidance.as_ref().filter(|g| !g.trim().is_empty()) {
            p.push(json!({"name": "guidance", "title": "How to implement it", "prose": g}));
        }
        if !r.evidence.is_empty() {
            p.push(json!({"name": "guidance", "title": "Typical evidence", "prose": r.evidence.iter().map(|e| format!("- {e}")).collect::<Vec<_>>().join("\n")}));
        }
        if !r.questions.is_empty() {
            p.push(json!({"name": "assessment-objective", "title": "Questions an auditor asks", "prose": r.questions.iter().map(|e| format!("- {e}")).collect::<Vec<_>>().join("\n")}));
        }
        if !r.documents.is_empty() {
            p.push(json!({"name": "documented-information", "title": "Documented information", "prose": r.documents.iter().map(|e| format!("- {e}")).collect::<Vec<_>>().join("\n")}));
        }
        p
    }

    struct Ctx<'a> {
        ids: HashMap<&'a str, String>,
        children: HashMap<Option<&'a str>, Vec<&'a RequirementDef>>,
    }

    fn node(ctx: &Ctx, r: &RequirementDef, as_group: bool) -> Value {
        let mut o = Map::new();
        o.insert(
            "id".into(),
            json!(ctx
                .ids
                .get(r.reference.as_str())
                .cloned()
                .unwrap_or_default()),
        );
        o.insert("class".into(), json!(oscal_id(&r.kind)[2..].to_string()));
        o.insert("title".into(), json!(r.title));
        o.insert(
            "props".into(),
            json!([{"name": "label", "value": r.reference}]),
        );
        let p = parts(r);
        if !p.is_empty() {
            o.insert("parts".into(), Value::Array(p));
        }
        let kids = ctx
            .children
            .get(&Some(r.reference.as_str()))
            .cloned()
            .unwrap_or_default();
        insert_children(ctx, &mut o, &kids, as_group);
        Value::Object(o)
    }

    /// OSCAL lets a group hold either groups or controls, not both: children become groups
    /// only when all of them are headings (not assessable); under a control all are controls.
    fn insert_children(
        ctx: &Ctx,
        o: &mut Map<String, Value>,
        kids: &[&RequirementDef],
        in_group: bool,
    ) {
        if kids.is_empty() {
            return;
        }
        if in_group && kids.iter().all(|k| !k.assessable) {
            o.insert(
                "groups".into(),
                Value::Array(kids.iter().map(|k| node(ctx, k, true)).collect()),
            );
        } else {
            o.insert(
                "controls".into(),
                Value::Array(kids.iter().map(|k| node(ctx, k, false)).collect()),
            );
        }
    }

    let ctx = Ctx { ids, children };
    let roots = ctx.children.get(&None).cloned().unwrap_or_default();
    let mut cat = Map::new();
    cat.insert(
        "uuid".into(),
        json!(stable_uuid(&format!(
            "catalog:{}:{}",
            meta.key, meta.version
        ))),
    );
    let mut md = metadata(&meta.name, meta.version, last_modified);
    if let Some(p) = &meta.provenance {
        md["remarks"] = json!(p);
    }
    cat.insert("metadata".into(), md);
    insert_children(&ctx, &mut cat, &roots, true);
    json!({ "catalog": Value::Object(cat) })
}

/// One crosswalk to export: refs on both ends, in their frameworks.
pub struct MappingExport {
    pub key: String,
    pub name: String,
    pub version: i64,
    pub source_framework: (String, i64),
    pub target_framework: (String, i64),
    pub rows: Vec<MappingExportRow>,
}

pub struct MappingExportRow {
    pub from: String,
    pub to: String,
    pub relation: Relation,
    pub source: Option<String>,
    pub note: Option<String>,
}

/// A mapping collection holding one OSCAL `mapping` per crosswalk.
pub fn mapping_collection(title: &str, sets: &[MappingExport], last_modified: &str) -> Value {
    let mappings: Vec<Value> = sets
        .iter()
        .map(|s| {
            let maps: Vec<Value> = s
                .rows
                .iter()
                .map(|MappingExportRow { from, to, relation: rel, source, note }| {
                    let mut m = json!({
                        "uuid": stable_uuid(&format!("map:{}:{from}:{to}", s.key)),
                        "relationship": rel.oscal_token(),
                        "sources": [{"type": "control", "id-ref": oscal_id(from)}],
                        "targets": [{"type": "control", "id-ref": oscal_id(to)}],
                    });
                    let remarks: Vec<String> = [source.as_ref().map(|s| format!("source: {s}")), note.clone()].into_iter().flatten().collect();
                    if !remarks.is_empty() {
                        m["remarks"] = json!(remarks.join("; "));
                    }
                    m
                })
                .collect();
            let mut mapping = json!({
                "uuid": stable_uuid(&format!("mapping:{}:{}", s.key, s.version)),
                "source-resource": {"type": "catalog", "href": format!("{}.oscal.json", s.source_framework.0)},
                "target-resource": {"type": "catalog", "href": format!("{}.oscal.json", s.target_framework.0)},
                "maps": maps,
                "remarks": s.name,
            });
            if maps_is_empty(&mapping) {
                mapping.as_object_mut().map(|o| o.remove("maps"));
            }
            mapping
        })
        .filter(|m| m.get("maps").is_some())
        .collect();
    let version = sets.iter().map(|s| s.version).sum::<i64>().max(1);
    json!({
        "mapping-collection": {
            "uuid": stable_uuid(&format!("mapping-collection:{}", sets.iter().map(|s| format!("{}@{}", s.key, s.version)).collect::<Vec<_>>().join(","))),
            "metadata": metadata(title, version, last_modified),
            "provenance": {
                "method": "human",
                "matching-rationale": "semantic",
                "status": "complete",
                "mapping-description": "Crosswalks between the frameworks of the aims catalog. Each map's remarks name the source of the row."
            },
            "mappings": mappings,
        }
    })
}

fn maps_is_empty(m: &Value) -> bool {
    m["maps"].as_array().map(|a| a.is_empty()).unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_tokens() {
        assert_eq!(oscal_id("4.1"), "r-4.1");
        assert_eq!(oscal_id("GOVERN 1.1"), "r-GOVERN-1.1");
        assert_eq!(oscal_id("Art. 9"), "r-Art.-9");
    }
}
