//! The API of leadership records beyond the registers: the RACI matrix, and the organization's
//! public concern-reporting link.

use crate::api_router::ApiRouter;
use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::AppState;
use aims_service::concerns;
use aims_service::roles::{self, ProcessRow, RaciMatrix, RoleColumn};
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::routing::get;
use axum::Json;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route("/api/v1/raci-matrix", &[Method::GET], get(raci_matrix))
        .route(
            "/api/v1/organization/concern-link",
            &[Method::GET, Method::POST, Method::DELETE],
            get(get_link).post(new_link).delete(remove_link),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(raci_matrix, get_link, new_link, remove_link),
    components(schemas(RaciMatrix, RoleColumn, ProcessRow, ConcernLink))
)]
pub struct LeadershipDoc;

/// AIMS processes by AIMS roles, with who holds each role.
#[utoipa::path(get, path = "/api/v1/raci-matrix", tag = "leadership",
    responses((status = 200, body = RaciMatrix)))]
async fn raci_matrix(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<RaciMatrix>, Problem> {
    Ok(Json(roles::raci_matrix(&s.cx, &caller.scope()).await?))
}

#[derive(Serialize, ToSchema)]
pub struct ConcernLink {
    /// The link's secret part; the form is at `/report/{token}`. Null when there is no link.
    pub token: Option<String>,
    /// The form's path on this server.
    pub path: Option<String>,
}

fn link(token: Option<String>) -> ConcernLink {
    ConcernLink {
        path: token.as_ref().map(|t| format!("/report/{t}")),
        token,
    }
}

/// The organization's public concern-reporting link.
#[utoipa::path(get, path = "/api/v1/organization/concern-link", tag = "leadership",
    responses((status = 200, body = ConcernLink)))]
async fn get_link(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<ConcernLink>, Problem> {
    Ok(Json(link(concerns::link(&s.cx, &caller.scope()).await?)))
}

/// Make a new reporting link (admins); the old one stops working.
#[utoipa::path(post, path = "/api/v1/organization/concern-link", tag = "leadership",
    responses((status = 201, body = ConcernLink), (status = 403, body = ProblemBody)))]
async fn new_link(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<(StatusCode, Json<ConcernLink>), Problem> {
    let t = concerns::new_link(&s.cx, &caller.scope()).await?;
    Ok((StatusCode::CREATED, Json(link(Some(t)))))
}

/// Remove the reporting link (admins).
#[utoipa::path(delete, path = "/api/v1/organization/concern-link", tag = "leadership",
    responses((status = 204), (status = 403, body = ProblemBody)))]
async fn remove_link(State(s): State<AppState>, caller: ApiCaller) -> Result<StatusCode, Problem> {
    concerns::remove_link(&s.cx, &caller.scope()).await?;
    Ok(StatusCode::NO_CONTENT)
}
