//! The API of document versions (draft, review, approval, publication), their diff, and the
//! reviews of a document. The documents themselves are the `/api/v1/documents` register.

use crate::api_router::ApiRouter;
use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::extract::{JsonBody, PathParam, QueryParams};
use crate::AppState;
use aims_domain::document::Step;
use aims_service::documents::{self, DiffLine, DraftEdit, NewDraft, NewReview, VersionDiff};
use aims_store::{DocumentReview, DocumentVersion};
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::routing::{get, post};
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(
            "/api/v1/documents/{id}/versions",
            &[Method::GET, Method::POST],
            get(list_versions).post(create_draft),
        )
        .route(
            "/api/v1/documents/{id}/versions/{number}",
            &[Method::GET, Method::PATCH],
            get(get_version).patch(edit_draft),
        )
        .route(
            "/api/v1/documents/{id}/versions/{number}/{step}",
            &[Method::POST],
            post(step),
        )
        .route("/api/v1/documents/{id}/diff", &[Method::GET], get(diff))
        .route(
            "/api/v1/documents/{id}/reviews",
            &[Method::GET, Method::POST],
            get(list_reviews).post(create_review),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_versions,
        create_draft,
        get_version,
        edit_draft,
        step,
        diff,
        list_reviews,
        create_review
    ),
    components(schemas(
        DocumentVersion,
        DocumentReview,
        NewDraft,
        DraftEdit,
        NewReview,
        VersionDiff,
        DiffLine,
        Step
    ))
)]
pub struct DocumentsDoc;

/// A document's versions, newest first.
#[utoipa::path(get, path = "/api/v1/documents/{id}/versions", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, body = [DocumentVersion]), (status = 404, body = ProblemBody)))]
async fn list_versions(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Vec<DocumentVersion>>, Problem> {
    Ok(Json(documents::versions(&s.cx, &caller.scope(), id).await?))
}

/// Start the next draft (1.0 first; a minor or a major change after). One version is open at a time.
#[utoipa::path(post, path = "/api/v1/documents/{id}/versions", tag = "documents", params(("id" = i64, Path)), request_body = NewDraft,
    responses((status = 201, body = DocumentVersion), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "another version is still open"), (status = 422, body = ProblemBody)))]
async fn create_draft(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(req): JsonBody<NewDraft>,
) -> Result<(StatusCode, Json<DocumentVersion>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(documents::new_draft(&s.cx, &caller.scope(), id, req).await?),
    ))
}

/// One version, with its content (Markdown).
#[utoipa::path(get, path = "/api/v1/documents/{id}/versions/{number}", tag = "documents",
    params(("id" = i64, Path), ("number" = String, Path, description = "the version, e.g. 1.0")),
    responses((status = 200, body = DocumentVersion), (status = 400, body = ProblemBody), (status = 404, body = ProblemBody)))]
async fn get_version(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam((id, number)): PathParam<(i64, String)>,
) -> Result<Json<DocumentVersion>, Problem> {
    Ok(Json(
        documents::version(&s.cx, &caller.scope(), id, &number).await?,
    ))
}

/// Change a draft. Any other version is frozen.
#[utoipa::path(patch, path = "/api/v1/documents/{id}/versions/{number}", tag = "documents",
    params(("id" = i64, Path), ("number" = String, Path, description = "the version, e.g. 1.0")), request_body = DraftEdit,
    responses((status = 200, body = DocumentVersion), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "not a draft, or a stale revision"), (status = 422, body = ProblemBody)))]
async fn edit_draft(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam((id, number)): PathParam<(i64, String)>,
    JsonBody(req): JsonBody<DraftEdit>,
) -> Result<Json<DocumentVersion>, Problem> {
    Ok(Json(
        documents::edit_draft(&s.cx, &caller.scope(), id, &number, req).await?,
    ))
}

/// Move a version one step: `submit`, `return`, `approve` (not by its author; needs the
/// approval right), `publish` (supersedes the published version), `withdraw`.
#[utoipa::path(post, path = "/api/v1/documents/{id}/versions/{number}/{step}", tag = "documents",
    params(("id" = i64, Path), ("number" = String, Path, description = "the version, e.g. 1.0"),
           ("step" = String, Path, description = "submit, return, approve, publish or withdraw")),
    responses((status = 200, body = DocumentVersion), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
              (status = 404, body = ProblemBody), (status = 409, body = ProblemBody, description = "the version's status does not allow the step")))]
async fn step(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam((id, number, step)): PathParam<(i64, String, String)>,
) -> Result<Json<DocumentVersion>, Problem> {
    let step = Step::parse(&step).ok_or_else(|| {
        Problem::field(
            StatusCode::BAD_REQUEST,
            "step",
            "must be submit, return, approve, publish or withdraw",
        )
    })?;
    Ok(Json(
        documents::step(&s.cx, &caller.scope(), id, &number, step).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DiffParams {
    /// The older version, e.g. 1.0.
    from: String,
    /// The newer version, e.g. 1.1.
    to: String,
}

/// The line differences between two versions.
#[utoipa::path(get, path = "/api/v1/documents/{id}/diff", tag = "documents", params(("id" = i64, Path), DiffParams),
    responses((status = 200, body = VersionDiff), (status = 400, body = ProblemBody), (status = 404, body = ProblemBody)))]
async fn diff(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    QueryParams(q): QueryParams<DiffParams>,
) -> Result<Json<VersionDiff>, Problem> {
    Ok(Json(
        documents::diff(&s.cx, &caller.scope(), id, &q.from, &q.to).await?,
    ))
}

/// A document's reviews, newest first.
#[utoipa::path(get, path = "/api/v1/documents/{id}/reviews", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, body = [DocumentReview]), (status = 404, body = ProblemBody)))]
async fn list_reviews(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Vec<DocumentReview>>, Problem> {
    Ok(Json(documents::reviews(&s.cx, &caller.scope(), id).await?))
}

/// Record a review; the next review falls one review interval after it.
#[utoipa::path(post, path = "/api/v1/documents/{id}/reviews", tag = "documents", params(("id" = i64, Path)), request_body = NewReview,
    responses((status = 201, body = DocumentReview), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn create_review(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(req): JsonBody<NewReview>,
) -> Result<(StatusCode, Json<DocumentReview>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(documents::record_review(&s.cx, &caller.scope(), id, req).await?),
    ))
}
