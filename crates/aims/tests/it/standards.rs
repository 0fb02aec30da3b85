//! The law and the standards as aims encodes them (issue 13), through the HTTP API, on SQLite
//! and PostgreSQL.
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

on_both_backends!(fundamental_rights_assessment_falls_on_the_right_deployers,);

fn articles(v: &Value, role: &str) -> Vec<String> {
    v["result"]["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["role"] == role)
        .map(|o| o["article"].as_str().unwrap().to_string())
        .collect()
}

async fn fundamental_rights_assessment_falls_on_the_right_deployers(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    let (_, q) = json(app.get(&t, "/api/v1/classification/questions").await).await;
    let yes_no: Vec<&str> = q["yes_no"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap())
        .collect();
    assert!(
        yes_no.contains(&"public_authority") && yes_no.contains(&"interacts_with_people"),
        "{q}"
    );

    let (s, sys) = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/ai-systems",
        json!({"name": "Hiring ranker", "lifecycle_stage": "inception", "roles": ["deployer"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{sys}");
    let path = format!("/api/v1/ai-systems/{}/classification", sys["id"]);
    let mut version = 1;
    let mut classify = |answers: Value| {
        let (app, t, path) = (&app, &t, &path);
        let v = version;
        version += 1;
        async move {
            let (s, r) = send(
                app,
                Method::PUT,
                t,
                path,
                json!({"answers": answers, "version": v}),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{r}");
            r
        }
    };
    // A private employer deploying a recruitment system: no Art. 27, no Art. 49(3).
    let r = classify(json!({"annex_iii_use_cases": ["Annex III point 4(a)"]})).await;
    assert_eq!(r["result"]["tier"], "high_risk");
    let d = articles(&r, "deployer");
    assert!(
        d.contains(&"Art. 26".into()) && !d.contains(&"Art. 27".into()),
        "{d:?}"
    );
    // The same system at a public body: both.
    let r = classify(
        json!({"annex_iii_use_cases": ["Annex III point 4(a)"], "public_authority": true}),
    )
    .await;
    let d = articles(&r, "deployer");
    assert!(
        d.contains(&"Art. 27".into()) && d.contains(&"Art. 49".into()),
        "{d:?}"
    );
    // Critical infrastructure: never Art. 27.
    let r = classify(
        json!({"annex_iii_use_cases": ["Annex III point 2 use case"], "public_authority": true}),
    )
    .await;
    assert!(!articles(&r, "deployer").contains(&"Art. 27".into()));
}
