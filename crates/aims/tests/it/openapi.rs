//! The OpenAPI document against the router: every `/api/v1` operation the server answers is
//! documented (and nothing else), the route table matches what the router really serves, and
//! the document itself is held in a snapshot so every change shows in review.
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
use serde_json::Value;
use std::collections::BTreeSet;

on_both_backends!(every_route_is_documented_and_every_documented_route_is_served,);

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if item.get(m).is_some() {
                out.insert((m.to_string(), path.clone()));
            }
        }
    }
    out
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{user_id}", "1")
        .replace("{entry}", "1")
        .replace("{index}", "0")
        .replace("{step}", "submit")
        .replace("{key}", "iso42001-2023")
}

async fn every_route_is_documented_and_every_documented_route_is_served(b: Backend) {
    let app = &TestApp::start(b).await;
    let t = app.token("acme", "ann@acme.test", Role::Viewer).await;
    let (s, doc) = json(app.get(&t, "/api/v1/openapi.json").await).await;
    assert_eq!(s, StatusCode::OK);
    let served: BTreeSet<(String, String)> = aims_server::api::route_table()
        .into_iter()
        .map(|(m, p)| (m.as_str().to_lowercase(), p))
        .collect();
    let docs = documented(&doc);
    let undocumented: Vec<_> = served.difference(&docs).collect();
    let unserved: Vec<_> = docs.difference(&served).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "served but not in the document: {undocumented:#?}\nin the document but not served: {unserved:#?}"
    );
    assert!(
        served.len() > 80,
        "the table holds the whole API ({})",
        served.len()
    );

    // The table is what the router really answers: a listed method is routed, any other
    // method of the same path is 405.
    let paths: BTreeSet<&String> = served.iter().map(|(_, p)| p).collect();
    for path in paths {
        for m in METHODS {
            let listed = served.contains(&(m.to_string(), path.clone()));
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
            let r = app
                .client
                .request(method, app.url(&concrete(path)))
                .bearer_auth(&t)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status() != StatusCode::METHOD_NOT_ALLOWED,
                listed,
                "{m} {path} answered {}",
                r.status()
            );
        }
    }

    // Every operation that takes a body declares it, and every path parameter is declared
    // in the path.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in ["post", "put", "patch"] {
            if let Some(op) = item.get(m) {
                // A document step re-checks the version's status, so it needs no version in a body;
                // an acknowledgement is the caller's, once.
                let takes_no_body = path.ends_with("/risk")
                    || path.ends_with("/submit")
                    || path.ends_with("/versions/{number}/{step}")
                    || path.ends_with("/versions/{number}/acknowledgement")
                    || path.ends_with("/concern-link")
                    || path.ends_with("/concerns/{id}/incident")
                    || path.ends_with("/incidents/{id}/nonconformity");
                assert!(
                    op.get("requestBody").is_some() || takes_no_body,
                    "{m} {path} declares no request body"
                );
            }
        }
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
                assert!(
                    declared.contains(&name),
                    "{m} {path}: the path parameter `{name}` is not declared"
                );
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                assert_eq!(
                    p["in"] == "path",
                    in_path,
                    "{m} {path}: parameter `{name}` is declared in {}",
                    p["in"]
                );
            }
        }
    }

    // The snapshot: review the document's changes with the code's.
    let snapshot = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let now = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    if std::env::var_os("AIMS_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &now).unwrap();
    }
    let before = std::fs::read_to_string(&snapshot).unwrap_or_default();
    assert!(
        before == now,
        "the OpenAPI document changed: run `AIMS_UPDATE_SNAPSHOTS=1 cargo test --test openapi` and review the diff of docs/openapi.json"
    );
}
