//! `aims serve`: the web application and the API, until SIGTERM or Ctrl-C.

use crate::{open, DbArgs};
use aims_domain::Clock;
use aims_server::{AppState, ServerConfig};
use aims_service::SystemClock;
use anyhow::{anyhow, Context};
use std::process::ExitCode;

/// Start the web application and the JSON API.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "AIMS_BIND", default_value = "127.0.0.1:8042")]
    bind: String,
    /// Mark cookies Secure: set this when users reach aims over HTTPS (behind a TLS proxy).
    #[arg(long, env = "AIMS_SECURE_COOKIES")]
    secure_cookies: bool,
}

pub async fn run(db: &DbArgs, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let ServeArgs {
        bind,
        secure_cookies,
    } = args;
    let store = open(db).await?;
    aims_service::catalog::ensure_builtin(&store, SystemClock.now())
        .await
        .map_err(|e| anyhow!(e))?;
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    outln!(
        "aims is running at http://{addr} ({} database)",
        store.backend_name()
    );
    let config = ServerConfig {
        secure_cookies,
        evidence_dir: db.data_dir.join("evidence"),
    };
    let state =
        AppState::new(store.clone(), config).context("cannot prepare the evidence folder")?;
    if let Some(secret) = aims_server::first_run_token(&state.cx).await? {
        outln!("First run: open http://{addr}/setup?token={secret} to create the first organization and its admin (the link works once, for 24 hours).");
    }
    aims_server::serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
