//! Planning of changes (6.3): a change is approved through its own step (who, when), and an
//! approved change flags what it touches. The flags are derived when a record is read, so they
//! cannot drift: an impact assessment approved, a risk saved or a document reviewed or
//! published before the change's approval is due again, with "change CHG-n" as the reason.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use crate::record::{num, text};
use aims_domain::register::{FieldValue, RecordInput, CHANGES};
use aims_domain::Permission;
use aims_store::{Record, Store};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveIn {
    /// The version you read; a stale one answers 409.
    pub version: i64,
}

/// Approves a proposed change (the approve role), recording who and when. The answer carries
/// `warnings` when a system it touches is on an incident's hold (Art. 73(6)).
pub async fn approve(cx: &Cx, scope: &Scope, id: i64, b: ApproveIn) -> AppResult<Record> {
    if !scope.perms.allows(Permission::Approve) {
        return Err(AppError::forbidden(
            "approving a change needs a manager or admin role",
        ));
    }
    let change = cx
        .store
        .register_get(scope.org_id, &CHANGES, id)
        .await?
        .ok_or_else(|| AppError::not_found("change"))?;
    if text(&change, "status") != "proposed" {
        return Err(AppError::conflict(format!(
            "only a proposed change is approved; this one is {}",
            text(&change, "status")
        )));
    }
    let mut input = RecordInput::default();
    for (name, v) in [
        ("status", FieldValue::Text(Some("approved".into()))),
        ("approved_by", FieldValue::Int(scope.actor.user_id)),
        ("approved_on", FieldValue::Text(Some(cx.today()))),
        (
            "approved_at",
            FieldValue::Text(Some(aims_domain::incident::stamp(cx.now()))),
        ),
    ] {
        let f = CHANGES
            .field(name)
            .ok_or_else(|| AppError::internal(format!("changes have no {name}")))?;
        input.values.push((f, v));
    }
    let mut rec =
        crate::registers::write::set_step_fields(cx, scope, &CHANGES, id, b.version, &input)
            .await?;
    let systems = ids(&rec, "system_ids");
    let warnings = crate::rules::hold_warnings(&cx.store, scope.org_id, &systems).await?;
    rec.insert("warnings".into(), warnings.into());
    Ok(rec)
}

fn ids(r: &Record, field: &str) -> Vec<i64> {
    r.get(field)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_i64().or_else(|| x.get("id").and_then(|i| i.as_i64())))
                .collect()
        })
        .unwrap_or_default()
}

fn moment(r: &Record, field: &str) -> Option<DateTime<Utc>> {
    aims_domain::incident::parse_moment(&text(r, field))
}

/// "change CHG-n approved on D" for each approved (or implemented) change linked to these
/// records of `table` whose approval is not older than `since`.
pub async fn reasons(
    store: &Store,
    org_id: i64,
    table: &str,
    ids: &[i64],
    since: Option<DateTime<Utc>>,
) -> AppResult<Vec<String>> {
    let change_ids = crate::trace::linked(store, table, ids, CHANGES.table).await?;
    if change_ids.is_empty() {
        return Ok(vec![]);
    }
    let mut out = vec![];
    for c in store
        .register_get_many(org_id, &CHANGES, &change_ids)
        .await?
    {
        let approved = matches!(text(&c, "status").as_str(), "approved" | "implemented");
        let at = moment(&c, "approved_at");
        if approved && at.is_some() && (since.is_none() || at >= since) {
            out.push(format!(
                "change {} ({}) was approved on {}",
                text(&c, "reference"),
                text(&c, "name"),
                text(&c, "approved_on")
            ));
        }
    }
    Ok(out)
}

/// Why a risk is due for re-assessment: an approved change to one of its AI systems since it
/// was last saved.
pub async fn risk_reasons(store: &Store, org_id: i64, risk: &Record) -> AppResult<Vec<String>> {
    let systems = ids(risk, "system_ids");
    reasons(
        store,
        org_id,
        "ai_systems",
        &systems,
        moment(risk, "updated_at"),
    )
    .await
}

/// Why a document is due for review: an approved change touching it since it was last changed,
/// reviewed or published.
pub async fn document_reasons(store: &Store, org_id: i64, doc: &Record) -> AppResult<Vec<String>> {
    let Some(id) = num(doc, "id") else {
        return Ok(vec![]);
    };
    reasons(store, org_id, "documents", &[id], moment(doc, "updated_at")).await
}
