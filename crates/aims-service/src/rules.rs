//! Rules a register write must pass beyond its fields. Every write path runs them
//! (`registers::write`), whoever the caller: the API, the forms, CSV and BOM imports, raising
//! a risk, making a task, the demo and the CLI.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use crate::record::{num, text};
use aims_domain::register::{
    FieldValue, RecordInput, RegisterSpec, AI_SYSTEMS, PARTY_REQUIREMENTS, RISKS,
};
use aims_domain::risk::{acceptance_holds, current_score};
use aims_domain::{FieldError, Invalid};
use aims_store::{Record, Store};

/// Runs the register's rules on a create (`id` None) or an update. A rule may amend the input:
/// an accepted risk whose score rises above the accepted score goes back to `assessed`.
pub async fn before_write(
    store: &Store,
    org_id: i64,
    spec: &RegisterSpec,
    id: Option<i64>,
    input: &mut RecordInput,
) -> AppResult<()> {
    if spec.table == RISKS.table {
        return risk_rules(store, org_id, id, input).await;
    }
    if spec.table == AI_SYSTEMS.table {
        return lifecycle_gate(store, org_id, id, input).await;
    }
    if spec.table == PARTY_REQUIREMENTS.table {
        return decision_explained(store, org_id, id, input).await;
    }
    if spec.table == aims_domain::register::DOCUMENTS.table {
        return named_readers_are_members(store, org_id, input).await;
    }
    if spec.table == aims_domain::register::CHANGES.table {
        return approval_through_its_step(store, org_id, id, input).await;
    }
    if spec.table == aims_domain::register::PMM_PLANS.table {
        return monitored_system_is_high_risk_and_ours(store, org_id, input).await;
    }
    if spec.table == aims_domain::register::AI_LITERACY.table {
        return literacy_recorded_when(store, org_id, id, input).await;
    }
    Ok(())
}

/// A change becomes approved only through its Approve step, which records who and when.
async fn approval_through_its_step(
    store: &Store,
    org_id: i64,
    id: Option<i64>,
    input: &RecordInput,
) -> AppResult<()> {
    if text_value(input, "status").flatten().as_deref() != Some("approved") {
        return Ok(());
    }
    let was = match id {
        Some(id) => store
            .register_get(org_id, &aims_domain::register::CHANGES, id)
            .await?
            .map(|r| text(&r, "status")),
        None => None,
    };
    if was.as_deref() == Some("approved") {
        return Ok(());
    }
    Err(AppError::invalid(Invalid::field(
        "status",
        "becomes approved only through the Approve step, which records who approved it and when: save the change as proposed, then use Approve on its page or POST /api/v1/changes/{id}/approve",
    )))
}

/// Post-market monitoring (EU AI Act Art. 72) is the duty of the provider of a high-risk
/// system: the plan's system is classified high risk and we are its provider.
async fn monitored_system_is_high_risk_and_ours(
    store: &Store,
    org_id: i64,
    input: &RecordInput,
) -> AppResult<()> {
    let Some(Some(system_id)) = int_value(input, "system_id") else {
        return Ok(());
    };
    let Some(system) = store.register_get(org_id, &AI_SYSTEMS, system_id).await? else {
        return Ok(());
    };
    let provider = system
        .get("roles")
        .and_then(|r| r.as_array())
        .is_some_and(|r| r.iter().any(|x| x.as_str() == Some("provider")));
    let tier = text(&system, "risk_tier");
    let problem = match (tier == "high_risk", provider) {
        (true, true) => return Ok(()),
        (false, _) => format!(
            "{} is not classified high risk (its tier is {}): post-market monitoring under Art. 72 is for high-risk systems; classify it first, or measure it with a KPI instead",
            text(&system, "reference"),
            if tier.is_empty() { "not set".to_string() } else { tier.replace('_', " ") }
        ),
        (true, false) => format!(
            "we are not the provider of {}: under Art. 72 the provider monitors; add provider to its roles if we are, or rely on the provider's plan",
            text(&system, "reference")
        ),
    };
    Err(AppError::invalid(Invalid::field("system_id", problem)))
}

/// Literacy marked as recorded says when.
async fn literacy_recorded_when(
    store: &Store,
    org_id: i64,
    id: Option<i64>,
    input: &RecordInput,
) -> AppResult<()> {
    let stored = match id {
        Some(id) => {
            store
                .register_get(org_id, &aims_domain::register::AI_LITERACY, id)
                .await?
        }
        None => None,
    };
    let value = |name: &str| match text_value(input, name) {
        Some(v) => v.unwrap_or_default(),
        None => stored.as_ref().map(|r| text(r, name)).unwrap_or_default(),
    };
    if value("status") == "recorded" && value("recorded_on").is_empty() {
        return Err(AppError::invalid(Invalid::field(
            "recorded_on",
            "is required when literacy is recorded: the day it was ensured",
        )));
    }
    Ok(())
}

/// Warnings while an incident's hold stands on these AI systems (Art. 73(6)): before the
/// authority is informed, the system is not to be altered in a way that may affect the later
/// evaluation of the incident's causes.
pub async fn hold_warnings(
    store: &Store,
    org_id: i64,
    system_ids: &[i64],
) -> AppResult<Vec<String>> {
    let holds = store.holds_on_systems(org_id, system_ids).await?;
    if holds.is_empty() {
        return Ok(vec![]);
    }
    let systems = store
        .register_get_many(org_id, &AI_SYSTEMS, system_ids)
        .await?;
    Ok(holds
        .into_iter()
        .map(|(sys, number, name)| {
            let system = systems
                .iter()
                .find(|r| num(r, "id") == Some(sys))
                .map(|r| text(r, "reference"))
                .unwrap_or_default();
            format!(
                "{system} is on hold for serious incident {} ({name}): until the authority is informed, do not alter it in a way that may affect the evaluation of the incident's causes (EU AI Act Art. 73(6))",
                aims_domain::register::INCIDENTS.reference(number)
            )
        })
        .collect())
}

/// A document's named readers are members of the organization, by e-mail; the list is kept
/// normalized (lower case, one `, ` between addresses) so publishing can resolve it.
async fn named_readers_are_members(
    store: &Store,
    org_id: i64,
    input: &mut RecordInput,
) -> AppResult<()> {
    let Some(Some(raw)) = text_value(input, "audience_people") else {
        return Ok(());
    };
    let emails = aims_domain::document::email_list(&raw);
    let known = store.member_ids_by_email(org_id, &emails).await?;
    let unknown: Vec<&str> = emails
        .iter()
        .filter(|e| !known.iter().any(|(k, _)| k == *e))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::invalid(Invalid::field(
            "audience_people",
            format!(
                "{} not a member of this organization",
                match unknown.as_slice() {
                    [one] => format!("{one} is"),
                    many => format!("{} are", many.join(", ")),
                }
            ),
        )));
    }
    for (f, v) in input.values.iter_mut() {
        if f.name == "audience_people" {
            *v = FieldValue::Text((!emails.is_empty()).then(|| emails.join(", ")));
        }
    }
    Ok(())
}

/// A party requirement the AIMS does not (fully) address says why (4.2 c): the decision is
/// the point of the record. Checked on the values after the write, so a partial update counts.
async fn decision_explained(
    store: &Store,
    org_id: i64,
    id: Option<i64>,
    input: &RecordInput,
) -> AppResult<()> {
    let stored = match id {
        Some(id) => store.register_get(org_id, &PARTY_REQUIREMENTS, id).await?,
        None => None,
    };
    let value = |name: &str| match text_value(input, name) {
        Some(v) => v.unwrap_or_default(),
        None => stored.as_ref().map(|r| text(r, name)).unwrap_or_default(),
    };
    if matches!(value("addressed").as_str(), "no" | "partly") && value("how").trim().is_empty() {
        return Err(AppError::invalid(Invalid::field(
            "how",
            "say why the AIMS does not (fully) address this requirement",
        )));
    }
    Ok(())
}

fn text_value(input: &RecordInput, name: &str) -> Option<Option<String>> {
    input
        .values
        .iter()
        .find(|(f, _)| f.name == name)
        .map(|(_, v)| match v {
            FieldValue::Text(t) => t.clone(),
            _ => None,
        })
}

fn int_value(input: &RecordInput, name: &str) -> Option<Option<i64>> {
    input
        .values
        .iter()
        .find(|(f, _)| f.name == name)
        .map(|(_, v)| match v {
            FieldValue::Int(n) => *n,
            _ => None,
        })
}

/// One input of a batch for `rule_errors`: how its errors are named, its register, the record
/// it updates (None for a new one), and the input (which a rule may amend).
pub struct BatchItem<'a> {
    pub label: String,
    pub spec: &'static RegisterSpec,
    pub id: Option<i64>,
    pub input: &'a mut RecordInput,
}

/// The rules on every input of a batch (an import, a BOM, a bulk update): field errors are
/// collected and named `label: field`; any other failure ends the batch.
pub async fn rule_errors(
    store: &Store,
    org_id: i64,
    items: Vec<BatchItem<'_>>,
) -> AppResult<Vec<FieldError>> {
    let mut errors = vec![];
    for item in items {
        if let Err(e) = before_write(store, org_id, item.spec, item.id, item.input).await {
            if e.errors.is_empty() {
                return Err(e);
            }
            errors.extend(e.errors.into_iter().map(|f| FieldError {
                field: format!("{}: {}", item.label, f.field),
                message: f.message,
            }));
        }
    }
    Ok(errors)
}

/// Likelihood and impact on the organization's scale; acceptance only through its step; an
/// acceptance lapses when the score rises above the score accepted.
async fn risk_rules(
    store: &Store,
    org_id: i64,
    id: Option<i64>,
    input: &mut RecordInput,
) -> AppResult<()> {
    let (c, _) = crate::risk::criteria(store, org_id).await?;
    let mut inv = Invalid::default();
    for (f, v) in &input.values {
        let FieldValue::Int(v) = v else {
            continue;
        };
        let likelihood = f.name.ends_with("likelihood");
        if likelihood || f.name.ends_with("impact") {
            if let Err(m) = c.check_level(f.name, *v, likelihood) {
                inv.push(f.name, m.trim_start_matches(f.name).trim().to_string());
            }
        }
    }
    // The record as it stands matters only when the status or a level changes.
    let touches_acceptance = input.values.iter().any(|(f, _)| {
        f.name == "status" || f.name.ends_with("likelihood") || f.name.ends_with("impact")
    });
    let current: Option<Record> = match id {
        Some(id) if touches_acceptance => store.register_get(org_id, &RISKS, id).await?,
        _ => None,
    };
    let was_accepted = current
        .as_ref()
        .is_some_and(|r| text(r, "status") == "accepted");
    let new_status = text_value(input, "status").flatten();
    if new_status.as_deref() == Some("accepted") && !was_accepted {
        inv.push(
            "status",
            match id {
                Some(id) => format!(
                    "becomes accepted only through the acceptance step, which records the reason, \
                     who accepted and top management's sign-off where the score needs it: use \
                     Accept on the risk's page or POST /api/v1/risks/{id}/accept"
                ),
                None => "becomes accepted only through the acceptance step: create the risk as \
                         identified or assessed, then accept it from its page or with POST \
                         /api/v1/risks/{id}/accept"
                    .to_string(),
            },
        );
    }
    inv.into_result().map_err(AppError::invalid)?;
    if let (Some(rec), true) = (&current, was_accepted) {
        if new_status.is_none() || new_status.as_deref() == Some("accepted") {
            let level = |name: &str| int_value(input, name).unwrap_or_else(|| num(rec, name));
            let score = current_score(
                (level("inherent_likelihood"), level("inherent_impact")),
                (level("residual_likelihood"), level("residual_impact")),
            );
            let accepted = num(rec, "accepted_score")
                .or_else(|| num(rec, "residual_score"))
                .or_else(|| num(rec, "inherent_score"));
            if accepted.is_some_and(|a| !acceptance_holds(a, score)) {
                let status = RISKS
                    .field("status")
                    .ok_or_else(|| AppError::internal("the risk register has no status"))?;
                input.values.retain(|(f, _)| f.name != "status");
                input
                    .values
                    .push((status, FieldValue::Text(Some("assessed".into()))));
            }
        }
    }
    Ok(())
}

/// AI systems enter deployment or operation only with an approved impact assessment and every
/// linked risk assessed (when the organization has the gates on), on create as on update.
async fn lifecycle_gate(
    store: &Store,
    org_id: i64,
    id: Option<i64>,
    input: &RecordInput,
) -> AppResult<()> {
    let Some(stage) = text_value(input, "lifecycle_stage")
        .flatten()
        .filter(|s| s == "deployment" || s == "operation_monitoring")
    else {
        return Ok(());
    };
    if !store.org_settings(org_id).await?.0 {
        return Ok(());
    }
    let missing = match id {
        Some(id) => {
            let current = store
                .register_get(org_id, &AI_SYSTEMS, id)
                .await?
                .map(|r| text(&r, "lifecycle_stage"))
                .unwrap_or_default();
            if current == stage {
                return Ok(());
            }
            gate_problems(store, org_id, id).await?
        }
        // A new system has no impact assessment yet.
        None => vec![
            "no approved impact assessment (create the system in an earlier stage, approve its impact assessment, then move it)"
                .to_string(),
        ],
    };
    if missing.is_empty() {
        return Ok(());
    }
    Err(AppError::invalid(Invalid::field(
        "lifecycle_stage",
        format!(
            "cannot move to {}: {}",
            stage.replace('_', " "),
            missing.join("; ")
        ),
    )))
}

/// What keeps an AI system from deployment or operation: an approved impact assessment, and
/// every linked risk assessed.
pub async fn gate_problems(
    store: &Store,
    org_id: i64,
    system_id: i64,
) -> Result<Vec<String>, AppError> {
    let mut out = vec![];
    let ias = crate::trace::assessments_of(store, org_id, system_id).await?;
    if !ias.iter().any(|r| text(r, "status") == "approved") {
        out.push("no approved impact assessment".to_string());
    }
    let risk_ids = crate::trace::linked(store, AI_SYSTEMS.table, &[system_id], RISKS.table).await?;
    for r in crate::trace::records(store, org_id, &RISKS, &risk_ids).await? {
        if text(&r, "status") == "identified" {
            out.push(format!("{} is not assessed yet", text(&r, "reference")));
        }
    }
    Ok(out)
}

/// Records whose history must stay are never deleted: a document with versions is withdrawn
/// instead (its versions are the documented information an auditor samples).
pub async fn check_delete(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    id: i64,
) -> AppResult<()> {
    if spec.table == aims_domain::register::DOCUMENTS.table {
        let versions = cx.store.document_versions(scope.org_id, id).await?;
        if let Some(v) = versions.first() {
            return Err(AppError::conflict(format!(
                "{} has {} version(s), the newest {} {}: a document with a history is not deleted; withdraw its published version instead",
                spec.reference(
                    cx.store
                        .register_get(scope.org_id, spec, id)
                        .await?
                        .and_then(|r| r.get("number").and_then(|n| n.as_i64()))
                        .unwrap_or(0)
                ),
                versions.len(),
                v.number(),
                v.status.replace('_', " ")
            )));
        }
    }
    Ok(())
}
