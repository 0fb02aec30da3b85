//! The API of planned changes beyond their register (`/api/v1/changes`): the approval step.

use crate::api_router::ApiRouter;
use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::extract::{JsonBody, PathParam};
use crate::AppState;
use aims_service::changes::{self, ApproveIn};
use axum::extract::State;
use axum::http::Method;
use axum::routing::post;
use axum::Json;
use serde_json::Value;
use utoipa::OpenApi;

pub fn routes() -> ApiRouter {
    ApiRouter::new().route(
        "/api/v1/changes/{id}/approve",
        &[Method::POST],
        post(approve),
    )
}

#[derive(OpenApi)]
#[openapi(paths(approve), components(schemas(ApproveIn)))]
pub struct ChangesDoc;

/// Approve a proposed change (manager or admin). `warnings` lists the AI systems it touches
/// that are on an incident's hold (Art. 73(6)).
#[utoipa::path(post, path = "/api/v1/changes/{id}/approve", tag = "changes", params(("id" = i64, Path)), request_body = ApproveIn,
    responses((status = 200, body = Object, description = "the change, with `warnings`"), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
async fn approve(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<ApproveIn>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(Value::Object(
        changes::approve(&s.cx, &caller.scope(), id, b).await?,
    )))
}
