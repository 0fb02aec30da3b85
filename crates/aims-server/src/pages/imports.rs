//! CSV import with a preview, and CycloneDX import and export.

use super::record::ai_systems_only;
use super::record::id_of;
use super::record::spec_of;
use super::record::str_of;
use crate::pages::form_value;
use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::OrgCtx;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::register::RegisterSpec;
use aims_domain::register::AI_SYSTEMS;
use aims_domain::Permission;
use aims_service::registers;
use aims_service::registers::ListQuery;
use aims_service::registers::Lookups;
use aims_service::ErrorKind;
use askama::Template;
use axum::extract::DefaultBodyLimit;
use axum::extract::Form;
use axum::extract::Multipart;
use axum::extract::Path;
use axum::extract::State;
use axum::http::header;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use serde_json::Value;
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/o/{slug}/inventory/bom",
            get(bom_form).post(bom_import).layer(DefaultBodyLimit::max(
                aims_service::registers::MAX_UPLOAD_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/o/{slug}/inventory/{register}/import",
            get(import_form)
                .post(import_upload)
                .layer(DefaultBodyLimit::max(
                    aims_service::registers::MAX_UPLOAD_BYTES + 64 * 1024,
                )),
        )
        .route(
            "/o/{slug}/inventory/{register}/import/confirm",
            post(import_confirm).layer(DefaultBodyLimit::max(
                aims_service::registers::MAX_UPLOAD_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/o/{slug}/inventory/{register}/{id}/cyclonedx",
            get(bom_export),
        )
}

#[derive(Template)]
#[template(path = "register_import.html")]
pub(crate) struct ImportPage {
    layout: Layout,
    spec: &'static RegisterSpec,
    columns: Vec<&'static str>,
    /// After an upload: rows read, valid rows, problems, and the file to confirm.
    total: usize,
    valid: usize,
    errors: Vec<aims_domain::FieldError>,
    csv: Option<String>,
    message: Option<String>,
    /// After the import: the records it created (id, reference and name).
    imported: Vec<(i64, String)>,
}

pub(crate) async fn import_form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.require(Permission::Write)?;
    let spec = spec_of(&register)?;
    Ok(render(&ImportPage {
        layout: ctx.layout("Import", spec.path),
        spec,
        columns: registers::columns(spec),
        total: 0,
        valid: 0,
        errors: vec![],
        csv: None,
        message: None,
        imported: vec![],
    }))
}

pub(crate) async fn multipart_fields(
    mut form: Multipart,
) -> Result<Vec<(String, String)>, PageError> {
    let bad = |m: String| PageError::Status(StatusCode::BAD_REQUEST, m);
    let mut out = vec![];
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        let name = field.name().unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(|e| bad(e.body_text()))?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
            PageError::Status(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{name}: the file is not UTF-8 text"),
            )
        })?;
        out.push((name, text));
    }
    Ok(out)
}

pub(crate) async fn import_upload(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register)): Path<(String, String)>,
    form: Multipart,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    let fields = multipart_fields(form).await?;
    ctx.check_csrf(form_value(&fields, "_csrf"))?;
    ctx.require(Permission::Write)?;
    let text = form_value(&fields, "file").to_string();
    let mut page = ImportPage {
        layout: ctx.layout("Import", spec.path),
        spec,
        columns: registers::columns(spec),
        total: 0,
        valid: 0,
        errors: vec![],
        csv: None,
        message: None,
        imported: vec![],
    };
    if text.trim().is_empty() {
        page.message = Some("Choose a CSV file to import.".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    let lookups = Lookups::load(&s.cx.store, ctx.org.org_id, spec).await?;
    match registers::read_csv(spec, &text, &lookups) {
        Ok(report) => {
            page.total = report.total;
            page.valid = report.rows.len();
            page.errors = report.errors;
            if page.errors.is_empty() {
                page.csv = Some(text);
            }
            Ok(render(&page))
        }
        Err(p) => {
            page.errors = p.errors;
            page.message = Some(p.detail);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

pub(crate) async fn import_confirm(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Write)?;
    let text = form_value(&form, "csv").to_string();
    match registers::write::import_csv(&s.cx, &ctx.scope(), spec, &text).await {
        // The page that answers says what was imported and links to every record.
        Ok(recs) => Ok(render(&ImportPage {
            layout: ctx.layout("Imported", spec.path),
            spec,
            columns: registers::columns(spec),
            total: recs.len(),
            valid: recs.len(),
            errors: vec![],
            csv: None,
            message: None,
            imported: recs
                .iter()
                .map(|r| {
                    (
                        id_of(r),
                        format!("{} {}", str_of(r, "reference"), str_of(r, "name")),
                    )
                })
                .collect(),
        })),
        Err(p) => {
            let page = ImportPage {
                layout: ctx.layout("Import", spec.path),
                spec,
                columns: registers::columns(spec),
                total: 0,
                valid: 0,
                errors: p.errors,
                csv: None,
                message: Some(p.detail),
                imported: vec![],
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "bom_import.html")]
pub(crate) struct BomPage {
    layout: Layout,
    systems: Vec<(i64, String)>,
    report: Option<aims_store::InventoryImportReport>,
    errors: Vec<aims_domain::FieldError>,
}

pub(crate) async fn systems_for_select(
    s: &AppState,
    ctx: &OrgCtx,
) -> Result<Vec<(i64, String)>, PageError> {
    let rows = registers::all_rows(
        &s.cx.store,
        ctx.org.org_id,
        &AI_SYSTEMS,
        &ListQuery {
            limit: 500,
            ..Default::default()
        },
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                id_of(r),
                format!("{} {}", str_of(r, "reference"), str_of(r, "name")),
            )
        })
        .collect())
}

pub(crate) async fn bom_form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.require(Permission::Write)?;
    Ok(render(&BomPage {
        layout: ctx.layout("Import a CycloneDX BOM", "ai-systems"),
        systems: systems_for_select(&s, &ctx).await?,
        report: None,
        errors: vec![],
    }))
}

pub(crate) async fn bom_import(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    form: Multipart,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let fields = multipart_fields(form).await?;
    ctx.check_csrf(form_value(&fields, "_csrf"))?;
    ctx.require(Permission::Write)?;
    let text = form_value(&fields, "file").to_string();
    let system_id = form_value(&fields, "system_id").parse::<i64>().ok();
    let systems = systems_for_select(&s, &ctx).await?;
    let fail = |errors: Vec<aims_domain::FieldError>| BomPage {
        layout: ctx.layout("Import a CycloneDX BOM", "ai-systems"),
        systems: systems.clone(),
        report: None,
        errors,
    };
    let doc: Value = match serde_json::from_str(&text) {
        Ok(d) => d,
        Err(e) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&fail(vec![aims_domain::FieldError {
                    field: "file".into(),
                    message: format!("is not JSON: {e}"),
                }])),
            )
                .into_response())
        }
    };
    match aims_service::cyclonedx::import(&s.cx, &ctx.scope(), &doc, system_id).await {
        Ok(report) => Ok(render(&BomPage {
            layout: ctx.layout("Import a CycloneDX BOM", "ai-systems"),
            systems,
            report: Some(report),
            errors: vec![],
        })),
        Err(e) if e.kind == ErrorKind::Invalid => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&fail(e.errors))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn bom_export(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    ai_systems_only(&register)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let bom = aims_service::cyclonedx::export(&s.cx, &ctx.scope(), id).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.cyclonedx+json; version=1.6".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ais-{id}.cdx.json\""),
            ),
        ],
        axum::Json(bom),
    )
        .into_response())
}
