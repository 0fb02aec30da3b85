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

on_both_backends!(
    fundamental_rights_assessment_falls_on_the_right_deployers,
    amended_dates_and_the_rules_changed_flag,
    gpai_compute_role_and_the_new_prohibition,
    imported_frameworks_never_replace_built_ins,
);

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

/// A request to another server on the same database (after a library update).
async fn on(
    base: &str,
    m: Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .request(m, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    json(req.send().await.unwrap()).await
}

/// Art. 113 as amended in 2026 (Regulation (EU) 2026/1744): the Annex III date is data with
/// its source and the original beside it; a stored classification keeps the rules version
/// that produced it, and after a library change the API, the system page and the dashboard
/// say the rules changed until it is re-run (audited).
async fn amended_dates_and_the_rules_changed_flag(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    let (_, org_id) = app.user("acme", "mia@acme.test", Role::Manager).await;
    let (_, q) = json(app.get(&t, "/api/v1/classification/questions").await).await;
    let annex_iii = q["application_dates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "annex_iii_high_risk")
        .unwrap()
        .clone();
    assert_eq!(annex_iii["applies_from"], "2027-12-02", "{annex_iii}");
    assert_eq!(annex_iii["original"], "2026-08-02");
    assert!(annex_iii["source"].as_str().unwrap().contains("Art. 113"));
    assert!(annex_iii["amended_by"]
        .as_str()
        .unwrap()
        .contains("2026/1744"));

    let (_, sys) = send(&app, Method::POST, &t, "/api/v1/ai-systems",
        json!({"name": "Hiring ranker", "lifecycle_stage": "inception", "roles": ["provider", "deployer"]})).await;
    let id = sys["id"].as_i64().unwrap();
    let path = format!("/api/v1/ai-systems/{id}/classification");
    let (s, r) = send(
        &app,
        Method::PUT,
        &t,
        &path,
        json!({"answers": {"annex_iii_use_cases": ["Annex III point 4(a)"]}, "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let art9 = r["result"]["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["article"] == "Art. 9")
        .unwrap()
        .clone();
    assert_eq!(
        (art9["applies_from"].as_str(), art9["was"].as_str()),
        (Some("2027-12-02"), Some("2026-08-02"))
    );
    assert!(art9["date_source"]
        .as_str()
        .unwrap()
        .contains("amended by Regulation (EU) 2026/1744"));
    assert_eq!(r["rules_changed"], false);
    assert_eq!(r["result"]["rules_version"], q["rules_version"]);

    // The library corrects the Annex III date: a second server runs on the new rules.
    let (_, text) = aims_catalog::BUILTIN
        .iter()
        .find(|(n, _)| *n == "eu-ai-act-2024.yaml")
        .unwrap();
    let corrected = text.replacen(
        "applies_from: '2027-12-02'",
        "applies_from: '2028-03-01'",
        1,
    );
    let rules = aims_catalog::rules_from(&corrected).unwrap();
    assert_ne!(rules.version, q["rules_version"].as_str().unwrap());
    let base2 = app.second_server(rules).await;

    // The stored result is shown as stored, flagged, with what a re-run would give.
    let (_, v) = on(&base2, Method::GET, &t, &path, None).await;
    assert_eq!(v["rules_changed"], true, "{v}");
    assert_eq!(v["differs"], true);
    let stored9 = v["result"]["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["article"] == "Art. 9")
        .unwrap()
        .clone();
    assert_eq!(stored9["applies_from"], "2027-12-02");
    assert!(v["recomputed"]["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["article"] == "Art. 9" && o["applies_from"] == "2028-03-01"));
    let (_, d) = on(&base2, Method::GET, &t, "/api/v1/dashboard", None).await;
    assert_eq!(d["classifications_outdated"], 1, "{d}");
    let (_, d1) = json(app.get(&t, "/api/v1/dashboard").await).await;
    assert_eq!(
        d1["classifications_outdated"], 0,
        "the first server's rules did not change"
    );
    let (_, list) = on(
        &base2,
        Method::GET,
        &t,
        "/api/v1/ai-systems?view=rules_changed",
        None,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");

    // The system page and the dashboard page say so.
    let (_, session) = app.login("mia@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let page = |p: String| {
        let (base2, session) = (&base2, &session);
        async move {
            reqwest::Client::new()
                .get(format!("{base2}{p}"))
                .header("cookie", format!("aims_session={session}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let html = page(format!("/o/acme/inventory/ai-systems/{id}")).await;
    assert!(
        html.contains("The rules changed since this classification"),
        "system page"
    );
    let html = page("/o/acme".into()).await;
    assert!(html.contains("view=rules_changed"), "dashboard");
    let html = page(format!("/o/acme/inventory/ai-systems/{id}/classification")).await;
    assert!(html.contains("Re-run the classification") && html.contains("(was 2026-08-02)"));

    // Re-running stores today's result under today's rules, audited; the flag is gone.
    let before = app.audit_count(org_id).await;
    let (s, bad) = on(
        &base2,
        Method::POST,
        &t,
        &format!("{path}/rerun"),
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "a stale version: {bad}");
    let (s, v) = on(
        &base2,
        Method::POST,
        &t,
        &format!("{path}/rerun"),
        Some(json!({"version": v["version"]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["rules_changed"].as_bool(), v["differs"].as_bool()),
        (Some(false), Some(false))
    );
    assert!(v["result"]["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["article"] == "Art. 9" && o["applies_from"] == "2028-03-01"));
    assert_eq!(app.audit_count(org_id).await, before + 1);
    let (_, d) = on(&base2, Method::GET, &t, "/api/v1/dashboard", None).await;
    assert_eq!(d["classifications_outdated"], 0);
    // A reader may not re-run.
    let reader = app.token("acme", "rob@acme.test", Role::Viewer).await;
    let (s, _) = on(
        &base2,
        Method::POST,
        &reader,
        &format!("{path}/rerun"),
        Some(json!({"version": v["version"]})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// Art. 51(2)/52 from the training compute, Art. 53 only for the model's provider, and the
/// Art. 5 prohibition added in 2026, through the API.
async fn gpai_compute_role_and_the_new_prohibition(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    let system = |roles: Value| {
        let (app, t) = (&app, &t);
        async move {
            let (_, sys) = send(
                app,
                Method::POST,
                t,
                "/api/v1/ai-systems",
                json!({"name": "Model", "lifecycle_stage": "inception", "roles": roles}),
            )
            .await;
            format!("/api/v1/ai-systems/{}/classification", sys["id"])
        }
    };
    let deployed = system(json!(["deployer"])).await;
    let (s, e) = send(
        &app,
        Method::PUT,
        &t,
        &deployed,
        json!({"answers": {"general_purpose_model": true}, "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e.to_string().contains("answers.general_purpose_model")
            && e.to_string().contains("provider"),
        "{e}"
    );

    let provided = system(json!(["provider"])).await;
    let (s, r) = send(&app, Method::PUT, &t, &provided,
        json!({"answers": {"general_purpose_model": true, "training_compute_flop": 2e25}, "version": 1})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["result"]["gpai"], "gpai_systemic_risk");
    let arts: Vec<&str> = r["result"]["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["article"].as_str().unwrap())
        .collect();
    assert!(
        arts.contains(&"Art. 52") && arts.contains(&"Art. 55"),
        "{arts:?}"
    );
    let (s, e) = send(&app, Method::PUT, &t, &provided,
        json!({"answers": {"general_purpose_model": true, "training_compute_flop": -5}, "version": 2})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e.to_string().contains("answers.training_compute_flop"),
        "{e}"
    );

    let (s, r) = send(
        &app,
        Method::PUT,
        &t,
        &provided,
        json!({"answers": {"generates_intimate_imagery": true}, "version": 2}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["result"]["tier"], "prohibited");
    assert!(r["result"]["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["article"] == "Art. 5" && o["applies_from"] == "2026-12-02"));
}

/// A CISO Assistant edition of ISO 42001 with the built-in's key and a higher version.
const CISO_42001: &str = r#"
urn: urn:test:risk:library:iso42001-2023
ref_id: iso42001-2023
name: ISO 42001 (CISO Assistant)
version: 2
objects:
  framework:
    urn: urn:test:risk:framework:iso42001-2023
    ref_id: iso42001-2023
    name: ISO/IEC 42001 as CISO Assistant ships it
    requirement_nodes:
      - {urn: "urn:test:risk:req_node:iso42001:4", assessable: false, depth: 1, ref_id: "4", name: "Context of\n the organization"}
      - urn: "urn:test:risk:req_node:iso42001:4.1"
        assessable: true
        depth: 2
        parent_urn: "urn:test:risk:req_node:iso42001:4"
        ref_id: "4.1"
        description: "The organization shall determine external and internal issues that are relevant to its purpose and that affect its ability to achieve the intended results of its AI management system, including climate change"
"#;

/// Imports never replace a built-in framework (refused, with the key override offered);
/// titles come out on one line and cut at a word; a duplicate ref_id names both nodes. The
/// OSCAL exports of the imported libraries are kept for CI's schema check.
async fn imported_frameworks_never_replace_built_ins(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let file = app.db.data_dir.join("ciso-42001.yaml");
    std::fs::write(&file, CISO_42001).unwrap();
    let path = file.to_str().unwrap();
    // The shared catalog, from the CLI: refused, and the message offers the key override.
    let (code, _, err) = aims(&app.db, &["catalog", "import", path], None);
    assert_ne!(code, 0);
    assert!(err.contains("built-in") && err.contains("as_key"), "{err}");
    let (code, out, err) = aims(
        &app.db,
        &["catalog", "import", path, "--as-key", "iso42001-ciso"],
        None,
    );
    assert_eq!(code, 0, "{out}{err}");
    // The built-in is untouched.
    let reqs = |key: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let (_, v) = json(
                app.get(
                    admin,
                    &format!("/api/v1/frameworks/{key}/requirements?limit=500"),
                )
                .await,
            )
            .await;
            v
        }
    };
    let builtin = reqs("iso42001-2023").await.to_string();
    assert!(builtin.contains("Understanding the organization and its context"));
    // One-line titles; a title derived from a long description is cut at a word.
    let imported = reqs("iso42001-ciso").await;
    let items = imported["items"]
        .as_array()
        .or(imported.as_array())
        .unwrap()
        .clone();
    let titles: Vec<&str> = items.iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert!(
        titles.contains(&"Context of the organization"),
        "{titles:?}"
    );
    let long = titles
        .iter()
        .find(|t| t.starts_with("The organization shall"))
        .unwrap();
    assert!(long.ends_with('…') && long.chars().count() <= 120, "{long}");
    assert!(!long.trim_end_matches('…').ends_with(' '));
    // Into an organization through the API: refused, then accepted under another key.
    let post = |q: &'static str, body: String| {
        let (app, admin) = (&app, &admin);
        async move {
            json(
                app.client
                    .post(app.url(&format!("/api/v1/frameworks{q}")))
                    .bearer_auth(admin)
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let (s, e) = post("", CISO_42001.to_string()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("built-in"), "{e}");
    let (s, r) = post("?as_key=acme-42001", CISO_42001.to_string()).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    // A duplicate ref_id is refused, naming both nodes.
    let dup = CISO_42001
        .replace("ref_id: \"4.1\"", "ref_id: \"4\"")
        .replace("iso42001-2023", "dup-42001");
    let (s, e) = post("", dup).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let e = e.to_string();
    assert!(
        e.contains("iso42001:4.1") && e.contains("iso42001:4`") && e.contains("ref_id `4`"),
        "{e}"
    );
    // Kept for CI: the OSCAL catalog of every imported library must validate.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("oscal-imports");
    std::fs::create_dir_all(&dir).unwrap();
    let (code, oscal, err) = aims(
        &app.db,
        &["catalog", "export", "iso42001-ciso", "--format", "oscal"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let parsed: Value = serde_json::from_str(&oscal).unwrap();
    assert!(!parsed.to_string().contains("Context of\\n"));
    std::fs::write(dir.join(format!("iso42001-ciso-{b:?}.json")), oscal).unwrap();
}
