//! Rules no caller can skip: the life cycle gates on create as on update, and risk acceptance
//! only through its step, whether a record comes from the API, a form, a CSV file or the CLI.
// Tests unwrap and panic on purpose (a failure is the report) and read the wall clock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use crate::harness::*;
use aims_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    gates_hold_on_create_for_every_caller,
    risks_are_accepted_only_through_acceptance,
    acceptance_lapses_when_the_score_rises,
);

async fn post_text(app: &TestApp, token: &str, path: &str, body: &str) -> (StatusCode, Value) {
    json(
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(body.to_string())
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn system_count(app: &TestApp, token: &str) -> usize {
    let (_, list) = json(app.get(token, "/api/v1/ai-systems?limit=500").await).await;
    list["items"].as_array().map_or(0, |a| a.len())
}

async fn gates_hold_on_create_for_every_caller(b: Backend) {
    let app = &TestApp::start(b).await;
    let t = app.token("acme", "carl@acme.test", Role::Contributor).await;

    // API: a new system cannot start in deployment (it has no approved impact assessment).
    let (s, p) = send(
        app,
        Method::POST,
        &t,
        "/api/v1/ai-systems",
        json!({"name": "Loan scoring", "lifecycle_stage": "deployment"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(fields(&p), ["lifecycle_stage"]);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no approved impact assessment"),
        "{p}"
    );
    assert_eq!(system_count(app, &t).await, 0);

    // Form: the same rule, the error beside the field and the input kept.
    app.user("acme", "fay@acme.test", Role::Contributor).await;
    let (_, session) = app.login("fay@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (_, html) = app.page(&session, "/o/acme/inventory/ai-systems/new").await;
    let csrf = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &session,
            "/o/acme/inventory/ai-systems",
            &[
                ("_csrf", &csrf),
                ("name", "Chat helper"),
                ("lifecycle_stage", "operation_monitoring"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"f-lifecycle_stage-error\"")
            && html.contains("no approved impact assessment"),
        "{html}"
    );
    assert!(html.contains("value=\"Chat helper\""));
    assert_eq!(system_count(app, &t).await, 0);

    // CSV import: the line is named and nothing of the file is imported.
    let csv = "name,lifecycle_stage\nPlanner,inception\nScorer,deployment\n";
    let (s, p) = post_text(app, &t, "/api/v1/imports/csv?register=ai-systems", csv).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(fields(&p), ["line 3: lifecycle_stage"]);
    assert_eq!(system_count(app, &t).await, 0);

    // CLI import: the same.
    let file = app.db.data_dir.join("systems.csv");
    std::fs::write(&file, csv).unwrap();
    let (code, _, err) = aims(
        &app.db,
        &[
            "inventory",
            "import",
            file.to_str().unwrap(),
            "--org",
            "acme",
        ],
        None,
    );
    assert_ne!(code, 0);
    assert!(err.contains("line 3: lifecycle_stage"), "{err}");
    assert_eq!(system_count(app, &t).await, 0);

    // With the gates switched off by an admin, the same system can be registered as deployed.
    let admin = app.token("acme", "adam@acme.test", Role::Admin).await;
    let (s, _) = send(
        app,
        Method::PUT,
        &admin,
        "/api/v1/settings/lifecycle-gates",
        json!({"enabled": false, "version": 0}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = send(
        app,
        Method::POST,
        &t,
        "/api/v1/ai-systems",
        json!({"name": "Loan scoring", "lifecycle_stage": "deployment"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
}

async fn risks_are_accepted_only_through_acceptance(b: Backend) {
    let app = &TestApp::start(b).await;
    let c = app.token("acme", "carl@acme.test", Role::Contributor).await;
    let m = app.token("acme", "max@acme.test", Role::Manager).await;

    // Create as accepted, at 25 against a threshold of 9: refused, for every role.
    for t in [&c, &m] {
        let (s, p) = send(app, Method::POST, t, "/api/v1/risks", json!({"name": "Model drift", "status": "accepted", "inherent_likelihood": 5, "inherent_impact": 5})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        assert_eq!(fields(&p), ["status"]);
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("acceptance step"),
            "{p}"
        );
    }
    let (s, risk) = send(app, Method::POST, &c, "/api/v1/risks", json!({"name": "Model drift", "status": "assessed", "inherent_likelihood": 5, "inherent_impact": 5})).await;
    assert_eq!(s, StatusCode::CREATED, "{risk}");
    let path = format!("/api/v1/risks/{}", risk["id"]);

    // Edit to accepted: refused, and the message says where to accept.
    let (s, p) = send(
        app,
        Method::PATCH,
        &m,
        &path,
        json!({"status": "accepted", "version": risk["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(fields(&p), ["status"]);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("/api/v1/risks/{}/accept", risk["id"])),
        "{p}"
    );

    // The risk form: the same refusal beside the field.
    app.user("acme", "fay@acme.test", Role::Manager).await;
    let (_, session) = app.login("fay@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let form_path = format!("/o/acme/inventory/risks/{}", risk["id"]);
    let (_, html) = app.page(&session, &format!("{form_path}/edit")).await;
    let csrf = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &session,
            &form_path,
            &[
                ("_csrf", &csrf),
                ("version", &risk["version"].to_string()),
                ("name", "Model drift"),
                ("status", "accepted"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"f-status-error\"") && html.contains("acceptance step"),
        "{html}"
    );

    // A CSV file cannot import accepted risks either.
    let (s, p) = post_text(
        app,
        &c,
        "/api/v1/imports/csv?register=risks",
        "name,status\nVendor lock-in,accepted\n",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(fields(&p), ["line 2: status"]);

    // Nothing was accepted on the way.
    let (_, now) = json(app.get(&c, &path).await).await;
    assert_eq!(now["status"], "assessed");
    assert_eq!(now["version"], risk["version"]);
}

async fn acceptance_lapses_when_the_score_rises(b: Backend) {
    let app = &TestApp::start(b).await;
    let c = app.token("acme", "carl@acme.test", Role::Contributor).await;
    let m = app.token("acme", "max@acme.test", Role::Manager).await;
    let (_, risk) = send(app, Method::POST, &c, "/api/v1/risks", json!({"name": "Prompt injection", "status": "assessed", "inherent_likelihood": 4, "inherent_impact": 4, "residual_likelihood": 2, "residual_impact": 3})).await;
    let path = format!("/api/v1/risks/{}", risk["id"]);
    let (s, accepted) = send(
        app,
        Method::POST,
        &m,
        &format!("{path}/accept"),
        json!({"reason": "Filtered and monitored", "version": risk["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["accepted_score"], 6);

    // An edit that keeps the score at or below the accepted one keeps the acceptance.
    let (s, kept) = send(
        app,
        Method::PATCH,
        &c,
        &path,
        json!({"residual_impact": 2, "description": "Input filter added", "version": accepted["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{kept}");
    assert_eq!(kept["status"], "accepted");
    let (_, back_up) = send(
        app,
        Method::PATCH,
        &c,
        &path,
        json!({"residual_impact": 3, "version": kept["version"]}),
    )
    .await;
    assert_eq!(
        back_up["status"], "accepted",
        "6 is still the accepted score"
    );

    // A rise above the accepted score lapses it: the risk is assessed again, to be accepted anew.
    let (s, lapsed) = send(
        app,
        Method::PATCH,
        &c,
        &path,
        json!({"residual_likelihood": 4, "version": back_up["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{lapsed}");
    assert_eq!(lapsed["residual_score"], 12);
    assert_eq!(lapsed["status"], "assessed");
}
