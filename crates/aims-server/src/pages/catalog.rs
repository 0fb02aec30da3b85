//! Catalog pages: frameworks, a framework's tree with search, a requirement with its
//! guidance and mappings, coverage, import and export.

use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::OrgCtx;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::Permission;
use aims_service::catalog;
use aims_service::catalog::Coverage;
use aims_store::Control;
use aims_store::Framework;
use aims_store::FrameworkSummary;
use aims_store::ImportReport;
use aims_store::MappingSet;
use aims_store::MappingView;
use aims_store::Requirement;
use askama::Template;
use axum::extract::DefaultBodyLimit;
use axum::extract::Multipart;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/catalog", get(frameworks))
        .route(
            "/o/{slug}/catalog/import",
            axum::routing::post(import).layer(DefaultBodyLimit::max(
                aims_service::catalog::MAX_LIBRARY_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/o/{slug}/catalog/crosswalks.oscal.json",
            get(export_crosswalks),
        )
        .route("/o/{slug}/catalog/{key}", get(framework_tree))
        .route("/o/{slug}/catalog/{key}/coverage", get(coverage))
        .route("/o/{slug}/catalog/{key}/export", get(export))
        .route(
            "/o/{slug}/requirements/{id}",
            get(requirement).post(implement),
        )
}

async fn framework_for(
    s: &AppState,
    ctx: &OrgCtx,
    key: &str,
) -> Result<FrameworkSummary, PageError> {
    s.cx.store
        .framework_by_key(Some(ctx.org.org_id), key)
        .await?
        .ok_or_else(|| PageError::Status(StatusCode::NOT_FOUND, "No such framework.".into()))
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    layout: Layout,
    frameworks: Vec<FrameworkSummary>,
    sets: Vec<MappingSet>,
    reports: Vec<ImportReport>,
    error: Option<String>,
}

impl CatalogPage {
    fn framework_name(&self, id: &i64) -> String {
        self.frameworks
            .iter()
            .find(|f| f.framework.id == *id)
            .map(|f| f.framework.name.clone())
            .unwrap_or_default()
    }
}

async fn catalog_page(
    s: &AppState,
    ctx: &OrgCtx,
    reports: Vec<ImportReport>,
    error: Option<String>,
) -> Result<CatalogPage, PageError> {
    Ok(CatalogPage {
        layout: ctx.layout("Frameworks", "catalog"),
        frameworks: s.cx.store.list_frameworks(Some(ctx.org.org_id)).await?,
        sets: s.cx.store.list_mapping_sets(Some(ctx.org.org_id)).await?,
        reports,
        error,
    })
}

async fn frameworks(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(&catalog_page(&s, &ctx, vec![], None).await?))
}

async fn import(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let bad = |m: String| PageError::Status(StatusCode::BAD_REQUEST, m);
    let (mut csrf, mut text, mut as_key) = (String::new(), None, String::new());
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.map_err(|e| bad(e.body_text()))?,
            Some("file") => text = Some(field.bytes().await.map_err(|e| bad(e.body_text()))?),
            Some("as_key") => as_key = field.text().await.map_err(|e| bad(e.body_text()))?,
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    ctx.require(Permission::Administer)?;
    let result = match text.as_deref().filter(|t| !t.is_empty()) {
        None => Err("Choose a library file to import.".to_string()),
        Some(bytes) => match std::str::from_utf8(bytes) {
            Err(_) => Err("The file is not UTF-8 text.".to_string()),
            Ok(t) => catalog::import(
                &s.cx.store,
                Some(ctx.org.org_id),
                Some(&ctx.actor()),
                t,
                Some(as_key.as_str()),
                s.cx.now(),
            )
            .await
            .map_err(|p| p.detail),
        },
    };
    match result {
        Ok(reports) => Ok(render(&catalog_page(&s, &ctx, reports, None).await?)),
        Err(e) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&catalog_page(&s, &ctx, vec![], Some(e)).await?),
        )
            .into_response()),
    }
}

#[derive(Deserialize)]
struct TreeQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "framework.html")]
struct FrameworkPage {
    layout: Layout,
    fw: FrameworkSummary,
    requirements: Vec<Requirement>,
    q: String,
}

async fn framework_tree(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, key)): Path<(String, String)>,
    Query(tq): Query<TreeQuery>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let fw = framework_for(&s, &ctx, &key).await?;
    let q = tq.q.unwrap_or_default();
    let requirements =
        s.cx.store
            .list_requirements(fw.framework.id, Some(&q))
            .await?;
    Ok(render(&FrameworkPage {
        layout: ctx.layout(&fw.framework.name, "catalog"),
        fw,
        requirements,
        q,
    }))
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    layout: Layout,
    fw: FrameworkSummary,
    cov: std::sync::Arc<Coverage>,
}

impl CoveragePage {
    fn width(&self, n: usize) -> f64 {
        if self.cov.assessable == 0 {
            0.0
        } else {
            (n as f64 * 1000.0 / self.cov.assessable as f64).round()
        }
    }
    fn covered_width(&self) -> f64 {
        self.width(self.cov.covered)
    }
    fn partial_width(&self) -> f64 {
        self.width(self.cov.partial)
    }
}

async fn coverage(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, key)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let fw = framework_for(&s, &ctx, &key).await?;
    let cov = catalog::coverage(&s.cx.store, ctx.org.org_id, &fw).await?;
    Ok(render(&CoveragePage {
        layout: ctx.layout("Coverage", "catalog"),
        fw,
        cov,
    }))
}

#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

async fn export(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, key)): Path<(String, String)>,
    Query(fq): Query<FormatQuery>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let fw = framework_for(&s, &ctx, &key).await?;
    Ok(crate::download(
        catalog::framework_file(
            &s.cx.store,
            &fw,
            fq.format.as_deref().unwrap_or("yaml"),
            s.cx.now(),
        )
        .await?,
    ))
}

async fn export_crosswalks(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(crate::download(
        catalog::crosswalks_file(&s.cx.store, ctx.org.org_id, s.cx.now()).await?,
    ))
}

#[derive(Template)]
#[template(path = "requirement.html")]
struct RequirementPage {
    layout: Layout,
    r: Requirement,
    fw: Framework,
    mappings: Vec<MappingView>,
    controls: Vec<Control>,
    /// (id, reference, name, valid until) of evidence for the requirement or its controls.
    evidence: Vec<(i64, String, String, String)>,
    documents: Vec<aims_store::DocumentRef>,
    can_write: bool,
    /// "Implement with a control": the search words, the controls found, a refusal.
    q: String,
    found: Vec<aims_service::registers::read::PickOption>,
    error: Option<String>,
}

/// Evidence linked to the requirement itself or to the controls that implement it.
pub(crate) async fn evidence_for(
    s: &AppState,
    org_id: i64,
    requirement_id: i64,
    controls: &[Control],
) -> Result<Vec<(i64, String, String, String)>, PageError> {
    let control_ids: Vec<i64> = controls.iter().map(|c| c.id).collect();
    let mut ids: Vec<i64> =
        s.cx.store
            .linked_ids("controls", &control_ids, "evidence")
            .await?
            .into_iter()
            .map(|x| x.1)
            .collect();
    ids.extend(
        s.cx.store
            .linked_ids("requirements", &[requirement_id], "evidence")
            .await?
            .into_iter()
            .map(|x| x.1),
    );
    ids.sort_unstable();
    ids.dedup();
    let mut out = vec![];
    for id in ids {
        if let Some(r) =
            s.cx.store
                .register_get(org_id, &aims_domain::register::EVIDENCE, id)
                .await?
        {
            let t = |k: &str| r.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
            out.push((id, t("reference"), t("name"), t("valid_until")));
        }
    }
    Ok(out)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct FindControl {
    /// Words to find an existing control by (reference or name).
    q: String,
}

/// "Implement with a control": link an existing control (found by reference or name) or create one.
async fn implement(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    axum::extract::Form(form): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    use aims_service::registers::write::{implement_requirement, Implementer};
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(crate::pages::form_value(&form, "_csrf"))?;
    let with = match crate::pages::form_value(&form, "control_id").parse::<i64>() {
        Ok(c) => Implementer::Existing(c),
        Err(_) => Implementer::New(crate::pages::form_value(&form, "name").trim().to_string()),
    };
    match implement_requirement(&s.cx, &ctx.scope(), id, with).await {
        Ok(c) => Ok(crate::pages::flash_redirect(
            &format!("/o/{slug}/requirements/{id}#implement"),
            &format!(
                "{} now implements this requirement.",
                c.get("reference")
                    .and_then(|v| v.as_str())
                    .unwrap_or("The control")
            ),
        )),
        Err(e) if e.kind == aims_service::ErrorKind::Invalid => {
            let page = requirement_page(
                &s,
                &ctx,
                id,
                String::new(),
                Some(
                    e.errors
                        .first()
                        .map(|x| format!("The control's {} {}", x.field, x.message))
                        .unwrap_or(e.detail),
                ),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn requirement(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    axum::extract::Query(find): axum::extract::Query<FindControl>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(&requirement_page(&s, &ctx, id, find.q, None).await?))
}

async fn requirement_page(
    s: &AppState,
    ctx: &crate::pages::OrgCtx,
    id: i64,
    q: String,
    error: Option<String>,
) -> Result<RequirementPage, PageError> {
    let (r, fw) = s
        .cx
        .store
        .get_requirement(Some(ctx.org.org_id), id)
        .await?
        .ok_or_else(|| PageError::Status(StatusCode::NOT_FOUND, "No such requirement.".into()))?;
    let mappings =
        s.cx.store
            .requirement_mappings(Some(ctx.org.org_id), id)
            .await?;
    let controls =
        s.cx.store
            .controls_for_requirement(ctx.org.org_id, id)
            .await?;
    let evidence = evidence_for(s, ctx.org.org_id, id, &controls).await?;
    let documents = aims_service::documents::addressing(&s.cx, &ctx.scope(), id).await?;
    let found = if q.trim().is_empty() {
        vec![]
    } else {
        aims_service::registers::read::pick(
            &s.cx,
            &ctx.scope(),
            &aims_domain::register::EVIDENCE,
            "control_ids",
            &q,
        )
        .await?
        .into_iter()
        .filter(|o| !controls.iter().any(|c| c.id == o.id))
        .collect()
    };
    Ok(RequirementPage {
        layout: ctx.layout(&format!("{} {}", r.reference, r.title), "catalog"),
        r,
        fw,
        mappings,
        controls,
        evidence,
        documents,
        can_write: ctx
            .org
            .role
            .permissions()
            .allows(aims_domain::Permission::Write),
        q,
        found,
        error,
    })
}
