//! The catalog API: frameworks, requirements with their mappings, coverage, import, export.

use crate::api_router::ApiRouter;
use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::extract::{PathParam, QueryParams};
use crate::AppState;
use aims_domain::Permission;
use aims_service::catalog::{self, Coverage, TreeNode};
use aims_store::{FrameworkSummary, ImportReport, MappingSet, MappingView, Requirement};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub use aims_service::catalog::MAX_LIBRARY_BYTES;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(
            "/api/v1/frameworks",
            &[Method::GET, Method::POST],
            get(list_frameworks)
                .post(import_library)
                .layer(DefaultBodyLimit::max(MAX_LIBRARY_BYTES)),
        )
        .route(
            "/api/v1/frameworks/{key}",
            &[Method::GET],
            get(get_framework),
        )
        .route(
            "/api/v1/frameworks/{key}/requirements",
            &[Method::GET],
            get(list_requirements),
        )
        .route(
            "/api/v1/frameworks/{key}/coverage",
            &[Method::GET],
            get(framework_coverage),
        )
        .route(
            "/api/v1/frameworks/{key}/export",
            &[Method::GET],
            get(export_framework),
        )
        .route(
            "/api/v1/requirements/{id}",
            &[Method::GET],
            get(get_requirement),
        )
        .route(
            "/api/v1/mapping-sets",
            &[Method::GET],
            get(list_mapping_sets),
        )
        .route(
            "/api/v1/mapping-sets/export",
            &[Method::GET],
            get(export_mappings),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_frameworks,
        import_library,
        get_framework,
        list_requirements,
        framework_coverage,
        export_framework,
        get_requirement,
        list_mapping_sets,
        export_mappings
    ),
    components(schemas(
        FrameworkSummary,
        Requirement,
        MappingView,
        MappingSet,
        ImportReport,
        Coverage,
        TreeNode,
        RequirementDetail,
        FrameworkList,
        RequirementList
    ))
)]
pub struct CatalogDoc;

async fn framework(
    s: &AppState,
    caller: &ApiCaller,
    key: &str,
) -> Result<FrameworkSummary, Problem> {
    caller.require(Permission::Read)?;
    s.cx.store
        .framework_by_key(Some(caller.org_id), key)
        .await?
        .ok_or_else(|| Problem::not_found("framework"))
}

#[derive(Serialize, ToSchema)]
pub struct FrameworkList {
    items: Vec<FrameworkSummary>,
}

/// The built-in frameworks and those the organization imported.
#[utoipa::path(get, path = "/api/v1/frameworks", responses((status = 200, body = FrameworkList)))]
async fn list_frameworks(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<FrameworkList>, Problem> {
    caller.require(Permission::Read)?;
    Ok(Json(FrameworkList {
        items: s.cx.store.list_frameworks(Some(caller.org_id)).await?,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    /// Import the framework under this key instead of its own (a built-in key is never replaced).
    as_key: Option<String>,
}

/// Import a library (aims YAML or a CISO Assistant library), as the raw request body.
/// Re-importing the same file changes nothing; a higher version upgrades in place.
#[utoipa::path(post, path = "/api/v1/frameworks", params(ImportQuery), request_body(content = String, content_type = "application/yaml"),
    responses((status = 201, body = [ImportReport]), (status = 200, body = [ImportReport], description = "nothing changed"), (status = 422, body = ProblemBody), (status = 403, body = ProblemBody)))]
async fn import_library(
    State(s): State<AppState>,
    caller: ApiCaller,
    QueryParams(q): QueryParams<ImportQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<Vec<ImportReport>>), Problem> {
    caller.require(Permission::Administer)?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "library",
            "is not UTF-8 text",
        )
    })?;
    let reports = catalog::import(
        &s.cx.store,
        Some(caller.org_id),
        Some(&caller.actor()),
        text,
        q.as_key.as_deref(),
        s.cx.now(),
    )
    .await?;
    let status = if reports.iter().all(|r| r.outcome == "unchanged") {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(reports)))
}

#[utoipa::path(get, path = "/api/v1/frameworks/{key}", params(("key" = String, Path)), responses((status = 200, body = FrameworkSummary), (status = 404, body = ProblemBody)))]
async fn get_framework(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(key): PathParam<String>,
) -> Result<Json<FrameworkSummary>, Problem> {
    Ok(Json(framework(&s, &caller, &key).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequirementParams {
    /// `flat` (default) or `tree`.
    view: Option<String>,
    /// Search in refs, titles and descriptions.
    q: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum RequirementList {
    Flat { items: Vec<Requirement> },
    Tree { tree: Vec<TreeNode> },
}

#[utoipa::path(get, path = "/api/v1/frameworks/{key}/requirements", params(("key" = String, Path), RequirementParams), responses((status = 200, body = RequirementList)))]
async fn list_requirements(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(key): PathParam<String>,
    QueryParams(p): QueryParams<RequirementParams>,
) -> Result<Json<RequirementList>, Problem> {
    let fw = framework(&s, &caller, &key).await?;
    let items =
        s.cx.store
            .list_requirements(fw.framework.id, p.q.as_deref())
            .await?;
    match p.view.as_deref().unwrap_or("flat") {
        "flat" => Ok(Json(RequirementList::Flat { items })),
        "tree" => Ok(Json(RequirementList::Tree {
            tree: catalog::tree(items),
        })),
        _ => Err(Problem::field(
            StatusCode::BAD_REQUEST,
            "view",
            "must be `flat` or `tree`",
        )),
    }
}

#[utoipa::path(get, path = "/api/v1/frameworks/{key}/coverage", params(("key" = String, Path)), responses((status = 200, body = Coverage)))]
async fn framework_coverage(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(key): PathParam<String>,
) -> Result<Json<std::sync::Arc<Coverage>>, Problem> {
    let fw = framework(&s, &caller, &key).await?;
    Ok(Json(
        catalog::coverage(&s.cx.store, caller.org_id, &fw).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `yaml` (the aims library format) or `oscal` (an OSCAL 1.2 catalog, JSON).
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/frameworks/{key}/export", params(("key" = String, Path), ExportParams), responses((status = 200, description = "the library file")))]
async fn export_framework(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(key): PathParam<String>,
    QueryParams(p): QueryParams<ExportParams>,
) -> Result<Response, Problem> {
    let fw = framework(&s, &caller, &key).await?;
    Ok(crate::download(
        catalog::framework_file(
            &s.cx.store,
            &fw,
            p.format.as_deref().unwrap_or("yaml"),
            s.cx.now(),
        )
        .await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct RequirementDetail {
    #[serde(flatten)]
    requirement: Requirement,
    framework_key: String,
    framework_name: String,
    /// Mappings in both directions.
    mappings: Vec<MappingView>,
    /// The organization's documents that address it.
    documents: Vec<aims_store::DocumentRef>,
}

#[utoipa::path(get, path = "/api/v1/requirements/{id}", params(("id" = i64, Path)), responses((status = 200, body = RequirementDetail), (status = 404, body = ProblemBody)))]
async fn get_requirement(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<RequirementDetail>, Problem> {
    caller.require(Permission::Read)?;
    let (requirement, fw) =
        s.cx.store
            .get_requirement(Some(caller.org_id), id)
            .await?
            .ok_or_else(|| Problem::not_found("requirement"))?;
    let mappings =
        s.cx.store
            .requirement_mappings(Some(caller.org_id), id)
            .await?;
    let documents = aims_service::documents::addressing(&s.cx, &caller.scope(), id).await?;
    Ok(Json(RequirementDetail {
        requirement,
        framework_key: fw.key,
        framework_name: fw.name,
        mappings,
        documents,
    }))
}

#[utoipa::path(get, path = "/api/v1/mapping-sets", responses((status = 200, body = [MappingSet])))]
async fn list_mapping_sets(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<MappingSet>>, Problem> {
    caller.require(Permission::Read)?;
    Ok(Json(
        s.cx.store.list_mapping_sets(Some(caller.org_id)).await?,
    ))
}

/// Every crosswalk visible to the organization, as an OSCAL 1.2 mapping collection.
#[utoipa::path(get, path = "/api/v1/mapping-sets/export", responses((status = 200, description = "OSCAL mapping collection")))]
async fn export_mappings(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Response, Problem> {
    caller.require(Permission::Read)?;
    Ok(crate::download(
        catalog::crosswalks_file(&s.cx.store, caller.org_id, s.cx.now()).await?,
    ))
}
