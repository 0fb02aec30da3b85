//! Deleting a record (after a page that says what goes with it) and restoring a deleted one
//! from its last audit event.

use super::record::link_groups;
use super::record::spec_of;
use super::record::str_of;
use super::record::LinkGroup;
use crate::pages::flash_redirect;
use crate::pages::flash_redirect_with_link;
use crate::pages::form_value;
use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::register::RegisterSpec;
use aims_domain::Permission;
use aims_service::registers::write;
use aims_service::AppError;
use aims_service::ErrorKind;
use askama::Template;
use axum::extract::Form;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/o/{slug}/inventory/{register}/{id}/delete",
            get(confirm).post(delete),
        )
        .route(
            "/o/{slug}/inventory/{register}/deleted/{id}",
            get(deleted).post(restore),
        )
}

#[derive(Template)]
#[template(path = "delete_confirm.html")]
pub(crate) struct ConfirmPage {
    layout: Layout,
    spec: &'static RegisterSpec,
    id: i64,
    reference: String,
    name: String,
    links: Vec<LinkGroup>,
    error: Option<String>,
}

async fn confirm_page(
    s: &AppState,
    ctx: &crate::pages::OrgCtx,
    spec: &'static RegisterSpec,
    id: i64,
    error: Option<String>,
) -> Result<ConfirmPage, PageError> {
    let rec =
        s.cx.store
            .register_get(ctx.org.org_id, spec, id)
            .await?
            .ok_or_else(|| {
                PageError::Status(StatusCode::NOT_FOUND, format!("No such {}.", spec.singular))
            })?;
    let links = link_groups(s, ctx, spec, id)
        .await?
        .into_iter()
        .filter(|g| !g.items.is_empty())
        .collect();
    Ok(ConfirmPage {
        layout: ctx.layout(&format!("Delete {}", str_of(&rec, "reference")), spec.path),
        spec,
        id,
        reference: str_of(&rec, "reference"),
        name: str_of(&rec, "name"),
        links,
        error,
    })
}

/// The confirmation: what will be deleted and which links go with it.
pub(crate) async fn confirm(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.require(Permission::Write)?;
    let spec = spec_of(&register)?;
    Ok(render(&confirm_page(&s, &ctx, spec, id, None).await?))
}

pub(crate) async fn delete(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let reference =
        s.cx.store
            .register_get(ctx.org.org_id, spec, id)
            .await?
            .map(|r| str_of(&r, "reference"))
            .unwrap_or_default();
    match write::delete(&s.cx, &ctx.scope(), spec, id).await {
        Ok(()) => Ok(flash_redirect_with_link(
            &format!("/o/{slug}/inventory/{}", spec.path),
            &format!("{reference} deleted."),
            &format!("/o/{slug}/inventory/{}/deleted/{id}", spec.path),
            "Restore it",
        )),
        Err(AppError {
            kind: ErrorKind::Conflict,
            detail,
            ..
        }) => Ok((
            StatusCode::CONFLICT,
            render(&confirm_page(&s, &ctx, spec, id, Some(detail)).await?),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "deleted.html")]
pub(crate) struct DeletedPage {
    layout: Layout,
    spec: &'static RegisterSpec,
    id: i64,
    reference: String,
    name: String,
    deleted_by: String,
    deleted_at: String,
    /// (label, value) of the fields it held.
    fields: Vec<(&'static str, String)>,
    can_restore: bool,
    error: Option<String>,
}

async fn deleted_page(
    s: &AppState,
    ctx: &crate::pages::OrgCtx,
    spec: &'static RegisterSpec,
    id: i64,
    error: Option<String>,
) -> Result<DeletedPage, PageError> {
    let (event, before) = write::deleted_snapshot(&s.cx, &ctx.scope(), spec, id).await?;
    let text = |k: &str| {
        before
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let fields = spec
        .fields
        .iter()
        .filter(|f| !f.computed)
        .filter_map(|f| {
            let v = before.get(f.name)?;
            let shown = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => return None,
                other => other.to_string(),
            };
            Some((f.label, shown)).filter(|(_, v)| !v.is_empty())
        })
        .collect();
    Ok(DeletedPage {
        layout: ctx.layout(&format!("Deleted {}", text("reference")), spec.path),
        spec,
        id,
        reference: text("reference"),
        name: text("name"),
        deleted_by: event.actor_label.clone(),
        deleted_at: event.at.format("%Y-%m-%d %H:%M UTC").to_string(),
        fields,
        can_restore: ctx.org.role.permissions().allows(Permission::Approve),
        error,
    })
}

/// What a deleted record held, from its last audit event, with "Restore" for managers.
pub(crate) async fn deleted(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    Ok(render(&deleted_page(&s, &ctx, spec, id, None).await?))
}

pub(crate) async fn restore(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    match write::restore(&s.cx, &ctx.scope(), spec, id).await {
        Ok(rec) => Ok(flash_redirect(
            &format!(
                "/o/{slug}/inventory/{}/{}",
                spec.path,
                rec.get("id").and_then(|v| v.as_i64()).unwrap_or(0)
            ),
            &format!("{} restored.", str_of(&rec, "reference")),
        )),
        Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::Conflict) => {
            let msg = if e.errors.is_empty() {
                e.detail.clone()
            } else {
                e.errors
                    .iter()
                    .map(|x| format!("{} {}", x.field, x.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            Ok((
                crate::error::status_of(e.kind),
                render(&deleted_page(&s, &ctx, spec, id, Some(msg)).await?),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
