//! The JSON API under `/api/v1`, one module per area. Every handler authenticates (bearer
//! token), calls one service operation with the caller's scope (the operation checks the
//! permission), and presents the result or the error as problem+json.

pub mod access;
pub mod catalog;
pub mod changes;
pub mod competence;
pub mod documents;
pub mod incidents;
pub mod leadership;
pub mod maturity;
pub mod objectives;
pub mod register_doc;
pub mod registers;
pub mod risks;

use crate::api_router::ApiRouter;
use axum::http::Method;
use axum::routing::get;
use axum::Json;
use utoipa::OpenApi;

/// Every `/api/v1` operation, each module's routes recorded for the OpenAPI check.
pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route("/api/v1/openapi.json", &[Method::GET], get(openapi_json))
        .merge(access::routes())
        .merge(catalog::routes())
        .merge(registers::routes())
        .merge(risks::routes())
        .merge(maturity::routes())
        .merge(documents::routes())
        .merge(leadership::routes())
        .merge(objectives::routes())
        .merge(changes::routes())
        .merge(competence::routes())
        .merge(incidents::routes())
}

/// Every API operation the server answers, as `(method, path)`.
pub fn route_table() -> Vec<(Method, String)> {
    routes().into_parts().1
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "aims API",
        description = "ISO/IEC 42001 AI management system. Authenticate with `Authorization: Bearer aims_...`; errors are application/problem+json."
    ),
    paths(openapi_json)
)]
struct MetaDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, body = Object, description = "the OpenAPI 3.1 document of this API")))]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

/// The whole document, assembled from every API module.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = MetaDoc::openapi();
    doc.merge(access::ApiDoc::openapi());
    doc.merge(catalog::CatalogDoc::openapi());
    doc.merge(registers::openapi());
    doc.merge(risks::RiskDoc::openapi());
    doc.merge(maturity::MaturityDoc::openapi());
    doc.merge(documents::DocumentsDoc::openapi());
    doc.merge(leadership::LeadershipDoc::openapi());
    doc.merge(objectives::ObjectivesDoc::openapi());
    doc.merge(changes::ChangesDoc::openapi());
    doc.merge(competence::CompetenceDoc::openapi());
    doc.merge(incidents::IncidentsDoc::openapi());
    use utoipa::openapi::security::{
        HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
    };
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("an API token, `aims_...`"))
                    .build(),
            ),
        );
    doc.security = Some(vec![SecurityRequirement::new(
        "bearer",
        Vec::<String>::new(),
    )]);
    doc
}
