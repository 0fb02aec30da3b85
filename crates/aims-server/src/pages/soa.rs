//! The Statement of Applicability: decisions, approval, versions, export and print.

use crate::pages::form_value;
use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::OrgCtx;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::Permission;
use aims_service::soa;
use aims_service::soa::DecideBody;
use askama::Template;
use axum::extract::Form;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::Value;
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/soa", get(soa))
        .route("/o/{slug}/soa/print", get(soa_print))
        .route("/o/{slug}/soa/export", get(soa_export))
        .route("/o/{slug}/soa/approve", post(soa_approve))
        .route("/o/{slug}/soa/compare", get(soa_compare))
        .route("/o/{slug}/soa/{entry}", post(soa_decide))
}

pub(crate) struct SoaRow {
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
pub(crate) struct SoaPage {
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

pub(crate) async fn soa_page(
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

pub(crate) async fn soa(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(&soa_page(&s, &ctx, None, false).await?))
}

pub(crate) async fn soa_print(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(&soa_page(&s, &ctx, None, true).await?))
}

#[derive(Deserialize)]
pub(crate) struct FormatQuery {
    format: Option<String>,
}

pub(crate) async fn soa_export(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let file = soa::export(&s.cx, &ctx.scope(), q.format.as_deref().unwrap_or("xlsx")).await?;
    Ok(crate::download(file))
}

pub(crate) async fn soa_decide(
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

pub(crate) async fn soa_approve(
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

#[derive(Template)]
#[template(path = "soa_compare.html")]
pub(crate) struct ComparePage {
    layout: Layout,
    a: i64,
    b: i64,
    rows: Vec<CompareRow>,
}

/// A control's applicability, justification and status in two versions.
pub(crate) struct CompareRow {
    reference: String,
    left: [String; 3],
    right: [String; 3],
    changed: bool,
}

#[derive(Deserialize)]
pub(crate) struct CompareQuery {
    a: i64,
    b: i64,
}

pub(crate) async fn soa_compare(
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
