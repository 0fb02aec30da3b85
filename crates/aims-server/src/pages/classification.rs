//! The EU AI Act classification questionnaire of an AI system.

use super::record::ai_systems_only;
use super::record::str_of;
use crate::pages::form_value;
use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::OrgCtx;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::classify::Answers;
use aims_domain::classify::ANNEX_III;
use aims_domain::classify::EXCEPTIONS;
use aims_domain::classify::PROHIBITED;
use aims_domain::register::AI_SYSTEMS;
use aims_domain::Invalid;
use aims_domain::Permission;
use aims_service::classification;
use aims_service::classification::ClassificationView;
use aims_service::classification::ClassifyRequest;
use aims_service::classification::RerunRequest;
use aims_service::registers::display;
use aims_service::registers::Lookups;
use askama::Template;
use axum::extract::Form;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/o/{slug}/inventory/{register}/{id}/classification",
            get(classification).post(classify),
        )
        .route(
            "/o/{slug}/inventory/{register}/{id}/classification/rerun",
            post(rerun),
        )
}

#[derive(Template)]
#[template(path = "classification.html")]
pub(crate) struct ClassificationPage {
    layout: Layout,
    id: i64,
    reference: String,
    name: String,
    roles: String,
    view: ClassificationView,
    classified: bool,
    can_write: bool,
    errors: Invalid,
    conflict: Option<String>,
    /// The compute answer as typed (kept when it does not parse).
    compute: String,
    prohibited: Vec<(&'static str, &'static str, bool)>,
    annex_iii: Vec<(&'static str, &'static str, bool)>,
    exceptions: Vec<(&'static str, &'static str, bool)>,
}

impl ClassificationPage {
    fn stored_on(&self) -> &str {
        let at = self.view.classified_at.as_deref().unwrap_or("");
        at.get(..10).unwrap_or(at)
    }

    fn article_id(&self, article: &str) -> i64 {
        self.view
            .articles
            .get(article)
            .and_then(|v| v.as_i64())
            .unwrap_or(0)
    }
}

pub(crate) async fn classification_page(
    s: &AppState,
    ctx: &OrgCtx,
    id: i64,
    answers: Option<(Answers, String)>,
    errors: Invalid,
    conflict: Option<String>,
) -> Result<ClassificationPage, PageError> {
    let rec =
        s.cx.store
            .register_get(ctx.org.org_id, &AI_SYSTEMS, id)
            .await?
            .ok_or_else(|| PageError::Status(StatusCode::NOT_FOUND, "No such AI system.".into()))?;
    // The record as stored, unless a refused form is shown again with what was typed.
    let (view, compute) = match answers {
        Some((answers, compute)) => (
            classification::preview(&s.cx, &ctx.scope(), &rec, answers).await?,
            compute,
        ),
        None => {
            let view = classification::get(&s.cx, &ctx.scope(), id).await?;
            let compute = view
                .answers
                .training_compute_flop
                .map(|f| format!("{f:e}"))
                .unwrap_or_default();
            (view, compute)
        }
    };
    let classified = view.classified;
    let roles_field = AI_SYSTEMS.field("roles");
    let roles = roles_field
        .map(|f| display(f, rec.get("roles"), &Lookups::default()))
        .unwrap_or_default();
    let a = &view.answers;
    Ok(ClassificationPage {
        layout: ctx.layout("EU AI Act classification", "ai-systems"),
        id,
        reference: str_of(&rec, "reference"),
        name: str_of(&rec, "name"),
        roles,
        prohibited: PROHIBITED
            .iter()
            .map(|(k, l)| (*k, *l, a.prohibited_practices.iter().any(|p| p == k)))
            .collect(),
        annex_iii: ANNEX_III
            .iter()
            .map(|(k, l)| (*k, *l, a.annex_iii_use_cases.iter().any(|p| p == k)))
            .collect(),
        exceptions: EXCEPTIONS
            .iter()
            .map(|(k, l)| (*k, *l, a.annex_iii_exception.as_deref() == Some(*k)))
            .collect(),
        view,
        classified,
        compute,
        can_write: ctx.org.role.permissions().allows(Permission::Write),
        errors,
        conflict,
    })
}

pub(crate) async fn classification(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    ai_systems_only(&register)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(
        &classification_page(&s, &ctx, id, None, Invalid::default(), None).await?,
    ))
}

pub(crate) async fn classify(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ai_systems_only(&register)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Write)?;
    let all = |k: &str| {
        form.iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let on = |k: &str| {
        form.iter()
            .any(|(n, v)| n == k && (v == "true" || v == "on"))
    };
    let compute = all("training_compute_flop")
        .into_iter()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let flop = if compute.is_empty() {
        Ok(None)
    } else {
        compute.parse::<f64>().map(Some)
    };
    let answers = Answers {
        prohibited_practices: all("prohibited_practices"),
        generates_intimate_imagery: on("generates_intimate_imagery"),
        emotion_for_medical_or_safety: on("emotion_for_medical_or_safety"),
        fraud_detection_only: on("fraud_detection_only"),
        on_market_before_2026_08: on("on_market_before_2026_08"),
        model_on_market_before_2025_08: on("model_on_market_before_2025_08"),
        training_compute_flop: flop.clone().unwrap_or(None),
        annex_i_safety_component: on("annex_i_safety_component"),
        annex_iii_use_cases: all("annex_iii_use_cases"),
        annex_iii_exception: all("annex_iii_exception")
            .into_iter()
            .find(|v| !v.is_empty()),
        profiles_natural_persons: on("profiles_natural_persons"),
        interacts_with_people: on("interacts_with_people"),
        generates_synthetic_content: on("generates_synthetic_content"),
        emotion_or_biometric_categorisation: on("emotion_or_biometric_categorisation"),
        deep_fakes_or_public_text: on("deep_fakes_or_public_text"),
        general_purpose_model: on("general_purpose_model"),
        public_authority: on("public_authority"),
        provides_public_services: on("provides_public_services"),
        systemic_risk: on("systemic_risk"),
        rationale: all("rationale").into_iter().next().unwrap_or_default(),
    };
    let version = form_value(&form, "version").parse().unwrap_or(0);
    if flop.is_err() {
        let inv = Invalid(vec![aims_domain::FieldError {
            field: "training_compute_flop".into(),
            message: "is not a number: write it like 3e24 or 30000000000000000000000000".into(),
        }]);
        let page = classification_page(&s, &ctx, id, Some((answers, compute)), inv, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    match classification::classify_system(
        &s.cx,
        &ctx.scope(),
        id,
        ClassifyRequest {
            answers: answers.clone(),
            version,
        },
    )
    .await
    {
        Ok(v) => Ok(crate::pages::flash_redirect(
            &format!("/o/{slug}/inventory/ai-systems/{id}/classification"),
            &format!("Classification saved: {}.", v.result.tier.replace('_', " ")),
        )),
        Err(p) if crate::error::status_of(p.kind) == StatusCode::CONFLICT => {
            let page = classification_page(
                &s,
                &ctx,
                id,
                Some((answers, compute)),
                Invalid::default(),
                Some(p.detail),
            )
            .await?;
            Ok((StatusCode::CONFLICT, render(&page)).into_response())
        }
        Err(p) if !p.errors.is_empty() => {
            let inv = Invalid(
                p.errors
                    .into_iter()
                    .map(|e| aims_domain::FieldError {
                        field: e.field.trim_start_matches("answers.").to_string(),
                        message: e.message,
                    })
                    .collect(),
            );
            let page =
                classification_page(&s, &ctx, id, Some((answers, compute)), inv, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(p) => Err(p.into()),
    }
}

/// Re-runs the stored answers under today's rules (offered when the rules changed).
pub(crate) async fn rerun(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ai_systems_only(&register)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let version = form_value(&form, "version").parse().unwrap_or(0);
    let back = format!("/o/{slug}/inventory/ai-systems/{id}/classification");
    match classification::rerun(&s.cx, &ctx.scope(), id, RerunRequest { version }).await {
        Ok(_) => Ok(crate::pages::flash_redirect(
            &back,
            "Classified again under today's rules.",
        )),
        Err(p) if crate::error::status_of(p.kind) == StatusCode::CONFLICT => {
            let page =
                classification_page(&s, &ctx, id, None, Invalid::default(), Some(p.detail)).await?;
            Ok((StatusCode::CONFLICT, render(&page)).into_response())
        }
        Err(p) if !p.errors.is_empty() => {
            let message = p
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field.trim_start_matches("answers."), e.message))
                .collect::<Vec<_>>()
                .join("; ");
            let page = classification_page(
                &s,
                &ctx,
                id,
                None,
                Invalid::default(),
                Some(format!("The stored answers cannot be run again: {message}. Change them below and classify.")),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(p) => Err(p.into()),
    }
}
