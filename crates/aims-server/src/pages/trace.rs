//! Traceability pages: from an AI system down, and from a requirement up.

use super::record::TraceSection;
use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::PageError;
use crate::AppState;
use aims_service::trace;
use askama::Template;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/trace/ai-systems/{id}", get(trace_system))
        .route("/o/{slug}/trace/requirements/{id}", get(trace_requirement))
}

#[derive(Template)]
#[template(path = "trace.html")]
pub(crate) struct TracePage {
    layout: Layout,
    heading: String,
    /// (section title, [(link, label, status)])
    sections: Vec<TraceSection>,
}

pub(crate) fn section(slug: &str, title: &str, items: &Value) -> TraceSection {
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

pub(crate) async fn trace_system(
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
        section(&slug, "Incidents of the system", &t["incidents"]),
        section(
            &slug,
            "Nonconformities raised from them",
            &t["nonconformities"],
        ),
    ];
    Ok(render(&TracePage {
        layout: ctx.layout("Traceability", "ai-systems"),
        heading,
        sections,
    }))
}

pub(crate) async fn trace_requirement(
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
