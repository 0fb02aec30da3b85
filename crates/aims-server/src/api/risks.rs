//! The API of risks, impact assessments, evidence files, the SoA, the life cycle gates and
//! traceability: parse, call one service operation, present.

use crate::api_router::ApiRouter;
use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::extract::{JsonBody, PathParam, QueryParams};
use crate::AppState;
use aims_service::evidence::{FileIn, MAX_EVIDENCE_BYTES};
use aims_service::impact::{EntriesBody, VersionBody};
use aims_service::risk::{AcceptBody, CriteriaBody};
use aims_service::settings::GatesBody;
use aims_service::soa::{ApproveBody, DecideBody, DecideManyBody, DecideManyOutcome, DecideRow};
use aims_service::{impact, risk, settings, soa, trace};
use aims_store::{Record, SoaEntry, SoaVersion};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::Method;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, patch, post, put};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use utoipa::{IntoParams, OpenApi};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(
            "/api/v1/risk-criteria",
            &[Method::GET, Method::PUT],
            get(get_criteria).put(put_criteria),
        )
        .route("/api/v1/risks/heatmap", &[Method::GET], get(heatmap))
        .route("/api/v1/risks/{id}/accept", &[Method::POST], post(accept))
        .route(
            "/api/v1/impact-assessments/{id}/entries",
            &[Method::PUT],
            put(put_entries),
        )
        .route(
            "/api/v1/impact-assessments/{id}/{step}",
            &[Method::POST],
            post(transition),
        )
        .route(
            "/api/v1/impact-assessments/{id}/entries/{index}/risk",
            &[Method::POST],
            post(raise_risk),
        )
        .route(
            "/api/v1/evidence/{id}/file",
            &[Method::PUT, Method::GET],
            put(upload)
                .get(download)
                .layer(DefaultBodyLimit::max(MAX_EVIDENCE_BYTES)),
        )
        .route(
            "/api/v1/soa",
            &[Method::GET, Method::PATCH],
            get(soa_view).patch(decide_many),
        )
        .route(
            "/api/v1/soa/versions/compare",
            &[Method::GET],
            get(soa_compare),
        )
        .route("/api/v1/soa/approve", &[Method::POST], post(approve_soa))
        .route("/api/v1/soa/versions", &[Method::GET], get(soa_versions))
        .route("/api/v1/soa/export", &[Method::GET], get(soa_export))
        .route("/api/v1/soa/{entry}", &[Method::PATCH], patch(decide))
        .route(
            "/api/v1/settings/lifecycle-gates",
            &[Method::GET, Method::PUT],
            get(get_gates).put(put_gates),
        )
        .route(
            "/api/v1/ai-systems/{id}/trace",
            &[Method::GET],
            get(trace_system),
        )
        .route(
            "/api/v1/requirements/{id}/trace",
            &[Method::GET],
            get(trace_requirement),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        get_criteria,
        put_criteria,
        heatmap,
        accept,
        put_entries,
        transition,
        raise_risk,
        upload,
        download,
        soa_view,
        decide_many,
        soa_compare,
        approve_soa,
        soa_versions,
        soa_export,
        decide,
        get_gates,
        put_gates,
        trace_system,
        trace_requirement
    ),
    components(schemas(
        CriteriaBody,
        AcceptBody,
        EntriesBody,
        VersionBody,
        DecideBody,
        DecideManyBody,
        DecideManyOutcome,
        DecideRow,
        ApproveBody,
        GatesBody,
        SoaEntry,
        SoaVersion
    ))
)]
pub struct RiskDoc;

/// The risk criteria (likelihood and impact scales, bands, acceptance threshold) and their version.
#[utoipa::path(get, path = "/api/v1/risk-criteria", tag = "risks",
    responses((status = 200, body = Object, description = "`{criteria, version}`"), (status = 403, body = ProblemBody)))]
async fn get_criteria(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Value>, Problem> {
    let (c, v) = risk::get_criteria(&s.cx, &caller.scope()).await?;
    Ok(Json(json!({"criteria": c, "version": v})))
}

/// Replace the risk criteria (approvers).
#[utoipa::path(put, path = "/api/v1/risk-criteria", tag = "risks", request_body = CriteriaBody,
    responses((status = 200, body = Object, description = "`{criteria, version}`"), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody), (status = 403, body = ProblemBody)))]
async fn put_criteria(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<CriteriaBody>,
) -> Result<Json<Value>, Problem> {
    let (c, v) = risk::set_criteria(&s.cx, &caller.scope(), b).await?;
    Ok(Json(json!({"criteria": c, "version": v})))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct HeatParams {
    /// Count residual scores instead of inherent ones.
    residual: Option<bool>,
}

/// The heat map: risks counted per likelihood × impact cell, with the cell's score and level.
#[utoipa::path(get, path = "/api/v1/risks/heatmap", tag = "risks", params(HeatParams),
    responses((status = 200, body = Object, description = "`{residual, cells: [{likelihood, impact, count, score, level}]}`"), (status = 400, body = ProblemBody)))]
async fn heatmap(
    State(s): State<AppState>,
    caller: ApiCaller,
    QueryParams(p): QueryParams<HeatParams>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(
        risk::heatmap(&s.cx, &caller.scope(), p.residual.unwrap_or(false)).await?,
    ))
}

/// Accept a risk's remaining level (approvers; above the threshold with top management's acceptance).
#[utoipa::path(post, path = "/api/v1/risks/{id}/accept", tag = "risks", params(("id" = i64, Path)), request_body = AcceptBody,
    responses((status = 200, body = Object, description = "the risk"), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn accept(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<AcceptBody>,
) -> Result<Json<Record>, Problem> {
    Ok(Json(risk::accept(&s.cx, &caller.scope(), id, b).await?))
}

/// Replace the findings of an impact assessment.
#[utoipa::path(put, path = "/api/v1/impact-assessments/{id}/entries", tag = "impact assessments", params(("id" = i64, Path)), request_body = EntriesBody,
    responses((status = 200, body = Object, description = "the impact assessment"), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn put_entries(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<EntriesBody>,
) -> Result<Json<Record>, Problem> {
    Ok(Json(
        impact::set_entries(&s.cx, &caller.scope(), id, b).await?,
    ))
}

/// A workflow step of an impact assessment: `submit`, `approve` (approvers) or `reopen`.
#[utoipa::path(post, path = "/api/v1/impact-assessments/{id}/{step}", tag = "impact assessments",
    params(("id" = i64, Path), ("step" = String, Path, description = "submit, approve or reopen")), request_body = VersionBody,
    responses((status = 200, body = Object, description = "the impact assessment"), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
async fn transition(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam((id, step)): PathParam<(i64, String)>,
    JsonBody(b): JsonBody<VersionBody>,
) -> Result<Json<Record>, Problem> {
    Ok(Json(
        impact::transition(&s.cx, &caller.scope(), id, &step, b.version).await?,
    ))
}

/// Raise a risk from one finding of an impact assessment, linked to its AI system.
#[utoipa::path(post, path = "/api/v1/impact-assessments/{id}/entries/{index}/risk", tag = "impact assessments",
    params(("id" = i64, Path), ("index" = usize, Path, description = "the finding's index, from 0")),
    responses((status = 201, body = Object, description = "the new risk"), (status = 200, body = Object, description = "the risk this finding raised before: a finding raises one risk"), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn raise_risk(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam((id, index)): PathParam<(i64, usize)>,
) -> Result<(StatusCode, Json<Record>), Problem> {
    let (risk, created) = impact::raise_risk(&s.cx, &caller.scope(), id, index).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(
            aims_service::registers::read::expand(
                &s.cx,
                caller.org_id,
                &aims_domain::register::RISKS,
                risk,
            )
            .await?,
        ),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UploadParams {
    /// The file's name, as downloads will carry it.
    name: Option<String>,
    /// The evidence record's version, as read.
    version: i64,
}

/// Upload the file of an evidence record (the raw body; its SHA-256 is recorded).
#[utoipa::path(put, path = "/api/v1/evidence/{id}/file", tag = "evidence", params(("id" = i64, Path), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = Object, description = "the evidence record"), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody), (status = 413, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn upload(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    QueryParams(p): QueryParams<UploadParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Record>, Problem> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let file = FileIn {
        version: p.version,
        name: p.name.unwrap_or_else(|| "evidence".into()),
        media_type,
        bytes: body,
    };
    Ok(Json(
        aims_service::evidence::store_file(&s.cx, &caller.scope(), id, file).await?,
    ))
}

/// Download the file of an evidence record, checked against its SHA-256 first.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/file", tag = "evidence", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<u8>, content_type = "application/octet-stream"), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody), (status = 410, body = ProblemBody)))]
async fn download(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Response, Problem> {
    let file = aims_service::evidence::load_file(&s.cx, &caller.scope(), id).await?;
    Ok(crate::download(file))
}

/// The Statement of Applicability: every Annex A entry, what implements it, and what is missing.
#[utoipa::path(get, path = "/api/v1/soa", tag = "soa",
    responses((status = 200, body = Object, description = "`{items, decided, total, complete, problems, problems_total}`")))]
async fn soa_view(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Arc<Value>>, Problem> {
    Ok(Json(soa::view(&s.cx, &caller.scope()).await?))
}

/// Decide one SoA entry (approvers).
#[utoipa::path(patch, path = "/api/v1/soa/{entry}", tag = "soa", params(("entry" = i64, Path)), request_body = DecideBody,
    responses((status = 200, body = SoaEntry), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn decide(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(entry): PathParam<i64>,
    JsonBody(b): JsonBody<DecideBody>,
) -> Result<Json<SoaEntry>, Problem> {
    Ok(Json(soa::decide(&s.cx, &caller.scope(), entry, b).await?))
}

/// Approve the SoA as it stands (approvers): a new numbered version. The approver must not be
/// the last person who changed an entry; open completeness problems need an `override_reason`.
#[utoipa::path(post, path = "/api/v1/soa/approve", tag = "soa", request_body = ApproveBody,
    responses((status = 201, body = SoaVersion), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn approve_soa(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<ApproveBody>,
) -> Result<(StatusCode, Json<SoaVersion>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(soa::approve(&s.cx, &caller.scope(), &b).await?),
    ))
}

/// Save many SoA decisions at once (approvers): only entries that differ from what is stored are
/// written; a problem is named by its control, an entry changed since it was read answers 409,
/// and nothing is written unless every entry passes.
#[utoipa::path(patch, path = "/api/v1/soa", tag = "soa", request_body = DecideManyBody,
    responses((status = 200, body = DecideManyOutcome), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn decide_many(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<DecideManyBody>,
) -> Result<Json<DecideManyOutcome>, Problem> {
    Ok(Json(
        soa::decide_many(&s.cx, &caller.scope(), &b.entries).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CompareParams {
    /// The earlier version's number.
    a: i64,
    /// The later version's number.
    b: i64,
}

/// Two approved SoA versions side by side, entry by entry, with what changed.
#[utoipa::path(get, path = "/api/v1/soa/versions/compare", tag = "soa", params(CompareParams),
    responses((status = 200, body = Object, description = "`{a, b, changed, rows: [{reference, title, a, b, changed}]}`"), (status = 400, body = ProblemBody), (status = 404, body = ProblemBody)))]
async fn soa_compare(
    State(s): State<AppState>,
    caller: ApiCaller,
    QueryParams(p): QueryParams<CompareParams>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(soa::compare(&s.cx, &caller.scope(), p.a, p.b).await?))
}

/// The approved SoA versions, each with its snapshot.
#[utoipa::path(get, path = "/api/v1/soa/versions", tag = "soa",
    responses((status = 200, body = Object, description = "`{items: [version with entries]}`")))]
async fn soa_versions(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Value>, Problem> {
    Ok(Json(soa::versions(&s.cx, &caller.scope()).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FormatParams {
    /// `xlsx` (default) or `csv`.
    format: Option<String>,
}

/// The SoA as a file.
#[utoipa::path(get, path = "/api/v1/soa/export", tag = "soa", params(FormatParams),
    responses((status = 200, body = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 400, body = ProblemBody)))]
async fn soa_export(
    State(s): State<AppState>,
    caller: ApiCaller,
    QueryParams(p): QueryParams<FormatParams>,
) -> Result<Response, Problem> {
    let file = soa::export(
        &s.cx,
        &caller.scope(),
        p.format.as_deref().unwrap_or("xlsx"),
    )
    .await?;
    Ok(crate::download(file))
}

/// Whether the life cycle gates are on.
#[utoipa::path(get, path = "/api/v1/settings/lifecycle-gates", tag = "settings",
    responses((status = 200, body = GatesBody)))]
async fn get_gates(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<GatesBody>, Problem> {
    Ok(Json(settings::gates(&s.cx, &caller.scope()).await?))
}

/// Turn the life cycle gates on or off (administrators).
#[utoipa::path(put, path = "/api/v1/settings/lifecycle-gates", tag = "settings", request_body = GatesBody,
    responses((status = 200, body = GatesBody), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody)))]
async fn put_gates(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<GatesBody>,
) -> Result<Json<GatesBody>, Problem> {
    Ok(Json(settings::set_gates(&s.cx, &caller.scope(), b).await?))
}

/// From an AI system to its risks, impact assessments, controls, requirements and evidence.
#[utoipa::path(get, path = "/api/v1/ai-systems/{id}/trace", tag = "traceability", params(("id" = i64, Path)),
    responses((status = 200, body = Object, description = "`{system, risks, impact_assessments, controls, requirements, evidence, incidents, nonconformities}`"), (status = 404, body = ProblemBody)))]
async fn trace_system(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(trace::system_trace(&s.cx, &caller.scope(), id).await?))
}

/// From a requirement back to the controls, risks and AI systems behind it.
#[utoipa::path(get, path = "/api/v1/requirements/{id}/trace", tag = "traceability", params(("id" = i64, Path)),
    responses((status = 200, body = Object, description = "`{requirement, via_mappings, controls, risks, systems, evidence}`"), (status = 404, body = ProblemBody)))]
async fn trace_requirement(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(
        trace::requirement_trace(&s.cx, &caller.scope(), id).await?,
    ))
}
