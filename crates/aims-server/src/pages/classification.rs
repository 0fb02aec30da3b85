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
use aims_service::classification::stored_answers;
use aims_service::classification::ClassificationView;
use aims_service::classification::ClassifyRequest;
use aims_service::registers::display;
use aims_service::registers::Lookups;
use askama::Template;
use axum::extract::Form;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/o/{slug}/inventory/{register}/{id}/classification",
        get(classification).post(classify),
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
    prohibited: Vec<(&'static str, &'static str, bool)>,
    annex_iii: Vec<(&'static str, &'static str, bool)>,
    exceptions: Vec<(&'static str, &'static str, bool)>,
}

impl ClassificationPage {
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
    answers: Option<Answers>,
    errors: Invalid,
    conflict: Option<String>,
) -> Result<ClassificationPage, PageError> {
    let rec =
        s.cx.store
            .register_get(ctx.org.org_id, &AI_SYSTEMS, id)
            .await?
            .ok_or_else(|| PageError::Status(StatusCode::NOT_FOUND, "No such AI system.".into()))?;
    let classified = rec.get("classification").is_some_and(|c| !c.is_null());
    let answers = answers.unwrap_or_else(|| stored_answers(&rec));
    let view = classification::preview(&s.cx, &ctx.scope(), &rec, answers).await?;
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
    let answers = Answers {
        prohibited_practices: all("prohibited_practices"),
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
        Ok(_) => Ok(Redirect::to(&format!(
            "/o/{slug}/inventory/ai-systems/{id}/classification"
        ))
        .into_response()),
        Err(p) if crate::error::status_of(p.kind) == StatusCode::CONFLICT => {
            let page = classification_page(
                &s,
                &ctx,
                id,
                Some(answers),
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
            let page = classification_page(&s, &ctx, id, Some(answers), inv, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(p) => Err(p.into()),
    }
}
