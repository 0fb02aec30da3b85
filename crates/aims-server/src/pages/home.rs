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
    /// (level, count, colour, link) of risks by their inherent score; then the unscored ones
    /// and those outside the scale, apart.
    bands: Vec<(String, i64, String, String)>,
    unscored: i64,
    outside: i64,
    outside_view: String,
    /// (link, text) of the next things to do.
    next: Vec<(String, String)>,
    /// Documents waiting for the viewer's acknowledgement.
    waiting: usize,
    /// KPIs whose next measurement is overdue (or that were never measured).
    kpis_late: i64,
    /// Incidents whose report is ours and still to send, soonest due first (live, not cached:
    /// the countdown moves by the hour).
    deadlines: Vec<aims_service::incidents::OpenDeadlineView>,
}

pub(crate) async fn home(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let v = aims_service::maturity::maturity_view(&s.cx, ctx.org.org_id).await?;
    let (criteria, _) = aims_service::risk::criteria(&s.cx.store, ctx.org.org_id).await?;
    let mut bands: Vec<(String, i64, String, String)> = criteria
        .bands
        .iter()
        .map(|b| {
            (
                b.level.clone(),
                0,
                b.colour.clone(),
                format!(
                    "/o/{slug}/inventory/risks?view=inherent:{}-{}",
                    b.min, b.max
                ),
            )
        })
        .collect();
    let (mut scored, mut outside) = (0, 0);
    let (max_l, max_i) = (
        criteria.likelihood.len() as i64,
        criteria.impact.len() as i64,
    );
    for &(l, i, n) in s.cx.store.risk_heatmap(ctx.org.org_id, false).await?.iter() {
        scored += n;
        let in_scale = l <= max_l && i <= max_i;
        match criteria
            .band(l * i)
            .filter(|_| in_scale)
            .and_then(|b| bands.iter_mut().find(|x| x.0 == b.level))
        {
            Some(x) => x.1 += n,
            None => outside += n,
        }
    }
    let unscored = (v.facts.risks - scored).max(0);
    if v.facts.risks == 0 {
        bands.clear();
    }
    let next = aims_service::maturity::next_steps(&v)
        .into_iter()
        .map(|n| (format!("/o/{slug}/{}", n.page), n.text))
        .collect();
    Ok(render(&HomePage {
        deadlines: aims_service::incidents::open_deadlines(&s.cx, &ctx.scope(), 5).await?,
        kpis_late: v.kpis_late,
        layout: ctx.layout(&ctx.org.name, "home"),
        v,
        bands,
        unscored,
        outside,
        outside_view: format!("outside:{max_l}x{max_i}"),
        next,
        waiting: aims_service::documents::waiting_for_me(&s.cx, &ctx.scope())
            .await?
            .len(),
    }))
}
