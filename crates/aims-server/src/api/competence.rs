//! The API of competence (7.2): the overview of needs, proofs and gaps, and a task that closes
//! a gap. People, competences, records, trainings and AI literacy are registers.

use crate::api_router::ApiRouter;
use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::extract::JsonBody;
use crate::AppState;
use aims_service::competence::{
    self, CompetenceView, Need, PersonCompetence, RoleCompetence, SystemLiteracy,
};
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::routing::{get, post};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route("/api/v1/competence", &[Method::GET], get(competence_view))
        .route(
            "/api/v1/competence/gap-tasks",
            &[Method::POST],
            post(gap_task),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(competence_view, gap_task),
    components(schemas(
        CompetenceView,
        PersonCompetence,
        RoleCompetence,
        SystemLiteracy,
        Need,
        GapTaskIn
    ))
)]
pub struct CompetenceDoc;

/// Competences per person and per role: what each needs, what proves it, the gaps and what closes them.
#[utoipa::path(get, path = "/api/v1/competence", tag = "competence",
    responses((status = 200, body = CompetenceView), (status = 403, body = ProblemBody)))]
async fn competence_view(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<CompetenceView>, Problem> {
    Ok(Json(competence::view(&s.cx, &caller.scope()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GapTaskIn {
    pub person_id: i64,
    pub competence_id: i64,
}

/// Open a task that closes one person's competence gap.
#[utoipa::path(post, path = "/api/v1/competence/gap-tasks", tag = "competence", request_body = GapTaskIn,
    responses((status = 201, body = Object, description = "the task"), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn gap_task(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<GapTaskIn>,
) -> Result<(StatusCode, Json<Value>), Problem> {
    let task = competence::gap_task(&s.cx, &caller.scope(), b.person_id, b.competence_id).await?;
    Ok((StatusCode::CREATED, Json(Value::Object(task))))
}
