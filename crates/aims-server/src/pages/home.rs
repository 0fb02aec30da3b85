//! The organization's home page: the dashboard.

use super::org_ctx;
use super::render;
use super::Layout;
use super::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
pub fn routes() -> Router<AppState> {
    Router::new().route("/o/{slug}", get(home))
}

#[derive(Template)]
#[template(path = "home.html")]
pub(crate) struct HomePage {
    layout: Layout,
    v: std::sync::Arc<aims_service::maturity::MaturityView>,
    /// (level, count, colour) of assessed risks by their current score.
    bands: Vec<(String, i64, String)>,
    /// (link, text) of the next things to do.
    next: Vec<(String, String)>,
}

pub(crate) async fn home(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let v = aims_service::maturity::maturity_view(&s.cx, ctx.org.org_id).await?;
    let (criteria, _) = aims_service::risk::criteria(&s.cx.store, ctx.org.org_id).await?;
    let mut bands: Vec<(String, i64, String)> = criteria
        .bands
        .iter()
        .map(|b| (b.level.clone(), 0, b.colour.clone()))
        .collect();
    for &(l, i, n) in s.cx.store.risk_heatmap(ctx.org.org_id, false).await?.iter() {
        if let Some(b) = criteria.band(l * i) {
            if let Some(x) = bands.iter_mut().find(|x| x.0 == b.level) {
                x.1 += n;
            }
        }
    }
    if bands.iter().all(|b| b.1 == 0) {
        bands.clear();
    }
    let next = aims_service::maturity::next_steps(&v)
        .into_iter()
        .map(|n| (format!("/o/{slug}/{}", n.page), n.text))
        .collect();
    Ok(render(&HomePage {
        layout: ctx.layout(&ctx.org.name, "home"),
        v,
        bands,
        next,
    }))
}
