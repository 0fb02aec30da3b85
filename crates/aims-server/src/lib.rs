//! The web application and the JSON API of aims, over the same store functions.

pub mod api;
pub mod api_router;
pub mod auth;
pub mod error;
pub mod extract;
mod pages;

use aims_service::{Cx, FileBody, FileOut};
use aims_store::Store;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::future::Future;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// Request bodies above this answer 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct ServerConfig {
    /// Mark cookies `Secure` (set when aims is served over HTTPS).
    pub secure_cookies: bool,
    /// Where evidence files are kept (content-addressed by SHA-256), `<data dir>/evidence`.
    pub evidence_dir: std::path::PathBuf,
}

/// A file from a service operation as a download: its type, and a name the browser saves it under.
pub(crate) fn download(file: FileOut) -> axum::response::Response {
    use axum::http::header;
    let name = file.name.replace(['"', '\r', '\n'], "");
    let mut res = (
        [
            (header::CONTENT_TYPE, file.media_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        match file.body {
            FileBody::Bytes(b) => axum::body::Body::from(b),
            FileBody::Stream(s) => axum::body::Body::from_stream(s),
        },
    )
        .into_response();
    if let Some(sha) = file
        .sha256
        .and_then(|v| axum::http::HeaderValue::from_str(&v).ok())
    {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-content-sha256"), sha);
    }
    res
}

/// What every handler shares: the service context and the server's own settings.
#[derive(Clone)]
pub struct AppState {
    pub cx: Cx,
    pub config: ServerConfig,
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig) -> std::io::Result<AppState> {
        let cx = aims_files::local_cx(store, &config.evidence_dir)?;
        Ok(AppState { cx, config })
    }

    /// The same, with time from `clock` (tests fix the date with it).
    pub fn with_clock(mut self, clock: std::sync::Arc<dyn aims_domain::Clock>) -> AppState {
        self.cx = self.cx.with_clock(clock);
        self
    }

    pub fn with_rules(mut self, rules: aims_domain::classify::Rules) -> AppState {
        self.cx = self.cx.with_rules(rules);
        self
    }
}

/// Every `/api/v1` operation, each module's routes recorded for the OpenAPI check.
pub fn api_routes() -> api_router::ApiRouter {
    api::routes()
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(api_routes().into_parts().0)
        .route(
            "/api/v1/{*rest}",
            axum::routing::any(|| async { error::Problem::not_found("endpoint") }),
        )
        .merge(pages::routes().layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::error_pages_in_layout,
        )))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    match s.cx.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database not reachable")
        }
    }
}

/// Serves until `shutdown` resolves, then finishes in-flight requests and returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address feeds the public concern form's rate limit.
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Creates a one-time setup link token when no user exists yet; returns the secret.
pub async fn first_run_token(cx: &Cx) -> Result<Option<String>, aims_store::StoreError> {
    let store = &cx.store;
    if store.user_count().await? > 0 {
        return Ok(None);
    }
    let secret = auth::random_secret();
    let now = cx.now();
    store
        .create_setup_token(
            &auth::sha256_hex(&secret),
            now,
            now + chrono::Duration::hours(24),
        )
        .await?;
    Ok(Some(secret))
}
