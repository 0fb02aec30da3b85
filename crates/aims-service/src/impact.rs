//! Impact assessments: findings, the workflow, re-assessment and raising a risk from a finding.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use crate::record::{num, text};
use aims_domain::register::{check_input, AI_SYSTEMS, IMPACT_ASSESSMENTS, RISKS};
use aims_domain::risk::ImpactEntry;
use aims_domain::{Invalid, Permission};
use aims_store::Record;
use serde::Deserialize;
use serde_json::{json, Map};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntriesBody {
    #[schema(value_type = Vec<Object>)]
    pub entries: Vec<ImpactEntry>,
    pub version: i64,
}

/// Replaces the findings of an impact assessment (each checked, named by its index).
pub async fn set_entries(cx: &Cx, scope: &Scope, id: i64, b: EntriesBody) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    let mut inv = Invalid::default();
    for (i, e) in b.entries.iter().enumerate() {
        e.check(&format!("entries[{i}]"), &mut inv);
    }
    inv.into_result().map_err(AppError::invalid)?;
    let json =
        serde_json::to_string(&b.entries).map_err(|e| AppError::bad_request(e.to_string()))?;
    Ok(cx
        .store
        .set_ia_entries(&scope.actor, scope.org_id, id, b.version, &json, cx.now())
        .await?)
}

/// What to do with one finding of a draft assessment.
pub enum FindingChange {
    Add(ImpactEntry),
    /// Replaces the finding at this index.
    Edit(usize, ImpactEntry),
    Remove(usize),
}

/// Adds, edits or removes one finding of a draft assessment (its errors named `finding.<field>`).
pub async fn change_finding(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    version: i64,
    change: FindingChange,
) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    let ia = cx
        .store
        .register_get(scope.org_id, &IMPACT_ASSESSMENTS, id)
        .await?
        .ok_or_else(|| AppError::not_found("impact assessment"))?;
    let mut entries: Vec<ImpactEntry> = ia
        .get("entries")
        .and_then(|e| serde_json::from_value(e.clone()).ok())
        .unwrap_or_default();
    let mut inv = Invalid::default();
    let removed = match &change {
        FindingChange::Remove(i) => Some(*i),
        _ => None,
    };
    match change {
        FindingChange::Add(e) => {
            e.check("finding", &mut inv);
            entries.push(e);
        }
        FindingChange::Edit(i, e) => {
            e.check("finding", &mut inv);
            *entries
                .get_mut(i)
                .ok_or_else(|| AppError::not_found("finding"))? = e;
        }
        FindingChange::Remove(i) => {
            if i >= entries.len() {
                return Err(AppError::not_found("finding"));
            }
            entries.remove(i);
        }
    }
    inv.into_result().map_err(AppError::invalid)?;
    let saved = set_entries(cx, scope, id, EntriesBody { entries, version }).await?;
    if let Some(i) = removed {
        renumber_raised(cx, scope, &text(&ia, "reference"), i).await?;
    }
    Ok(saved)
}

/// After finding `removed` is gone, the risks raised from later findings follow their finding's
/// new number, and the one raised from the removed finding says so (it stays a risk).
async fn renumber_raised(
    cx: &Cx,
    scope: &Scope,
    ia_reference: &str,
    removed: usize,
) -> AppResult<()> {
    let mut rows = vec![];
    for (index, risk_id, _) in raised_risks(cx, scope, ia_reference).await? {
        let source = match index.cmp(&removed) {
            std::cmp::Ordering::Less => continue,
            std::cmp::Ordering::Equal => {
                format!("{} (finding removed)", finding_source(ia_reference, index))
            }
            std::cmp::Ordering::Greater => finding_source(ia_reference, index - 1),
        };
        let mut obj = Map::new();
        obj.insert("source".into(), source.into());
        let input = check_input(&RISKS, &obj, true).map_err(AppError::invalid)?;
        rows.push((risk_id, input));
    }
    if !rows.is_empty() {
        crate::registers::write::update_many(cx, scope, &RISKS, &rows).await?;
    }
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    pub version: i64,
}

/// One step of the impact assessment workflow: `submit`, `approve` (approvers only) or `reopen`.
pub async fn transition(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    step: &str,
    version: i64,
) -> AppResult<Record> {
    match step {
        "approve" => scope.require(Permission::Approve)?,
        "submit" | "reopen" => scope.require(Permission::Write)?,
        _ => return Err(AppError::not_found("step")),
    }
    Ok(cx
        .store
        .ia_transition(
            &scope.actor,
            scope.org_id,
            id,
            version,
            step,
            &cx.today(),
            cx.now(),
        )
        .await?)
}

/// What a finding's raised risk is called in its `source`: "IA-3 finding 2".
pub fn finding_source(ia_reference: &str, index: usize) -> String {
    format!("{ia_reference} finding {}", index + 1)
}

/// The risks already raised from an assessment's findings: (finding index, risk id, reference).
pub async fn raised_risks(
    cx: &Cx,
    scope: &Scope,
    ia_reference: &str,
) -> AppResult<Vec<(usize, i64, String)>> {
    scope.require(Permission::Read)?;
    let prefix = format!("{ia_reference} finding ");
    Ok(cx
        .store
        .records_by_source(scope.org_id, &RISKS, &prefix)
        .await?
        .into_iter()
        .filter_map(|(source, id, number)| {
            let n: usize = source.strip_prefix(&prefix)?.parse().ok()?;
            Some((n.checked_sub(1)?, id, RISKS.reference(number)))
        })
        .collect())
}

/// Raises a risk in the register from one finding of an impact assessment, linked to its system.
/// A finding raises one risk: asked again, it answers the one already raised (`false`).
pub async fn raise_risk(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    index: usize,
) -> AppResult<(Record, bool)> {
    scope.require(Permission::Write)?;
    let (store, org_id) = (&cx.store, scope.org_id);
    let ia = store
        .register_get(org_id, &IMPACT_ASSESSMENTS, id)
        .await?
        .ok_or_else(|| AppError::not_found("impact assessment"))?;
    let entries: Vec<ImpactEntry> = ia
        .get("entries")
        .and_then(|e| serde_json::from_value(e.clone()).ok())
        .unwrap_or_default();
    let e = entries
        .get(index)
        .ok_or_else(|| AppError::not_found("finding"))?;
    let label = |list: &[(&str, &str)], k: &str| {
        list.iter()
            .find(|(x, _)| *x == k)
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| k.to_string())
    };
    let source = finding_source(&text(&ia, "reference"), index);
    if let Some((_, risk_id, _)) = raised_risks(cx, scope, &text(&ia, "reference"))
        .await?
        .into_iter()
        .find(|(i, _, _)| *i == index)
    {
        if let Some(existing) = store.register_get(org_id, &RISKS, risk_id).await? {
            return Ok((existing, false));
        }
    }
    let (c, _) = crate::risk::criteria(store, org_id).await?;
    let clamp = |v: i64, n: usize| v.clamp(1, n as i64);
    let mut obj = Map::new();
    obj.insert(
        "name".into(),
        format!(
            "{}: {}",
            label(aims_domain::risk::DIMENSIONS, &e.dimension),
            e.consequence.chars().take(150).collect::<String>()
        )
        .into(),
    );
    obj.insert(
        "description".into(),
        format!(
            "Raised from {} finding {} ({}). Measures: {}. Remaining: {}",
            text(&ia, "reference"),
            index + 1,
            label(aims_domain::risk::PARTIES, &e.party),
            e.measures,
            e.residual
        )
        .into(),
    );
    obj.insert("status".into(), "identified".into());
    obj.insert("source".into(), source.into());
    obj.insert(
        "inherent_likelihood".into(),
        clamp(e.likelihood, c.likelihood.len()).into(),
    );
    obj.insert(
        "inherent_impact".into(),
        clamp(e.severity, c.impact.len()).into(),
    );
    if let Some(sys) = num(&ia, "system_id") {
        obj.insert("system_ids".into(), json!([sys]));
    }
    // The same write path as the risk form: the rules run here too.
    let input = check_input(&RISKS, &obj, false).map_err(AppError::invalid)?;
    Ok((
        crate::registers::write::create(cx, scope, &RISKS, &input).await?,
        true,
    ))
}

/// Why an approved impact assessment is due for re-assessment: the system changed life cycle
/// stage since approval, or the review interval has passed. Empty when none applies.
pub async fn reassessment_reasons(
    cx: &Cx,
    org_id: i64,
    ia: &Record,
) -> Result<Vec<String>, AppError> {
    let mut out = vec![];
    if text(ia, "status") != "approved" {
        return Ok(out);
    }
    if let Some(sys) = num(ia, "system_id") {
        if let Some(system) = cx.store.register_get(org_id, &AI_SYSTEMS, sys).await? {
            let now_stage = text(&system, "lifecycle_stage");
            let then = text(ia, "stage_at_approval");
            if !then.is_empty() && now_stage != then {
                out.push(format!(
                    "the system moved from {} to {} since approval",
                    then.replace('_', " "),
                    now_stage.replace('_', " ")
                ));
            }
        }
    }
    if let (Some(months), Ok(approved)) = (
        num(ia, "review_interval_months"),
        chrono::NaiveDate::parse_from_str(&text(ia, "approved_on"), "%Y-%m-%d"),
    ) {
        let due = approved.checked_add_months(chrono::Months::new(months as u32));
        if due.is_some_and(|d| d <= cx.clock.today()) {
            out.push(format!("the review interval of {months} months has passed"));
        }
    }
    // An approved change to the system since the approval (an approved assessment is frozen,
    // so its last update is its approval).
    if let Some(sys) = num(ia, "system_id") {
        let approved = aims_domain::incident::parse_moment(&text(ia, "updated_at"));
        out.extend(
            crate::changes::reasons(&cx.store, org_id, "ai_systems", &[sys], approved).await?,
        );
    }
    Ok(out)
}

/// Starts a new version of an approved assessment: a draft of the same system with its title,
/// summary, review interval and findings, which supersedes the approved one once approved.
pub async fn new_version(cx: &Cx, scope: &Scope, id: i64) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    let ia = cx
        .store
        .register_get(scope.org_id, &IMPACT_ASSESSMENTS, id)
        .await?
        .ok_or_else(|| AppError::not_found("impact assessment"))?;
    if text(&ia, "status") != "approved" {
        return Err(AppError::conflict(
            "only an approved impact assessment gets a new version: edit this draft instead",
        ));
    }
    let mut obj = Map::new();
    for f in ["name", "system_id", "summary", "review_interval_months"] {
        if let Some(v) = ia.get(f).filter(|v| !v.is_null()) {
            obj.insert(f.into(), v.clone());
        }
    }
    let input = check_input(&IMPACT_ASSESSMENTS, &obj, false).map_err(AppError::invalid)?;
    let draft = crate::registers::write::create(cx, scope, &IMPACT_ASSESSMENTS, &input).await?;
    let entries: Vec<ImpactEntry> = ia
        .get("entries")
        .and_then(|e| serde_json::from_value(e.clone()).ok())
        .unwrap_or_default();
    if entries.is_empty() {
        return Ok(draft);
    }
    let version = num(&draft, "version").unwrap_or(1);
    set_entries(
        cx,
        scope,
        num(&draft, "id").unwrap_or(0),
        EntriesBody { entries, version },
    )
    .await
}
