//! No N+1: the number of SQL statements a list or detail request issues must not grow with
//! the number of records on the page. Statements are counted from sqlx's own query events.
// Tests unwrap and panic on purpose (a failure is the report) and read the wall clock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

#[path = "it/harness/mod.rs"]
mod common;

use aims_domain::Role;
use common::*;
use reqwest::Method;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

struct CountStatements;

impl<S: tracing::Subscriber> Layer<S> for CountStatements {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if event.metadata().target() == "sqlx::query" {
            STATEMENTS.fetch_add(1, Ordering::SeqCst);
        }
    }
}

async fn count(app: &TestApp, f: impl std::future::Future<Output = reqwest::Response>) -> usize {
    let _ = app;
    STATEMENTS.store(0, Ordering::SeqCst);
    let r = f.await;
    assert!(r.status().is_success(), "{}", r.status());
    let _ = r.bytes().await;
    STATEMENTS.load(Ordering::SeqCst)
}

async fn grow(app: &TestApp, t: &str, n: usize, offset: usize) {
    for i in 0..n {
        let (_, sup) = json(
            app.send_json(
                Method::POST,
                t,
                "/api/v1/suppliers",
                &json!({"name": format!("Supplier {}", i + offset)}),
            )
            .await,
        )
        .await;
        let (_, sys) = json(app.send_json(Method::POST, t, "/api/v1/ai-systems", &json!({"name": format!("System {}", i + offset), "lifecycle_stage": "inception", "owner_id": 1})).await).await;
        json(app.send_json(Method::POST, t, "/api/v1/models", &json!({"name": format!("Model {}", i + offset), "supplier_id": sup["id"], "system_ids": [sys["id"]]})).await).await;
        json(app.send_json(Method::POST, t, "/api/v1/risks", &json!({"name": format!("Risk {}", i + offset), "status": "assessed", "inherent_likelihood": 2, "inherent_impact": 2, "system_ids": [sys["id"]]})).await).await;
    }
}

/// Statement counts of the list and detail requests that matter most. Each request is counted
/// three times and the least kept: opening a new pooled connection runs set-up statements that
/// have nothing to do with the request.
async fn measure(app: &TestApp, t: &str, session: &str) -> Vec<(String, usize)> {
    let mut best = measure_once(app, t, session).await;
    for _ in 0..2 {
        for (b, n) in best.iter_mut().zip(measure_once(app, t, session).await) {
            b.1 = b.1.min(n.1);
        }
    }
    best
}

async fn measure_once(app: &TestApp, t: &str, session: &str) -> Vec<(String, usize)> {
    let mut out = vec![];
    let api = [
        "/api/v1/ai-systems",
        "/api/v1/models",
        "/api/v1/risks",
        "/api/v1/ai-systems/1",
        "/api/v1/suppliers/1",
        "/api/v1/audit-events",
        "/api/v1/soa",
    ];
    for p in api {
        out.push((
            p.to_string(),
            count(app, async {
                app.client
                    .get(app.url(p))
                    .bearer_auth(t)
                    .send()
                    .await
                    .expect("request")
            })
            .await,
        ));
    }
    let pages = [
        "/o/acme/inventory/ai-systems",
        "/o/acme/inventory/models",
        "/o/acme/inventory/risks",
        "/o/acme/inventory/ai-systems/1",
        "/o/acme/audit",
        "/o/acme/soa",
        "/o/acme",
    ];
    for p in pages {
        out.push((
            p.to_string(),
            count(app, async {
                app.client
                    .get(app.url(p))
                    .header("cookie", format!("aims_session={session}"))
                    .send()
                    .await
                    .expect("request")
            })
            .await,
        ));
    }
    out
}

async fn scenario(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "ann@acme.test", Role::Admin).await;
    let (_, session) = app.login("ann@acme.test", PASSWORD).await;
    let session = session.unwrap();
    grow(&app, &t, 3, 0).await;
    // A first round creates what is created on first use (the SoA entries); then measure.
    measure(&app, &t, &session).await;
    let small = measure(&app, &t, &session).await;
    grow(&app, &t, 27, 3).await;
    let large = measure(&app, &t, &session).await;
    for ((path, a), (_, b)) in small.iter().zip(&large) {
        assert_eq!(a, b, "{path}: {a} statements with 3 records per page, {b} with 30: the count grows with the page");
        assert!(
            *a > 0,
            "{path}: no statement counted, the counter is not working"
        );
    }
    // The hottest API requests stay at their floor: the token, the rows, and for a detail its
    // links with its referrers in one query.
    let count_of = |p: &str| large.iter().find(|(q, _)| q == p).map(|(_, n)| *n);
    assert_eq!(count_of("/api/v1/ai-systems"), Some(2), "{large:?}");
    assert_eq!(count_of("/api/v1/ai-systems/1"), Some(3), "{large:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_counts_do_not_grow_with_the_page() {
    // sqlx reports every statement it runs as a DEBUG event with target `sqlx::query`.
    let subscriber = tracing_subscriber::registry()
        .with(CountStatements.with_filter(tracing_subscriber::filter::LevelFilter::DEBUG));
    tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
    scenario(Backend::Sqlite).await;
    scenario(Backend::Postgres).await;
}
