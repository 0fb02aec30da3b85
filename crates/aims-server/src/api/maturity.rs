//! The API of the maturity self-assessment, the roadmap and its plan, and the dashboard.

use crate::api_router::ApiRouter;
use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::extract::JsonBody;
use crate::AppState;
use aims_service::maturity::{self, MaturityView, NewAssessment, PlanBody};
use aims_store::MaturityAssessment;
use axum::extract::State;
use axum::http::Method;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;
use utoipa::OpenApi;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route("/api/v1/maturity-questions", &[Method::GET], get(questions))
        .route(
            "/api/v1/maturity-assessments",
            &[Method::GET, Method::POST],
            get(list).post(create),
        )
        .route(
            "/api/v1/maturity-assessments/latest.xlsx",
            &[Method::GET],
            get(xlsx_latest),
        )
        .route("/api/v1/roadmap", &[Method::GET], get(view))
        .route(
            "/api/v1/roadmap/plan",
            &[Method::GET, Method::PUT],
            get(get_plan).put(put_plan),
        )
        .route("/api/v1/dashboard", &[Method::GET], get(dashboard))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        questions,
        list,
        create,
        xlsx_latest,
        view,
        get_plan,
        put_plan,
        dashboard
    ),
    components(schemas(NewAssessment, PlanBody, MaturityAssessment))
)]
pub struct MaturityDoc;

/// The questionnaire: 8 domains, 42 questions with their five levels, and the scoring rule.
#[utoipa::path(get, path = "/api/v1/maturity-questions", tag = "maturity",
    responses((status = 200, body = Object, description = "`{scoring_rule, domains, questions}`")))]
async fn questions() -> Json<Value> {
    Json(maturity::questions())
}

/// Record a self-assessment.
#[utoipa::path(post, path = "/api/v1/maturity-assessments", tag = "maturity", request_body = NewAssessment,
    responses((status = 201, body = MaturityAssessment), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn create(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(a): JsonBody<NewAssessment>,
) -> Result<(StatusCode, Json<MaturityAssessment>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(maturity::save_assessment(&s.cx, &caller.scope(), a).await?),
    ))
}

/// Every self-assessment, newest first, with its scores.
#[utoipa::path(get, path = "/api/v1/maturity-assessments", tag = "maturity",
    responses((status = 200, body = Object, description = "`{items: [{number, assessed_on, answered_by, overall, domains, answers}]}`")))]
async fn list(State(s): State<AppState>, caller: ApiCaller) -> Result<Json<Value>, Problem> {
    Ok(Json(maturity::assessments(&s.cx, &caller.scope()).await?))
}

/// The latest assessment as a workbook (answers, scores, gaps).
#[utoipa::path(get, path = "/api/v1/maturity-assessments/latest.xlsx", tag = "maturity",
    responses((status = 200, body = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
async fn xlsx_latest(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<axum::response::Response, Problem> {
    Ok(crate::download(
        maturity::assessment_xlsx(&s.cx, &caller.scope()).await?,
    ))
}

/// The roadmap: scores, records-based levels, gaps, phases and budget.
#[utoipa::path(get, path = "/api/v1/roadmap", tag = "maturity",
    responses((status = 200, body = Object, description = "the maturity view")))]
async fn view(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Arc<MaturityView>>, Problem> {
    Ok(Json(maturity::view(&s.cx, &caller.scope()).await?))
}

/// The plan behind the roadmap (target date, budget inputs) and its version.
#[utoipa::path(get, path = "/api/v1/roadmap/plan", tag = "maturity",
    responses((status = 200, body = Object, description = "`{plan, version}`")))]
async fn get_plan(State(s): State<AppState>, caller: ApiCaller) -> Result<Json<Value>, Problem> {
    let (p, v) = maturity::get_plan(&s.cx, &caller.scope()).await?;
    Ok(Json(json!({"plan": p, "version": v})))
}

/// Replace the plan (approvers).
#[utoipa::path(put, path = "/api/v1/roadmap/plan", tag = "maturity", request_body = PlanBody,
    responses((status = 200, body = Object, description = "`{plan, version}`"), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn put_plan(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<PlanBody>,
) -> Result<Json<Value>, Problem> {
    let v = maturity::save_plan(&s.cx, &caller.scope(), &b.plan, b.version).await?;
    Ok(Json(json!({"plan": b.plan, "version": v})))
}

/// The dashboard's numbers.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "dashboard",
    responses((status = 200, body = Object, description = "`{maturity, overall, soa, overdue, evidence, next, timeline, target_date}`")))]
async fn dashboard(State(s): State<AppState>, caller: ApiCaller) -> Result<Json<Value>, Problem> {
    Ok(Json(maturity::dashboard(&s.cx, &caller.scope()).await?))
}
