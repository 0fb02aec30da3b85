//! Maturity, gaps, roadmap, budget and the dashboard's numbers: one view computed from the
//! latest self-assessments and the organization's records, shared by the API and the pages.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use crate::file::{FileOut, XLSX};
use aims_domain::maturity::{
    check_answers, evidence_levels, scores, Answer, Facts, Plan, DOMAINS, QUESTIONS, SCORING_RULE,
};
use aims_domain::{Invalid, Permission};
use aims_store::{MaturityAssessment, OrgFacts, Store};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize)]
pub struct DomainView {
    pub key: &'static str,
    pub title: &'static str,
    pub self_score: Option<f64>,
    pub previous_score: Option<f64>,
    pub evidence_level: i64,
    pub checks: Vec<(String, bool)>,
    /// The self-assessment claims more than the records support.
    pub overclaim: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub question: &'static str,
    /// The 42001 clauses or controls the question is about.
    pub clause: &'static str,
    pub text: String,
    pub level: Option<i64>,
    pub quick_win: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub name: &'static str,
    pub start: String,
    pub end: String,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MaturityView {
    pub scoring_rule: &'static str,
    pub latest: Option<MaturityAssessment>,
    pub previous: Option<MaturityAssessment>,
    pub answers: Vec<Answer>,
    pub overall: Option<f64>,
    pub domains: Vec<DomainView>,
    /// Questions below level 3, with the recommendation.
    pub gaps: Vec<Action>,
    /// Documented information the standard asks for with no evidence behind it: (ref, item).
    pub missing_documents: Vec<(String, String)>,
    pub roadmap: Vec<Phase>,
    pub target_date: String,
    pub budget_low: i64,
    pub budget_high: i64,
    pub plan: Plan,
    pub plan_version: i64,
    pub facts: OrgFacts,
    pub soa_decided: i64,
    pub soa_total: i64,
    pub soa_problems: i64,
    /// KPIs whose next measurement is overdue, or that were never measured.
    pub kpis_late: i64,
}

/// The stored answers, with ids from before Q1–Q42 read as today's.
fn answers_of(m: &MaturityAssessment) -> Vec<Answer> {
    let mut answers: Vec<Answer> = serde_json::from_str(&m.answers_json).unwrap_or_default();
    aims_domain::maturity::normalize_answers(&mut answers);
    answers
}

pub async fn plan(store: &Store, org_id: i64) -> AppResult<(Plan, i64)> {
    Ok(match store.org_plan(org_id).await? {
        Some((j, v)) => (serde_json::from_str(&j).unwrap_or_default(), v),
        None => (Plan::default(), 0),
    })
}

/// The maturity view (dashboard, roadmap), reused until the organization changes.
pub async fn maturity_view(cx: &Cx, org_id: i64) -> AppResult<Arc<MaturityView>> {
    cx.store
        // The view counts classifications made under other rules, so the rules are in the key.
        .derived(
            org_id,
            &format!("maturity {}", cx.rules.version),
            cx.clock.today(),
            || compute_maturity_view(cx, org_id),
        )
        .await
}

/// The roadmap: scores, records-based levels, gaps, phases and budget.
pub async fn view(cx: &Cx, scope: &Scope) -> AppResult<Arc<MaturityView>> {
    scope.require(Permission::Read)?;
    maturity_view(cx, scope.org_id).await
}

async fn compute_maturity_view(cx: &Cx, org_id: i64) -> AppResult<MaturityView> {
    let store = &cx.store;
    let today = cx.clock.today();
    let year_ago = today.checked_sub_months(Months::new(12)).unwrap_or(today);
    let in_30_days = today
        .checked_add_days(chrono::Days::new(30))
        .unwrap_or(today);
    let facts = store
        .org_facts(
            org_id,
            &today.to_string(),
            &year_ago.to_string(),
            &in_30_days.to_string(),
            &cx.rules.version,
        )
        .await?;
    let assessments = store.maturity_assessments(org_id, 2).await?;
    let latest = assessments.first().cloned();
    let previous = assessments.get(1).cloned();
    let answers = latest.as_ref().map(answers_of).unwrap_or_default();
    let (self_scores, overall) = scores(&answers);
    let prev_scores = previous
        .as_ref()
        .map(|p| scores(&answers_of(p)).0)
        .unwrap_or_default();

    let soa = crate::soa::soa_view(cx, org_id).await?;
    let soa_decided = soa["decided"].as_i64().unwrap_or(0);
    let soa_total = soa["total"].as_i64().unwrap_or(0);
    let soa_problems = soa["problems_total"].as_i64().unwrap_or(0);
    let coverage = match store.framework_by_key(None, "iso42001-2023").await? {
        Some(fw) => {
            let c = crate::catalog::coverage(store, org_id, &fw).await?;
            let annex: Vec<_> = c
                .items
                .iter()
                .filter(|i| i.reference.starts_with("A."))
                .collect();
            let covered = annex
                .iter()
                .filter(|i| i.status == "direct" || i.status == "mapped")
                .count();
            if annex.is_empty() {
                0.0
            } else {
                covered as f64 * 100.0 / annex.len() as f64
            }
        }
        None => 0.0,
    };
    let untreated = store.untreated_modify_risks(org_id).await?.len() as i64;
    let domain_facts = Facts {
        systems: facts.systems,
        systems_with_owner: facts.systems_with_owner,
        members: facts.members,
        managers: facts.managers,
        risks: facts.risks,
        risks_identified_only: facts.risks_identified_only,
        risks_overdue: facts.risks_overdue,
        modify_risks_untreated: untreated,
        soa_decided,
        soa_total,
        soa_problems,
        soa_versions: facts.soa_versions,
        approved_assessments: facts.approved_assessments,
        operating_systems_without_assessment: facts.operating_systems_without_assessment,
        implemented_controls: facts.implemented_controls,
        controls_checked_recently: facts.controls_checked_recently,
        expired_evidence: facts.expired_evidence,
        annex_a_coverage_percent: coverage,
        evidence: facts.evidence_refs.clone(),
        context_issues: facts.context_issues,
        context_issues_recent: facts.context_issues_recent,
        interested_parties: facts.interested_parties,
        scope_disagreements: {
            let a = store.scope_agreement(org_id, None).await?;
            a.statement.map(|_| a.disagreements.len() as i64)
        },
        top_management: facts.top_management,
        aims_role_assignments: facts.aims_role_assignments,
        documents_overdue: facts.documents_overdue,
        objectives: facts.objectives,
        kpis: facts.kpi_latest.len() as i64,
        kpis_measured_in_time: kpis_measured_in_time(&facts, today),
        trainings: facts.trainings,
        trainings_expired: facts.trainings_expired,
        literacy_people: facts.literacy_people,
        literacy_recorded: facts.literacy_recorded,
        incident_reports_missed: facts.incident_reports_missed,
    };
    let kpis_late = domain_facts.kpis - domain_facts.kpis_measured_in_time;
    let ev = evidence_levels(&domain_facts);
    let domains = DOMAINS
        .iter()
        .map(|(key, title)| {
            let self_score = self_scores
                .iter()
                .find(|(d, _)| d == key)
                .and_then(|(_, s)| *s);
            let (_, evidence_level, checks) = ev
                .iter()
                .find(|(d, _, _)| d == key)
                .cloned()
                .unwrap_or((key, 1, vec![]));
            DomainView {
                key,
                title,
                self_score,
                previous_score: prev_scores
                    .iter()
                    .find(|(d, _)| d == key)
                    .and_then(|(_, s)| *s),
                evidence_level,
                checks,
                overclaim: self_score.is_some_and(|s| s >= evidence_level as f64 + 1.0),
            }
        })
        .collect();

    // Gaps: questions answered below 3; with no assessment yet, every question is open.
    let mut gaps: Vec<Action> = QUESTIONS
        .iter()
        .filter_map(|q| {
            let level = answers.iter().find(|a| a.question == q.id).map(|a| a.level);
            let open = match level {
                Some(l) => l < 3,
                None => latest.is_none(),
            };
            open.then(|| Action {
                question: q.id,
                clause: q.clause,
                text: q.recommendation.to_string(),
                level,
                quick_win: q.quick_win,
            })
        })
        .collect();
    gaps.sort_by_key(|a| (!a.quick_win, a.level.unwrap_or(0)));

    let mut missing_documents = vec![];
    if let Some(fw) = store.framework_by_key(None, "iso42001-2023").await? {
        for r in store.list_requirements(fw.framework.id, None).await? {
            if r.kind != "clause" || r.documents.0.is_empty() {
                continue;
            }
            let has = facts.evidence_refs.iter().any(|(x, _)| *x == r.reference);
            if !has {
                for d in &r.documents.0 {
                    if held_in_aims(d, &facts).is_none() {
                        missing_documents.push((r.reference.clone(), d.clone()));
                    }
                }
            }
        }
    }

    let (plan, plan_version) = plan(store, org_id).await?;
    let timeline = plan.timeline(today);
    let mut roadmap: Vec<Phase> = timeline
        .iter()
        .map(|(name, s, e)| Phase {
            name,
            start: s.to_string(),
            end: e.to_string(),
            actions: vec![],
        })
        .collect();
    for g in &gaps {
        let phase = if g.quick_win { 0 } else { 1 };
        roadmap[phase].actions.push(g.clone());
    }
    // Fixed steps, named by the question they belong to.
    let fixed = |was: &'static str, t: &str| {
        let q = aims_domain::maturity::question(was);
        Action {
            question: q.map_or(was, |q| q.id),
            clause: q.map_or("", |q| q.clause),
            text: t.to_string(),
            level: None,
            quick_win: false,
        }
    };
    roadmap[2].actions.push(fixed(
        "9.2",
        "Run an internal audit of the whole AIMS and close its findings",
    ));
    roadmap[2].actions.push(fixed(
        "9.3",
        "Hold the management review and approve the SoA",
    ));
    roadmap[3].actions.push(fixed(
        "9.5",
        "Stage 1: the certification body reviews the documented information",
    ));
    roadmap[3].actions.push(fixed(
        "9.5",
        "Stage 2: the certification body audits the implementation",
    ));
    let target_date = timeline.last().map(|t| t.2.to_string()).unwrap_or_default();
    let (budget_low, budget_high) = plan.budget(facts.systems_in_scope);
    Ok(MaturityView {
        scoring_rule: SCORING_RULE,
        latest,
        previous,
        answers,
        overall,
        domains,
        gaps,
        missing_documents,
        roadmap,
        target_date,
        budget_low,
        budget_high,
        plan,
        plan_version,
        facts,
        soa_decided,
        soa_total,
        soa_problems,
        kpis_late,
    })
}

/// Points of a radar polygon (8 axes, levels 0 to 5) in a 360 × 360 box.
pub fn radar_points(values: &[f64]) -> String {
    let n = values.len().max(1) as f64;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let angle = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
            let r = 140.0 * v.clamp(0.0, 5.0) / 5.0;
            format!(
                "{:.1},{:.1}",
                180.0 + r * angle.cos(),
                180.0 + r * angle.sin()
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    /// YYYY-MM-DD; today when empty.
    #[serde(default)]
    pub assessed_on: String,
    /// The people who answered.
    pub answered_by: String,
    #[schema(value_type = Vec<Object>)]
    pub answers: Vec<Answer>,
}

/// Records a self-assessment (every answer checked against its question).
pub async fn save_assessment(
    cx: &Cx,
    scope: &Scope,
    mut a: NewAssessment,
) -> AppResult<MaturityAssessment> {
    scope.require(Permission::Write)?;
    aims_domain::maturity::normalize_answers(&mut a.answers);
    let mut inv = Invalid::default();
    if let Err(e) = check_answers(&a.answers) {
        inv.0.extend(e.0);
    }
    let date = if a.assessed_on.trim().is_empty() {
        cx.clock.today().to_string()
    } else {
        a.assessed_on.trim().to_string()
    };
    if NaiveDate::parse_from_str(&date, "%Y-%m-%d").is_err() {
        inv.push("assessed_on", "must be a date written YYYY-MM-DD");
    }
    let by = a.answered_by.trim();
    if by.is_empty() {
        inv.push("answered_by", "is required: who answered?");
    }
    inv.into_result().map_err(AppError::invalid)?;
    let json =
        serde_json::to_string(&a.answers).map_err(|e| AppError::bad_request(e.to_string()))?;
    Ok(cx
        .store
        .create_maturity(&scope.actor, scope.org_id, &date, by, &json, cx.now())
        .await?)
}

/// Every assessment, newest first, with its scores.
pub async fn assessments(cx: &Cx, scope: &Scope) -> AppResult<Value> {
    scope.require(Permission::Read)?;
    let items: Vec<Value> = cx
        .store
        .maturity_assessments(scope.org_id, 100)
        .await?
        .iter()
        .map(|m| {
            let answers = answers_of(m);
            let (per, overall) = scores(&answers);
            json!({"number": m.number, "assessed_on": m.assessed_on, "answered_by": m.answered_by, "overall": overall,
                   "domains": per.iter().map(|(d, s)| json!({"domain": d, "score": s})).collect::<Vec<_>>(), "answers": answers})
        })
        .collect();
    Ok(json!({"items": items}))
}

/// The dashboard's numbers, each with the page that shows the records behind it.
pub async fn dashboard(cx: &Cx, scope: &Scope) -> AppResult<Value> {
    scope.require(Permission::Read)?;
    let v = maturity_view(cx, scope.org_id).await?;
    Ok(json!({
        "maturity": v.domains.iter().map(|d| json!({"domain": d.key, "title": d.title, "self_score": d.self_score, "evidence_level": d.evidence_level})).collect::<Vec<_>>(),
        "overall": v.overall,
        "soa": {"decided": v.soa_decided, "total": v.soa_total, "problems": v.soa_problems},
        "classifications_outdated": v.facts.classifications_outdated,
        "overdue": {"risks": v.facts.risks_overdue, "ai_systems": v.facts.systems_overdue, "tasks": v.facts.tasks_overdue, "document_reviews": v.facts.documents_overdue,
                    "kpi_measurements": v.kpis_late, "trainings": v.facts.trainings_expired, "monitoring_cycles": v.facts.pmm_cycles_overdue},
        "incident_deadlines": crate::incidents::open_deadlines(cx, scope, 10).await?,
        "changes_proposed": v.facts.changes_proposed,
        "evidence": {"expired": v.facts.expired_evidence, "expiring_within_30_days": v.facts.evidence_expiring},
        "next": next_steps(&v).into_iter().map(|n| n.text).collect::<Vec<_>>(),
        "timeline": v.roadmap.iter().map(|p| json!({"phase": p.name, "start": p.start, "end": p.end})).collect::<Vec<_>>(),
        "target_date": v.target_date,
    }))
}

/// The questionnaire: domains, questions, their level descriptions and the scoring rule.
pub fn questions() -> Value {
    json!({
        "scoring_rule": SCORING_RULE,
        "domains": DOMAINS.iter().map(|(k, t)| json!({"key": k, "title": t})).collect::<Vec<_>>(),
        "questions": QUESTIONS.iter().map(|q| json!({"id": q.id, "clause": q.clause, "was": q.was, "domain": q.domain, "text": q.text, "explanation": q.explanation, "levels": q.levels, "recommendation": q.recommendation})).collect::<Vec<_>>(),
    })
}

/// The latest assessment as a workbook: answers, scores and gaps on three sheets.
pub async fn assessment_xlsx(cx: &Cx, scope: &Scope) -> AppResult<FileOut> {
    use rust_xlsxwriter::{Format, Workbook};
    scope.require(Permission::Read)?;
    let v = maturity_view(cx, scope.org_id).await?;
    let internal = |e: rust_xlsxwriter::XlsxError| AppError::internal(e.to_string());
    let head = Format::new().set_bold().set_background_color("#E7EEFB");
    let wrap = Format::new().set_text_wrap();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Answers").map_err(internal)?;
    for (c, h) in ["Question", "Domain", "Text", "Level", "Level name", "Notes"]
        .iter()
        .enumerate()
    {
        ws.write_with_format(0, c as u16, *h, &head)
            .map_err(internal)?;
    }
    ws.set_column_width(2, 60).map_err(internal)?;
    ws.set_column_width(5, 40).map_err(internal)?;
    for (r, a) in v.answers.iter().enumerate() {
        let q = QUESTIONS.iter().find(|q| q.id == a.question);
        let row = (r + 1) as u32;
        ws.write(row, 0, &a.question).map_err(internal)?;
        ws.write(row, 1, q.map(|q| q.domain).unwrap_or(""))
            .map_err(internal)?;
        ws.write_with_format(row, 2, q.map(|q| q.text).unwrap_or(""), &wrap)
            .map_err(internal)?;
        ws.write(row, 3, a.level as f64).map_err(internal)?;
        ws.write(
            row,
            4,
            aims_domain::maturity::LEVELS
                .get((a.level - 1).max(0) as usize)
                .copied()
                .unwrap_or(""),
        )
        .map_err(internal)?;
        ws.write_with_format(row, 5, &a.notes, &wrap)
            .map_err(internal)?;
    }
    ws.set_freeze_panes(1, 0).map_err(internal)?;
    let ws = wb.add_worksheet();
    ws.set_name("Scores").map_err(internal)?;
    for (c, h) in [
        "Domain",
        "Self-assessed",
        "Supported by records",
        "Records show less",
    ]
    .iter()
    .enumerate()
    {
        ws.write_with_format(0, c as u16, *h, &head)
            .map_err(internal)?;
    }
    ws.set_column_width(0, 30).map_err(internal)?;
    for (r, d) in v.domains.iter().enumerate() {
        let row = (r + 1) as u32;
        ws.write(row, 0, d.title).map_err(internal)?;
        if let Some(sc) = d.self_score {
            ws.write(row, 1, sc).map_err(internal)?;
        }
        ws.write(row, 2, d.evidence_level as f64)
            .map_err(internal)?;
        ws.write(row, 3, if d.overclaim { "yes" } else { "" })
            .map_err(internal)?;
    }
    if let Some(o) = v.overall {
        let row = (v.domains.len() + 1) as u32;
        ws.write_with_format(row, 0, "Overall", &head)
            .map_err(internal)?;
        ws.write(row, 1, o).map_err(internal)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("Gaps").map_err(internal)?;
    for (c, h) in ["Question", "Level", "Recommendation", "Quick win"]
        .iter()
        .enumerate()
    {
        ws.write_with_format(0, c as u16, *h, &head)
            .map_err(internal)?;
    }
    ws.set_column_width(2, 80).map_err(internal)?;
    for (r, g) in v.gaps.iter().enumerate() {
        let row = (r + 1) as u32;
        ws.write(row, 0, g.question).map_err(internal)?;
        if let Some(l) = g.level {
            ws.write(row, 1, l as f64).map_err(internal)?;
        }
        ws.write_with_format(row, 2, &g.text, &wrap)
            .map_err(internal)?;
        ws.write(row, 3, if g.quick_win { "yes" } else { "" })
            .map_err(internal)?;
    }
    Ok(FileOut::new(
        XLSX,
        "maturity-assessment.xlsx",
        wb.save_to_buffer().map_err(internal)?,
    ))
}

/// The organization's plan (target date, budget inputs) and its version.
pub async fn get_plan(cx: &Cx, scope: &Scope) -> AppResult<(Plan, i64)> {
    scope.require(Permission::Read)?;
    plan(&cx.store, scope.org_id).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    #[schema(value_type = Object)]
    pub plan: Plan,
    pub version: i64,
}

/// Replaces the plan (approvers only); answers the new version.
pub async fn save_plan(cx: &Cx, scope: &Scope, p: &Plan, version: i64) -> AppResult<i64> {
    scope.require(Permission::Approve)?;
    p.check().map_err(AppError::invalid)?;
    let json = serde_json::to_string(p).map_err(|e| AppError::bad_request(e.to_string()))?;
    Ok(cx
        .store
        .set_org_plan(&scope.actor, scope.org_id, &json, version, cx.now())
        .await?)
}

/// One of the next things to do, with the organization's page where it is done.
#[derive(Debug, Clone, Serialize)]
pub struct NextStep {
    /// The page, relative to the organization (`maturity/new`, `soa`, ...).
    pub page: String,
    pub text: String,
}

/// The three next things to do, the same on the dashboard page and in the API: take the
/// self-assessment, register a first system, decide the SoA, then the roadmap's gaps.
pub fn next_steps(v: &MaturityView) -> Vec<NextStep> {
    let mut next = vec![];
    let step = |page: &str, text: String| NextStep {
        page: page.to_string(),
        text,
    };
    if v.latest.is_none() {
        next.push(step(
            "maturity/new",
            "Take the maturity self-assessment (42 questions)".to_string(),
        ));
    }
    if v.facts.systems == 0 {
        next.push(step(
            "inventory/ai-systems/new",
            "Register your first AI system".to_string(),
        ));
    }
    if v.facts.classifications_outdated > 0 {
        next.push(step(
            "inventory/ai-systems?view=rules_changed",
            format!(
                "The rules changed since {} AI system classification{}: review and re-run",
                v.facts.classifications_outdated,
                if v.facts.classifications_outdated == 1 {
                    ""
                } else {
                    "s"
                }
            ),
        ));
    }
    if v.soa_decided < v.soa_total {
        next.push(step(
            "soa",
            format!(
                "Decide the {} open Annex A controls in the SoA",
                v.soa_total - v.soa_decided
            ),
        ));
    }
    for g in &v.gaps {
        next.push(step("maturity#roadmap", g.text.clone()));
    }
    next.truncate(3);
    next
}

/// What a roadmap task's `source` says: "roadmap Q13".
fn roadmap_source(question: &str) -> String {
    format!("roadmap {question}")
}

/// The tasks made from roadmap actions: (question id, task id, reference).
pub async fn roadmap_tasks(cx: &Cx, scope: &Scope) -> AppResult<Vec<(String, i64, String)>> {
    use aims_domain::register::TASKS;
    scope.require(Permission::Read)?;
    Ok(cx
        .store
        .records_by_source(scope.org_id, &TASKS, "roadmap ")
        .await?
        .into_iter()
        .filter_map(|(source, id, number)| {
            // Tasks made before Q1–Q42 name the old id.
            let q = source.strip_prefix("roadmap ")?;
            let q = aims_domain::maturity::question(q).map_or(q, |q| q.id);
            Some((q.to_string(), id, TASKS.reference(number)))
        })
        .collect())
}

/// Turns a roadmap action into a task owned by the caller, due at the end of its phase. An
/// action makes one task: asked again, it answers the task already made (`false`).
pub async fn make_task(
    cx: &Cx,
    scope: &Scope,
    question: &str,
    due_date: &str,
) -> AppResult<(aims_store::Record, bool)> {
    use aims_domain::register::{check_input, TASKS};
    scope.require(Permission::Write)?;
    let q = aims_domain::maturity::question(question).ok_or_else(|| {
        AppError::invalid(Invalid::field(
            "question",
            "is not a question of the questionnaire",
        ))
    })?;
    if let Some((_, id, _)) = roadmap_tasks(cx, scope)
        .await?
        .into_iter()
        .find(|(qid, _, _)| qid == q.id)
    {
        if let Some(existing) = cx.store.register_get(scope.org_id, &TASKS, id).await? {
            return Ok((existing, false));
        }
    }
    let mut obj = serde_json::Map::new();
    obj.insert(
        "name".into(),
        q.recommendation
            .chars()
            .take(200)
            .collect::<String>()
            .into(),
    );
    obj.insert(
        "description".into(),
        format!(
            "From the maturity roadmap, question {} ({}): {}",
            q.id, q.clause, q.text
        )
        .into(),
    );
    obj.insert("status".into(), "open".into());
    obj.insert("owner_id".into(), json!(scope.actor.user_id));
    obj.insert("due_date".into(), due_date.into());
    obj.insert("source".into(), roadmap_source(q.id).into());
    let input = check_input(&TASKS, &obj, false).map_err(AppError::invalid)?;
    Ok((
        crate::registers::write::create(cx, scope, &TASKS, &input).await?,
        true,
    ))
}

/// Documented information that aims itself holds as records: the approved SoA, approved impact
/// assessments, assessed and treated risks. Answers where it is kept, when it is.
/// The KPIs whose latest measurement is not older than one measurement interval.
fn kpis_measured_in_time(facts: &OrgFacts, today: chrono::NaiveDate) -> i64 {
    facts
        .kpi_latest
        .iter()
        .filter(|(frequency, end)| {
            end.as_deref()
                .and_then(|e| chrono::NaiveDate::parse_from_str(e, "%Y-%m-%d").ok())
                .and_then(|e| aims_domain::kpi::next_due(e, frequency))
                .is_some_and(|due| due >= today)
        })
        .count() as i64
}

pub fn held_in_aims(document: &str, facts: &OrgFacts) -> Option<&'static str> {
    let d = document.to_lowercase();
    let assessed = facts.risks > facts.risks_identified_only;
    if d.contains("statement of applicability") {
        (facts.soa_versions > 0).then_some("the approved Statement of Applicability")
    } else if d.contains("results of ai system impact assessments") {
        (facts.approved_assessments > 0).then_some("the approved impact assessments")
    } else if d.contains("results of ai risk assessments") {
        assessed.then_some("the risk register (assessed risks)")
    } else if d.contains("results of ai risk treatment") || d.contains("risk treatment plan") {
        (facts.risks_treated > 0).then_some("the risk register (treatments and their controls)")
    } else if d.contains("monitoring and measurement results") {
        facts
            .kpi_latest
            .iter()
            .any(|(_, end)| end.is_some())
            .then_some("the KPI measurements")
    } else if d == "ai objectives" {
        (facts.objectives > 0 && !facts.kpi_latest.is_empty())
            .then_some("the AI objectives and their KPIs")
    } else {
        None
    }
}
