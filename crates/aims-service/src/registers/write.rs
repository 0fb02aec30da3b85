//! The one write path of every register. The API, the forms, CSV and BOM imports, raising a
//! risk, making a task, the demo and the CLI all write through these functions, so the field
//! checks, the rules of `crate::rules` and the permission check run for every caller.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use crate::rules::BatchItem;
use aims_domain::register::{check_input, RecordInput, RegisterSpec};
use aims_domain::{FieldError, Invalid, Permission};
use aims_store::Record;
use serde_json::{Map, Value};

/// Creates a record from checked input, after the rules.
pub async fn create(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    input: &RecordInput,
) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    let mut input = input.clone();
    crate::rules::before_write(&cx.store, scope.org_id, spec, None, &mut input).await?;
    let rec = cx
        .store
        .register_create(&scope.actor, scope.org_id, spec, &input, cx.now())
        .await?;
    with_hold_warnings(cx, scope, spec, rec, None).await
}

/// A change record touching a held system, or a held system moved in its life cycle, is saved
/// with `warnings` (Art. 73(6)): the hold warns, it does not refuse.
async fn with_hold_warnings(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    mut rec: Record,
    stage_before: Option<String>,
) -> AppResult<Record> {
    let systems: Vec<i64> = match spec.table {
        "changes" => rec
            .get("system_ids")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_i64()).collect())
            .unwrap_or_default(),
        "ai_systems"
            if stage_before.is_some_and(|s| {
                Some(s.as_str()) != rec.get("lifecycle_stage").and_then(|v| v.as_str())
            }) =>
        {
            rec.get("id").and_then(|v| v.as_i64()).into_iter().collect()
        }
        _ => vec![],
    };
    if !systems.is_empty() {
        let warnings = crate::rules::hold_warnings(&cx.store, scope.org_id, &systems).await?;
        if !warnings.is_empty() {
            rec.insert("warnings".into(), warnings.into());
        }
    }
    Ok(rec)
}

/// Updates the fields `input` carries (the others keep their values), after the rules.
pub async fn update(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    id: i64,
    version: i64,
    input: &RecordInput,
) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    let mut input = input.clone();
    crate::rules::before_write(&cx.store, scope.org_id, spec, Some(id), &mut input).await?;
    let stage_before = match spec.table {
        "ai_systems"
            if input
                .values
                .iter()
                .any(|(f, _)| f.name == "lifecycle_stage") =>
        {
            cx.store
                .register_get(scope.org_id, spec, id)
                .await?
                .and_then(|r| {
                    r.get("lifecycle_stage")
                        .and_then(|v| v.as_str())
                        .map(str::to_string)
                })
        }
        _ => None,
    };
    let rec = cx
        .store
        .register_update(
            &scope.actor,
            scope.org_id,
            spec,
            id,
            version,
            &input,
            cx.now(),
        )
        .await?;
    with_hold_warnings(cx, scope, spec, rec, stage_before).await
}

/// Writes fields the system sets (a step's outcome: an approval, the answers of the
/// serious-incident test, a link a step made), after the step has checked its own rules. Only
/// `computed` fields and the fields a step owns (`status` of a change being approved) are taken.
pub(crate) async fn set_step_fields(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    id: i64,
    version: i64,
    input: &RecordInput,
) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    if let Some((f, _)) = input
        .values
        .iter()
        .find(|(f, _)| !f.computed && f.name != "status")
    {
        return Err(AppError::internal(format!(
            "{} is not set by a step",
            f.name
        )));
    }
    Ok(cx
        .store
        .register_update(
            &scope.actor,
            scope.org_id,
            spec,
            id,
            version,
            input,
            cx.now(),
        )
        .await?)
}

/// Creates a record from a JSON object (the API's body): fields checked, then `create`.
pub async fn create_json(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    body: &Map<String, Value>,
) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    if body.contains_key("version") {
        return Err(AppError::invalid(Invalid::field(
            "version",
            "is set by the server on create",
        )));
    }
    let input = check_input(spec, body, false).map_err(AppError::invalid)?;
    create(cx, scope, spec, &input).await
}

/// Updates a record from a JSON object carrying the `version` it was read at.
pub async fn update_json(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    id: i64,
    body: &Map<String, Value>,
) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    let version = body
        .get("version")
        .and_then(|v| v.as_i64())
        .ok_or_else(|| {
            AppError::invalid(Invalid::field(
                "version",
                "is required: send the version you read",
            ))
        })?;
    let input = check_input(spec, body, true).map_err(AppError::invalid)?;
    update(cx, scope, spec, id, version, &input).await
}

pub async fn delete(cx: &Cx, scope: &Scope, spec: &'static RegisterSpec, id: i64) -> AppResult<()> {
    scope.require(Permission::Write)?;
    crate::rules::check_delete(cx, scope, spec, id).await?;
    Ok(cx
        .store
        .register_delete(&scope.actor, scope.org_id, spec, id, cx.now())
        .await?)
}

/// Creates many records in one transaction: every row passes the rules first, and a row
/// that fails is named by its line; nothing is written unless all pass.
pub async fn import(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    rows: &[(usize, RecordInput)],
) -> AppResult<Vec<Record>> {
    scope.require(Permission::Write)?;
    let mut rows = rows.to_vec();
    let errors = run_rules(cx, scope, spec, &mut rows, |_| None).await?;
    if !errors.is_empty() {
        return Err(AppError::rejected(
            format!(
                "{} problem(s) in the file; nothing was imported",
                errors.len()
            ),
            errors,
        ));
    }
    Ok(cx
        .store
        .register_import(&scope.actor, scope.org_id, spec, &rows, cx.now())
        .await?)
}

/// Updates many records in one transaction (the fields each input carries), after the rules;
/// a row that fails is named by its record's reference, and nothing is written unless all pass.
pub async fn update_many(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    rows: &[(i64, RecordInput)],
) -> AppResult<usize> {
    scope.require(Permission::Write)?;
    let mut rows = rows.to_vec();
    let errors = run_rules(cx, scope, spec, &mut rows, Some).await?;
    if !errors.is_empty() {
        return Err(AppError::rejected(
            format!("{} problem(s); nothing was changed", errors.len()),
            errors,
        ));
    }
    Ok(cx
        .store
        .register_update_many(&scope.actor, scope.org_id, spec, &rows, cx.now())
        .await?)
}

/// The rules on every row, named `line N` (new records) or `<register> <id>` (updates).
async fn run_rules<K: Copy + std::fmt::Display>(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    rows: &mut [(K, RecordInput)],
    id_of: impl Fn(K) -> Option<i64>,
) -> AppResult<Vec<FieldError>> {
    let items = rows
        .iter_mut()
        .map(|(key, input)| {
            let id = id_of(*key);
            BatchItem {
                label: match id {
                    Some(id) => format!("{} {id}", spec.singular),
                    None => format!("line {key}"),
                },
                spec,
                id,
                input,
            }
        })
        .collect();
    crate::rules::rule_errors(&cx.store, scope.org_id, items).await
}

/// Imports a CSV file through the write path: nothing is written unless every row is valid.
pub async fn import_csv(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    text: &str,
) -> AppResult<Vec<Record>> {
    scope.require(Permission::Write)?;
    let lookups = crate::registers::Lookups::load(&cx.store, scope.org_id, spec).await?;
    let report = crate::registers::read_csv(spec, text, &lookups)?;
    if !report.errors.is_empty() {
        let n = report.errors.len();
        return Err(AppError::rejected(
            format!("{n} problem(s) in the file; nothing was imported"),
            report.errors,
        ));
    }
    import(cx, scope, spec, &report.rows).await
}

/// The last audit event of a deleted record: what it held when it was deleted.
pub async fn deleted_snapshot(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    id: i64,
) -> AppResult<(aims_store::AuditEvent, Map<String, Value>)> {
    scope.require(Permission::Read)?;
    let filter = aims_store::AuditFilter {
        entity_type: Some(spec.table.to_string()),
        entity_id: Some(id.to_string()),
        ..Default::default()
    };
    let event = cx
        .store
        .list_events(scope.org_id, &filter, None, 1)
        .await?
        .into_iter()
        .next()
        .filter(|e| e.action == aims_domain::audit::action::DELETE)
        .ok_or_else(|| AppError::not_found(&format!("deleted {}", spec.singular)))?;
    let before: Map<String, Value> = event
        .before_json
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    Ok((event, before))
}

/// Restores a deleted record from its last audit event (approvers only): its fields, the links
/// whose other end still exists, and its old reference when no other record took it since. A
/// risk's acceptance is not restored: it is given again, by a named person.
pub async fn restore(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    id: i64,
) -> AppResult<Record> {
    scope.require(Permission::Approve)?;
    let (_, before) = deleted_snapshot(cx, scope, spec, id).await?;
    let mut obj = Map::new();
    for f in spec.fields.iter().filter(|f| !f.computed) {
        if let Some(v) = before.get(f.name).filter(|v| !v.is_null()) {
            obj.insert(f.name.into(), v.clone());
        }
    }
    if spec.table == "risks" && obj.get("status").and_then(|v| v.as_str()) == Some("accepted") {
        obj.insert("status".into(), "assessed".into());
    }
    for l in spec.links {
        let ids: Vec<i64> = before
            .get(l.field)
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_i64()).collect())
            .unwrap_or_default();
        // Only the links whose other end still exists come back.
        let still = match aims_domain::register::REGISTERS
            .iter()
            .find(|r| r.table == l.other)
        {
            Some(other) => cx.store.register_briefs(scope.org_id, other, &ids).await?,
            None => cx.store.requirement_briefs(scope.org_id, &ids).await?,
        };
        obj.insert(
            l.field.into(),
            Value::Array(still.iter().map(|o| Value::from(o.id)).collect()),
        );
    }
    let mut input = check_input(spec, &obj, false).map_err(AppError::invalid)?;
    crate::rules::before_write(&cx.store, scope.org_id, spec, None, &mut input).await?;
    let number = before
        .get("reference")
        .and_then(|r| r.as_str())
        .and_then(|r| spec.parse_reference(r));
    Ok(cx
        .store
        .register_restore(
            &scope.actor,
            scope.org_id,
            spec,
            id,
            number,
            &input,
            cx.now(),
        )
        .await?)
}

/// How a requirement gets a control from its own page: an existing one, or a new one.
pub enum Implementer {
    Existing(i64),
    New(String),
}

/// Links a requirement (an Annex A control, an article, ...) to a control that implements it,
/// through the one write path: the control keeps its other links.
pub async fn implement_requirement(
    cx: &Cx,
    scope: &Scope,
    requirement_id: i64,
    with: Implementer,
) -> AppResult<Record> {
    use aims_domain::register::CONTROLS;
    scope.require(Permission::Write)?;
    if cx
        .store
        .get_requirement(Some(scope.org_id), requirement_id)
        .await?
        .is_none()
    {
        return Err(AppError::not_found("requirement"));
    }
    match with {
        Implementer::New(name) => {
            let mut obj = Map::new();
            obj.insert("name".into(), Value::String(name));
            obj.insert("status".into(), "planned".into());
            obj.insert(
                "requirement_ids".into(),
                serde_json::json!([requirement_id]),
            );
            create_json(cx, scope, &CONTROLS, &obj).await
        }
        Implementer::Existing(control_id) => {
            let control = cx
                .store
                .register_get(scope.org_id, &CONTROLS, control_id)
                .await?
                .ok_or_else(|| AppError::not_found("control"))?;
            let mut ids: Vec<i64> = cx
                .store
                .register_links(&CONTROLS, control_id)
                .await?
                .into_iter()
                .filter(|(field, _)| field == "requirement_ids")
                .flat_map(|(_, items)| items.into_iter().map(|i| i.id))
                .collect();
            if ids.contains(&requirement_id) {
                return Ok(control);
            }
            ids.push(requirement_id);
            let mut obj = Map::new();
            obj.insert("requirement_ids".into(), serde_json::json!(ids));
            let input = check_input(&CONTROLS, &obj, true).map_err(AppError::invalid)?;
            let version = control.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
            update(cx, scope, &CONTROLS, control_id, version, &input).await
        }
    }
}
