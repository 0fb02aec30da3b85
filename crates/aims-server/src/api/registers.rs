//! The register API: the same five endpoints for every register (`/api/v1/ai-systems`,
//! `/models`, `/datasets`, `/suppliers`), plus classification, CycloneDX and CSV imports.

use crate::api_router::ApiRouter;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::extract::{parse_json, JsonBody, PathParam};
use crate::AppState;
use aims_domain::classify::{Answers, ApplicationDate, Classification};
use aims_domain::register::{RegisterSpec, REGISTERS};
use aims_domain::Permission;
use aims_service::classification::{self, ClassificationView, ClassifyRequest, RerunRequest};
use aims_service::cyclonedx;
use aims_service::registers::{self, write, ListQuery, Lookups};
use aims_store::{InventoryImportReport, Record};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::Method;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use utoipa::OpenApi;

pub use aims_service::registers::MAX_UPLOAD_BYTES;

pub fn routes() -> ApiRouter {
    let mut r = ApiRouter::new();
    for spec in REGISTERS.iter().copied() {
        r = r
            .route(
                &format!("/api/v1/{}", spec.path),
                &[Method::GET, Method::POST],
                get(move |s, c, q| list(spec, s, c, q)).post(move |s, c, b| create(spec, s, c, b)),
            )
            .route(
                &format!("/api/v1/{}/export", spec.path),
                &[Method::GET],
                get(move |s, c, q| export(spec, s, c, q)),
            )
            .route(
                &format!("/api/v1/{}/{{id}}", spec.path),
                &[Method::GET, Method::PATCH, Method::DELETE],
                get(move |s, c, id| read(spec, s, c, id))
                    .patch(move |s, c, id, b| update(spec, s, c, id, b))
                    .delete(move |s, c, id| delete(spec, s, c, id)),
            );
    }
    r.route(
        "/api/v1/ai-systems/{id}/classification",
        &[Method::GET, Method::PUT],
        get(get_classification).put(put_classification),
    )
    .route(
        "/api/v1/ai-systems/{id}/classification/rerun",
        &[Method::POST],
        post(rerun_classification),
    )
    .route(
        "/api/v1/ai-systems/{id}/cyclonedx",
        &[Method::GET],
        get(export_bom),
    )
    .route(
        "/api/v1/imports/cyclonedx",
        &[Method::POST],
        post(import_bom).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
    )
    .route(
        "/api/v1/imports/csv",
        &[Method::POST],
        post(import_csv).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
    )
    .route(
        "/api/v1/classification/questions",
        &[Method::GET],
        get(questions),
    )
}

fn pairs(q: &Option<String>) -> Vec<(String, String)> {
    q.as_deref()
        .map(|s| form_urlencoded::parse(s.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

async fn list(
    spec: &'static RegisterSpec,
    State(s): State<AppState>,
    caller: ApiCaller,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Read)?;
    let q = ListQuery::parse(spec, &pairs(&q), 50, &s.cx)?;
    let (items, next_cursor) = registers::read::list(&s.cx, &caller.scope(), spec, &q).await?;
    Ok(Json(json!({"items": items, "next_cursor": next_cursor})))
}

async fn create(
    spec: &'static RegisterSpec,
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<(StatusCode, Json<Record>), Problem> {
    let rec = write::create_json(&s.cx, &caller.scope(), spec, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(registers::read::expand_created(&s.cx, caller.org_id, spec, rec).await?),
    ))
}

async fn read(
    spec: &'static RegisterSpec,
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Record>, Problem> {
    Ok(Json(
        registers::read::get(&s.cx, &caller.scope(), spec, id).await?,
    ))
}

async fn update(
    spec: &'static RegisterSpec,
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<Record>, Problem> {
    let rec = write::update_json(&s.cx, &caller.scope(), spec, id, &body).await?;
    Ok(Json(
        registers::read::expand(&s.cx, caller.org_id, spec, rec).await?,
    ))
}

async fn delete(
    spec: &'static RegisterSpec,
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<StatusCode, Problem> {
    write::delete(&s.cx, &caller.scope(), spec, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- classification

async fn get_classification(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<ClassificationView>, Problem> {
    Ok(Json(classification::get(&s.cx, &caller.scope(), id).await?))
}

async fn put_classification(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(req): JsonBody<ClassifyRequest>,
) -> Result<Json<ClassificationView>, Problem> {
    Ok(Json(
        classification::classify_system(&s.cx, &caller.scope(), id, req).await?,
    ))
}

async fn rerun_classification(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(req): JsonBody<RerunRequest>,
) -> Result<Json<ClassificationView>, Problem> {
    Ok(Json(
        classification::rerun(&s.cx, &caller.scope(), id, req).await?,
    ))
}

async fn questions(State(s): State<AppState>) -> Json<Value> {
    Json(classification::questions(&s.cx))
}
// ---------------------------------------------------------------- CycloneDX and CSV

async fn export_bom(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Response, Problem> {
    caller.require(Permission::Read)?;
    let bom = cyclonedx::export(&s.cx, &caller.scope(), id).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/vnd.cyclonedx+json; version=1.6",
        )],
        Json(bom),
    )
        .into_response())
}

#[derive(Deserialize)]
struct ImportParams {
    system_id: Option<i64>,
    register: Option<String>,
    dry_run: Option<bool>,
}

fn params<T: serde::de::DeserializeOwned>(q: &Option<String>) -> Result<T, Problem> {
    serde_urlencoded::from_str(q.as_deref().unwrap_or(""))
        .map_err(|e| Problem::bad_request(format!("query: {e}")))
}

async fn import_bom(
    State(s): State<AppState>,
    caller: ApiCaller,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Result<(StatusCode, Json<InventoryImportReport>), Problem> {
    caller.require(Permission::Write)?;
    let p: ImportParams = params(&q)?;
    let doc: Value = parse_json(&body).map_err(|_| {
        Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bom",
            "is not JSON: a CycloneDX BOM in JSON format is expected",
        )
    })?;
    let report = cyclonedx::import(&s.cx, &caller.scope(), &doc, p.system_id).await?;
    Ok((
        if report.created > 0 {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(report),
    ))
}

async fn import_csv(
    State(s): State<AppState>,
    caller: ApiCaller,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require(Permission::Write)?;
    let p: ImportParams = params(&q)?;
    let spec = p
        .register
        .as_deref()
        .and_then(registers::by_path)
        .ok_or_else(|| {
            Problem::field(
                StatusCode::BAD_REQUEST,
                "register",
                "must be one of ai-systems, models, datasets, suppliers",
            )
        })?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "file",
            "is not UTF-8 text",
        )
    })?;
    if p.dry_run.unwrap_or(false) {
        let lookups = Lookups::load(&s.cx.store, caller.org_id, spec).await?;
        let report = registers::read_csv(spec, text, &lookups)?;
        return Ok(Json(
            json!({"rows": report.total, "valid": report.rows.len(), "errors": report.errors}),
        )
        .into_response());
    }
    let recs = registers::write::import_csv(&s.cx, &caller.scope(), spec, text).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"created": recs.len(), "items": recs})),
    )
        .into_response())
}

async fn export(
    spec: &'static RegisterSpec,
    State(s): State<AppState>,
    caller: ApiCaller,
    RawQuery(q): RawQuery,
) -> Result<Response, Problem> {
    caller.require(Permission::Read)?;
    let mut pairs = pairs(&q);
    let format = pairs
        .iter()
        .position(|(k, _)| k == "format")
        .map(|i| pairs.remove(i).1)
        .unwrap_or_else(|| "csv".into());
    let lq = ListQuery::parse(spec, &pairs, 500, &s.cx)?;
    Ok(crate::download(
        registers::export(&s.cx, &caller.scope(), spec, &lq, &format).await?,
    ))
}

// ---------------------------------------------------------------- OpenAPI, generated from the specs

#[derive(OpenApi)]
#[openapi(components(schemas(
    ClassificationView,
    ClassifyRequest,
    RerunRequest,
    Answers,
    Classification,
    ApplicationDate,
    InventoryImportReport
)))]
pub struct RegisterDoc;

/// The register paths, built from the same specs the handlers serve (see `api_register_doc`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = RegisterDoc::openapi();
    doc.merge(crate::api::register_doc::document());
    doc
}
