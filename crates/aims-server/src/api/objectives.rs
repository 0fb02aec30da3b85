//! The API of KPI measurements (append-only), a KPI's status and its chart. Objectives and KPIs
//! themselves are the `/api/v1/objectives` and `/api/v1/kpis` registers.

use crate::api_router::ApiRouter;
use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::extract::{JsonBody, PathParam, QueryParams};
use crate::AppState;
use aims_service::objectives::{self, KpiStatus, MeasurementIn, MeasurementView};
use aims_store::Measurement;
use axum::extract::State;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(
            "/api/v1/kpis/{id}/measurements",
            &[Method::GET, Method::POST],
            get(list).post(add),
        )
        .route("/api/v1/kpis/{id}/status", &[Method::GET], get(status))
        .route("/api/v1/kpis/{id}/chart.svg", &[Method::GET], get(chart))
}

#[derive(OpenApi)]
#[openapi(
    paths(list, add, status, chart),
    components(schemas(MeasurementIn, MeasurementView, Measurement, KpiStatus))
)]
pub struct ObjectivesDoc;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListParams {
    /// The cursor `PERIOD_END,ID` of the last measurement of the previous page.
    after: Option<String>,
    /// At most 500; 50 when left out.
    limit: Option<i64>,
}

/// A KPI's measurements, newest period first.
#[utoipa::path(get, path = "/api/v1/kpis/{id}/measurements", tag = "objectives", params(("id" = i64, Path), ListParams),
    responses((status = 200, body = [MeasurementView]), (status = 400, body = ProblemBody), (status = 404, body = ProblemBody)))]
async fn list(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    QueryParams(q): QueryParams<ListParams>,
) -> Result<Json<Vec<MeasurementView>>, Problem> {
    Ok(Json(
        objectives::list(
            &s.cx,
            &caller.scope(),
            id,
            q.after.as_deref(),
            q.limit.unwrap_or(50),
        )
        .await?,
    ))
}

/// Record a measurement (append-only; the server keeps when it was entered).
#[utoipa::path(post, path = "/api/v1/kpis/{id}/measurements", tag = "objectives", params(("id" = i64, Path)), request_body = MeasurementIn,
    responses((status = 201, body = MeasurementView), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn add(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(m): JsonBody<MeasurementIn>,
) -> Result<(StatusCode, Json<MeasurementView>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(objectives::add(&s.cx, &caller.scope(), id, m).await?),
    ))
}

/// Whether the KPI is on track, at risk, off track or not measured in time.
#[utoipa::path(get, path = "/api/v1/kpis/{id}/status", tag = "objectives", params(("id" = i64, Path)),
    responses((status = 200, body = KpiStatus), (status = 404, body = ProblemBody)))]
async fn status(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<KpiStatus>, Problem> {
    Ok(Json(objectives::status(&s.cx, &caller.scope(), id).await?))
}

/// The KPI's chart as SVG: measurements over time with the target and warning lines.
#[utoipa::path(get, path = "/api/v1/kpis/{id}/chart.svg", tag = "objectives", params(("id" = i64, Path)),
    responses((status = 200, body = String, content_type = "image/svg+xml"), (status = 404, body = ProblemBody)))]
async fn chart(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Response, Problem> {
    let svg = objectives::chart(&s.cx, &caller.scope(), id).await?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml")],
        svg.as_str().to_owned(),
    )
        .into_response())
}
