//! Pages for risks, impact assessments, evidence, the SoA and traceability. Record pages reuse
//! the register pages and add the parts that are particular to a register ([`extras`]).

use crate::pages::{form_value, org_ctx, render, Layout, OrgCtx, PageError};
use crate::AppState;
use aims_domain::register::{RegisterSpec, EVIDENCE, IMPACT_ASSESSMENTS, RISKS};
use aims_domain::risk::{ImpactEntry, RiskCriteria, DIMENSIONS, PARTIES};
use aims_domain::{Invalid, Permission};
use aims_service::evidence::{FileIn, MAX_EVIDENCE_BYTES};
use aims_service::risk::AcceptBody;
use aims_service::soa::DecideBody;
use aims_service::{impact, risk, soa, trace, AppError};
use aims_store::Record;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::Value;

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
            "/o/{slug}/inventory/{register}/{id}/file",
            get(download)
                .post(upload)
                .layer(DefaultBodyLimit::max(MAX_EVIDENCE_BYTES + 64 * 1024)),
        )
        .route("/o/{slug}/soa", get(soa))
        .route("/o/{slug}/soa/print", get(soa_print))
        .route("/o/{slug}/soa/export", get(soa_export))
        .route("/o/{slug}/soa/approve", post(soa_approve))
        .route("/o/{slug}/soa/compare", get(soa_compare))
        .route("/o/{slug}/soa/{entry}", post(soa_decide))
        .route("/o/{slug}/trace/ai-systems/{id}", get(trace_system))
        .route("/o/{slug}/trace/requirements/{id}", get(trace_requirement))
        .route("/o/{slug}/settings/gates", post(gates))
}

fn need(register: &str, spec: &RegisterSpec) -> Result<(), PageError> {
    if register == spec.path {
        Ok(())
    } else {
        Err(PageError::Status(
            StatusCode::NOT_FOUND,
            "There is no such page.".into(),
        ))
    }
}

fn back(slug: &str, spec: &RegisterSpec, id: i64) -> Response {
    Redirect::to(&format!("/o/{slug}/inventory/{}/{id}", spec.path)).into_response()
}

async fn error_page(
    s: &AppState,
    ctx: &OrgCtx,
    spec: &'static RegisterSpec,
    id: i64,
    p: AppError,
) -> Result<Response, PageError> {
    let msg = if p.errors.is_empty() {
        p.detail
    } else {
        p.errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let status = crate::error::status_of(p.kind);
    let page = crate::pages_registers::detail_page(s, ctx, spec, id, Some(msg)).await?;
    Ok((status, render(&page)).into_response())
}

/// A finding row: (index, party, dimension, consequence, severity, likelihood, measures, residual, high).
pub type FindingRow = (
    usize,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
    bool,
);
/// Heat map rows of (count, colour), highest impact first.
type HeatCells = Vec<Vec<(i64, String)>>;
/// (title, filter prefix, cells)
type NamedGrid = (&'static str, &'static str, HeatCells);
/// (link, label, status)
type TraceItem = (String, String, String);
type TraceSection = (String, Vec<TraceItem>);

/// The parts of a record page particular to its register.
#[derive(Default)]
pub struct Extras {
    pub can_approve: bool,
    /// Risks: (score shown, acceptance threshold, already accepted).
    pub risk: Option<(i64, i64, bool)>,
    /// Impact assessments: status and findings (index, party, dimension, consequence, severity, likelihood, measures, residual, high).
    pub ia_status: String,
    pub ia_entries: Vec<FindingRow>,
    pub parties: Vec<(&'static str, &'static str)>,
    pub dimensions: Vec<(&'static str, &'static str)>,
    pub version: i64,
    /// Evidence: whether a file is stored, and whether the evidence is past its date.
    pub has_file: bool,
    pub expired: bool,
    /// Impact assessments: why a re-assessment is due.
    pub reassessment: Vec<String>,
}

pub async fn extras(
    s: &AppState,
    ctx: &OrgCtx,
    spec: &RegisterSpec,
    rec: &Record,
) -> Result<Extras, PageError> {
    let mut x = Extras {
        can_approve: ctx.org.role.permissions().allows(Permission::Approve),
        version: rec.get("version").and_then(|v| v.as_i64()).unwrap_or(0),
        ..Default::default()
    };
    match spec.table {
        "risks" => {
            let (c, _) = risk::criteria(&s.cx.store, ctx.org.org_id).await?;
            let score = rec
                .get("residual_score")
                .and_then(|v| v.as_i64())
                .or_else(|| rec.get("inherent_score").and_then(|v| v.as_i64()))
                .unwrap_or(0);
            x.risk = Some((
                score,
                c.acceptance_threshold,
                rec.get("status").and_then(|v| v.as_str()) == Some("accepted"),
            ));
        }
        "impact_assessments" => {
            x.ia_status = rec
                .get("status")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            let entries: Vec<ImpactEntry> = rec
                .get("entries")
                .and_then(|e| serde_json::from_value(e.clone()).ok())
                .unwrap_or_default();
            let label = |list: &[(&str, &str)], k: &str| {
                list.iter()
                    .find(|(x, _)| *x == k)
                    .map(|(_, l)| l.to_string())
                    .unwrap_or_else(|| k.to_string())
            };
            x.ia_entries = entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    (
                        i,
                        label(PARTIES, &e.party),
                        label(DIMENSIONS, &e.dimension),
                        e.consequence.clone(),
                        e.severity,
                        e.likelihood,
                        e.measures.clone(),
                        e.residual.clone(),
                        e.is_high(),
                    )
                })
                .collect();
            x.parties = PARTIES.to_vec();
            x.reassessment = impact::reassessment_reasons(&s.cx, ctx.org.org_id, rec).await?;
            x.dimensions = DIMENSIONS.to_vec();
        }
        "evidence" => {
            x.has_file = rec
                .get("file_sha256")
                .and_then(|v| v.as_str())
                .is_some_and(|s| s.len() == 64);
            let today = s.cx.today();
            x.expired = rec
                .get("valid_until")
                .and_then(|v| v.as_str())
                .is_some_and(|d| d < today.as_str());
        }
        _ => {}
    }
    Ok(x)
}

// ---------------------------------------------------------------- risks

#[derive(Template)]
#[template(path = "heatmap.html")]
struct HeatmapPage {
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

async fn heatmap(
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

async fn accept(
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
        top_management_acceptance: form_value(&form, "top_management_acceptance") == "true",
        version: form_value(&form, "version").parse().unwrap_or(0),
    };
    match risk::accept(&s.cx, &ctx.scope(), id, body).await {
        Ok(_) => Ok(back(&slug, &RISKS, id)),
        Err(p) => error_page(&s, &ctx, &RISKS, id, p).await,
    }
}

// ---------------------------------------------------------------- impact assessments

async fn add_entry(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    need(&register, &IMPACT_ASSESSMENTS)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Write)?;
    let rec =
        s.cx.store
            .register_get(ctx.org.org_id, &IMPACT_ASSESSMENTS, id)
            .await?
            .ok_or_else(|| {
                PageError::Status(StatusCode::NOT_FOUND, "No such impact assessment.".into())
            })?;
    let mut entries: Vec<ImpactEntry> = rec
        .get("entries")
        .and_then(|e| serde_json::from_value(e.clone()).ok())
        .unwrap_or_default();
    let e = ImpactEntry {
        party: form_value(&form, "party").into(),
        dimension: form_value(&form, "dimension").into(),
        consequence: form_value(&form, "consequence").trim().into(),
        severity: form_value(&form, "severity").parse().unwrap_or(0),
        likelihood: form_value(&form, "likelihood").parse().unwrap_or(0),
        measures: form_value(&form, "measures").trim().into(),
        residual: form_value(&form, "residual").trim().into(),
    };
    let mut inv = Invalid::default();
    e.check("finding", &mut inv);
    if !inv.is_empty() {
        return error_page(&s, &ctx, &IMPACT_ASSESSMENTS, id, AppError::invalid(inv)).await;
    }
    entries.push(e);
    let body = impact::EntriesBody {
        entries,
        version: form_value(&form, "version").parse().unwrap_or(0),
    };
    match impact::set_entries(&s.cx, &ctx.scope(), id, body).await {
        Ok(_) => Ok(back(&slug, &IMPACT_ASSESSMENTS, id)),
        Err(e) => error_page(&s, &ctx, &IMPACT_ASSESSMENTS, id, e).await,
    }
}

async fn step(
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
        Err(e) => error_page(&s, &ctx, &IMPACT_ASSESSMENTS, id, e).await,
    }
}

async fn raise(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id, index)): Path<(String, String, i64, usize)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    need(&register, &IMPACT_ASSESSMENTS)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    match impact::raise_risk(&s.cx, &ctx.scope(), id, index).await {
        Ok(r) => Ok(back(
            &slug,
            &RISKS,
            r.get("id").and_then(|v| v.as_i64()).unwrap_or(0),
        )),
        Err(p) => error_page(&s, &ctx, &IMPACT_ASSESSMENTS, id, p).await,
    }
}

// ---------------------------------------------------------------- evidence files

async fn upload(
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
        Err(p) => error_page(&s, &ctx, &EVIDENCE, id, p).await,
    }
}

async fn download(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    need(&register, &EVIDENCE)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let file = aims_service::evidence::load_file(&s.cx, &ctx.scope(), id).await?;
    Ok(crate::download(file))
}

// ---------------------------------------------------------------- SoA

struct SoaRow {
    id: i64,
    requirement_id: i64,
    reference: String,
    title: String,
    applicable: String,
    justification: String,
    status: String,
    version: i64,
    controls: Vec<String>,
    more_controls: i64,
    evidence: i64,
}

#[derive(Template)]
#[template(path = "soa.html")]
struct SoaPage {
    layout: Layout,
    rows: Vec<SoaRow>,
    decided: i64,
    total: i64,
    /// The first problems (`problems`) and how many there are in all.
    problems: Vec<String>,
    problems_total: i64,
    versions: Vec<aims_store::SoaVersion>,
    can_decide: bool,
    statuses: &'static [&'static str],
    error: Option<String>,
    print: bool,
}

async fn soa_page(
    s: &AppState,
    ctx: &OrgCtx,
    error: Option<String>,
    print: bool,
) -> Result<SoaPage, PageError> {
    let view = soa::view(&s.cx, &ctx.scope()).await?;
    let rows = view["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| SoaRow {
            id: e["id"].as_i64().unwrap_or(0),
            requirement_id: e["requirement_id"].as_i64().unwrap_or(0),
            reference: e["reference"].as_str().unwrap_or("").into(),
            title: e["title"].as_str().unwrap_or("").into(),
            applicable: match e["applicable"].as_bool() {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            justification: e["justification"].as_str().unwrap_or("").into(),
            status: e["status"].as_str().unwrap_or("").into(),
            version: e["version"].as_i64().unwrap_or(0),
            controls: soa::soa_control_lines(e),
            more_controls: e["controls_total"].as_i64().unwrap_or(0)
                - e["controls"]
                    .as_array()
                    .map(|a| a.len() as i64)
                    .unwrap_or(0),
            evidence: e["evidence_count"].as_i64().unwrap_or(0),
        })
        .collect();
    Ok(SoaPage {
        layout: ctx.layout("Statement of Applicability", "soa"),
        rows,
        decided: view["decided"].as_i64().unwrap_or(0),
        total: view["total"].as_i64().unwrap_or(0),
        problems: view["problems"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        problems_total: view["problems_total"].as_i64().unwrap_or(0),
        versions: s.cx.store.soa_versions(ctx.org.org_id).await?,
        can_decide: ctx.org.role.permissions().allows(Permission::Approve),
        statuses: soa::SOA_STATUSES,
        error,
        print,
    })
}

async fn soa(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(&soa_page(&s, &ctx, None, false).await?))
}

async fn soa_print(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(&soa_page(&s, &ctx, None, true).await?))
}

#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

async fn soa_export(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let file = soa::export(&s.cx, &ctx.scope(), q.format.as_deref().unwrap_or("xlsx")).await?;
    Ok(crate::download(file))
}

async fn soa_decide(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, entry)): Path<(String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Approve)?;
    let body = DecideBody {
        applicable: match form_value(&form, "applicable") {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        justification: Some(form_value(&form, "justification").to_string()),
        status: Some(form_value(&form, "status").to_string()).filter(|v| !v.is_empty()),
        version: form_value(&form, "version").parse().unwrap_or(0),
    };
    match soa::decide(&s.cx, &ctx.scope(), entry, body).await {
        Ok(e) => Ok(Redirect::to(&format!("/o/{slug}/soa#{}", e.reference)).into_response()),
        Err(p) => {
            let msg = if p.errors.is_empty() {
                p.detail.clone()
            } else {
                p.errors
                    .iter()
                    .map(|e| format!("{} {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let status = crate::error::status_of(p.kind);
            Ok((status, render(&soa_page(&s, &ctx, Some(msg), false).await?)).into_response())
        }
    }
}

async fn soa_approve(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Approve)?;
    soa::approve(&s.cx, &ctx.scope(), form_value(&form, "note")).await?;
    Ok(Redirect::to(&format!("/o/{slug}/soa")).into_response())
}

// ---------------------------------------------------------------- traceability

#[derive(Template)]
#[template(path = "trace.html")]
struct TracePage {
    layout: Layout,
    heading: String,
    /// (section title, [(link, label, status)])
    sections: Vec<TraceSection>,
}

fn section(slug: &str, title: &str, items: &Value) -> TraceSection {
    let rows = items
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    let link = match (x["path"].as_str(), x["framework"].as_str()) {
                        (Some(p), _) => format!("/o/{slug}/inventory/{p}/{}", x["id"]),
                        (None, Some(_)) => format!("/o/{slug}/requirements/{}", x["id"]),
                        _ => String::new(),
                    };
                    let label = match x["framework"].as_str() {
                        Some(f) => format!(
                            "{f} {} {}",
                            x["ref"].as_str().unwrap_or(""),
                            x["title"].as_str().unwrap_or("")
                        ),
                        None => format!(
                            "{} {}",
                            x["reference"].as_str().unwrap_or(""),
                            x["name"].as_str().unwrap_or("")
                        ),
                    };
                    (
                        link,
                        label,
                        x["status"].as_str().unwrap_or("").replace('_', " "),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (title.to_string(), rows)
}

async fn trace_system(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let t = trace::system_trace(&s.cx, &ctx.scope(), id).await?;
    let heading = format!(
        "{} {}",
        t["system"]["reference"].as_str().unwrap_or(""),
        t["system"]["name"].as_str().unwrap_or("")
    );
    let sections = vec![
        section(&slug, "Risks of the system", &t["risks"]),
        section(&slug, "Impact assessments", &t["impact_assessments"]),
        section(&slug, "Controls treating those risks", &t["controls"]),
        section(
            &slug,
            "Requirements those controls implement",
            &t["requirements"],
        ),
        section(&slug, "Evidence of those controls", &t["evidence"]),
    ];
    Ok(render(&TracePage {
        layout: ctx.layout("Traceability", "ai-systems"),
        heading,
        sections,
    }))
}

async fn trace_requirement(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let t = trace::requirement_trace(&s.cx, &ctx.scope(), id).await?;
    let heading = format!(
        "{} {} {}",
        t["requirement"]["framework"].as_str().unwrap_or(""),
        t["requirement"]["ref"].as_str().unwrap_or(""),
        t["requirement"]["title"].as_str().unwrap_or("")
    );
    let sections = vec![
        section(
            &slug,
            "Controls implementing it (directly or through a crosswalk)",
            &t["controls"],
        ),
        section(&slug, "Risks those controls treat", &t["risks"]),
        section(&slug, "AI systems behind those risks", &t["systems"]),
        section(&slug, "Evidence", &t["evidence"]),
    ];
    Ok(render(&TracePage {
        layout: ctx.layout("Traceability", "catalog"),
        heading,
        sections,
    }))
}

async fn gates(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let body = aims_service::settings::GatesBody {
        enabled: form_value(&form, "enabled") == "true",
        version: form_value(&form, "version").parse().unwrap_or(0),
    };
    aims_service::settings::set_gates(&s.cx, &ctx.scope(), body).await?;
    Ok(Redirect::to(&format!("/o/{slug}/settings")).into_response())
}

#[derive(Template)]
#[template(path = "soa_compare.html")]
struct ComparePage {
    layout: Layout,
    a: i64,
    b: i64,
    rows: Vec<CompareRow>,
}

/// A control's applicability, justification and status in two versions.
struct CompareRow {
    reference: String,
    left: [String; 3],
    right: [String; 3],
    changed: bool,
}

#[derive(Deserialize)]
struct CompareQuery {
    a: i64,
    b: i64,
}

async fn soa_compare(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<CompareQuery>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let versions = s.cx.store.soa_versions(ctx.org.org_id).await?;
    let pick = |n: i64| -> Result<Vec<Value>, PageError> {
        let v = versions.iter().find(|v| v.number == n).ok_or_else(|| {
            PageError::Status(
                StatusCode::NOT_FOUND,
                format!("There is no approved version {n}."),
            )
        })?;
        Ok(serde_json::from_str::<Vec<Value>>(&v.snapshot_json).unwrap_or_default())
    };
    let (left, right) = (pick(q.a)?, pick(q.b)?);
    let cells = |e: Option<&Value>| -> [String; 3] {
        match e {
            None => [String::new(), String::new(), String::new()],
            Some(e) => [
                match e["applicable"].as_bool() {
                    Some(true) => "applicable".into(),
                    Some(false) => "not applicable".into(),
                    None => "not decided".into(),
                },
                e["justification"].as_str().unwrap_or("").into(),
                e["status"].as_str().unwrap_or("").replace('_', " "),
            ],
        }
    };
    let rows = left
        .iter()
        .map(|l| {
            let reference = l["reference"].as_str().unwrap_or("").to_string();
            let r = right.iter().find(|r| r["reference"] == l["reference"]);
            let (lc, rc) = (cells(Some(l)), cells(r));
            CompareRow {
                changed: lc != rc,
                reference,
                left: lc,
                right: rc,
            }
        })
        .collect();
    Ok(render(&ComparePage {
        layout: ctx.layout("Compare SoA versions", "soa"),
        a: q.a,
        b: q.b,
        rows,
    }))
}
