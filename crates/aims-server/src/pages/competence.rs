//! The competence overview (7.2): gaps per role and per person, with the action that closes
//! each; and the change approval and concern promotion buttons of their record pages.

use super::record::str_of;
use crate::pages::{flash_redirect, form_value, org_ctx, render, Layout, PageError};
use crate::AppState;
use aims_domain::Permission;
use aims_service::competence::{self, CompetenceView};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/competence", get(page))
        .route("/o/{slug}/competence/gap-task", post(gap_task))
        .route("/o/{slug}/changes/{id}/approve", post(approve_change))
        .route("/o/{slug}/concerns/{id}/incident", post(promote_concern))
}

#[derive(Template)]
#[template(path = "competence.html")]
struct CompetencePage {
    layout: Layout,
    v: CompetenceView,
    can_write: bool,
}

async fn page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let v = competence::view(&s.cx, &ctx.scope()).await?;
    Ok(render(&CompetencePage {
        layout: ctx.layout("Competence and AI literacy", "competence"),
        v,
        can_write: ctx.org.role.permissions().allows(Permission::Write),
    }))
}

async fn gap_task(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let id = |k: &str| form_value(&form, k).parse::<i64>().unwrap_or(0);
    let task =
        competence::gap_task(&s.cx, &ctx.scope(), id("person_id"), id("competence_id")).await?;
    Ok(flash_redirect(
        &format!("/o/{slug}/competence"),
        &format!(
            "Task {} opened to close the gap.",
            str_of(&task, "reference")
        ),
    ))
}

async fn approve_change(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let b = aims_service::changes::ApproveIn {
        version: form_value(&form, "version").parse().unwrap_or(0),
    };
    let rec = aims_service::changes::approve(&s.cx, &ctx.scope(), id, b).await?;
    let warnings: Vec<String> = rec
        .get("warnings")
        .and_then(|w| w.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut msg = "Change approved. The impact assessments and risks of the AI systems it touches are flagged for re-assessment, and the documents it touches for review.".to_string();
    for w in warnings {
        msg.push_str(" Warning: ");
        msg.push_str(&w);
        msg.push('.');
    }
    Ok(flash_redirect(
        &format!("/o/{slug}/inventory/changes/{id}"),
        &msg,
    ))
}

async fn promote_concern(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let inc = aims_service::incidents::promote_concern(&s.cx, &ctx.scope(), id).await?;
    let inc_id = inc.get("id").and_then(|v| v.as_i64()).unwrap_or(0);
    Ok(flash_redirect(
        &format!("/o/{slug}/incidents/{inc_id}"),
        &format!("Concern promoted to incident {}. Answer its serious-incident test and record when you became aware.", str_of(&inc, "reference")),
    ))
}
