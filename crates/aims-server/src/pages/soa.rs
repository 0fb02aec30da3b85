//! The Statement of Applicability: decisions, approval, versions, export and print.

use crate::pages::flash_redirect;
use crate::pages::form_value;
use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::OrgCtx;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::Invalid;
use aims_domain::Permission;
use aims_service::soa;
use aims_service::soa::ApproveBody;
use aims_service::soa::DecideBody;
use aims_service::soa::DecideRow;
use aims_service::ErrorKind;
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
        .route("/o/{slug}/soa", get(soa).post(soa_save))
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
    /// Problems with what was submitted for this row, beside it.
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "soa.html")]
pub(crate) struct SoaPage {
    layout: Layout,
    rows: Vec<SoaRow>,
    decided: i64,
    total: i64,
    /// The first problems (text, the row it is about) and how many there are in all.
    problems: Vec<(String, Option<String>)>,
    problems_total: i64,
    versions: Vec<aims_store::SoaVersion>,
    approval_line: String,
    can_decide: bool,
    statuses: &'static [(&'static str, &'static str)],
    error: Option<String>,
    /// Approval problems: (field, message), beside the approval form.
    approve_errors: Invalid,
    note: String,
    override_reason: String,
    print: bool,
}

impl SoaPage {
    fn approve_error(&self, field: &str) -> Option<&str> {
        self.approve_errors.message_for(field)
    }
}

pub(crate) async fn soa_page(
    s: &AppState,
    ctx: &OrgCtx,
    error: Option<String>,
    print: bool,
) -> Result<SoaPage, PageError> {
    let view = soa::view(&s.cx, &ctx.scope()).await?;
    let approval = soa::last_approval(&s.cx, &ctx.scope()).await?;
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
            errors: vec![],
        })
        .collect::<Vec<SoaRow>>();
    let refs: Vec<String> = rows.iter().map(|r| r.reference.clone()).collect();
    Ok(SoaPage {
        layout: ctx.layout("Statement of Applicability", "soa"),
        rows,
        decided: view["decided"].as_i64().unwrap_or(0),
        total: view["total"].as_i64().unwrap_or(0),
        problems: view["problems"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str())
                    .map(|p| {
                        // "A.6.2.4: not decided" links to the row it is about.
                        let target = p
                            .split_once(':')
                            .map(|(r, _)| r.to_string())
                            .filter(|r| refs.contains(r));
                        (p.to_string(), target)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        problems_total: view["problems_total"].as_i64().unwrap_or(0),
        versions: s.cx.store.soa_versions(ctx.org.org_id).await?,
        approval_line: soa::approval_line(&approval),
        can_decide: ctx.org.role.permissions().allows(Permission::Approve),
        statuses: soa::SOA_STATUSES,
        error,
        approve_errors: Invalid::default(),
        note: String::new(),
        override_reason: String::new(),
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
    let body = ApproveBody {
        note: form_value(&form, "note").to_string(),
        override_reason: Some(form_value(&form, "override_reason").to_string()),
    };
    match soa::approve(&s.cx, &ctx.scope(), &body).await {
        Ok(v) => Ok(flash_redirect(
            &format!("/o/{slug}/soa"),
            &format!("The SoA is approved as version {}.", v.number),
        )),
        Err(e) if e.kind == ErrorKind::Invalid => {
            let mut page = soa_page(&s, &ctx, None, false).await?;
            page.approve_errors = Invalid(e.errors);
            page.note = body.note;
            page.override_reason = body.override_reason.unwrap_or_default();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The whole SoA form at once: only the rows that changed are written.
pub(crate) async fn soa_save(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let rows: Vec<DecideRow> = form
        .iter()
        .filter(|(k, _)| k == "entry")
        .filter_map(|(_, v)| v.parse::<i64>().ok())
        .map(|id| {
            let field = |name: &str| form_value(&form, &format!("{name}_{id}")).to_string();
            DecideRow {
                id,
                applicable: match field("applicable").as_str() {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                },
                justification: Some(field("justification")),
                status: Some(field("status")).filter(|v| !v.is_empty()),
                version: field("version").parse().unwrap_or(0),
            }
        })
        .collect();
    match soa::decide_many(&s.cx, &ctx.scope(), &rows).await {
        Ok(out) => Ok(flash_redirect(
            &format!("/o/{slug}/soa"),
            &match out.written {
                0 => "Nothing had changed: the SoA is as it was.".to_string(),
                1 => "1 entry saved.".to_string(),
                n => format!("{n} entries saved."),
            },
        )),
        Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::Stale) => {
            let mut page = soa_page(&s, &ctx, Some(e.detail.clone()), false).await?;
            // What was typed stays on the page, with each problem beside its row.
            for row in page.rows.iter_mut() {
                if let Some(r) = rows.iter().find(|r| r.id == row.id) {
                    row.applicable = match r.applicable {
                        Some(true) => "yes".into(),
                        Some(false) => "no".into(),
                        None => String::new(),
                    };
                    row.justification = r.justification.clone().unwrap_or_default();
                    row.status = r.status.clone().unwrap_or_default();
                }
                let mine = |f: &str| {
                    f == row.reference
                        || f.strip_prefix(row.reference.as_str())
                            .is_some_and(|rest| rest == ".justification" || rest == ".status")
                };
                row.errors = e
                    .errors
                    .iter()
                    .filter(|x| mine(&x.field))
                    .map(|x| {
                        let what = x
                            .field
                            .rsplit('.')
                            .next()
                            .filter(|w| *w == "justification" || *w == "status");
                        match what {
                            Some(w) => format!("{} {}", capitalized(w), x.message),
                            None => capitalized(&x.message),
                        }
                    })
                    .collect();
            }
            Ok((crate::error::status_of(e.kind), render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
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
    let cmp = soa::compare(&s.cx, &ctx.scope(), q.a, q.b).await?;
    let cells = |e: &Value| -> [String; 3] {
        if e.is_null() {
            return [String::new(), String::new(), String::new()];
        }
        [
            match e["applicable"].as_bool() {
                Some(true) => "applicable".into(),
                Some(false) => "not applicable".into(),
                None => "not decided".into(),
            },
            e["justification"].as_str().unwrap_or("").into(),
            soa::status_label(e["status"].as_str().unwrap_or("")),
        ]
    };
    let rows = cmp["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| CompareRow {
            reference: r["reference"].as_str().unwrap_or("").to_string(),
            left: cells(&r["a"]),
            right: cells(&r["b"]),
            changed: r["changed"] == true,
        })
        .collect();
    Ok(render(&ComparePage {
        layout: ctx.layout("Compare SoA versions", "soa"),
        a: q.a,
        b: q.b,
        rows,
    }))
}
