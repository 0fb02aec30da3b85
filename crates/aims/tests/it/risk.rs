//! The chain an auditor reads first, through the HTTP API on SQLite and PostgreSQL: an AI
//! system, its risk, the control treating it (linked to A.7.4), evidence, the SoA decided,
//! approved and exported; plus acceptance rules, impact assessments and life cycle gates.
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
use std::io::Read;

on_both_backends!(
    system_to_soa_chain,
    acceptance_assessments_gates_and_trace,
    pages_for_risks_soa_evidence_and_assessments,
    no_register_endpoint_crosses_organizations,
);

fn xlsx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut out = String::new();
    for name in ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"] {
        if let Ok(mut f) = zip.by_name(name) {
            f.read_to_string(&mut out).unwrap();
        }
    }
    out
}

async fn system_to_soa_chain(b: Backend) {
    let app = &TestApp::start(b).await;
    let m = app.token("acme", "max@acme.test", Role::Manager).await;
    let other = app.token("beta", "bea@beta.test", Role::Admin).await;
    let a74 = app
        .store
        .requirement_by_ref(None, "iso42001-2023", "A.7.4")
        .await
        .unwrap()
        .unwrap()
        .id;

    let (s, sys) = send(app, Method::POST, &m, "/api/v1/ai-systems", json!({"name": "Credit scoring", "lifecycle_stage": "design_development", "roles": ["provider"]})).await;
    assert_eq!(s, StatusCode::CREATED, "{sys}");
    let (s, p) = send(app, Method::POST, &m, "/api/v1/risks", json!({"name": "Biased training data", "status": "assessed", "inherent_likelihood": 6, "inherent_impact": 4})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a likelihood outside the scale is refused"
    );
    assert_eq!(p["errors"][0]["field"], "inherent_likelihood");
    let (s, risk) = send(app, Method::POST, &m, "/api/v1/risks", json!({
        "name": "Biased training data", "status": "assessed", "risk_source": "C.3.4", "objectives": ["C.2.5"],
        "inherent_likelihood": 4, "inherent_impact": 4, "treatment": "modify", "residual_likelihood": 2, "residual_impact": 3, "system_ids": [sys["id"]]
    })).await;
    assert_eq!(s, StatusCode::CREATED, "{risk}");
    assert_eq!(risk["inherent_score"], 16);
    assert_eq!(risk["residual_score"], 6);
    let (s, ctl) = send(app, Method::POST, &m, "/api/v1/controls", json!({"name": "Data quality gate", "status": "implemented", "requirement_ids": [a74], "risk_ids": [risk["id"]]})).await;
    assert_eq!(s, StatusCode::CREATED, "{ctl}");
    assert_eq!(ctl["reference"], "CTL-1");
    assert!(ctl["requirement_ids"][0]["name"]
        .as_str()
        .unwrap()
        .contains("A.7.4"));
    let (s, _) = send(
        app,
        Method::POST,
        &m,
        "/api/v1/controls",
        json!({"name": "x", "status": "planned", "requirement_ids": [99_999_999]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Evidence: a file stored by its SHA-256, checked on download.
    let (s, ev) = send(app, Method::POST, &m, "/api/v1/evidence", json!({"name": "Data quality report Q3", "kind": "file", "collected_on": "2026-10-01", "valid_until": "2027-10-01", "control_ids": [ctl["id"]]})).await;
    assert_eq!(s, StatusCode::CREATED, "{ev}");
    let content = b"bias check: passed (demographic parity difference 0.02)".to_vec();
    let r = app
        .client
        .put(app.url(&format!(
            "/api/v1/evidence/{}/file?name=report.txt&version=1",
            ev["id"]
        )))
        .bearer_auth(&m)
        .header("content-type", "text/plain")
        .body(content.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let up: Value = r.json().await.unwrap();
    assert_eq!(up["file_size"], content.len());
    let (_, evr) = json(app.get(&m, &format!("/api/v1/evidence/{}", ev["id"])).await).await;
    assert_eq!(evr["expired"], false);
    let sha = up["file_sha256"].as_str().unwrap().to_string();
    let r = app
        .get(&m, &format!("/api/v1/evidence/{}/file", ev["id"]))
        .await;
    assert_eq!(r.headers()["x-content-sha256"].to_str().unwrap(), sha);
    assert_eq!(r.bytes().await.unwrap().to_vec(), content);
    let big = vec![b'x'; aims_service::evidence::MAX_EVIDENCE_BYTES + 1];
    let r = app
        .client
        .put(app.url(&format!(
            "/api/v1/evidence/{}/file?name=big.bin&version=2",
            ev["id"]
        )))
        .bearer_auth(&m)
        .body(big)
        .send()
        .await;
    assert!(r
        .map(|r| r.status() == StatusCode::PAYLOAD_TOO_LARGE)
        .unwrap_or(true));
    assert_eq!(
        app.get(&other, &format!("/api/v1/evidence/{}/file", ev["id"]))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // The SoA: 38 entries; a decision needs a justification either way.
    let (_, soa) = json(app.get(&m, "/api/v1/soa").await).await;
    assert_eq!(soa["total"], 38);
    assert_eq!(soa["complete"], false);
    // At first nothing is decided: 38 problems, listed up to 50.
    assert_eq!(soa["problems_total"], 38, "{}", soa["problems"]);
    assert_eq!(soa["problems"].as_array().unwrap().len(), 38);
    // Sixty risks to "modify" with no control: 98 problems, the first 50 listed, all counted.
    let mut csv = String::from("name,status,treatment\n");
    for i in 0..60 {
        csv.push_str(&format!("Untreated risk {i},identified,modify\n"));
    }
    let r = app
        .client
        .post(app.url("/api/v1/imports/csv?register=risks"))
        .bearer_auth(&m)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (_, soa) = json(app.get(&m, "/api/v1/soa").await).await;
    let untreated_before = soa["problems_total"].as_i64().unwrap() - 38;
    assert!(untreated_before >= 60, "{}", soa["problems_total"]);
    assert_eq!(soa["problems"].as_array().unwrap().len(), 50);
    let entry = soa["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["reference"] == "A.7.4")
        .unwrap()
        .clone();
    assert_eq!(entry["controls"][0]["reference"], "CTL-1");
    assert_eq!(
        entry["evidence_count"], 1,
        "the evidence of the implementing control counts for the entry"
    );
    let path = format!("/api/v1/soa/{}", entry["id"]);
    let before = app
        .audit_count(app.store.org_by_slug("acme").await.unwrap().unwrap().id)
        .await;
    let (s, p) = send(
        app,
        Method::PATCH,
        &m,
        &path,
        json!({"applicable": false, "version": entry["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "justification");
    assert_eq!(
        app.audit_count(app.store.org_by_slug("acme").await.unwrap().unwrap().id)
            .await,
        before
    );
    let (s, dec) = send(app, Method::PATCH, &m, &path, json!({"applicable": true, "justification": "Treats RSK-1: biased training data", "status": "implemented", "version": entry["version"]})).await;
    assert_eq!(s, StatusCode::OK, "{dec}");
    assert_eq!(dec["implemented_controls"], 1);
    // The SoA view read above is cached; the change must show at once.
    let (_, soa) = json(app.get(&m, "/api/v1/soa").await).await;
    let again = soa["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["reference"] == "A.7.4")
        .unwrap();
    assert_eq!(again["justification"], "Treats RSK-1: biased training data");
    let (s, _) = send(
        app,
        Method::PATCH,
        &m,
        &path,
        json!({"applicable": true, "justification": "stale", "version": entry["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        send(
            app,
            Method::PATCH,
            &other,
            &path,
            json!({"applicable": true, "justification": "x", "version": 2})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    // The last editor cannot approve; open problems need a reason, kept in the version.
    let (s, p) = send(
        app,
        Method::POST,
        &m,
        "/api/v1/soa/approve",
        json!({"note": "first SoA", "override_reason": "first cut"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "approver", "{p}");
    let m2 = app.token("acme", "mia@acme.test", Role::Manager).await;
    let (s, p) = send(
        app,
        Method::POST,
        &m2,
        "/api/v1/soa/approve",
        json!({"note": "first SoA"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "override_reason", "{p}");
    let (s, v) = send(
        app,
        Method::POST,
        &m2,
        "/api/v1/soa/approve",
        json!({"note": "first SoA", "override_reason": "a first baseline before the gap analysis"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        v["override_reason"],
        "a first baseline before the gap analysis"
    );
    assert_eq!(v["approved_by_name"], "mia");
    assert_eq!(v["number"], 1);
    let (_, versions) = json(app.get(&m, "/api/v1/soa/versions").await).await;
    let frozen = versions["items"][0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["reference"] == "A.7.4")
        .unwrap()
        .clone();
    assert_eq!(frozen["applicable"], true);

    let r = app.get(&m, "/api/v1/soa/export?format=xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = xlsx_text(&r.bytes().await.unwrap());
    for expect in [
        "A.7.4",
        "Quality of data for AI systems",
        "Applicable",
        "Treats RSK-1: biased training data",
        "CTL-1 Data quality gate (implemented)",
    ] {
        assert!(text.contains(expect), "the XLSX holds {expect}");
    }
    let csv = app
        .get(&m, "/api/v1/soa/export?format=csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 39, "a header and one row per control");
    // The requirement's page shows the organization's control and its evidence.
    let (_, session) = app.login("max@acme.test", PASSWORD).await;
    let (_, html) = app
        .page(&session.unwrap(), &format!("/o/acme/requirements/{a74}"))
        .await;
    assert!(
        html.contains("Data quality gate") && html.contains("Data quality report Q3"),
        "{html}"
    );

    // Coverage sees the control too.
    let (_, cov) = json(
        app.get(&m, "/api/v1/frameworks/iso42001-2023/coverage")
            .await,
    )
    .await;
    assert!(cov["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["ref"] == "A.7.4" && i["status"] == "direct"));
    // Coverage is cached until the organization changes: a new implemented control shows at once.
    let status_of = |cov: &Value, r: &str| {
        cov["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["ref"] == r)
            .map(|i| i["status"].clone())
    };
    assert_eq!(status_of(&cov, "A.7.5"), Some(json!("none")));
    let a75 = app
        .store
        .requirement_by_ref(None, "iso42001-2023", "A.7.5")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (s, _) = send(
        app,
        Method::POST,
        &m,
        "/api/v1/controls",
        json!({"name": "Provenance log", "status": "implemented", "requirement_ids": [a75]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, cov) = json(
        app.get(&m, "/api/v1/frameworks/iso42001-2023/coverage")
            .await,
    )
    .await;
    assert_eq!(status_of(&cov, "A.7.5"), Some(json!("direct")));
}

async fn acceptance_assessments_gates_and_trace(b: Backend) {
    let app = &TestApp::start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let m1 = app.token("acme", "max@acme.test", Role::Manager).await;
    let m2 = app.token("acme", "mia@acme.test", Role::Manager).await;
    let c = app.token("acme", "carl@acme.test", Role::Contributor).await;
    let (_, sys) = send(
        app,
        Method::POST,
        &c,
        "/api/v1/ai-systems",
        json!({"name": "Triage bot", "lifecycle_stage": "verification_validation"}),
    )
    .await;
    let (_, low) = send(app, Method::POST, &c, "/api/v1/risks", json!({"name": "Wrong answers", "status": "assessed", "inherent_likelihood": 3, "inherent_impact": 3, "residual_likelihood": 2, "residual_impact": 3, "system_ids": [sys["id"]]})).await;
    let (_, high) = send(app, Method::POST, &c, "/api/v1/risks", json!({"name": "Missed emergencies", "status": "assessed", "inherent_likelihood": 4, "inherent_impact": 5, "residual_likelihood": 3, "residual_impact": 4})).await;

    // Acceptance: not by a contributor; above the threshold only with top management.
    let ceo = app.user("acme", "ceo@acme.test", Role::Viewer).await.1;
    let accept = |t: &str, r: &Value, top: bool| {
        let acceptor = if top { json!(ceo) } else { Value::Null };
        let body = json!({"reason": "Within appetite after human review", "top_management_acceptor": acceptor, "review_on": "2027-06-30", "version": r["version"]});
        let path = format!("/api/v1/risks/{}/accept", r["id"]);
        let t = t.to_string();
        async move { send(app, Method::POST, &t, &path, body).await }
    };
    assert_eq!(accept(&c, &low, false).await.0, StatusCode::FORBIDDEN);
    let (s, p) = accept(&m1, &high, false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "top_management_acceptor");
    let (s, r) = accept(&m1, &high, true).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["status"], "accepted");
    assert_eq!(r["top_management_acceptance"], true);
    assert_eq!(r["top_management_acceptor"], ceo, "top management named");
    assert_eq!(
        r["next_review"], "2027-06-30",
        "accepted until the review date"
    );
    // Acceptance a day in the past, or by a stranger, is refused, naming the field.
    let (_, fresh) = send(app, Method::POST, &m1, "/api/v1/risks", json!({"name": "Another", "status": "assessed", "inherent_likelihood": 5, "inherent_impact": 5})).await;
    let (s, p) = send(app, Method::POST, &m1, &format!("/api/v1/risks/{}/accept", fresh["id"]), json!({"reason": "x", "review_on": "2001-01-01", "top_management_acceptor": 999_999, "version": fresh["version"]})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["review_on", "top_management_acceptor"], "{p}");
    assert_eq!(accept(&m1, &low, false).await.0, StatusCode::OK);

    // Criteria are the organization's own and checked.
    let (_, cr) = json(app.get(&c, "/api/v1/risk-criteria").await).await;
    let mut bad = cr["criteria"].clone();
    bad["bands"][1]["min"] = json!(7);
    let (s, p) = send(
        app,
        Method::PUT,
        &m1,
        "/api/v1/risk-criteria",
        json!({"criteria": bad, "version": cr["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let (_, heat) = json(app.get(&c, "/api/v1/risks/heatmap").await).await;
    assert!(heat["cells"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["likelihood"] == 4 && x["impact"] == 5 && x["count"] == 1));

    // Impact assessment: draft, entries, review, approval by someone else.
    let (s, ia) = send(
        app,
        Method::POST,
        &m1,
        "/api/v1/impact-assessments",
        json!({"name": "Triage bot AIA", "system_id": sys["id"], "review_interval_months": 12}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{ia}");
    assert_eq!(ia["status"], "draft");
    assert_eq!(ia["assessment_version"], 1);
    let path = |x: &str| format!("/api/v1/impact-assessments/{}{x}", ia["id"]);
    let entry = json!({"party": "individuals", "dimension": "safety", "consequence": "A patient in danger is sent home", "severity": 5, "likelihood": 3, "measures": "Nurse review of every low-priority triage", "residual": "Delays under load"});
    let (s, p) = send(app, Method::PUT, &m1, &path("/entries"), json!({"entries": [{"party": "aliens", "dimension": "safety", "consequence": "x", "severity": 7, "likelihood": 1}], "version": 1})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["entries[0].party", "entries[0].severity"]);
    let (s, ia2) = send(
        app,
        Method::PUT,
        &m1,
        &path("/entries"),
        json!({"entries": [entry], "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{ia2}");
    let (s, sub) = send(
        app,
        Method::POST,
        &m1,
        &path("/submit"),
        json!({"version": ia2["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, p) = send(
        app,
        Method::POST,
        &m1,
        &path("/approve"),
        json!({"version": sub["version"]}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the author cannot approve: {p}"
    );
    assert_eq!(
        send(
            app,
            Method::POST,
            &c,
            &path("/approve"),
            json!({"version": sub["version"]})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, appr) = send(
        app,
        Method::POST,
        &m2,
        &path("/approve"),
        json!({"version": sub["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{appr}");
    assert_eq!(appr["status"], "approved");
    assert_eq!(
        send(
            app,
            Method::PATCH,
            &m1,
            &path(""),
            json!({"summary": "edit after approval", "version": appr["version"]})
        )
        .await
        .0,
        StatusCode::CONFLICT
    );

    // One step from a high finding to a risk in the register.
    let (s, raised) = send(app, Method::POST, &c, &path("/entries/0/risk"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{raised}");
    assert_eq!(raised["status"], "identified");
    assert_eq!(raised["system_ids"][0]["id"], sys["id"]);

    // Gates: deployment needs an approved assessment and every linked risk assessed.
    let sys_path = format!("/api/v1/ai-systems/{}", sys["id"]);
    let (s, p) = send(
        app,
        Method::PATCH,
        &c,
        &sys_path,
        json!({"lifecycle_stage": "deployment", "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "lifecycle_stage");
    let msg = p["errors"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains(raised["reference"].as_str().unwrap()) && !msg.contains("impact assessment"),
        "{msg}"
    );
    let (_, fix) = send(
        app,
        Method::PATCH,
        &c,
        &format!("/api/v1/risks/{}", raised["id"]),
        json!({"status": "assessed", "version": raised["version"]}),
    )
    .await;
    assert_eq!(fix["status"], "assessed");
    let (s, moved) = send(
        app,
        Method::PATCH,
        &c,
        &sys_path,
        json!({"lifecycle_stage": "deployment", "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    // The approved assessment is now due again: the system changed stage.
    let (_, again) = json(app.get(&c, &path("")).await).await;
    assert!(
        again["reassessment_due"][0]
            .as_str()
            .unwrap()
            .contains("verification validation to deployment"),
        "{again}"
    );
    // The gate can be switched off by an admin, and that is audited.
    let (_, sys2) = send(
        app,
        Method::POST,
        &c,
        "/api/v1/ai-systems",
        json!({"name": "Side project", "lifecycle_stage": "inception"}),
    )
    .await;
    let sys2_path = format!("/api/v1/ai-systems/{}", sys2["id"]);
    assert_eq!(
        send(
            app,
            Method::PATCH,
            &c,
            &sys2_path,
            json!({"lifecycle_stage": "operation_monitoring", "version": 1})
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        send(
            app,
            Method::PUT,
            &m1,
            "/api/v1/settings/lifecycle-gates",
            json!({"enabled": false, "version": 0})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, _) = send(
        app,
        Method::PUT,
        &admin,
        "/api/v1/settings/lifecycle-gates",
        json!({"enabled": false, "version": 0}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        send(
            app,
            Method::PATCH,
            &c,
            &sys2_path,
            json!({"lifecycle_stage": "operation_monitoring", "version": 1})
        )
        .await
        .0,
        StatusCode::OK
    );
    let (_, ev) = json(
        app.get(&admin, "/api/v1/audit-events?entity_type=org_settings")
            .await,
    )
    .await;
    assert_eq!(ev["items"].as_array().unwrap().len(), 1);

    // Traceability both ways.
    let a74 = app
        .store
        .requirement_by_ref(None, "iso42001-2023", "A.7.4")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (_, ctl) = send(app, Method::POST, &c, "/api/v1/controls", json!({"name": "Clinical review", "status": "implemented", "requirement_ids": [a74], "risk_ids": [low["id"]]})).await;
    let (_, t) = json(app.get(&c, &format!("{sys_path}/trace")).await).await;
    assert!(
        t["risks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == low["id"]),
        "{t}"
    );
    assert_eq!(t["controls"][0]["id"], ctl["id"]);
    assert!(t["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["ref"] == "A.7.4"));
    assert_eq!(t["impact_assessments"][0]["id"], ia["id"]);
    let art10 = app
        .store
        .requirement_by_ref(None, "eu-ai-act-2024", "Art. 10")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (_, back) = json(
        app.get(&c, &format!("/api/v1/requirements/{art10}/trace"))
            .await,
    )
    .await;
    assert_eq!(
        back["controls"][0]["id"], ctl["id"],
        "Art. 10 reaches the control through the A.7.4 crosswalk"
    );
    assert_eq!(back["systems"][0]["id"], sys["id"]);
}

async fn pages_for_risks_soa_evidence_and_assessments(b: Backend) {
    let app = &TestApp::start(b).await;
    let m = app.token("acme", "max@acme.test", Role::Manager).await;
    app.user("acme", "mia@acme.test", Role::Manager).await;
    let (_, sys) = send(
        app,
        Method::POST,
        &m,
        "/api/v1/ai-systems",
        json!({"name": "Triage bot", "lifecycle_stage": "design_development"}),
    )
    .await;
    let (_, risk) = send(app, Method::POST, &m, "/api/v1/risks", json!({"name": "Missed emergencies", "status": "assessed", "inherent_likelihood": 4, "inherent_impact": 5, "residual_likelihood": 2, "residual_impact": 2, "system_ids": [sys["id"]]})).await;
    let (_, ev) = send(
        app,
        Method::POST,
        &m,
        "/api/v1/evidence",
        json!({"name": "Review minutes", "kind": "file", "valid_until": "2020-01-01"}),
    )
    .await;
    let (_, ia) = send(
        app,
        Method::POST,
        &m,
        "/api/v1/impact-assessments",
        json!({"name": "Triage AIA", "system_id": sys["id"]}),
    )
    .await;
    let (_, session) = app.login("max@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (s, html) = app.page(&session, "/o/acme/risks/heatmap").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<svg") && html.contains("inherent_likelihood=4&amp;inherent_impact=5"),
        "cells link to their risks"
    );
    let (_, list) = app
        .page(
            &session,
            "/o/acme/inventory/risks?inherent_likelihood=4&inherent_impact=5",
        )
        .await;
    assert!(list.contains("Missed emergencies"));
    let csrf = csrf_in(&html).unwrap();

    // Accept from the risk's page.
    let r = app
        .post_form(
            &session,
            &format!("/o/acme/inventory/risks/{}/accept", risk["id"]),
            &[("_csrf", &csrf), ("version", "1"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            &session,
            &format!("/o/acme/inventory/risks/{}/accept", risk["id"]),
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("reason", "Nurse review in place"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The SoA page: a decision without justification is refused beside the table; a good one saved.
    let (_, html) = app.page(&session, "/o/acme/soa").await;
    assert!(html.contains("A.2.2") && html.contains("completeness problems"));
    let (_, soa) = json(app.get(&m, "/api/v1/soa").await).await;
    let e = soa["items"][0].clone();
    let r = app
        .post_form(
            &session,
            &format!("/o/acme/soa/{}", e["id"]),
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("applicable", "no"),
                ("justification", ""),
                ("status", "not_started"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("justification is required"));
    let r = app
        .post_form(
            &session,
            &format!("/o/acme/soa/{}", e["id"]),
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("applicable", "yes"),
                ("justification", "Our AI policy is the base of the AIMS"),
                ("status", "implemented"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The one who decided last cannot approve; another manager can, saying why despite the problems.
    let r = app
        .post_form(
            &session,
            "/o/acme/soa/approve",
            &[
                ("_csrf", &csrf),
                ("note", "management review"),
                ("override_reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("id=\"approver-error\""));
    let (_, mia) = app.login("mia@acme.test", PASSWORD).await;
    let mia = mia.unwrap();
    let (_, mh) = app.page(&mia, "/o/acme/soa").await;
    let mia_csrf = csrf_in(&mh).unwrap();
    let r = app
        .post_form(
            &mia,
            "/o/acme/soa/approve",
            &[("_csrf", &mia_csrf), ("note", "management review")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("id=\"override_reason-error\""));
    for note in ["management review", "second"] {
        let r = app
            .post_form(
                &mia,
                "/o/acme/soa/approve",
                &[
                    ("_csrf", &mia_csrf),
                    ("note", note),
                    ("override_reason", "the baseline"),
                ],
            )
            .await;
        let status = r.status();
        assert_eq!(status, StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    }
    let (s, cmp) = app.page(&session, "/o/acme/soa/compare?a=1&b=2").await;
    assert_eq!(s, StatusCode::OK);
    assert!(cmp.contains("Version 1") && cmp.contains("Our AI policy is the base of the AIMS"));
    assert_eq!(
        app.page(&session, "/o/acme/soa/compare?a=1&b=9").await.0,
        StatusCode::NOT_FOUND
    );
    let (_, html) = app.page(&session, "/o/acme/soa/print").await;
    assert!(
        html.contains("Our AI policy is the base of the AIMS")
            && !html.contains("<form method=\"post\" action=\"/o/acme/soa/")
    );

    // Evidence: upload through the page, download checks the hash; an expired one is flagged.
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("version", "1")
        .part(
            "file",
            reqwest::multipart::Part::text("minutes of 2026-11-20")
                .file_name("minutes.txt")
                .mime_str("text/plain")
                .unwrap(),
        );
    let r = app
        .client
        .post(app.url(&format!("/o/acme/inventory/evidence/{}/file", ev["id"])))
        .header("cookie", format!("aims_session={session}"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app
        .page(
            &session,
            &format!("/o/acme/inventory/evidence/{}", ev["id"]),
        )
        .await;
    assert!(html.contains("past its") && html.contains("Download file"));
    let (s, body) = app
        .page(
            &session,
            &format!("/o/acme/inventory/evidence/{}/file", ev["id"]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, "minutes of 2026-11-20");
    // Tampering with the stored file is caught on download.
    let (_, rec) = json(app.get(&m, &format!("/api/v1/evidence/{}", ev["id"])).await).await;
    let sha = rec["file_sha256"].as_str().unwrap();
    std::fs::write(
        app.db.data_dir.join("evidence").join(&sha[..2]).join(sha),
        "forged",
    )
    .unwrap();
    assert_eq!(
        app.get(&m, &format!("/api/v1/evidence/{}/file", ev["id"]))
            .await
            .status(),
        StatusCode::CONFLICT
    );

    // Impact assessment through the page: a finding, review, approval by someone else.
    let ia_path = format!("/o/acme/inventory/impact-assessments/{}", ia["id"]);
    let r = app
        .post_form(
            &session,
            &format!("{ia_path}/entries"),
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("party", "individuals"),
                ("dimension", "safety"),
                ("consequence", "A patient is under-triaged"),
                ("severity", "5"),
                ("likelihood", "3"),
                ("measures", "Nurse review"),
                ("residual", "Delays"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .post_form(
            &session,
            &format!("{ia_path}/step/submit"),
            &[("_csrf", &csrf), ("version", "2")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .post_form(
            &session,
            &format!("{ia_path}/step/approve"),
            &[("_csrf", &csrf), ("version", "3")],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the author cannot approve"
    );
    let (_, other) = app.login("mia@acme.test", PASSWORD).await;
    let other = other.unwrap();
    let (_, html) = app.page(&other, &ia_path).await;
    let ocsrf = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &other,
            &format!("{ia_path}/step/approve"),
            &[("_csrf", &ocsrf), ("version", "3")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&other, &ia_path).await;
    assert!(html.contains("approved") && html.contains("Raise a risk"));

    // Traceability pages.
    let (s, html) = app
        .page(&session, &format!("/o/acme/trace/ai-systems/{}", sys["id"]))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Missed emergencies") && html.contains("Triage AIA"));
    let a74 = app
        .store
        .requirement_by_ref(None, "iso42001-2023", "A.7.4")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        app.page(&session, &format!("/o/acme/trace/requirements/{a74}"))
            .await
            .0,
        StatusCode::OK
    );
}

/// Every register endpoint, and every action on a record, with another organization's ids:
/// not found, and nothing of the other organization changes.
async fn no_register_endpoint_crosses_organizations(b: Backend) {
    let app = &TestApp::start(b).await;
    let a = app.token("alpha", "ann@alpha.test", Role::Admin).await;
    let bt = app.token("beta", "bea@beta.test", Role::Admin).await;
    let beta = app.store.org_by_slug("beta").await.unwrap().unwrap();
    let (_, sys) = send(
        app,
        Method::POST,
        &bt,
        "/api/v1/ai-systems",
        json!({"name": "Beta system", "lifecycle_stage": "inception"}),
    )
    .await;
    let mut ids = vec![("ai-systems", sys["id"].clone())];
    for (path, body) in [
        ("models", json!({"name": "Beta model"})),
        ("datasets", json!({"name": "Beta data"})),
        ("suppliers", json!({"name": "Beta supplier"})),
        (
            "risks",
            json!({"name": "Beta risk", "status": "assessed", "inherent_likelihood": 2, "inherent_impact": 2}),
        ),
        (
            "controls",
            json!({"name": "Beta control", "status": "implemented"}),
        ),
        ("evidence", json!({"name": "Beta evidence", "kind": "file"})),
        (
            "impact-assessments",
            json!({"name": "Beta AIA", "system_id": sys["id"]}),
        ),
    ] {
        let (s, rec) = send(app, Method::POST, &bt, &format!("/api/v1/{path}"), body).await;
        assert_eq!(s, StatusCode::CREATED, "{path}: {rec}");
        ids.push((path, rec["id"].clone()));
    }
    let before = app.audit_count(beta.id).await;
    for (path, id) in &ids {
        let one = format!("/api/v1/{path}/{id}");
        assert_eq!(
            app.get(&a, &one).await.status(),
            StatusCode::NOT_FOUND,
            "{one}"
        );
        assert_eq!(
            app.send_json(
                Method::PATCH,
                &a,
                &one,
                &json!({"name": "taken", "version": 1})
            )
            .await
            .status(),
            StatusCode::NOT_FOUND,
            "{one}"
        );
        assert_eq!(
            app.client
                .delete(app.url(&one))
                .bearer_auth(&a)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::NOT_FOUND,
            "{one}"
        );
        let (_, list) = json(app.get(&a, &format!("/api/v1/{path}")).await).await;
        assert!(list["items"].as_array().unwrap().is_empty(), "{path}");
    }
    let id = |p: &str| ids.iter().find(|(x, _)| *x == p).unwrap().1.clone();
    let not_found: Vec<(Method, String, Value)> = vec![
        (
            Method::GET,
            format!("/api/v1/ai-systems/{}/classification", id("ai-systems")),
            json!(null),
        ),
        (
            Method::PUT,
            format!("/api/v1/ai-systems/{}/classification", id("ai-systems")),
            json!({"answers": {}, "version": 1}),
        ),
        (
            Method::GET,
            format!("/api/v1/ai-systems/{}/cyclonedx", id("ai-systems")),
            json!(null),
        ),
        (
            Method::GET,
            format!("/api/v1/ai-systems/{}/trace", id("ai-systems")),
            json!(null),
        ),
        (
            Method::POST,
            format!("/api/v1/risks/{}/accept", id("risks")),
            json!({"reason": "x", "version": 1}),
        ),
        (
            Method::PUT,
            format!(
                "/api/v1/impact-assessments/{}/entries",
                id("impact-assessments")
            ),
            json!({"entries": [], "version": 1}),
        ),
        (
            Method::POST,
            format!(
                "/api/v1/impact-assessments/{}/submit",
                id("impact-assessments")
            ),
            json!({"version": 1}),
        ),
        (
            Method::POST,
            format!(
                "/api/v1/impact-assessments/{}/entries/0/risk",
                id("impact-assessments")
            ),
            json!({}),
        ),
        (
            Method::GET,
            format!("/api/v1/evidence/{}/file", id("evidence")),
            json!(null),
        ),
    ];
    for (m, path, body) in not_found {
        let r = if body.is_null() {
            app.client
                .request(m.clone(), app.url(&path))
                .bearer_auth(&a)
                .send()
                .await
                .unwrap()
        } else {
            app.send_json(m.clone(), &a, &path, &body).await
        };
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{m} {path}");
    }
    let r = app
        .client
        .put(app.url(&format!(
            "/api/v1/evidence/{}/file?name=x.txt&version=1",
            id("evidence")
        )))
        .bearer_auth(&a)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Links and references to another organization's records are refused.
    for (path, body) in [
        (
            "risks",
            json!({"name": "x", "status": "identified", "system_ids": [id("ai-systems")]}),
        ),
        (
            "controls",
            json!({"name": "x", "status": "planned", "risk_ids": [id("risks")], "evidence_ids": [id("evidence")]}),
        ),
        (
            "impact-assessments",
            json!({"name": "x", "system_id": id("ai-systems")}),
        ),
    ] {
        let (s, p) = send(app, Method::POST, &a, &format!("/api/v1/{path}"), body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {p}");
    }
    assert_eq!(app.client.post(app.url(&format!("/api/v1/imports/cyclonedx?system_id={}", id("ai-systems")))).bearer_auth(&a).header("content-type", "application/json")
        .body(json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "data", "name": "d"}]}).to_string()).send().await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, soa_b) = json(app.get(&bt, "/api/v1/soa").await).await;
    let entry = soa_b["items"][0]["id"].clone();
    assert_eq!(
        app.send_json(
            Method::PATCH,
            &a,
            &format!("/api/v1/soa/{entry}"),
            &json!({"applicable": true, "justification": "x", "version": 1})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.audit_count(beta.id).await,
        before,
        "nothing of beta changed"
    );
}
