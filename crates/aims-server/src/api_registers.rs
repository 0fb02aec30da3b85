//! The register API: the same five endpoints for every register (`/api/v1/ai-systems`,
//! `/models`, `/datasets`, `/suppliers`), plus classification, CycloneDX and CSV imports.

use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::extract::{parse_json, JsonBody, PathParam};
use crate::registers::{self, ListQuery, Lookups};
use crate::{cyclonedx, AppState};
use aims_domain::classify::{classify, Answers, Classification};
use aims_domain::register::{check_input, RegisterSpec, AI_SYSTEMS, REGISTERS};
use aims_domain::Permission;
use aims_store::{InventoryImportReport, Record, Store};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
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

/// A record with its links expanded to `{id, reference, name}` and what refers to it.
pub(crate) async fn expand(
    store: &Store,
    org_id: i64,
    spec: &'static RegisterSpec,
    rec: Record,
) -> Result<Record, Problem> {
    expand_with(store, org_id, spec, rec, true).await
}

/// `expand` for a record this request created: nothing can refer to it yet.
async fn expand_created(
    store: &Store,
    org_id: i64,
    spec: &'static RegisterSpec,
    rec: Record,
) -> Result<Record, Problem> {
    expand_with(store, org_id, spec, rec, false).await
}

async fn expand_with(
    store: &Store,
    org_id: i64,
    spec: &'static RegisterSpec,
    mut rec: Record,
    referrers: bool,
) -> Result<Record, Problem> {
    let id = rec.get("id").and_then(|v| v.as_i64()).unwrap_or(0);
    // A record just created with no links has nothing to look up.
    let unlinked = !referrers
        && spec.links.iter().all(|l| {
            rec.get(l.field)
                .and_then(|v| v.as_array())
                .is_none_or(|a| a.is_empty())
        });
    let (links, referring) = if unlinked {
        (vec![], vec![])
    } else if referrers {
        store.register_neighbours(org_id, spec, id).await?
    } else {
        (store.register_links(spec, id).await?, vec![])
    };
    for (field, linked) in links {
        let other = spec
            .link(&field)
            .and_then(|l| REGISTERS.iter().find(|r| r.table == l.other))
            .copied();
        let items: Vec<Value> = linked
            .iter()
            .map(|l| json!({"id": l.id, "reference": other.map(|o| o.reference(l.number)).unwrap_or_default(), "name": l.name}))
            .collect();
        rec.insert(field, Value::Array(items));
    }
    let mut by = Map::new();
    for (table, linked) in referring {
        let other = REGISTERS.iter().find(|r| r.table == table).copied();
        let items: Vec<Value> = linked
            .iter()
            .map(|l| json!({"id": l.id, "reference": other.map(|o| o.reference(l.number)).unwrap_or_default(), "name": l.name}))
            .collect();
        if !items.is_empty() {
            by.insert(table, Value::Array(items));
        }
    }
    rec.insert("referenced_by".into(), Value::Object(by));
    // Flags derived at read time.
    if spec.table == "evidence" {
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let expired = rec
            .get("valid_until")
            .and_then(|v| v.as_str())
            .is_some_and(|d| d < today.as_str());
        rec.insert("expired".into(), expired.into());
    }
    if spec.table == "impact_assessments" {
        let reasons = crate::api_risk::reassessment_reasons(store, org_id, &rec).await?;
        rec.insert("reassessment_due".into(), reasons.into());
    }
    Ok(rec)
}

async fn list(
    spec: &'static RegisterSpec,
    State(s): State<AppState>,
    caller: ApiCaller,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Read)?;
    let q = ListQuery::parse(spec, &pairs(&q), 50)?;
    let (items, next_cursor) = registers::list_page(&s.store, caller.org_id, spec, &q).await?;
    Ok(Json(json!({"items": items, "next_cursor": next_cursor})))
}

async fn create(
    spec: &'static RegisterSpec,
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<(StatusCode, Json<Record>), Problem> {
    caller.require(Permission::Write)?;
    if body.contains_key("version") {
        return Err(Problem::invalid(aims_domain::Invalid::field(
            "version",
            "is set by the server on create",
        )));
    }
    let input = check_input(spec, &body, false).map_err(Problem::invalid)?;
    crate::api_risk::before_write(&s.store, caller.org_id, spec, None, &input).await?;
    let rec = s
        .store
        .register_create(
            &caller.actor(),
            caller.org_id,
            spec,
            &input,
            chrono::Utc::now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(expand_created(&s.store, caller.org_id, spec, rec).await?),
    ))
}

async fn read(
    spec: &'static RegisterSpec,
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Record>, Problem> {
    caller.require(Permission::Read)?;
    let rec = s
        .store
        .register_get(caller.org_id, spec, id)
        .await?
        .ok_or_else(|| Problem::not_found(spec.singular))?;
    Ok(Json(expand(&s.store, caller.org_id, spec, rec).await?))
}

async fn update(
    spec: &'static RegisterSpec,
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<Record>, Problem> {
    caller.require(Permission::Write)?;
    let version = body
        .get("version")
        .and_then(|v| v.as_i64())
        .ok_or_else(|| {
            Problem::invalid(aims_domain::Invalid::field(
                "version",
                "is required: send the version you read",
            ))
        })?;
    let input = check_input(spec, &body, true).map_err(Problem::invalid)?;
    crate::api_risk::before_write(&s.store, caller.org_id, spec, Some(id), &input).await?;
    let rec = s
        .store
        .register_update(
            &caller.actor(),
            caller.org_id,
            spec,
            id,
            version,
            &input,
            chrono::Utc::now(),
        )
        .await?;
    Ok(Json(expand(&s.store, caller.org_id, spec, rec).await?))
}

async fn delete(
    spec: &'static RegisterSpec,
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<StatusCode, Problem> {
    caller.require(Permission::Write)?;
    s.store
        .register_delete(&caller.actor(), caller.org_id, spec, id, chrono::Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- classification

#[derive(Serialize, ToSchema)]
pub struct ClassificationView {
    pub answers: Answers,
    pub result: Classification,
    /// Catalog requirement ids of the obligations' articles, by article ref.
    #[schema(value_type = Object)]
    pub articles: Map<String, Value>,
    pub version: i64,
}

/// Classifies with the system's current EU AI Act roles and links obligations to the catalog.
pub async fn classification_view(
    store: &Store,
    rec: &Record,
    answers: Answers,
) -> Result<ClassificationView, Problem> {
    let roles: Vec<&str> = rec
        .get("roles")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|r| r.as_str()).collect())
        .unwrap_or_default();
    let result = classify(&answers, &roles);
    let mut articles = Map::new();
    if let Some(fw) = store.framework_by_key(None, "eu-ai-act-2024").await? {
        let reqs = store.list_requirements(fw.framework.id, None).await?;
        for o in &result.obligations {
            if let Some(r) = reqs.iter().find(|r| r.reference == o.article) {
                articles.insert(o.article.clone(), r.id.into());
            }
        }
    }
    Ok(ClassificationView {
        answers,
        result,
        articles,
        version: rec.get("version").and_then(|v| v.as_i64()).unwrap_or(0),
    })
}

pub fn stored_answers(rec: &Record) -> Answers {
    rec.get("classification")
        .and_then(|c| c.get("answers"))
        .and_then(|a| serde_json::from_value(a.clone()).ok())
        .unwrap_or_default()
}

async fn get_classification(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<ClassificationView>, Problem> {
    caller.require(Permission::Read)?;
    let rec = s
        .store
        .register_get(caller.org_id, &AI_SYSTEMS, id)
        .await?
        .ok_or_else(|| Problem::not_found("AI system"))?;
    let answers = stored_answers(&rec);
    Ok(Json(classification_view(&s.store, &rec, answers).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRequest {
    pub answers: Answers,
    /// The AI system's version you read.
    pub version: i64,
}

/// Stores answers and result; the system's `risk_tier` follows. Every change is in the audit trail.
pub async fn store_classification(
    store: &Store,
    actor: &aims_store::Actor,
    org_id: i64,
    id: i64,
    req: ClassifyRequest,
) -> Result<ClassificationView, Problem> {
    req.answers.check().map_err(|inv| {
        Problem::invalid(aims_domain::Invalid(
            inv.0
                .into_iter()
                .map(|e| aims_domain::FieldError {
                    field: format!("answers.{}", e.field),
                    message: e.message,
                })
                .collect(),
        ))
    })?;
    let rec = store
        .register_get(org_id, &AI_SYSTEMS, id)
        .await?
        .ok_or_else(|| Problem::not_found("AI system"))?;
    let view = classification_view(store, &rec, req.answers).await?;
    let doc = json!({"answers": view.answers, "result": view.result, "classified_at": chrono::Utc::now().to_rfc3339()});
    let rec = store
        .set_classification(
            actor,
            org_id,
            id,
            req.version,
            &doc,
            &view.result.tier,
            chrono::Utc::now(),
        )
        .await?;
    Ok(ClassificationView {
        version: rec.get("version").and_then(|v| v.as_i64()).unwrap_or(0),
        ..view
    })
}

async fn put_classification(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(req): JsonBody<ClassifyRequest>,
) -> Result<Json<ClassificationView>, Problem> {
    caller.require(Permission::Write)?;
    Ok(Json(
        store_classification(&s.store, &caller.actor(), caller.org_id, id, req).await?,
    ))
}

async fn questions() -> Json<Value> {
    use aims_domain::classify::{ANNEX_III, EXCEPTIONS, PROHIBITED};
    let opts = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(k, l)| json!({"key": k, "label": l}))
            .collect::<Vec<_>>()
    };
    Json(
        json!({"prohibited_practices": opts(PROHIBITED), "annex_iii_use_cases": opts(ANNEX_III), "annex_iii_exception": opts(EXCEPTIONS)}),
    )
}

// ---------------------------------------------------------------- CycloneDX and CSV

async fn export_bom(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Response, Problem> {
    caller.require(Permission::Read)?;
    let bom = cyclonedx::export_system(&s.store, caller.org_id, id).await?;
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
    let mut plan = cyclonedx::plan(&doc).map_err(Problem::invalid)?;
    plan.system_id = p.system_id;
    let report = s
        .store
        .import_inventory_plan(&caller.actor(), caller.org_id, &plan, chrono::Utc::now())
        .await?;
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
        let lookups = Lookups::load(&s.store, caller.org_id, spec).await?;
        let report = registers::read_csv(spec, text, &lookups)?;
        return Ok(Json(
            json!({"rows": report.total, "valid": report.rows.len(), "errors": report.errors}),
        )
        .into_response());
    }
    let recs = registers::import_csv(&s.store, &caller.actor(), caller.org_id, spec, text).await?;
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
    export_file(&s.store, caller.org_id, spec, &lq, &format).await
}

/// The filtered list as CSV or XLSX (shared by the API and the pages).
pub async fn export_file(
    store: &Store,
    org_id: i64,
    spec: &'static RegisterSpec,
    lq: &ListQuery,
    format: &str,
) -> Result<Response, Problem> {
    let lookups = Lookups::load(store, org_id, spec).await?;
    let name = spec.path;
    match format {
        "csv" => {
            let out = registers::csv_body(store, org_id, spec, lq, lookups).await?;
            Ok(crate::download(crate::CSV, &format!("{name}.csv"), out))
        }
        "xlsx" => {
            let out = registers::xlsx(store, org_id, spec, lq, &lookups).await?;
            Ok(crate::download(crate::XLSX, &format!("{name}.xlsx"), out))
        }
        _ => Err(Problem::field(
            StatusCode::BAD_REQUEST,
            "format",
            "must be csv or xlsx",
        )),
    }
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
