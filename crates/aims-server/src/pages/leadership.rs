//! Leadership pages: the RACI matrix, the organization's concern-reporting link, and the
//! public form behind that link (no account needed, plain text only, rate-limited).

use crate::pages::{flash_redirect, form_value, org_ctx, render, Layout, PageError};
use crate::AppState;
use aims_domain::{Invalid, Permission};
use aims_service::concerns::{self, PublicConcern, MAX_CONTACT, MAX_DETAILS, MAX_SUMMARY};
use aims_service::roles::{self, RaciMatrix};
use aims_service::ErrorKind;
use askama::Template;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/raci-matrix", get(raci_page))
        .route("/o/{slug}/reporting-link", get(link_page).post(link_change))
        // A report is a few kilobytes of text: a larger body is refused before it is read.
        .route(
            "/report/{token}",
            get(report_form)
                .post(report_submit)
                .layer(DefaultBodyLimit::max(32 * 1024)),
        )
}

#[derive(Template)]
#[template(path = "raci.html")]
struct RaciPage {
    layout: Layout,
    m: RaciMatrix,
}

async fn raci_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(&RaciPage {
        m: roles::raci_matrix(&s.cx, &ctx.scope()).await?,
        layout: ctx.layout("RACI matrix", "raci-matrix"),
    }))
}

#[derive(Template)]
#[template(path = "reporting_link.html")]
struct LinkPage {
    layout: Layout,
    token: Option<String>,
}

async fn link_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(&LinkPage {
        token: concerns::link(&s.cx, &ctx.scope()).await?,
        layout: ctx.layout("Reporting link", "reporting-link"),
    }))
}

async fn link_change(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Administer)?;
    let to = format!("/o/{slug}/reporting-link");
    if form_value(&form, "action") == "remove" {
        concerns::remove_link(&s.cx, &ctx.scope()).await?;
        Ok(flash_redirect(
            &to,
            "The reporting link is removed: it no longer opens the form.",
        ))
    } else {
        concerns::new_link(&s.cx, &ctx.scope()).await?;
        Ok(flash_redirect(
            &to,
            "A new reporting link is ready; any older link stopped working.",
        ))
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    layout: Layout,
    org_name: String,
    token: String,
    summary: String,
    details: String,
    contact: String,
    errors: Invalid,
    error: Option<String>,
    sent: bool,
    max_summary: usize,
    max_details: usize,
    max_contact: usize,
}

impl ReportPage {
    fn new(org_name: String, token: String) -> ReportPage {
        ReportPage {
            layout: Layout::bare("Report a concern"),
            org_name,
            token,
            summary: String::new(),
            details: String::new(),
            contact: String::new(),
            errors: Invalid::default(),
            error: None,
            sent: false,
            max_summary: MAX_SUMMARY,
            max_details: MAX_DETAILS,
            max_contact: MAX_CONTACT,
        }
    }
}

async fn report_form(
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let org = concerns::org_of_link(&s.cx, &token).await?;
    Ok(render(&ReportPage::new(org.name, token)))
}

/// The sender as the rate limit knows them: the first forwarded address when a proxy set one,
/// else the peer's address.
fn source(headers: &HeaderMap, peer: SocketAddr) -> String {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| peer.ip().to_string())
}

async fn report_submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let org = concerns::org_of_link(&s.cx, &token).await?;
    let report = PublicConcern {
        summary: form_value(&form, "summary").to_string(),
        details: form_value(&form, "details").to_string(),
        contact: form_value(&form, "contact").to_string(),
    };
    let mut page = ReportPage::new(org.name, token.clone());
    page.summary.clone_from(&report.summary);
    page.details.clone_from(&report.details);
    page.contact.clone_from(&report.contact);
    match concerns::submit_public(&s.cx, &token, &source(&headers, peer), report).await {
        Ok(_) => {
            let mut done = ReportPage::new(page.org_name, token);
            done.sent = true;
            Ok(render(&done))
        }
        Err(e) if e.kind == ErrorKind::Invalid => {
            page.errors = Invalid(e.errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) if e.kind != ErrorKind::Internal => {
            let status = crate::error::status_of(e.kind);
            page.error = Some(e.detail);
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
