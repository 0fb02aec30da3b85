//! The API of incidents beyond their register (`/api/v1/incidents`): the serious-incident test,
//! the append-only timeline, the reporting deadline, a nonconformity raised from an incident,
//! the open deadlines, and a concern promoted to an incident.

use crate::api_router::ApiRouter;
use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::extract::{JsonBody, PathParam};
use crate::AppState;
use aims_service::incidents::{self, DeadlineView, EventIn, OpenDeadlineView, TestIn};
use aims_store::IncidentEvent;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::routing::{get, post, put};
use axum::Json;
use serde_json::Value;
use utoipa::OpenApi;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(
            "/api/v1/incidents/{id}/serious-test",
            &[Method::PUT],
            put(answer_test),
        )
        .route(
            "/api/v1/incidents/{id}/timeline",
            &[Method::GET, Method::POST],
            get(timeline).post(add_event),
        )
        .route(
            "/api/v1/incidents/{id}/deadline",
            &[Method::GET],
            get(deadline),
        )
        .route(
            "/api/v1/incidents/{id}/nonconformity",
            &[Method::POST],
            post(raise_nonconformity),
        )
        .route(
            "/api/v1/incident-deadlines",
            &[Method::GET],
            get(open_deadlines),
        )
        .route(
            "/api/v1/concerns/{id}/incident",
            &[Method::POST],
            post(promote),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        answer_test,
        timeline,
        add_event,
        deadline,
        raise_nonconformity,
        open_deadlines,
        promote
    ),
    components(schemas(TestIn, EventIn, IncidentEvent, DeadlineView, OpenDeadlineView))
)]
pub struct IncidentsDoc;

/// Answer the serious-incident test (Art. 3(49), 3(61)) with our reporting role and any sector
/// regime (Art. 73(9), 73(10)); who answered and when are kept.
#[utoipa::path(put, path = "/api/v1/incidents/{id}/serious-test", tag = "incidents", params(("id" = i64, Path)), request_body = TestIn,
    responses((status = 200, body = Object, description = "the incident"), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn answer_test(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(t): JsonBody<TestIn>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(Value::Object(
        incidents::answer_test(&s.cx, &caller.scope(), id, t).await?,
    )))
}

/// An incident's timeline, in the order of the moments it records.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/timeline", tag = "incidents", params(("id" = i64, Path)),
    responses((status = 200, body = [IncidentEvent]), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
async fn timeline(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Vec<IncidentEvent>>, Problem> {
    Ok(Json(incidents::timeline(&s.cx, &caller.scope(), id).await?))
}

/// Append a timeline entry (append-only: a correction is a newer entry of the same kind).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/timeline", tag = "incidents", params(("id" = i64, Path)), request_body = EventIn,
    responses((status = 201, body = IncidentEvent), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn add_event(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(e): JsonBody<EventIn>,
) -> Result<(StatusCode, Json<IncidentEvent>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(incidents::add_event(&s.cx, &caller.scope(), id, e).await?),
    ))
}

/// The reporting duty now (Art. 73, 26(5)): who reports, by when, how long is left. A notifiable
/// incident without an awareness time answers 422 on `became_aware`.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/deadline", tag = "incidents", params(("id" = i64, Path)),
    responses((status = 200, body = DeadlineView), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn deadline(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<DeadlineView>, Problem> {
    Ok(Json(incidents::deadline(&s.cx, &caller.scope(), id).await?))
}

/// Raise a nonconformity from the incident (a task until the nonconformity register exists).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/nonconformity", tag = "incidents", params(("id" = i64, Path)),
    responses((status = 201, body = Object, description = "the task"), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
async fn raise_nonconformity(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<(StatusCode, Json<Value>), Problem> {
    let task = incidents::raise_nonconformity(&s.cx, &caller.scope(), id).await?;
    Ok((StatusCode::CREATED, Json(Value::Object(task))))
}

/// Incidents whose report is ours and still to send, soonest due first.
#[utoipa::path(get, path = "/api/v1/incident-deadlines", tag = "incidents",
    responses((status = 200, body = [OpenDeadlineView]), (status = 403, body = ProblemBody)))]
async fn open_deadlines(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<OpenDeadlineView>>, Problem> {
    Ok(Json(
        incidents::open_deadlines(&s.cx, &caller.scope(), 100).await?,
    ))
}

/// Promote a concern (A.3.3) to an incident.
#[utoipa::path(post, path = "/api/v1/concerns/{id}/incident", tag = "incidents", params(("id" = i64, Path)),
    responses((status = 201, body = Object, description = "the incident"), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
async fn promote(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<(StatusCode, Json<Value>), Problem> {
    let inc = incidents::promote_concern(&s.cx, &caller.scope(), id).await?;
    Ok((StatusCode::CREATED, Json(Value::Object(inc))))
}
