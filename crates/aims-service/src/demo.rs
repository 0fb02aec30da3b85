//! `aims demo`: fills an organization with believable, linked records through the same write
//! path and rules as the API and the forms (so every record has its audit events). `small` is a pleasant demo;
//! `large` is the benchmark's organization.

use crate::cx::{Cx, Scope};
use crate::error::AppError;
use crate::registers::write;
use aims_domain::register::{
    check_input, RegisterSpec, AI_MODELS, AI_SYSTEMS, CONTROLS, DATASETS, EVIDENCE,
    IMPACT_ASSESSMENTS, RISKS, SUPPLIERS,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub suppliers: usize,
    pub systems: usize,
    pub models: usize,
    pub datasets: usize,
    pub risks: usize,
    pub controls: usize,
    pub evidence: usize,
    /// Documents beyond the demo's policy and scope statement (each with a draft).
    pub documents: usize,
    /// Measurements of the first KPI beyond the demo's year of monthly values (the chart's benchmark).
    pub measurements: usize,
    /// Incidents beyond the demo's three (the incident list's benchmark).
    pub incidents: usize,
    /// Later changes per risk and per piece of evidence (status moves, renewals): they make
    /// the audit trail as long as a real organization's.
    pub updates_per_record: usize,
}

pub const SMALL: Scale = Scale {
    suppliers: 6,
    systems: 12,
    models: 15,
    datasets: 12,
    risks: 30,
    controls: 20,
    evidence: 25,
    documents: 0,
    measurements: 0,
    incidents: 0,
    updates_per_record: 1,
};
pub const LARGE: Scale = Scale {
    suppliers: 1_000,
    systems: 5_000,
    models: 5_000,
    datasets: 5_000,
    risks: 50_000,
    controls: 20_000,
    evidence: 100_000,
    documents: 10_000,
    measurements: 10_000,
    incidents: 10_000,
    updates_per_record: 5,
};

const ADJ: &[&str] = &[
    "Customer",
    "Claims",
    "Fraud",
    "Credit",
    "Support",
    "Pricing",
    "Recruiting",
    "Triage",
    "Forecast",
    "Document",
    "Safety",
    "Energy",
    "Routing",
    "Churn",
    "Quality",
];
const FUN: &[&str] = &[
    "assistant",
    "scoring",
    "screening",
    "classifier",
    "summarizer",
    "recommender",
    "detector",
    "chatbot",
    "ranking",
    "extraction",
];
const UNITS: &[&str] = &[
    "Retail",
    "Risk",
    "Operations",
    "HR",
    "Marketing",
    "Finance",
    "Customer service",
    "Engineering",
];
const VENDORS: &[&str] = &[
    "Northwind AI",
    "Contoso Models",
    "Fabrikam Data",
    "Tailspin Labs",
    "Adatum Cloud",
    "Litware Vision",
    "Proseware NLP",
    "Wingtip Analytics",
];
const FAMILIES: &[&str] = &[
    "gbm", "bert", "llama", "resnet", "xgboost", "t5", "whisper", "clip", "lstm", "logreg",
];
const THREATS: &[&str] = &[
    "Biased outcomes for protected groups",
    "Personal data leaks through outputs",
    "Model drift after deployment",
    "Prompt injection",
    "Over-reliance on automated decisions",
    "Training data poisoning",
    "Unexplainable decisions",
    "Outage of the model supplier",
    "Hallucinated answers",
    "Unlawful use of scraped data",
];
const CONTROL_NAMES: &[&str] = &[
    "Bias testing before release",
    "Human review of adverse decisions",
    "Drift monitoring and alerts",
    "Input filtering and output checks",
    "Data provenance records",
    "Supplier due diligence",
    "Model cards for every release",
    "Incident response runbook",
    "Access control to training data",
    "Logging of inference events",
];
const EVIDENCE_NAMES: &[&str] = &[
    "Test report",
    "Review minutes",
    "Monitoring dashboard export",
    "Signed supplier questionnaire",
    "Training record",
    "Data sheet",
    "Approval record",
    "Audit log sample",
];

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.gen_range(0..list.len())]
}

fn date(rng: &mut StdRng, from_year: i32, years: i32) -> String {
    format!(
        "{}-{:02}-{:02}",
        rng.gen_range(from_year..from_year + years),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28)
    )
}

async fn create_all(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    rows: Vec<Value>,
    progress: &(dyn Fn(String) + Sync),
) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::with_capacity(rows.len());
    let total = rows.len();
    for (n, chunk) in rows.chunks(1000).enumerate() {
        // The register grows from empty: refresh the planner's statistics as autovacuum would
        // (PostgreSQL would otherwise plan lookups for an empty table).
        if n % 10 == 1 {
            cx.store.analyze().await?;
        }
        let inputs = chunk
            .iter()
            .enumerate()
            .map(|(i, v)| {
                check_input(spec, v.as_object().unwrap_or(&Map::new()), false)
                    .map(|inp| (i + 1, inp))
                    .map_err(AppError::invalid)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let recs = write::import(cx, scope, spec, &inputs).await?;
        ids.extend(
            recs.iter()
                .filter_map(|r| r.get("id").and_then(|v| v.as_i64())),
        );
        progress(format!(
            "{} {}/{}",
            spec.plural.to_lowercase(),
            ids.len(),
            total
        ));
    }
    Ok(ids)
}

async fn update_all(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    updates: Vec<(i64, Value)>,
    progress: &(dyn Fn(String) + Sync),
) -> Result<usize, AppError> {
    let total = updates.len();
    let mut done = 0;
    for chunk in updates.chunks(1000) {
        let inputs = chunk
            .iter()
            .map(|(id, v)| {
                check_input(spec, v.as_object().unwrap_or(&Map::new()), true)
                    .map(|inp| (*id, inp))
                    .map_err(AppError::invalid)
            })
            .collect::<Result<Vec<_>, _>>()?;
        done += write::update_many(cx, scope, spec, &inputs).await?;
        progress(format!("{} changes {done}/{total}", spec.singular));
    }
    Ok(done)
}

/// Generates the records; returns how many of each.
/// Every record goes through the same write path and rules as a user's: systems that end up in
/// deployment or operation are created in validation, get an approved impact assessment once
/// their risks are assessed, and only then move on.
pub async fn generate(
    cx: &Cx,
    scope: &Scope,
    owner_id: i64,
    scale: Scale,
    progress: &(dyn Fn(String) + Sync),
) -> Result<Value, AppError> {
    let store = &cx.store;
    let mut rng = StdRng::seed_from_u64(42);
    let suppliers: Vec<Value> = (0..scale.suppliers)
        .map(|i| {
            let name = if i < VENDORS.len() { VENDORS[i].to_string() } else { format!("{} {}", pick(&mut rng, VENDORS), i) };
            json!({"name": name, "risk_rating": pick(&mut rng, &["low", "medium", "high"]), "due_diligence_status": pick(&mut rng, &["completed", "in_progress", "not_started"]), "next_review": date(&mut rng, 2026, 2), "review_cadence_months": 12})
        })
        .collect();
    let sup_ids = create_all(cx, scope, &SUPPLIERS, suppliers, progress).await?;
    let stages = [
        "inception",
        "design_development",
        "verification_validation",
        "deployment",
        "operation_monitoring",
        "re_evaluation",
    ];
    let target_stages: Vec<&str> = (0..scale.systems)
        .map(|_| pick(&mut rng, &stages))
        .collect();
    let systems: Vec<Value> = (0..scale.systems)
        .map(|i| {
            let stage = match target_stages[i] {
                "deployment" | "operation_monitoring" => "verification_validation",
                s => s,
            };
            json!({"name": format!("{} {} {}", pick(&mut rng, ADJ), pick(&mut rng, FUN), i + 1), "lifecycle_stage": stage, "owner_id": owner_id,
                   "business_unit": pick(&mut rng, UNITS), "roles": [pick(&mut rng, &["provider", "deployer"])], "personal_data": rng.gen_bool(0.6), "in_scope": rng.gen_bool(0.9),
                   "purpose": "Supports staff decisions in its business unit.", "next_review": date(&mut rng, 2026, 2),
                   "supplier_ids": [sup_ids[rng.gen_range(0..sup_ids.len())]]})
        })
        .collect();
    let sys_ids = create_all(cx, scope, &AI_SYSTEMS, systems, progress).await?;
    let models: Vec<Value> = (0..scale.models)
        .map(|i| {
            json!({"name": format!("{}-{}", pick(&mut rng, FAMILIES), i + 1), "model_version": format!("{}.{}", rng.gen_range(1..5), rng.gen_range(0..10)), "task": pick(&mut rng, &["classification", "ranking", "text generation", "regression"]),
                   "source": pick(&mut rng, &["in_house", "third_party_service", "open_weights"]), "supplier_id": sup_ids[rng.gen_range(0..sup_ids.len())], "system_ids": [sys_ids[rng.gen_range(0..sys_ids.len())]]})
        })
        .collect();
    let model_ids = create_all(cx, scope, &AI_MODELS, models, progress).await?;
    let datasets: Vec<Value> = (0..scale.datasets)
        .map(|i| {
            json!({"name": format!("{} data {}", pick(&mut rng, ADJ), i + 1), "purpose": pick(&mut rng, &["training", "validation", "test", "production_input"]), "source": "Internal systems",
                   "personal_data": rng.gen_bool(0.5), "system_ids": [sys_ids[rng.gen_range(0..sys_ids.len())]], "model_ids": [model_ids[rng.gen_range(0..model_ids.len())]]})
        })
        .collect();
    create_all(cx, scope, &DATASETS, datasets, progress).await?;
    let risks: Vec<Value> = (0..scale.risks)
        .map(|_| {
            let (l, i) = (rng.gen_range(1..=5), rng.gen_range(1..=5));
            json!({"name": pick(&mut rng, THREATS), "status": "identified", "inherent_likelihood": l, "inherent_impact": i, "treatment": pick(&mut rng, &["modify", "modify", "retain", "share", "avoid"]),
                   "residual_likelihood": (l - 1).max(1), "residual_impact": (i - 1).max(1), "owner_id": owner_id, "next_review": date(&mut rng, 2026, 2),
                   "risk_source": pick(&mut rng, &["C.3.1", "C.3.2", "C.3.3", "C.3.4", "C.3.6"]), "system_ids": [sys_ids[rng.gen_range(0..sys_ids.len())]]})
        })
        .collect();
    let risk_ids = create_all(cx, scope, &RISKS, risks, progress).await?;
    let annex: Vec<i64> = match store.framework_by_key(None, "iso42001-2023").await? {
        Some(fw) => store
            .list_requirements(fw.framework.id, None)
            .await?
            .into_iter()
            .filter(|r| r.kind == "control")
            .map(|r| r.id)
            .collect(),
        None => vec![],
    };
    let controls: Vec<Value> = (0..scale.controls)
        .map(|i| {
            let req = if annex.is_empty() { vec![] } else { vec![annex[i % annex.len()]] };
            json!({"name": format!("{} ({})", pick(&mut rng, CONTROL_NAMES), i + 1), "status": pick(&mut rng, &["implemented", "implemented", "implemented", "in_progress", "planned"]), "owner_id": owner_id,
                   "effectiveness_method": "Sampled quarterly by the control owner.", "last_result": pick(&mut rng, &["effective", "partially_effective", "not_checked"]), "last_checked": date(&mut rng, 2026, 1),
                   "requirement_ids": req, "risk_ids": [risk_ids[rng.gen_range(0..risk_ids.len())]]})
        })
        .collect();
    let control_ids = create_all(cx, scope, &CONTROLS, controls, progress).await?;
    let evidence: Vec<Value> = (0..scale.evidence)
        .map(|i| {
            json!({"name": format!("{} {}", pick(&mut rng, EVIDENCE_NAMES), i + 1), "kind": "link", "url": format!("https://intranet.example/evidence/{}", i + 1), "collected_on": date(&mut rng, 2025, 2),
                   "valid_until": date(&mut rng, 2026, 2), "control_ids": [control_ids[rng.gen_range(0..control_ids.len())]]})
        })
        .collect();
    let ev_ids = create_all(cx, scope, &EVIDENCE, evidence, progress).await?;
    store.analyze().await?;

    // Later life: risks move through their statuses, evidence is renewed.
    let statuses = [
        "assessed",
        "in_treatment",
        "assessed",
        "in_treatment",
        "closed",
    ];
    let mut changes = 0;
    for round in 0..scale.updates_per_record {
        let risk_updates: Vec<(i64, Value)> = risk_ids
            .iter()
            .map(|id| (*id, json!({"status": statuses[round % statuses.len()]})))
            .collect();
        changes += update_all(cx, scope, &RISKS, risk_updates, progress).await?;
        let ev_updates: Vec<(i64, Value)> = ev_ids
            .iter()
            .map(|id| {
                (
                    *id,
                    json!({"valid_until": format!("{}-06-30", 2027 + round)}),
                )
            })
            .collect();
        changes += update_all(cx, scope, &EVIDENCE, ev_updates, progress).await?;
    }

    store.analyze().await?;

    // Systems enter deployment and operation through the gate: an approved impact assessment.
    let gated: Vec<(i64, &str)> = sys_ids
        .iter()
        .zip(&target_stages)
        .filter(|(_, s)| matches!(**s, "deployment" | "operation_monitoring"))
        .map(|(id, s)| (*id, *s))
        .collect();
    let assessments: Vec<Value> = gated
        .iter()
        .map(|(id, _)| json!({"name": "Impact assessment before deployment", "system_id": id, "review_interval_months": 12,
                            "summary": "Consequences for the people the system's decisions affect, and the measures that keep them acceptable."}))
        .collect();
    let ia_ids = create_all(cx, scope, &IMPACT_ASSESSMENTS, assessments, progress).await?;
    for (n, id) in ia_ids.iter().enumerate() {
        let submitted = crate::impact::transition(cx, scope, *id, "submit", 1).await?;
        let version = submitted
            .get("version")
            .and_then(|v| v.as_i64())
            .unwrap_or(2);
        crate::impact::transition(cx, scope, *id, "approve", version).await?;
        if (n + 1) % 1000 == 0 {
            progress(format!(
                "impact assessments approved {}/{}",
                n + 1,
                ia_ids.len()
            ));
        }
    }
    let moves: Vec<(i64, Value)> = gated
        .iter()
        .map(|(id, stage)| (*id, json!({"lifecycle_stage": stage})))
        .collect();
    changes += update_all(cx, scope, &AI_SYSTEMS, moves, progress).await?;

    // Decide the whole SoA.
    let org_id = scope.org_id;
    let entries = store.soa_entries(org_id, cx.now()).await?;
    for e in &entries {
        let applicable = !e.reference.starts_with("A.10.4");
        let just = if applicable {
            format!(
                "Needed to treat the risks linked to the controls implementing {}",
                e.reference
            )
        } else {
            "We have no customers of AI systems in scope.".to_string()
        };
        let decision = crate::soa::DecideBody {
            applicable: Some(applicable),
            justification: Some(just),
            status: Some(
                if applicable {
                    "implemented"
                } else {
                    "not_started"
                }
                .into(),
            ),
            version: e.version,
        };
        crate::soa::decide(cx, scope, e.id, decision).await?;
    }
    let documented = leadership(cx, scope, owner_id, progress).await?
        + documented_information(cx, scope, owner_id, &sys_ids, &control_ids, progress).await?
        + more_documents(cx, scope, owner_id, scale.documents, progress).await?;
    let measured = objectives(
        cx,
        scope,
        owner_id,
        &sys_ids,
        &risk_ids,
        scale.measurements,
        progress,
    )
    .await?;
    let operated = operation(cx, scope, owner_id, &sys_ids, scale.incidents, progress).await?;
    Ok(
        json!({"documents": documented, "objectives_and_measurements": measured, "competence_incidents_and_changes": operated, "suppliers": sup_ids.len(), "ai_systems": sys_ids.len(), "models": model_ids.len(), "datasets": scale.datasets, "risks": risk_ids.len(),
              "controls": control_ids.len(), "evidence": ev_ids.len(), "impact_assessments": ia_ids.len(), "changes": changes, "soa_entries": entries.len()}),
    )
}

/// The context, the AI policy and the communication plan of a believable organization, through
/// the same operations a user's requests take. Returns how many records were made.
async fn documented_information(
    cx: &Cx,
    scope: &Scope,
    owner_id: i64,
    sys_ids: &[i64],
    control_ids: &[i64],
    progress: &(dyn Fn(String) + Sync),
) -> Result<usize, AppError> {
    use aims_domain::register::{
        COMMUNICATION_PLAN, CONTEXT_ISSUES, INTERESTED_PARTIES, PARTY_REQUIREMENTS,
    };
    let first_system = sys_ids.first().copied();
    let issues = vec![
        json!({"name": "EU AI Act obligations for our high-risk systems", "origin": "external", "category": "legal", "effect": "negative", "applicable_law": "Regulation (EU) 2024/1689", "owner_id": owner_id, "next_review": "2027-06-30", "system_ids": first_system.into_iter().collect::<Vec<_>>()}),
        json!({"name": "Few people with machine-learning and AI risk skills", "origin": "internal", "category": "organizational", "effect": "negative", "owner_id": owner_id, "next_review": "2027-06-30"}),
        json!({"name": "Energy use of model training", "origin": "external", "category": "environmental", "effect": "negative", "climate_relevant": true, "owner_id": owner_id, "next_review": "2027-06-30"}),
    ];
    let mut made = create_all(cx, scope, &CONTEXT_ISSUES, issues, progress)
        .await?
        .len();
    let parties = vec![
        json!({"name": "Job applicants scored by our systems", "kind": "affected_persons", "owner_id": owner_id}),
        json!({"name": "Data protection authority", "kind": "regulator", "owner_id": owner_id}),
        json!({"name": "Business customers", "kind": "customer", "owner_id": owner_id}),
    ];
    let party_ids = create_all(cx, scope, &INTERESTED_PARTIES, parties, progress).await?;
    made += party_ids.len();
    if let [applicants, authority, customers] = party_ids[..] {
        let requirements = vec![
            json!({"name": "A person reviews every automated rejection", "party_id": applicants, "addressed": "yes", "control_ids": control_ids.first().copied().into_iter().collect::<Vec<_>>()}),
            json!({"name": "Individual feedback on every application", "party_id": applicants, "addressed": "no", "how": "The volume makes it impossible; the selection criteria are published instead."}),
            json!({"name": "Records of processing and impact assessments on request", "party_id": authority, "addressed": "yes", "how": "Impact assessments are kept per system."}),
            json!({"name": "Instructions for use of each AI feature", "party_id": customers, "addressed": "partly", "how": "Written for the two main products; the others follow in 2027."}),
        ];
        made += create_all(cx, scope, &PARTY_REQUIREMENTS, requirements, progress)
            .await?
            .len();
    }
    let plan = vec![
        json!({"name": "The AI policy to all staff", "audience": "everyone", "timing": "on each major version", "channel": "intranet and team meetings", "owner_id": owner_id}),
        json!({"name": "Serious AI incidents to the market surveillance authority", "audience": "the national authority", "timing": "within 15 days of becoming aware (Art. 73)", "channel": "the authority's reporting form", "owner_id": owner_id}),
    ];
    made += create_all(cx, scope, &COMMUNICATION_PLAN, plan, progress)
        .await?
        .len();
    made += policy_and_scope(cx, scope, owner_id).await?;
    Ok(made)
}

/// The owner's own scope: approvals that must be a person's (top management) are theirs.
fn as_owner(scope: &Scope, owner_id: i64) -> Scope {
    Scope {
        org_id: scope.org_id,
        actor: aims_store::Actor {
            user_id: Some(owner_id),
            token_id: None,
            label: "demo (as the owner)".into(),
        },
        perms: scope.perms,
    }
}

/// The AIMS roles (the owner is top management, AIMS manager and concern triage), a RACI
/// matrix with an accountable role for every process, and two concerns.
async fn leadership(
    cx: &Cx,
    scope: &Scope,
    owner_id: i64,
    progress: &(dyn Fn(String) + Sync),
) -> Result<usize, AppError> {
    use aims_domain::register::{AIMS_PROCESSES, AIMS_ROLE_ASSIGNMENTS, CONCERNS, RACI_ENTRIES};
    let roles = vec![
        json!({"name": "Chief executive", "aims_role": "top_management", "member_id": owner_id, "since": "2026-01-01", "responsibilities": "Approves the AI policy and accepts risks above the threshold; chairs the management review."}),
        json!({"name": "Head of AI governance", "aims_role": "aims_manager", "member_id": owner_id, "since": "2026-01-01", "responsibilities": "Runs the AIMS day to day and reports on it to top management."}),
        json!({"name": "Ethics officer", "aims_role": "concern_triage", "member_id": owner_id, "since": "2026-01-01", "responsibilities": "Triages reported concerns within five working days."}),
    ];
    let mut made = create_all(cx, scope, &AIMS_ROLE_ASSIGNMENTS, roles, progress)
        .await?
        .len();
    let accountable = |p: &str| match p {
        "ai_policy" | "management_review" | "roles" => "top_management",
        "concerns" => "concern_triage",
        _ => "aims_manager",
    };
    let raci: Vec<Value> = AIMS_PROCESSES
        .iter()
        .flat_map(|(p, label)| {
            let a = accountable(p);
            let mut rows = vec![json!({"name": format!("Answers for {}", label.to_lowercase()), "process": p, "aims_role": a, "involvement": "accountable"})];
            if a != "aims_manager" {
                rows.push(json!({"name": "Prepares and runs it", "process": p, "aims_role": "aims_manager", "involvement": "responsible"}));
            } else {
                rows.push(json!({"name": "Is kept informed", "process": p, "aims_role": "top_management", "involvement": "informed"}));
            }
            rows
        })
        .collect();
    made += create_all(cx, scope, &RACI_ENTRIES, raci, progress)
        .await?
        .len();
    let concerns = vec![
        json!({"name": "Chatbot gave a customer wrong refund rules", "details": "A customer was told refunds take 90 days; the policy says 14.", "received_on": "2026-11-20", "channel": "in_app", "status": "in_triage", "triage_owner_id": owner_id}),
        json!({"name": "Applicant asks why the screening rejected her", "details": "Reported through the public link; no contact given.", "received_on": "2026-11-25", "channel": "public_link", "anonymous": true, "status": "new", "triage_owner_id": owner_id}),
    ];
    made += create_all(cx, scope, &CONCERNS, concerns, progress)
        .await?
        .len();
    Ok(made)
}

/// The AI policy and the scope statement, from their templates, taken through review,
/// approval (the policy by top management) and publication.
async fn policy_and_scope(cx: &Cx, scope: &Scope, owner_id: i64) -> Result<usize, AppError> {
    use crate::document_templates::{create, FromTemplate};
    use aims_domain::document::Step;
    let owner = as_owner(scope, owner_id);
    let mut made = 0;
    for key in ["ai-policy", "scope"] {
        let c = create(
            cx,
            scope,
            FromTemplate {
                template: key.into(),
                name: None,
                owner_id: Some(owner_id),
            },
        )
        .await?;
        made += 1;
        let id = c
            .document
            .get("id")
            .and_then(Value::as_i64)
            .unwrap_or_default();
        if key == "ai-policy" {
            let edit = crate::documents::DraftEdit {
                content: DEMO_POLICY.into(),
                change_note: "First issue".into(),
                revision: c.version.revision,
            };
            crate::documents::edit_draft(cx, scope, id, "1.0", edit).await?;
        }
        // The operator writes; the owner (top management in the demo) approves and publishes.
        crate::documents::step(cx, scope, id, "1.0", Step::Submit).await?;
        for step in [Step::Approve, Step::Publish] {
            crate::documents::step(cx, &owner, id, "1.0", step).await?;
        }
    }
    Ok(made)
}

/// Two AI objectives with three KPIs and a year of monthly measurements (one KPI slipping),
/// plus `extra` older measurements of the first KPI for the chart's benchmark.
async fn objectives(
    cx: &Cx,
    scope: &Scope,
    owner_id: i64,
    sys_ids: &[i64],
    risk_ids: &[i64],
    extra: usize,
    progress: &(dyn Fn(String) + Sync),
) -> Result<usize, AppError> {
    use aims_domain::register::{AI_OBJECTIVES, KPIS};
    let first = |ids: &[i64]| ids.first().copied().into_iter().collect::<Vec<_>>();
    let objectives = vec![
        json!({"name": "Every automated decision about a person can be reviewed by a person", "status": "active", "owner_id": owner_id, "due_date": "2027-06-30", "system_ids": first(sys_ids), "risk_ids": first(risk_ids)}),
        json!({"name": "Fewer harmful outputs from customer-facing assistants", "status": "active", "owner_id": owner_id, "due_date": "2027-12-31", "system_ids": first(sys_ids)}),
    ];
    let obj = create_all(cx, scope, &AI_OBJECTIVES, objectives, progress).await?;
    let (Some(&review), Some(&harm)) = (obj.first(), obj.get(1)) else {
        return Ok(obj.len());
    };
    let kpis = vec![
        json!({"name": "Share of rejections reviewed by a person", "objective_id": review, "unit": "%", "direction": "up", "target": 95, "warning": 90, "frequency": "monthly", "measured_by_id": owner_id, "analysed_by_id": owner_id, "method": "Monthly sample of the rejection log."}),
        json!({"name": "Harmful outputs per 10,000 conversations", "objective_id": harm, "unit": "per 10,000", "direction": "down", "target": 2, "warning": 4, "frequency": "monthly", "measured_by_id": owner_id, "method": "Red-team sample and user reports."}),
        json!({"name": "Median response time of the human review", "objective_id": review, "unit": "hours", "direction": "range", "target": 1, "target_max": 24, "warning": 12, "frequency": "quarterly", "measured_by_id": owner_id}),
    ];
    let kpi_ids = create_all(cx, scope, &KPIS, kpis, progress).await?;
    let months: Vec<chrono::NaiveDate> = (1..=11)
        .filter_map(|m| chrono::NaiveDate::from_ymd_opt(2026, m + 1, 1).and_then(|d| d.pred_opt()))
        .collect();
    let series: [&[f64]; 2] = [
        &[
            88.0, 89.5, 91.0, 90.5, 92.0, 93.0, 94.0, 95.5, 96.0, 95.0, 96.5,
        ],
        &[5.1, 4.8, 4.2, 3.9, 3.5, 3.8, 3.1, 2.9, 3.2, 3.4, 3.6],
    ];
    let mut made = obj.len() + kpi_ids.len();
    for (kpi, values) in kpi_ids.iter().zip(series) {
        for (end, v) in months.iter().zip(values) {
            let m = crate::objectives::MeasurementIn {
                value: json!(v),
                period_end: end.to_string(),
                period_start: None,
                note: String::new(),
                evidence_id: None,
            };
            crate::objectives::add(cx, scope, *kpi, m).await?;
            made += 1;
        }
    }
    // The benchmark's long history: daily values going back from 2025.
    if let (Some(&kpi), true) = (kpi_ids.first(), extra > 0) {
        let start = chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default();
        for i in 0..extra {
            let end = start - chrono::Duration::days(i as i64);
            let m = crate::objectives::MeasurementIn {
                value: json!(85.0 + (i % 17) as f64 * 0.7),
                period_end: end.to_string(),
                period_start: Some(end.to_string()),
                note: String::new(),
                evidence_id: None,
            };
            crate::objectives::add(cx, scope, kpi, m).await?;
            if i % 1000 == 999 {
                progress(format!("measurements: {} of {extra}", i + 1));
            }
        }
        made += extra;
    }
    Ok(made)
}

/// Competence and AI literacy, a serious incident with its timeline and deadline, a planned
/// change, and post-market monitoring of a high-risk system we provide; plus `extra`
/// incidents for the benchmark.
async fn operation(
    cx: &Cx,
    scope: &Scope,
    owner_id: i64,
    sys_ids: &[i64],
    extra: usize,
    progress: &(dyn Fn(String) + Sync),
) -> Result<usize, AppError> {
    use aims_domain::register::{
        AI_LITERACY, CHANGES, COMPETENCES, COMPETENCE_RECORDS, INCIDENTS, PEOPLE, PMM_CYCLES,
        PMM_PLANS, TRAININGS,
    };
    let Some(&system) = sys_ids.first() else {
        return Ok(0);
    };
    let people = vec![
        json!({"name": "Demo owner", "unit": "AI governance", "member_id": owner_id, "job_title": "Head of AI governance"}),
        json!({"name": "Ana Ribeiro", "email": "ana.ribeiro@example.org", "unit": "Recruiting", "job_title": "Recruiter", "aims_roles": ["ai_system_owner"]}),
        json!({"name": "Tomás Novak", "email": "tomas.novak@example.org", "unit": "Data", "job_title": "Data engineer", "aims_roles": ["data_steward"]}),
    ];
    let person_ids = create_all(cx, scope, &PEOPLE, people, progress).await?;
    let competences = vec![
        json!({"name": "AI risk assessment method", "aims_role": "aims_manager", "description": "Runs a risk assessment with the organization's criteria and explains the result."}),
        json!({"name": "ISO/IEC 42001 requirements", "aims_role": "aims_manager"}),
        json!({"name": "Human oversight of the system's outputs", "aims_role": "ai_system_owner", "description": "Knows when to overrule the system and how to record it."}),
        json!({"name": "Data quality and provenance checks", "aims_role": "data_steward"}),
    ];
    let cmp = create_all(cx, scope, &COMPETENCES, competences, progress).await?;
    let mut made = person_ids.len() + cmp.len();
    if let ([owner, ana, tomas], [risk_method, iso, oversight, data]) = (&person_ids[..], &cmp[..])
    {
        let records = vec![
            json!({"name": "Lead implementer certificate", "person_id": owner, "competence_id": iso, "kind": "certification", "obtained_on": "2025-03-14", "expires_on": "2028-03-13"}),
            json!({"name": "Five years running the risk process", "person_id": owner, "competence_id": risk_method, "kind": "experience", "obtained_on": "2026-01-01"}),
            json!({"name": "Data engineering degree", "person_id": tomas, "competence_id": data, "kind": "education", "obtained_on": "2019-07-01"}),
        ];
        made += create_all(cx, scope, &COMPETENCE_RECORDS, records, progress)
            .await?
            .len();
        // Ana's oversight training is planned: her gap shows the action that closes it.
        let trainings = vec![
            json!({"name": "Overseeing the screening assistant", "provider": "In-house", "held_on": "2027-01-20", "duration_hours": 3, "expires_on": "2028-01-19",
                   "attendee_ids": [ana], "competence_ids": [oversight], "system_ids": [system], "effectiveness": "not_checked"}),
            json!({"name": "AI literacy for everyone", "provider": "In-house", "held_on": "2026-10-06", "duration_hours": 1.5, "expires_on": "2027-10-05",
                   "attendee_ids": [owner, ana, tomas], "system_ids": [system], "effectiveness": "effective", "effectiveness_method": "A ten-question quiz a week later; everyone passed.", "evaluated_on": "2026-10-13"}),
        ];
        let trn = create_all(cx, scope, &TRAININGS, trainings, progress).await?;
        made += trn.len();
        let literacy = vec![
            json!({"name": "AI literacy for everyone, and the system's operator guide", "person_id": ana, "system_id": system, "relation": "operates", "status": "recorded", "recorded_on": "2026-10-06", "training_id": trn.get(1)}),
            json!({"name": "AI literacy for everyone", "person_id": tomas, "system_id": system, "relation": "affected", "status": "recorded", "recorded_on": "2026-10-06", "training_id": trn.get(1)}),
            json!({"name": "Oversight training planned", "person_id": owner, "system_id": system, "relation": "oversees", "status": "planned"}),
        ];
        made += create_all(cx, scope, &AI_LITERACY, literacy, progress)
            .await?
            .len();
    }
    // A high-risk system we provide, classified, with its post-market monitoring.
    let screening = json!({"name": "Applicant screening assistant", "lifecycle_stage": "verification_validation", "owner_id": owner_id, "roles": ["provider"], "in_scope": true,
                           "purpose": "Ranks job applications for a recruiter to review.", "personal_data": true, "business_unit": "Recruiting"});
    let screening_id = create_all(cx, scope, &AI_SYSTEMS, vec![screening], progress).await?;
    made += screening_id.len();
    if let Some(&sid) = screening_id.first() {
        let rec = cx
            .store
            .register_get(scope.org_id, &AI_SYSTEMS, sid)
            .await?
            .unwrap_or_default();
        let answers = aims_domain::classify::Answers {
            annex_iii_use_cases: vec!["Annex III point 4(a)".into()],
            profiles_natural_persons: true,
            ..Default::default()
        };
        crate::classification::classify_system(
            cx,
            scope,
            sid,
            crate::classification::ClassifyRequest {
                answers,
                version: rec.get("version").and_then(Value::as_i64).unwrap_or(1),
            },
        )
        .await?;
        let plan = vec![
            json!({"name": "Screening quality and complaints", "system_id": sid, "frequency": "quarterly", "owner_id": owner_id, "status": "active",
                               "data_collected": "Recruiters' overrides, selection rates by group, applicants' complaints.", "sources": "Deployers' recruiters, applicants through the reporting link, the system's logs.",
                               "method": "Quarterly review of override and selection rates against the validation baseline."}),
        ];
        let plans = create_all(cx, scope, &PMM_PLANS, plan, progress).await?;
        made += plans.len();
        if let Some(&plan) = plans.first() {
            let cycles = vec![
                json!({"name": "Q3 2026", "plan_id": plan, "due_on": "2026-10-15", "completed_on": "2026-10-12", "result": "no_findings", "findings": "Override and selection rates within the baseline."}),
                json!({"name": "Q4 2026", "plan_id": plan, "due_on": "2027-01-15", "result": "pending"}),
            ];
            made += create_all(cx, scope, &PMM_CYCLES, cycles, progress)
                .await?
                .len();
        }
        let change = vec![
            json!({"name": "Retrain the screening model on 2026 applications", "purpose": "Selection rates drifted from the validation baseline.", "consequences": "A new model version: the impact assessment and the bias tests are repeated.",
                                 "processes": ["risk_assessment", "impact_assessment"], "owner_id": owner_id, "planned_date": "2027-02-01", "status": "proposed", "system_ids": [sid]}),
        ];
        made += create_all(cx, scope, &CHANGES, change, progress)
            .await?
            .len();
    }
    // Incidents: one closed, one serious with its clock running, one raised from a concern.
    let incidents = vec![
        json!({"name": "Chatbot quoted a wrong refund period", "severity": "low", "status": "closed", "owner_id": owner_id, "system_ids": [system],
               "affected": "About 40 customers in one week.", "harm_categories": ["financial"], "root_cause": "The policy document in the retrieval index was outdated.",
               "corrective_action": "The index is rebuilt on every policy publication.", "lessons_learned": "Retrieval sources are part of document control."}),
        json!({"name": "Screening ranked applicants with a disability systematically lower", "severity": "high", "status": "investigating", "owner_id": owner_id,
               "system_ids": screening_id, "affected": "Applicants who disclosed a disability, since September.", "harm_categories": ["discrimination", "fundamental_rights"]}),
    ];
    let inc = create_all(cx, scope, &INCIDENTS, incidents, progress).await?;
    made += inc.len();
    if let Some(&serious) = inc.get(1) {
        let rec = cx
            .store
            .register_get(scope.org_id, &INCIDENTS, serious)
            .await?
            .unwrap_or_default();
        let test = crate::incidents::TestIn {
            death: false,
            health: false,
            infrastructure: false,
            rights: true,
            property: false,
            widespread: false,
            reporting_role: "provider".into(),
            sector_regime: None,
            version: rec.get("version").and_then(Value::as_i64).unwrap_or(1),
        };
        crate::incidents::answer_test(cx, scope, serious, test).await?;
        let now = cx.now();
        for (kind, ago, note) in [
            ("occurred", 30, "First affected ranking found in the logs."),
            ("detected", 3, "A recruiter noticed the pattern."),
            ("became_aware", 2, "The AI system owner confirmed it."),
            (
                "causal_link",
                1,
                "Reasonable likelihood that the model caused it.",
            ),
        ] {
            let e = crate::incidents::EventIn {
                kind: kind.into(),
                at: Some(aims_domain::incident::stamp(
                    now - chrono::Duration::days(ago),
                )),
                note: note.into(),
                authority: String::new(),
                reference: String::new(),
            };
            crate::incidents::add_event(cx, scope, serious, e).await?;
            made += 1;
        }
    }
    let concerns = crate::registers::all_rows(
        &cx.store,
        scope.org_id,
        &aims_domain::register::CONCERNS,
        &Default::default(),
    )
    .await?;
    if let Some(c) = concerns
        .iter()
        .find(|c| crate::record::text(c, "status") == "in_triage")
    {
        if let Some(id) = crate::record::num(c, "id") {
            crate::incidents::promote_concern(cx, scope, id).await?;
            made += 1;
        }
    }
    if extra > 0 {
        let rows: Vec<Value> = (0..extra)
            .map(|i| json!({"name": format!("{} incident {}", ADJ[i % ADJ.len()], i + 1), "severity": SEVERITIES[i % 4],
                            "status": INCIDENT_STATES[i % 4], "owner_id": owner_id, "system_ids": [sys_ids[i % sys_ids.len()]]}))
            .collect();
        made += create_all(cx, scope, &INCIDENTS, rows, progress)
            .await?
            .len();
    }
    Ok(made)
}

const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];
const INCIDENT_STATES: [&str; 4] = ["open", "investigating", "contained", "closed"];

/// Benchmark-sized documents: one draft each, written in batches like the other registers.
async fn more_documents(
    cx: &Cx,
    scope: &Scope,
    owner_id: i64,
    n: usize,
    progress: &(dyn Fn(String) + Sync),
) -> Result<usize, AppError> {
    use aims_domain::register::DOCUMENTS;
    let kinds = ["procedure", "record", "plan", "policy", "statement"];
    let mut made = 0;
    let all: Vec<usize> = (0..n).collect();
    for chunk in all.chunks(1000) {
        let items = chunk
            .iter()
            .map(|i| {
                let body = json!({"name": format!("{} procedure {}", ADJ[i % ADJ.len()], i + 1), "kind": kinds[i % kinds.len()], "owner_id": owner_id,
                                  "classification": "internal", "review_interval_months": 12, "next_review": format!("2027-{:02}-15", i % 12 + 1)});
                let input = check_input(&DOCUMENTS, body.as_object().unwrap_or(&Map::new()), false).map_err(AppError::invalid)?;
                let content = format!("# {} procedure {}\n\nSteps, owners and records.\n", ADJ[i % ADJ.len()], i + 1);
                Ok(aims_store::NewDocument { input, content_sha256: crate::documents::sha256(&content), content, change_note: "First draft".into() })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        made += cx
            .store
            .create_documents_with_drafts(&scope.actor, scope.org_id, &DOCUMENTS, &items, cx.now())
            .await?
            .len();
        progress(format!("documents: {made} of {n}"));
    }
    Ok(made)
}

const DEMO_POLICY: &str = "# AI policy

## Purpose

This policy sets how the organization develops, buys and uses AI systems, so that they serve
our customers and the people they affect, and meet the law.

## Principles

- Every AI system in scope has a named owner, an impact assessment and a risk assessment before it is used.
- People oversee decisions that affect people; anyone can ask for a human.
- We tell people when they interact with AI, and what its limits are.
- Data for AI is lawful, fit for its purpose and protected.
- Concerns about AI can be raised by anyone, confidentially, without fear of reprisal.

## Objectives

The AI objectives are set each year by top management and measured quarterly.

## Commitments

We meet the legal and contractual requirements that apply to our AI systems, and we keep
improving the AI management system.
";
