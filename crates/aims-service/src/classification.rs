//! EU AI Act classification of AI systems: answers, result and the obligations' articles.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult, ErrorKind};
use aims_domain::classify::{classify, Answers, ApplicationDate, Classification};
use aims_domain::register::AI_SYSTEMS;
use aims_domain::Permission;
use aims_store::Record;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

/// The stored classification of an AI system, as stored, with a flag when today's rules (or
/// the system's roles) would give another result: nothing silently differs from the record.
pub async fn get(cx: &Cx, scope: &Scope, id: i64) -> AppResult<ClassificationView> {
    scope.require(Permission::Read)?;
    let rec = cx
        .store
        .register_get(scope.org_id, &AI_SYSTEMS, id)
        .await?
        .ok_or_else(|| AppError::not_found("AI system"))?;
    classification_view(cx, &rec, stored_answers(&rec), true).await
}

/// Evaluates answers without storing them (the page's preview, and a refused form shown again).
pub async fn preview(
    cx: &Cx,
    scope: &Scope,
    rec: &Record,
    answers: Answers,
) -> AppResult<ClassificationView> {
    scope.require(Permission::Read)?;
    classification_view(cx, rec, answers, false).await
}

/// The questions: prohibited practices, Annex III use cases and exceptions, every yes/no and
/// number question, and the application dates with their sources.
pub fn questions(cx: &Cx) -> Value {
    use aims_domain::classify::{ANNEX_III, EXCEPTIONS, NUMBERS, PROHIBITED, YES_NO};
    let opts = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(k, l)| json!({"key": k, "label": l}))
            .collect::<Vec<_>>()
    };
    let fields = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(k, q)| json!({"field": k, "question": q}))
            .collect::<Vec<_>>()
    };
    json!({"prohibited_practices": opts(PROHIBITED), "annex_iii_use_cases": opts(ANNEX_III), "annex_iii_exception": opts(EXCEPTIONS),
           "yes_no": fields(YES_NO), "numbers": fields(NUMBERS),
           "rules_version": cx.rules.version, "application_dates": cx.rules.dates})
}

#[derive(Serialize, ToSchema)]
pub struct ClassificationView {
    pub answers: Answers,
    /// The stored result; for a system not classified yet (or a preview), today's.
    pub result: Classification,
    /// Catalog requirement ids of the obligations' articles, by article ref.
    #[schema(value_type = Object)]
    pub articles: Map<String, Value>,
    pub version: i64,
    /// Whether a classification is stored.
    pub classified: bool,
    /// When it was stored (RFC 3339).
    pub classified_at: Option<String>,
    /// The rules in force (classifier revision and library dates).
    pub current_rules_version: String,
    /// The stored result came from other rules than today's: re-run it.
    pub rules_changed: bool,
    /// Today's rules or the system's current roles give a different result (shown in `recomputed`).
    pub differs: bool,
    pub recomputed: Option<Classification>,
    /// The application dates in force, with their sources.
    pub application_dates: Vec<ApplicationDate>,
}

fn roles_of(rec: &Record) -> Vec<&str> {
    rec.get("roles")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|r| r.as_str()).collect())
        .unwrap_or_default()
}

/// The stored result (when `stored` and there is one), else today's; with the comparison.
async fn classification_view(
    cx: &Cx,
    rec: &Record,
    answers: Answers,
    stored: bool,
) -> Result<ClassificationView, AppError> {
    let roles = roles_of(rec);
    let today = classify(&answers, &roles, &cx.rules);
    let doc = rec.get("classification").filter(|c| !c.is_null());
    let kept: Option<Classification> = doc
        .and_then(|c| c.get("result"))
        .and_then(|r| serde_json::from_value(r.clone()).ok());
    let classified_at = doc
        .and_then(|c| c.get("classified_at"))
        .and_then(|v| v.as_str())
        .map(String::from);
    let (result, rules_changed, recomputed) = match kept.filter(|_| stored) {
        Some(kept) => {
            let changed = kept.rules_version != cx.rules.version;
            let same = Classification {
                rules_version: kept.rules_version.clone(),
                ..today.clone()
            } == kept;
            (kept, changed, (!same).then_some(today))
        }
        None => (today, false, None),
    };
    let mut articles = Map::new();
    if let Some(fw) = cx.store.framework_by_key(None, "eu-ai-act-2024").await? {
        let reqs = cx.store.list_requirements(fw.framework.id, None).await?;
        let shown = result
            .obligations
            .iter()
            .chain(recomputed.iter().flat_map(|r| r.obligations.iter()));
        for o in shown {
            if let Some(r) = reqs.iter().find(|r| r.reference == o.article) {
                articles.insert(o.article.clone(), r.id.into());
            }
        }
    }
    Ok(ClassificationView {
        answers,
        result,
        articles,
        version: rec.get("version").and_then(|v| v.as_i64()).unwrap_or(0),
        classified: doc.is_some(),
        classified_at,
        current_rules_version: cx.rules.version.clone(),
        rules_changed,
        differs: recomputed.is_some(),
        recomputed,
        application_dates: cx.rules.dates.clone(),
    })
}

/// Whether the system's stored classification came from rules other than today's.
pub fn rules_changed(cx: &Cx, rec: &Record) -> bool {
    rec.get("classification")
        .filter(|c| !c.is_null())
        .is_some_and(|c| {
            c.get("result")
                .and_then(|r| r.get("rules_version"))
                .and_then(|v| v.as_str())
                != Some(cx.rules.version.as_str())
        })
}

pub fn stored_answers(rec: &Record) -> Answers {
    rec.get("classification")
        .and_then(|c| c.get("answers"))
        .and_then(|a| serde_json::from_value(a.clone()).ok())
        .unwrap_or_default()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRequest {
    pub answers: Answers,
    /// The AI system's version you read.
    pub version: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RerunRequest {
    /// The AI system's version you read.
    pub version: i64,
}

/// Stores answers and result; the system's `risk_tier` follows. Every change is in the audit trail.
pub async fn classify_system(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    req: ClassifyRequest,
) -> AppResult<ClassificationView> {
    scope.require(Permission::Write)?;
    let (store, org_id) = (&cx.store, scope.org_id);
    let rec = store
        .register_get(org_id, &AI_SYSTEMS, id)
        .await?
        .ok_or_else(|| AppError::not_found("AI system"))?;
    req.answers
        .check_with_roles(&roles_of(&rec))
        .map_err(|inv| {
            AppError::invalid(aims_domain::Invalid(
                inv.0
                    .into_iter()
                    .map(|e| aims_domain::FieldError {
                        field: format!("answers.{}", e.field),
                        message: e.message,
                    })
                    .collect(),
            ))
        })?;
    let view = classification_view(cx, &rec, req.answers, false).await?;
    let doc = json!({"answers": view.answers, "result": view.result, "classified_at": cx.now().to_rfc3339()});
    let rec = store
        .set_classification(
            &scope.actor,
            org_id,
            id,
            req.version,
            &doc,
            &view.result.tier,
            &cx.rules.version,
            cx.now(),
        )
        .await?;
    classification_view(cx, &rec, stored_answers(&rec), true).await
}

/// Runs the stored answers again under today's rules and the system's current roles, and
/// stores the result (audited like any classification).
pub async fn rerun(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    req: RerunRequest,
) -> AppResult<ClassificationView> {
    scope.require(Permission::Write)?;
    let rec = cx
        .store
        .register_get(scope.org_id, &AI_SYSTEMS, id)
        .await?
        .ok_or_else(|| AppError::not_found("AI system"))?;
    if rec.get("classification").is_none_or(|c| c.is_null()) {
        return Err(AppError::field(
            ErrorKind::Invalid,
            "classification",
            "this AI system has not been classified yet: answer the questionnaire first",
        ));
    }
    classify_system(
        cx,
        scope,
        id,
        ClassifyRequest {
            answers: stored_answers(&rec),
            version: req.version,
        },
    )
    .await
}
