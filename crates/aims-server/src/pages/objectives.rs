//! The KPI page: its status, its chart (server-side SVG), its measurements and the form that
//! records the next one.

use super::record::str_of;
use crate::pages::{flash_redirect, form_value, org_ctx, render, Layout, OrgCtx, PageError};
use crate::AppState;
use aims_domain::{Invalid, Permission};
use aims_service::objectives::{self, KpiStatus, MeasurementIn, MeasurementView};
use aims_service::ErrorKind;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().route("/o/{slug}/kpis/{id}", get(kpi_page).post(add_measurement))
}

#[derive(Template)]
#[template(path = "kpi.html")]
struct KpiPage {
    layout: Layout,
    id: i64,
    reference: String,
    name: String,
    unit: String,
    status: KpiStatus,
    svg: String,
    measurements: Vec<MeasurementView>,
    can_write: bool,
    errors: Invalid,
    /// What was typed, kept when the form comes back with errors: value, end, start, note.
    typed: (String, String, String, String),
}

impl KpiPage {
    fn tone(&self) -> &'static str {
        match self.status.status {
            "on_track" => "good",
            "at_risk" => "warn",
            "off_track" => "bad",
            _ => "plain",
        }
    }
}

async fn view(
    s: &AppState,
    ctx: &OrgCtx,
    id: i64,
    errors: Invalid,
    typed: (String, String, String, String),
) -> Result<KpiPage, PageError> {
    ctx.require(Permission::Read)?;
    let scope = ctx.scope();
    let kpi =
        aims_service::registers::read::get(&s.cx, &scope, &aims_domain::register::KPIS, id).await?;
    Ok(KpiPage {
        layout: ctx.layout(
            &format!("{} {}", str_of(&kpi, "reference"), str_of(&kpi, "name")),
            "kpis",
        ),
        id,
        reference: str_of(&kpi, "reference"),
        name: str_of(&kpi, "name"),
        unit: str_of(&kpi, "unit"),
        status: objectives::status(&s.cx, &scope, id).await?,
        svg: objectives::chart(&s.cx, &scope, id)
            .await?
            .as_str()
            .to_owned(),
        measurements: objectives::list(&s.cx, &scope, id, None, 50).await?,
        can_write: ctx.org.role.permissions().allows(Permission::Write),
        errors,
        typed,
    })
}

async fn kpi_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(
        &view(&s, &ctx, id, Invalid::default(), Default::default()).await?,
    ))
}

async fn add_measurement(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let typed = (
        form_value(&form, "value").to_string(),
        form_value(&form, "period_end").to_string(),
        form_value(&form, "period_start").to_string(),
        form_value(&form, "note").to_string(),
    );
    let m = MeasurementIn {
        value: serde_json::Value::String(typed.0.clone()),
        period_end: typed.1.clone(),
        period_start: Some(typed.2.clone()),
        note: typed.3.clone(),
        evidence_id: None,
    };
    match objectives::add(&s.cx, &ctx.scope(), id, m).await {
        Ok(m) => Ok(flash_redirect(
            &format!("/o/{slug}/kpis/{id}"),
            &format!(
                "Measurement for the period ending {} recorded.",
                m.m.period_end
            ),
        )),
        Err(e) if e.kind == ErrorKind::Invalid => {
            let page = view(&s, &ctx, id, Invalid(e.errors), typed).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
