//! EU AI Act classification of AI systems: answers, result and the obligations' articles.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use aims_domain::classify::{classify, Answers, Classification};
use aims_domain::register::AI_SYSTEMS;
use aims_domain::Permission;
use aims_store::{Record, Store};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

/// The stored classification of an AI system (its answers, re-evaluated with today's roles).
pub async fn get(cx: &Cx, scope: &Scope, id: i64) -> AppResult<ClassificationView> {
    scope.require(Permission::Read)?;
    let rec = cx
        .store
        .register_get(scope.org_id, &AI_SYSTEMS, id)
        .await?
        .ok_or_else(|| AppError::not_found("AI system"))?;
    let answers = stored_answers(&rec);
    classification_view(&cx.store, &rec, answers).await
}

/// Evaluates answers without storing them (the page's preview).
pub async fn preview(
    cx: &Cx,
    scope: &Scope,
    rec: &Record,
    answers: Answers,
) -> AppResult<ClassificationView> {
    scope.require(Permission::Read)?;
    classification_view(&cx.store, rec, answers).await
}

/// The questions' options: prohibited practices, Annex III use cases and its exceptions.
pub fn questions() -> Value {
    use aims_domain::classify::{ANNEX_III, EXCEPTIONS, PROHIBITED, YES_NO};
    let opts = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(k, l)| json!({"key": k, "label": l}))
            .collect::<Vec<_>>()
    };
    json!({"prohibited_practices": opts(PROHIBITED), "annex_iii_use_cases": opts(ANNEX_III), "annex_iii_exception": opts(EXCEPTIONS),
           "yes_no": YES_NO.iter().map(|(k, q)| json!({"field": k, "question": q})).collect::<Vec<_>>()})
}

#[derive(Serialize, ToSchema)]
pub struct ClassificationView {
    pub answers: Answers,
    pub result: Classification,
    /// Catalog requirement ids of the obligations' articles, by article ref.
    #[schema(value_type = Object)]
    pub articles: Map<String, Value>,
    pub version: i64,
}

/// Classifies with the system's current EU AI Act roles and links obligations to the catalog.
async fn classification_view(
    store: &Store,
    rec: &Record,
    answers: Answers,
) -> Result<ClassificationView, AppError> {
    let roles: Vec<&str> = rec
        .get("roles")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|r| r.as_str()).collect())
        .unwrap_or_default();
    let result = classify(&answers, &roles);
    let mut articles = Map::new();
    if let Some(fw) = store.framework_by_key(None, "eu-ai-act-2024").await? {
        let reqs = store.list_requirements(fw.framework.id, None).await?;
        for o in &result.obligations {
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

/// Stores answers and result; the system's `risk_tier` follows. Every change is in the audit trail.
pub async fn classify_system(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    req: ClassifyRequest,
) -> AppResult<ClassificationView> {
    scope.require(Permission::Write)?;
    let (store, org_id) = (&cx.store, scope.org_id);
    req.answers.check().map_err(|inv| {
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
    let rec = store
        .register_get(org_id, &AI_SYSTEMS, id)
        .await?
        .ok_or_else(|| AppError::not_found("AI system"))?;
    let view = classification_view(store, &rec, req.answers).await?;
    let doc = json!({"answers": view.answers, "result": view.result, "classified_at": cx.now().to_rfc3339()});
    let rec = store
        .set_classification(
            &scope.actor,
            org_id,
            id,
            req.version,
            &doc,
            &view.result.tier,
            cx.now(),
        )
        .await?;
    Ok(ClassificationView {
        version: rec.get("version").and_then(|v| v.as_i64()).unwrap_or(0),
        ..view
    })
}
