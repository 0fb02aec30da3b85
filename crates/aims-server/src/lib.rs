//! The web application and the JSON API of aims, over the same store functions.

pub mod api;
pub mod api_catalog;
pub mod api_registers;
pub mod api_risk;
pub mod auth;
pub mod catalog;
pub mod cyclonedx;
pub mod demo;
pub mod error;
pub mod extract;
pub mod maturity;
mod pages;
mod pages_catalog;
mod pages_maturity;
mod pages_registers;
mod pages_risk;
pub mod registers;

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

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub(crate) const CSV: &str = "text/csv; charset=utf-8";

/// A file download: its type, and a name the browser saves it under.
pub(crate) fn download(
    content_type: &str,
    filename: &str,
    body: impl Into<axum::body::Body>,
) -> axum::response::Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body.into(),
    )
        .into_response()
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: ServerConfig,
    /// Evidence files, stored by their SHA-256 through `object_store` (a local folder here;
    /// an S3-compatible store fits the same trait when several nodes run).
    pub files: std::sync::Arc<dyn object_store::ObjectStore>,
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig) -> std::io::Result<AppState> {
        std::fs::create_dir_all(&config.evidence_dir)?;
        let files = object_store::local::LocalFileSystem::new_with_prefix(&config.evidence_dir)
            .map_err(std::io::Error::other)?;
        Ok(AppState {
            store,
            config,
            files: std::sync::Arc::new(files),
        })
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(api::routes())
        .merge(api_catalog::routes())
        .merge(api_registers::routes())
        .merge(api_risk::routes())
        .merge(maturity::routes())
        .merge(pages::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    match s.store.ping().await {
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
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Creates a one-time setup link token when no user exists yet; returns the secret.
pub async fn first_run_token(store: &Store) -> Result<Option<String>, aims_store::StoreError> {
    if store.user_count().await? > 0 {
        return Ok(None);
    }
    let secret = auth::random_secret();
    let now = chrono::Utc::now();
    store
        .create_setup_token(
            &auth::sha256_hex(&secret),
            now,
            now + chrono::Duration::hours(24),
        )
        .await?;
    Ok(Some(secret))
}
