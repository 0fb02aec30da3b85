//! Rules a register write must pass beyond its fields. Every write path runs them
//! (`registers::write`), whoever the caller.

use crate::error::AppError;
use crate::record::text;
use aims_domain::register::{RegisterSpec, AI_SYSTEMS, IMPACT_ASSESSMENTS, RISKS};
use aims_domain::Invalid;
use aims_store::Store;

/// Rules a register write must pass beyond its fields: likelihood and impact on the
/// organization's scale (risks), and the life cycle gates (AI systems moving into deployment
/// or operation).
pub async fn before_write(
    store: &Store,
    org_id: i64,
    spec: &RegisterSpec,
    id: Option<i64>,
    input: &aims_domain::register::RecordInput,
) -> Result<(), AppError> {
    if spec.table == RISKS.table {
        let (c, _) = crate::risk::criteria(store, org_id).await?;
        let mut inv = Invalid::default();
        for (f, v) in &input.values {
            let aims_domain::register::FieldValue::Int(v) = v else {
                continue;
            };
            let likelihood = f.name.ends_with("likelihood");
            if f.name.ends_with("likelihood") || f.name.ends_with("impact") {
                if let Err(m) = c.check_level(f.name, *v, likelihood) {
                    inv.push(f.name, m.trim_start_matches(f.name).trim().to_string());
                }
            }
        }
        return inv.into_result().map_err(AppError::invalid);
    }
    if spec.table == AI_SYSTEMS.table {
        let Some(id) = id else { return Ok(()) };
        let new_stage = input
            .values
            .iter()
            .find(|(f, _)| f.name == "lifecycle_stage")
            .and_then(|(_, v)| match v {
                aims_domain::register::FieldValue::Text(t) => t.clone(),
                _ => None,
            });
        let Some(stage) = new_stage.filter(|s| s == "deployment" || s == "operation_monitoring")
        else {
            return Ok(());
        };
        let current = store
            .register_get(org_id, &AI_SYSTEMS, id)
            .await?
            .map(|r| text(&r, "lifecycle_stage"))
            .unwrap_or_default();
        if current == stage || !store.org_settings(org_id).await?.0 {
            return Ok(());
        }
        let missing = gate_problems(store, org_id, id).await?;
        if !missing.is_empty() {
            return Err(AppError::invalid(Invalid::field(
                "lifecycle_stage",
                format!("cannot move to {stage}: {}", missing.join("; ")),
            )));
        }
    }
    Ok(())
}

/// What keeps an AI system from deployment or operation: an approved impact assessment, and
/// every linked risk assessed.
pub async fn gate_problems(
    store: &Store,
    org_id: i64,
    system_id: i64,
) -> Result<Vec<String>, AppError> {
    let mut out = vec![];
    let approved = crate::registers::ListQuery {
        filters: vec![(
            IMPACT_ASSESSMENTS
                .field("system_id")
                .ok_or_else(|| AppError::not_found("field"))?,
            aims_domain::register::FieldValue::Int(Some(system_id)),
        )],
        limit: 100,
        ..Default::default()
    };
    let ias = crate::registers::all_rows(store, org_id, &IMPACT_ASSESSMENTS, &approved).await?;
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
