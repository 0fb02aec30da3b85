//! Traceability: from an AI system down to requirements and evidence, and back up.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use aims_domain::register::{
    RegisterSpec, AI_SYSTEMS, CONTROLS, EVIDENCE, IMPACT_ASSESSMENTS, INCIDENTS, RISKS, TASKS,
};
use aims_domain::Permission;
use aims_store::{Record, Store};
use serde_json::{json, Value};

fn brief(spec: &RegisterSpec, r: &Record) -> Value {
    json!({"id": r.get("id"), "reference": r.get("reference"), "name": r.get("name"), "status": r.get("status").or(r.get("lifecycle_stage"))
        , "path": spec.path})
}

/// The impact assessments of one AI system, every status.
pub(crate) async fn assessments_of(
    store: &Store,
    org_id: i64,
    system_id: i64,
) -> AppResult<Vec<Record>> {
    let system = IMPACT_ASSESSMENTS
        .field("system_id")
        .ok_or_else(|| AppError::internal("impact assessments have no system_id"))?;
    let q = crate::registers::ListQuery {
        filters: vec![(
            system,
            aims_domain::register::FieldValue::Int(Some(system_id)),
        )],
        limit: 100,
        ..Default::default()
    };
    crate::registers::all_rows(store, org_id, &IMPACT_ASSESSMENTS, &q).await
}

pub(crate) async fn records(
    store: &Store,
    org_id: i64,
    spec: &RegisterSpec,
    ids: &[i64],
) -> Result<Vec<Record>, AppError> {
    Ok(store.register_get_many(org_id, spec, ids).await?)
}

/// The distinct records of `other` linked to any of `ids` (of `table`), sorted by id.
pub(crate) async fn linked(
    store: &Store,
    table: &str,
    ids: &[i64],
    other: &str,
) -> Result<Vec<i64>, AppError> {
    let mut v: Vec<i64> = store
        .linked_ids(table, ids, other)
        .await?
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

/// From an AI system to its risks, impact assessments, the controls treating the risks, the
/// requirements those controls implement (any framework), and their evidence.
pub async fn system_trace(cx: &Cx, scope: &Scope, id: i64) -> AppResult<Value> {
    scope.require(Permission::Read)?;
    let (store, org_id) = (&cx.store, scope.org_id);
    let sys = store
        .register_get(org_id, &AI_SYSTEMS, id)
        .await?
        .ok_or_else(|| AppError::not_found("AI system"))?;
    let risk_ids = linked(store, "ai_systems", &[id], "risks").await?;
    let control_ids = linked(store, "risks", &risk_ids, "controls").await?;
    let req_ids = linked(store, "controls", &control_ids, "requirements").await?;
    let ev_ids = linked(store, "controls", &control_ids, "evidence").await?;
    let ias = assessments_of(store, org_id, id).await?;
    let mut reqs = vec![];
    for rid in &req_ids {
        if let Some((r, f)) = store.get_requirement(Some(org_id), *rid).await? {
            reqs.push(
                json!({"id": r.id, "framework": f.key, "ref": r.reference, "title": r.title}),
            );
        }
    }
    let controls = records(store, org_id, &CONTROLS, &control_ids).await?;
    let risks = records(store, org_id, &RISKS, &risk_ids).await?;
    let evidence = records(store, org_id, &EVIDENCE, &ev_ids).await?;
    // Incidents of the system, and the nonconformities (tasks until that register) they raised.
    let incident_ids = linked(store, "ai_systems", &[id], "incidents").await?;
    let incidents = records(store, org_id, &INCIDENTS, &incident_ids).await?;
    let task_ids: Vec<i64> = incidents
        .iter()
        .filter_map(|r| r.get("nonconformity_task_id").and_then(Value::as_i64))
        .collect();
    let tasks = records(store, org_id, &TASKS, &task_ids).await?;
    Ok(json!({
        "incidents": incidents.iter().map(|r| brief(&INCIDENTS, r)).collect::<Vec<_>>(),
        "nonconformities": tasks.iter().map(|r| brief(&TASKS, r)).collect::<Vec<_>>(),
        "system": brief(&AI_SYSTEMS, &sys),
        "risks": risks.iter().map(|r| brief(&RISKS, r)).collect::<Vec<_>>(),
        "impact_assessments": ias.iter().map(|r| brief(&IMPACT_ASSESSMENTS, r)).collect::<Vec<_>>(),
        "controls": controls.iter().map(|r| brief(&CONTROLS, r)).collect::<Vec<_>>(),
        "requirements": reqs,
        "evidence": evidence.iter().map(|r| brief(&EVIDENCE, r)).collect::<Vec<_>>(),
    }))
}

/// From a requirement (an Annex A control, an EU AI Act article, ...) back to the controls that
/// implement it, directly or through a crosswalk, the risks they treat and the systems behind them.
pub async fn requirement_trace(cx: &Cx, scope: &Scope, id: i64) -> AppResult<Value> {
    scope.require(Permission::Read)?;
    let (store, org_id) = (&cx.store, scope.org_id);
    let (req, fw) = store
        .get_requirement(Some(org_id), id)
        .await?
        .ok_or_else(|| AppError::not_found("requirement"))?;
    let mut req_ids = vec![id];
    let mappings = store.requirement_mappings(Some(org_id), id).await?;
    req_ids.extend(mappings.iter().map(|m| m.other_id));
    let control_ids = linked(store, "requirements", &req_ids, "controls").await?;
    let controls = records(store, org_id, &CONTROLS, &control_ids).await?;
    let risk_ids = linked(store, "controls", &control_ids, "risks").await?;
    let system_ids = linked(store, "risks", &risk_ids, "ai_systems").await?;
    let ev_ids = linked(store, "controls", &control_ids, "evidence").await?;
    Ok(json!({
        "requirement": {"id": req.id, "framework": fw.key, "ref": req.reference, "title": req.title},
        "via_mappings": mappings.iter().map(|m| json!({"framework": m.framework_key, "ref": m.other_ref, "relation": m.relation})).collect::<Vec<_>>(),
        "controls": controls.iter().map(|r| brief(&CONTROLS, r)).collect::<Vec<_>>(),
        "risks": records(store, org_id, &RISKS, &risk_ids).await?.iter().map(|r| brief(&RISKS, r)).collect::<Vec<_>>(),
        "systems": records(store, org_id, &AI_SYSTEMS, &system_ids).await?.iter().map(|r| brief(&AI_SYSTEMS, r)).collect::<Vec<_>>(),
        "evidence": records(store, org_id, &EVIDENCE, &ev_ids).await?.iter().map(|r| brief(&EVIDENCE, r)).collect::<Vec<_>>(),
    }))
}

/// The records of other registers that link to this one from their side (the risks of an AI
/// system, the models of a dataset, ...), and for an AI system the controls treating its risks:
/// (label, register, records), one group per register.
pub async fn backlinks(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    id: i64,
) -> AppResult<Vec<(String, &'static RegisterSpec, Vec<aims_store::LinkedRecord>)>> {
    scope.require(Permission::Read)?;
    let (store, org_id) = (&cx.store, scope.org_id);
    let mut out = vec![];
    for other in aims_domain::register::REGISTERS {
        // A link both registers declare is one link, already shown from this side.
        let mine = spec.links.iter().any(|l| l.other == other.table);
        if other.table == spec.table || mine || !other.links.iter().any(|l| l.other == spec.table) {
            continue;
        }
        let ids = linked(store, spec.table, &[id], other.table).await?;
        if ids.is_empty() {
            continue;
        }
        out.push((
            format!("{} linked to this {}", other.plural, spec.singular),
            *other,
            store.register_briefs(org_id, other, &ids).await?,
        ));
    }
    if spec.table == AI_SYSTEMS.table {
        let risk_ids = linked(store, "ai_systems", &[id], "risks").await?;
        let control_ids = linked(store, "risks", &risk_ids, "controls").await?;
        if !control_ids.is_empty() {
            out.push((
                "Controls treating its risks".to_string(),
                &CONTROLS,
                store
                    .register_briefs(org_id, &CONTROLS, &control_ids)
                    .await?,
            ));
        }
    }
    Ok(out)
}
