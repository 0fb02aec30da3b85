//! Reading registers: one record with its links and referrers, and keyset pages.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use crate::registers::{list_page, ListQuery};
use aims_domain::register::{RegisterSpec, REGISTERS};
use aims_domain::Permission;
use aims_store::Record;
use serde_json::{json, Map, Value};

/// One record with its links expanded and the records that refer to it.
pub async fn get(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    id: i64,
) -> AppResult<Record> {
    scope.require(Permission::Read)?;
    let rec = cx
        .store
        .register_get(scope.org_id, spec, id)
        .await?
        .ok_or_else(|| AppError::not_found(spec.singular))?;
    expand(cx, scope.org_id, spec, rec).await
}

/// One keyset page of the filtered, sorted list, and the cursor of the next.
pub async fn list(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    q: &ListQuery,
) -> AppResult<(Vec<Record>, Option<String>)> {
    scope.require(Permission::Read)?;
    list_page(&cx.store, scope.org_id, spec, q).await
}

/// A record with its links expanded to `{id, reference, name}` and what refers to it.
pub async fn expand(
    cx: &Cx,
    org_id: i64,
    spec: &'static RegisterSpec,
    rec: Record,
) -> AppResult<Record> {
    expand_with(cx, org_id, spec, rec, true).await
}

/// `expand` for a record this request created: nothing can refer to it yet.
pub async fn expand_created(
    cx: &Cx,
    org_id: i64,
    spec: &'static RegisterSpec,
    rec: Record,
) -> AppResult<Record> {
    expand_with(cx, org_id, spec, rec, false).await
}

async fn expand_with(
    cx: &Cx,
    org_id: i64,
    spec: &'static RegisterSpec,
    mut rec: Record,
    referrers: bool,
) -> AppResult<Record> {
    let store = &cx.store;
    let id = rec.get("id").and_then(|v| v.as_i64()).unwrap_or(0);
    // A record just created with no links has nothing to look up.
    let unlinked = !referrers
        && spec.links.iter().all(|l| {
            rec.get(l.field)
                .and_then(|v| v.as_array())
                .is_none_or(|a| a.is_empty())
        });
    let (links, referring) = if unlinked {
        (vec![], vec![])
    } else if referrers {
        store.register_neighbours(org_id, spec, id).await?
    } else {
        (store.register_links(spec, id).await?, vec![])
    };
    for (field, linked) in links {
        let other = spec
            .link(&field)
            .and_then(|l| REGISTERS.iter().find(|r| r.table == l.other))
            .copied();
        let items: Vec<Value> = linked
            .iter()
            .map(|l| json!({"id": l.id, "reference": other.map(|o| o.reference(l.number)).unwrap_or_default(), "name": l.name}))
            .collect();
        rec.insert(field, Value::Array(items));
    }
    let mut by = Map::new();
    for (table, linked) in referring {
        let other = REGISTERS.iter().find(|r| r.table == table).copied();
        let items: Vec<Value> = linked
            .iter()
            .map(|l| json!({"id": l.id, "reference": other.map(|o| o.reference(l.number)).unwrap_or_default(), "name": l.name}))
            .collect();
        if !items.is_empty() {
            by.insert(table, Value::Array(items));
        }
    }
    rec.insert("referenced_by".into(), Value::Object(by));
    // Flags derived at read time.
    if spec.table == "evidence" {
        let today = cx.today();
        let expired = rec
            .get("valid_until")
            .and_then(|v| v.as_str())
            .is_some_and(|d| d < today.as_str());
        rec.insert("expired".into(), expired.into());
    }
    if spec.table == "impact_assessments" {
        let reasons = crate::impact::reassessment_reasons(cx, org_id, &rec).await?;
        rec.insert("reassessment_due".into(), reasons.into());
    }
    match spec.table {
        "risks" => {
            let reasons = crate::changes::risk_reasons(&cx.store, org_id, &rec).await?;
            rec.insert("reassessment_due".into(), reasons.into());
        }
        "incidents" => {
            let d = match crate::incidents::deadline_of(cx, org_id, &rec).await? {
                Ok(d) => serde_json::to_value(d).unwrap_or(Value::Null),
                Err(m) => json!({"duty": "unknown", "summary": m.message, "missing": m.field}),
            };
            rec.insert("deadline".into(), d);
        }
        "documents" => {
            let reasons = crate::changes::document_reasons(&cx.store, org_id, &rec).await?;
            rec.insert("review_due".into(), reasons.into());
        }
        _ => {}
    }
    Ok(rec)
}

/// One option of a record picker: the id the form sends and the words it shows.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct PickOption {
    pub id: i64,
    pub label: String,
}

/// How many options a picker shows for one search.
pub const PICK_LIMIT: i64 = 20;

fn other_of(spec: &'static RegisterSpec, field: &str) -> AppResult<&'static str> {
    spec.link(field)
        .map(|l| l.other)
        .ok_or_else(|| AppError::not_found("link field"))
}

/// A requirement as the store names it (`iso42001-2023:A.6.2.4 Title`), split into its ref,
/// its title and a short name of its framework.
pub fn requirement_parts(name: &str) -> (String, String, String) {
    let (key, rest) = name.split_once(':').unwrap_or(("", name));
    let (reference, title) = rest.split_once(' ').unwrap_or((rest, ""));
    let short = match key {
        "iso42001-2023" => "ISO/IEC 42001",
        "iso27001-2022" => "ISO/IEC 27001",
        "eu-ai-act-2024" => "EU AI Act",
        "nist-ai-rmf-1.0" => "NIST AI RMF",
        other => other,
    };
    (reference.to_string(), title.to_string(), short.to_string())
}

/// Linked records as picker options, named by reference (or, for requirements, by ref, title
/// and framework).
pub fn labelled(other: &str, items: Vec<aims_store::LinkedRecord>) -> Vec<PickOption> {
    let register = REGISTERS.iter().find(|r| r.table == other);
    items
        .into_iter()
        .map(|i| PickOption {
            id: i.id,
            label: match register {
                Some(r) => format!("{} {}", r.reference(i.number), i.name),
                None => {
                    let (reference, title, framework) = requirement_parts(&i.name);
                    format!("{reference} {title} ({framework})")
                }
            },
        })
        .collect()
}

/// What the picker of `spec`'s link `field` offers for `q`: records of the other register by
/// reference (`RSK-3`), name or linked requirement (`A.6.2.4`); requirements by ref or title.
pub async fn pick(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    field: &str,
    q: &str,
) -> AppResult<Vec<PickOption>> {
    scope.require(Permission::Read)?;
    let other = other_of(spec, field)?;
    let items = match REGISTERS.iter().find(|r| r.table == other) {
        Some(r) => {
            let number = r.parse_reference(&q.trim().to_uppercase());
            cx.store
                .pick_records(scope.org_id, r, number, q, PICK_LIMIT)
                .await?
        }
        None => {
            cx.store
                .pick_requirements(scope.org_id, q, PICK_LIMIT)
                .await?
        }
    };
    Ok(labelled(other, items))
}

/// The labels of the records (or requirements) with these ids, for a picker's chosen items;
/// ids the organization cannot see are left out.
pub async fn link_labels(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    field: &str,
    ids: &[i64],
) -> AppResult<Vec<PickOption>> {
    scope.require(Permission::Read)?;
    let other = other_of(spec, field)?;
    let mut items = match REGISTERS.iter().find(|r| r.table == other) {
        Some(r) => cx.store.register_briefs(scope.org_id, r, ids).await?,
        None => cx.store.requirement_briefs(scope.org_id, ids).await?,
    };
    items.sort_by_key(|i| ids.iter().position(|x| *x == i.id));
    Ok(labelled(other, items))
}
