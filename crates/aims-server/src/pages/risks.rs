//! Risk pages: the heat map, acceptance, impact assessment findings and steps, evidence files.

use super::record::back;
use super::record::error_page;
use super::record::need;
use super::record::str_of;
use super::record::NamedGrid;
use crate::pages::form_value;
use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::register::EVIDENCE;
use aims_domain::register::IMPACT_ASSESSMENTS;
use aims_domain::register::RISKS;
use aims_domain::risk::ImpactEntry;
use aims_domain::risk::RiskCriteria;
use aims_domain::Permission;
use aims_service::evidence::FileIn;
use aims_service::evidence::MAX_EVIDENCE_BYTES;
use aims_service::impact;
use aims_service::risk;
use aims_service::risk::AcceptBody;
use aims_service::AppError;
use askama::Template;
use axum::extract::DefaultBodyLimit;
use axum::extract::Form;
use axum::extract::Multipart;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/risks/heatmap", get(heatmap))
        .route("/o/{slug}/inventory/{register}/{id}/accept", post(accept))
        .route(
            "/o/{slug}/inventory/{register}/{id}/entries",
            post(add_entry),
        )
        .route(
            "/o/{slug}/inventory/{register}/{id}/step/{step}",
            post(step),
        )
        .route(
            "/o/{slug}/inventory/{register}/{id}/entries/{index}/risk",
            post(raise),
        )
        .route(
            "/o/{slug}/inventory/{register}/{id}/entries/{index}",
            get(entry_form).post(edit_entry),
        )
        .route(
            "/o/{slug}/inventory/{register}/{id}/entries/{index}/remove",
            post(remove_entry),
        )
        .route(
            "/o/{slug}/inventory/{register}/{id}/new-version",
            post(new_version),
        )
        .route(
            "/o/{slug}/inventory/{register}/{id}/file",
            get(download)
                .post(upload)
                .layer(DefaultBodyLimit::max(MAX_EVIDENCE_BYTES + 64 * 1024)),
        )
}

#[derive(Template)]
#[template(path = "heatmap.html")]
pub(crate) struct HeatmapPage {
    layout: Layout,
    criteria: RiskCriteria,
    /// (title, filter prefix, rows of (count, colour)) for the inherent and residual maps.
    grids: Vec<NamedGrid>,
}

impl HeatmapPage {
    /// The impact level shown on a grid row (rows run from the highest impact down).
    fn impact_of(&self, row: &usize) -> usize {
        self.criteria.impact.len() - row
    }
}

pub(crate) async fn heatmap(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let (criteria, inherent) = risk::heatmap_cells(&s.cx.store, ctx.org.org_id, false).await?;
    let (_, residual) = risk::heatmap_cells(&s.cx.store, ctx.org.org_id, true).await?;
    let grids = vec![
        ("Inherent", "inherent", inherent),
        ("Residual", "residual", residual),
    ];
    Ok(render(&HeatmapPage {
        layout: ctx.layout("Risk heat map", "heatmap"),
        criteria,
        grids,
    }))
}

pub(crate) async fn accept(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    need(&register, &RISKS)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let body = AcceptBody {
        reason: form_value(&form, "reason").to_string(),
        review_on: Some(form_value(&form, "review_on").to_string()),
        top_management_acceptor: form_value(&form, "top_management_acceptor").parse().ok(),
        top_management_acceptance: false,
        version: form_value(&form, "version").parse().unwrap_or(0),
    };
    match risk::accept(&s.cx, &ctx.scope(), id, body).await {
        Ok(r) => Ok(crate::pages::flash_redirect(
            &format!("/o/{slug}/inventory/risks/{id}"),
            &format!("{} accepted.", str_of(&r, "reference")),
        )),
        Err(p) => error_page(&s, &ctx, &RISKS, id, p, &form).await,
    }
}

/// A finding as the form sends it.
fn finding_of(form: &[(String, String)]) -> ImpactEntry {
    ImpactEntry {
        party: form_value(form, "party").into(),
        dimension: form_value(form, "dimension").into(),
        consequence: form_value(form, "consequence").trim().into(),
        severity: form_value(form, "severity").parse().unwrap_or(0),
        likelihood: form_value(form, "likelihood").parse().unwrap_or(0),
        measures: form_value(form, "measures").trim().into(),
        residual: form_value(form, "residual").trim().into(),
    }
}

/// Adds a finding (`/entries`), or edits (`/entries/{index}`) or removes
/// (`/entries/{index}/remove`) one, while the assessment is a draft.
async fn change_finding(
    s: &AppState,
    headers: &HeaderMap,
    slug: &str,
    register: &str,
    id: i64,
    form: &[(String, String)],
    change: impact::FindingChange,
) -> Result<Response, PageError> {
    need(register, &IMPACT_ASSESSMENTS)?;
    let ctx = org_ctx(s, headers, slug).await?;
    ctx.check_csrf(form_value(form, "_csrf"))?;
    let version = form_value(form, "version").parse().unwrap_or(0);
    let done = match &change {
        impact::FindingChange::Add(_) => "Finding added.",
        impact::FindingChange::Edit(..) => "Finding saved.",
        impact::FindingChange::Remove(_) => "Finding removed.",
    };
    match impact::change_finding(&s.cx, &ctx.scope(), id, version, change).await {
        Ok(_) => Ok(crate::pages::flash_redirect(
            &format!("/o/{slug}/inventory/impact-assessments/{id}#findings"),
            done,
        )),
        Err(e) if e.kind == aims_service::ErrorKind::NotFound => Err(e.into()),
        Err(e) => error_page(s, &ctx, &IMPACT_ASSESSMENTS, id, e, form).await,
    }
}

pub(crate) async fn add_entry(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let change = impact::FindingChange::Add(finding_of(&form));
    change_finding(&s, &headers, &slug, &register, id, &form, change).await
}

pub(crate) async fn edit_entry(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id, index)): Path<(String, String, i64, usize)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let change = impact::FindingChange::Edit(index, finding_of(&form));
    change_finding(&s, &headers, &slug, &register, id, &form, change).await
}

pub(crate) async fn remove_entry(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id, index)): Path<(String, String, i64, usize)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let change = impact::FindingChange::Remove(index);
    change_finding(&s, &headers, &slug, &register, id, &form, change).await
}

/// Starts a new version of an approved assessment and opens it.
pub(crate) async fn new_version(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    need(&register, &IMPACT_ASSESSMENTS)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    match impact::new_version(&s.cx, &ctx.scope(), id).await {
        Ok(draft) => Ok(crate::pages::flash_redirect(
            &format!(
                "/o/{slug}/inventory/impact-assessments/{}",
                draft.get("id").and_then(|v| v.as_i64()).unwrap_or(0)
            ),
            &format!(
                "{} started as a new draft version; it supersedes the approved one once approved.",
                str_of(&draft, "reference")
            ),
        )),
        Err(e) => error_page(&s, &ctx, &IMPACT_ASSESSMENTS, id, e, &form).await,
    }
}

/// The assessment's page with one finding's edit form open.
pub(crate) async fn entry_form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id, index)): Path<(String, String, i64, usize)>,
) -> Result<Response, PageError> {
    need(&register, &IMPACT_ASSESSMENTS)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let mut page = super::record::detail_page(&s, &ctx, &IMPACT_ASSESSMENTS, id, None).await?;
    if index >= page.extras_entries() {
        return Err(PageError::Status(
            StatusCode::NOT_FOUND,
            "No such finding.".into(),
        ));
    }
    page.editing = Some(index);
    Ok(render(&page))
}

pub(crate) async fn step(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id, step)): Path<(String, String, i64, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    need(&register, &IMPACT_ASSESSMENTS)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let version = form_value(&form, "version").parse().unwrap_or(0);
    match impact::transition(&s.cx, &ctx.scope(), id, &step, version).await {
        Ok(_) => Ok(back(&slug, &IMPACT_ASSESSMENTS, id)),
        Err(e) if e.kind == aims_service::ErrorKind::NotFound => Err(e.into()),
        Err(e) if e.kind == aims_service::ErrorKind::Forbidden => Err(e.into()),
        Err(e) => error_page(&s, &ctx, &IMPACT_ASSESSMENTS, id, e, &form).await,
    }
}

pub(crate) async fn raise(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id, index)): Path<(String, String, i64, usize)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    need(&register, &IMPACT_ASSESSMENTS)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    match impact::raise_risk(&s.cx, &ctx.scope(), id, index).await {
        Ok((r, created)) => Ok(crate::pages::flash_redirect(
            &format!(
                "/o/{slug}/inventory/{}/{}",
                RISKS.path,
                r.get("id").and_then(|v| v.as_i64()).unwrap_or(0)
            ),
            &if created {
                format!(
                    "{} raised from finding {}.",
                    str_of(&r, "reference"),
                    index + 1
                )
            } else {
                format!(
                    "Finding {} already raised {}: here it is.",
                    index + 1,
                    str_of(&r, "reference")
                )
            },
        )),
        Err(p) => error_page(&s, &ctx, &IMPACT_ASSESSMENTS, id, p, &form).await,
    }
}

pub(crate) async fn upload(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    mut form: Multipart,
) -> Result<Response, PageError> {
    need(&register, &EVIDENCE)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let bad = |m: String| PageError::Status(StatusCode::BAD_REQUEST, m);
    let (mut csrf, mut version, mut file) = (String::new(), 0, None);
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.map_err(|e| bad(e.body_text()))?,
            Some("version") => {
                version = field
                    .text()
                    .await
                    .map_err(|e| bad(e.body_text()))?
                    .parse()
                    .unwrap_or(0)
            }
            Some("file") => {
                let name = field.file_name().unwrap_or("evidence").to_string();
                let media = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| PageError::Status(StatusCode::PAYLOAD_TOO_LARGE, e.body_text()))?;
                file = Some((name, media, bytes));
            }
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    ctx.require(Permission::Write)?;
    let Some((name, media, bytes)) = file else {
        return error_page(
            &s,
            &ctx,
            &EVIDENCE,
            id,
            AppError::field(aims_service::ErrorKind::Invalid, "file", "choose a file"),
            &[],
        )
        .await;
    };
    let file = FileIn {
        version,
        name,
        media_type: media,
        bytes,
    };
    match aims_service::evidence::store_file(&s.cx, &ctx.scope(), id, file).await {
        Ok(_) => Ok(back(&slug, &EVIDENCE, id)),
        Err(p) => error_page(&s, &ctx, &EVIDENCE, id, p, &[]).await,
    }
}

pub(crate) async fn download(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    need(&register, &EVIDENCE)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let file = aims_service::evidence::load_file(&s.cx, &ctx.scope(), id).await?;
    Ok(crate::download(file))
}
