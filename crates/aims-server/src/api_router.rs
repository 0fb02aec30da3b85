//! A router that records the `/api/v1` operations it serves, so a test can hold the OpenAPI
//! document against them: an operation cannot be served without being documented.

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
