//! The OpenAPI document and the table of `/api/v1` routes it must describe.
//!
//! Every API module builds its routes with [`ApiRouter`], which records each path and method it
//! serves; a test compares that table with the document, so an operation cannot be served
//! without being documented.

use crate::AppState;
use axum::http::Method;
use axum::routing::MethodRouter;
use axum::Router;

/// A router that remembers which `(method, path)` pairs it serves.
pub struct ApiRouter {
    router: Router<AppState>,
    routes: Vec<(Method, String)>,
}

impl Default for ApiRouter {
    fn default() -> Self {
        ApiRouter::new()
    }
}

impl ApiRouter {
    pub fn new() -> ApiRouter {
        ApiRouter {
            router: Router::new(),
            routes: vec![],
        }
    }

    /// Serves `methods` of `path` with `handlers` (which must answer exactly those methods).
    pub fn route(
        mut self,
        path: &str,
        methods: &[Method],
        handlers: MethodRouter<AppState>,
    ) -> ApiRouter {
        self.routes
            .extend(methods.iter().map(|m| (m.clone(), path.to_string())));
        self.router = self.router.route(path, handlers);
        self
    }

    pub fn merge(mut self, other: ApiRouter) -> ApiRouter {
        self.routes.extend(other.routes);
        self.router = self.router.merge(other.router);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<(Method, String)>) {
        (self.router, self.routes)
    }
}

/// Every API operation the server answers, as `(method, path)`.
pub fn route_table() -> Vec<(Method, String)> {
    crate::api_routes().into_parts().1
}

/// The whole document, assembled from every API module.
pub fn document() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = crate::api::ApiDoc::openapi();
    doc.merge(crate::api_catalog::CatalogDoc::openapi());
    doc.merge(crate::api_registers::openapi());
    doc.merge(crate::api_risk::RiskDoc::openapi());
    doc.merge(crate::api_maturity::MaturityDoc::openapi());
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
