//! The register API: the same five endpoints for every register (`/api/v1/ai-systems`,
//! `/models`, `/datasets`, `/suppliers`), plus classification, CycloneDX and CSV imports.

use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::extract::{parse_json, JsonBody, PathParam};
use crate::AppState;
use aims_domain::classify::{Answers, Classification};
use aims_domain::register::{RegisterSpec, REGISTERS};
use aims_domain::Permission;
use aims_service::classification::{self, ClassificationView, ClassifyRequest};
use aims_service::cyclonedx;
use aims_service::registers::{self, write, ListQuery, Lookups};
use aims_store::{InventoryImportReport, Record};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::{ContentBuilder, PathsBuilder, RefOr, ResponseBuilder};
use utoipa::{OpenApi, ToSchema};

/// Uploads (BOMs, CSV files) may be larger than ordinary bodies.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for spec in REGISTERS.iter().copied() {
        r = r
            .route(
                &format!("/api/v1/{}", spec.path),
                get(move |s, c, q| list(spec, s, c, q)).post(move |s, c, b| create(spec, s, c, b)),
            )
            .route(
                &format!("/api/v1/{}/export", spec.path),
                get(move |s, c, q| export(spec, s, c, q)),
            )
            .route(
                &format!("/api/v1/{}/{{id}}", spec.path),
                get(move |s, c, id| read(spec, s, c, id))
                    .patch(move |s, c, id, b| update(spec, s, c, id, b))
                    .delete(move |s, c, id| delete(spec, s, c, id)),
            );
    }
    r.route(
        "/api/v1/ai-systems/{id}/classification",
        get(get_classification).put(put_classification),
    )
    .route("/api/v1/ai-systems/{id}/cyclonedx", get(export_bom))
    .route(
        "/api/v1/imports/cyclonedx",
        post(import_bom).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
    )
    .route(
        "/api/v1/imports/csv",
        post(import_csv).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
    )
    .route("/api/v1/classification/questions", get(questions))
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
    let q = ListQuery::parse(spec, &pairs(&q), 50)?;
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

async fn questions() -> Json<Value> {
    Json(classification::questions())
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
    let recs = registers::import_csv(&s.cx, &caller.scope(), spec, text).await?;
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
    let lq = ListQuery::parse(spec, &pairs, 500)?;
    Ok(crate::download(
        registers::export(&s.cx, &caller.scope(), spec, &lq, &format).await?,
    ))
}

// ---------------------------------------------------------------- OpenAPI, generated from the specs

#[derive(OpenApi)]
#[openapi(components(schemas(
    ClassificationView,
    ClassifyRequest,
    Answers,
    Classification,
    InventoryImportReport
)))]
pub struct RegisterDoc;

/// Paths of every register, built from the same specs the handlers serve.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = RegisterDoc::openapi();
    let mut paths = PathsBuilder::new();
    let problem = || {
        RefOr::T(
            ResponseBuilder::new()
                .description("problem")
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                            ProblemBody::name(),
                        ))))
                        .build(),
                )
                .build(),
        )
    };
    for spec in REGISTERS {
        let mut list = OperationBuilder::new()
            .summary(Some(format!(
                "List {} (cursor pagination, filters, sort)",
                spec.plural.to_lowercase()
            )))
            .tag(spec.plural);
        for p in ["limit", "cursor", "q", "sort"] {
            list = list.parameter(
                ParameterBuilder::new()
                    .name(p)
                    .parameter_in(ParameterIn::Query)
                    .build(),
            );
        }
        for f in spec.fields.iter().filter(|f| f.filter) {
            list = list.parameter(
                ParameterBuilder::new()
                    .name(f.name)
                    .parameter_in(ParameterIn::Query)
                    .description(Some(f.label))
                    .build(),
            );
        }
        let list = list
            .response(
                "200",
                ResponseBuilder::new()
                    .description("a page of records")
                    .build(),
            )
            .response("400", problem())
            .build();
        let create = OperationBuilder::new()
            .summary(Some(format!(
                "Create a {}; fields: {}",
                spec.singular,
                spec.fields
                    .iter()
                    .filter(|f| !f.computed)
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
            .tag(spec.plural)
            .response("201", ResponseBuilder::new().description("created").build())
            .response("422", problem())
            .build();
        let mut item = PathItem::new(HttpMethod::Get, list);
        item.post = Some(create);
        paths = paths.path(format!("/api/v1/{}", spec.path), item);
        let id_param = || {
            ParameterBuilder::new()
                .name("id")
                .parameter_in(ParameterIn::Path)
                .required(utoipa::openapi::Required::True)
                .build()
        };
        let one = |summary: String, ok: &str| {
            OperationBuilder::new()
                .summary(Some(summary))
                .tag(spec.plural)
                .parameter(id_param())
                .response(ok, ResponseBuilder::new().description("ok").build())
                .response("404", problem())
                .build()
        };
        let mut item = PathItem::new(
            HttpMethod::Get,
            one(format!("Read a {} with its links", spec.singular), "200"),
        );
        item.patch = Some(one(
            format!(
                "Update a {} (send `version`; a stale one answers 409)",
                spec.singular
            ),
            "200",
        ));
        item.delete = Some(one(format!("Delete a {}", spec.singular), "204"));
        paths = paths.path(format!("/api/v1/{}/{{id}}", spec.path), item);
        let export = OperationBuilder::new()
            .summary(Some(format!(
                "Export {} as CSV or XLSX (format=csv|xlsx, same filters as the list)",
                spec.plural.to_lowercase()
            )))
            .tag(spec.plural)
            .response("200", ResponseBuilder::new().description("file").build())
            .build();
        paths = paths.path(
            format!("/api/v1/{}/export", spec.path),
            PathItem::new(HttpMethod::Get, export),
        );
    }
    let simple = |summary: &str| {
        OperationBuilder::new()
            .summary(Some(summary.to_string()))
            .tag("Inventory")
            .response("200", ResponseBuilder::new().description("ok").build())
            .build()
    };
    let mut c = PathItem::new(
        HttpMethod::Get,
        simple("The AI system's EU AI Act classification"),
    );
    c.put = Some(simple(
        "Answer the classification questionnaire (ClassifyRequest)",
    ));
    paths = paths.path("/api/v1/ai-systems/{id}/classification", c);
    paths = paths.path(
        "/api/v1/ai-systems/{id}/cyclonedx",
        PathItem::new(
            HttpMethod::Get,
            simple("The AI system as a CycloneDX 1.6 ML-BOM"),
        ),
    );
    paths = paths.path(
        "/api/v1/imports/cyclonedx",
        PathItem::new(
            HttpMethod::Post,
            simple(
                "Import a CycloneDX 1.5-1.7 BOM (JSON) into the inventory; ?system_id= links it",
            ),
        ),
    );
    paths = paths.path("/api/v1/imports/csv", PathItem::new(HttpMethod::Post, simple("Import a CSV file into a register (?register=ai-systems&dry_run=true for a preview)")));
    doc.paths = paths.build();
    doc
}
