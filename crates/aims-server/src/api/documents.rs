//! The API of document versions (draft, review, approval, publication), their diff, and the
//! reviews of a document. The documents themselves are the `/api/v1/documents` register.

use crate::api_router::ApiRouter;
use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::extract::{JsonBody, PathParam, QueryParams};
use crate::AppState;
use aims_domain::document::Step;
use aims_service::document_templates::{self, Created, FromTemplate, TemplateInfo};
use aims_service::documents::{
    self, AudienceProgress, DiffLine, DraftEdit, NewDraft, NewReview, VersionDiff,
};
use aims_service::evidence::MAX_EVIDENCE_BYTES;
use aims_store::{
    Acknowledgement, Attachment, DocumentReview, DocumentVersion, PendingAcknowledgement,
    ScopeAgreement, ScopeDisagreement,
};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

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
        .route(
            "/api/v1/documents/{id}/versions/{number}/acknowledgement",
            &[Method::POST],
            post(acknowledge),
        )
        .route(
            "/api/v1/documents/{id}/acknowledgements",
            &[Method::GET],
            get(list_acknowledgements),
        )
        .route(
            "/api/v1/me/acknowledgements",
            &[Method::GET],
            get(waiting_for_me),
        )
        .route(
            "/api/v1/document-templates",
            &[Method::GET],
            get(list_templates),
        )
        .route(
            "/api/v1/documents/from-template",
            &[Method::POST],
            post(from_template),
        )
        .route("/api/v1/scope-check", &[Method::GET], get(scope_check))
        .route(
            "/api/v1/documents/{id}/attachments",
            &[Method::GET],
            get(list_attachments),
        )
        .route(
            "/api/v1/documents/{id}/versions/{number}/attachments",
            &[Method::POST],
            post(attach).layer(DefaultBodyLimit::max(MAX_EVIDENCE_BYTES)),
        )
        .route(
            "/api/v1/documents/{id}/attachments/{attachment_id}",
            &[Method::GET, Method::DELETE],
            get(download_attachment).delete(detach),
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
        create_review,
        acknowledge,
        list_acknowledgements,
        waiting_for_me,
        list_templates,
        from_template,
        scope_check,
        list_attachments,
        attach,
        download_attachment,
        detach
    ),
    components(schemas(
        DocumentVersion,
        DocumentReview,
        NewDraft,
        DraftEdit,
        NewReview,
        VersionDiff,
        DiffLine,
        Step,
        Acknowledgement,
        PendingAcknowledgement,
        AudienceProgress,
        Acknowledgements,
        TemplateInfo,
        FromTemplate,
        Created,
        ScopeAgreement,
        ScopeDisagreement,
        Attachment
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

/// A document's acknowledgement requests: completeness per version and audience, and each
/// person's state, kept for every version.
#[derive(Serialize, ToSchema)]
pub struct Acknowledgements {
    pub progress: Vec<AudienceProgress>,
    pub people: Vec<Acknowledgement>,
}

/// Acknowledge having read a version you were asked to read (7.3). Someone outside the
/// version's audience gets 403.
#[utoipa::path(post, path = "/api/v1/documents/{id}/versions/{number}/acknowledgement", tag = "documents",
    params(("id" = i64, Path), ("number" = String, Path, description = "the version, e.g. 2.0")),
    responses((status = 200, body = Acknowledgement), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
async fn acknowledge(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam((id, number)): PathParam<(i64, String)>,
) -> Result<Json<Acknowledgement>, Problem> {
    Ok(Json(
        documents::acknowledge(&s.cx, &caller.scope(), id, &number).await?,
    ))
}

/// Who was asked to acknowledge each version, and who did.
#[utoipa::path(get, path = "/api/v1/documents/{id}/acknowledgements", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, body = Acknowledgements), (status = 404, body = ProblemBody)))]
async fn list_acknowledgements(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Acknowledgements>, Problem> {
    let people = documents::acknowledgements(&s.cx, &caller.scope(), id).await?;
    Ok(Json(Acknowledgements {
        progress: documents::progress(&people),
        people,
    }))
}

/// The published versions waiting for your acknowledgement.
#[utoipa::path(get, path = "/api/v1/me/acknowledgements", tag = "documents",
    responses((status = 200, body = [PendingAcknowledgement])))]
async fn waiting_for_me(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<PendingAcknowledgement>>, Problem> {
    Ok(Json(
        documents::waiting_for_me(&s.cx, &caller.scope()).await?,
    ))
}

/// The template pack: starting documents for the mandatory documented information.
#[utoipa::path(get, path = "/api/v1/document-templates", tag = "documents",
    responses((status = 200, body = [TemplateInfo])))]
async fn list_templates(caller: ApiCaller) -> Result<Json<Vec<TemplateInfo>>, Problem> {
    caller.scope().require(aims_domain::Permission::Read)?;
    Ok(Json(document_templates::list()))
}

/// Create a document from a template: linked to its clauses, with draft 1.0 filled from the
/// records (systems in scope, risk criteria, roles, SoA version).
#[utoipa::path(post, path = "/api/v1/documents/from-template", tag = "documents", request_body = FromTemplate,
    responses((status = 201, body = Created), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn from_template(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(req): JsonBody<FromTemplate>,
) -> Result<(StatusCode, Json<Created>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(document_templates::create(&s.cx, &caller.scope(), req).await?),
    ))
}

/// The scope statement (the document addressing 4.3) and the AI systems on which it and the
/// inventory's in-scope flags disagree.
#[utoipa::path(get, path = "/api/v1/scope-check", tag = "documents",
    responses((status = 200, body = ScopeAgreement)))]
async fn scope_check(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<ScopeAgreement>, Problem> {
    Ok(Json(
        document_templates::scope_agreement(&s.cx, &caller.scope()).await?,
    ))
}

/// A document's attachments, newest version first.
#[utoipa::path(get, path = "/api/v1/documents/{id}/attachments", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, body = [Attachment]), (status = 404, body = ProblemBody)))]
async fn list_attachments(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Vec<Attachment>>, Problem> {
    Ok(Json(
        documents::attachments(&s.cx, &caller.scope(), id).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AttachParams {
    /// The file's name, as downloads will carry it.
    name: String,
}

/// Attach a file (the raw body) to a draft; stored by its SHA-256. Any other version is frozen (409).
#[utoipa::path(post, path = "/api/v1/documents/{id}/versions/{number}/attachments", tag = "documents",
    params(("id" = i64, Path), ("number" = String, Path, description = "the draft, e.g. 1.1"), AttachParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody), (status = 413, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn attach(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam((id, number)): PathParam<(i64, String)>,
    QueryParams(p): QueryParams<AttachParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Attachment>), Problem> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    Ok((
        StatusCode::CREATED,
        Json(documents::attach(&s.cx, &caller.scope(), id, &number, &p.name, &media, body).await?),
    ))
}

/// Download an attachment, checked against its SHA-256 first.
#[utoipa::path(get, path = "/api/v1/documents/{id}/attachments/{attachment_id}", tag = "documents",
    params(("id" = i64, Path), ("attachment_id" = i64, Path)),
    responses((status = 200, body = Vec<u8>, content_type = "application/octet-stream"), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody), (status = 410, body = ProblemBody)))]
async fn download_attachment(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam((id, attachment_id)): PathParam<(i64, i64)>,
) -> Result<Response, Problem> {
    let f = documents::attachment_file(&s.cx, &caller.scope(), id, attachment_id).await?;
    Ok(crate::download(f))
}

/// Remove an attachment from a draft.
#[utoipa::path(delete, path = "/api/v1/documents/{id}/attachments/{attachment_id}", tag = "documents",
    params(("id" = i64, Path), ("attachment_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
async fn detach(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam((id, attachment_id)): PathParam<(i64, i64)>,
) -> Result<StatusCode, Problem> {
    documents::detach(&s.cx, &caller.scope(), id, attachment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
