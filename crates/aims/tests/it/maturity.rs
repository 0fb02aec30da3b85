//! Maturity self-assessment, evidence-based maturity, gaps, roadmap, budget and the dashboard,
//! through HTTP on SQLite and PostgreSQL.
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
    assessments_scores_gaps_roadmap_and_plan,
    dashboard_and_maturity_pages
);

fn domain<'a>(v: &'a Value, key: &str) -> &'a Value {
    v["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == key)
        .unwrap()
}

async fn assessments_scores_gaps_roadmap_and_plan(b: Backend) {
    let app = &TestApp::start(b).await;
    let m = app.token("acme", "max@acme.test", Role::Manager).await;
    let c = app.token("acme", "carl@acme.test", Role::Contributor).await;
    let (_, q) = json(app.get(&c, "/api/v1/maturity-questions").await).await;
    assert_eq!(q["questions"].as_array().unwrap().len(), 42);
    assert_eq!(q["domains"].as_array().unwrap().len(), 8);
    assert!(q["questions"][0]["levels"].as_array().unwrap().len() == 5);
    // Questions have ids of their own and a correct clause reference (6.2 is AI objectives,
    // not risk assessment).
    assert_eq!(
        (
            q["questions"][0]["id"].as_str(),
            q["questions"][0]["clause"].as_str()
        ),
        (Some("Q1"), Some("4.1"))
    );
    assert_eq!(
        (
            q["questions"][10]["id"].as_str(),
            q["questions"][10]["clause"].as_str()
        ),
        (Some("Q11"), Some("6.1.2"))
    );
    assert_eq!(q["questions"][14]["clause"], "6.2");

    let org = app.store.org_by_slug("acme").await.unwrap().unwrap();
    let before = app.audit_count(org.id).await;
    let (s, p) = send(app, Method::POST, &c, "/api/v1/maturity-assessments", json!({"answered_by": "", "answers": [{"question": "4.1", "level": 7}, {"question": "99.9", "level": 2}]})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["answers[0].level", "answers[1].question", "answered_by"]
    );
    assert_eq!(app.audit_count(org.id).await, before, "nothing stored");

    // The ids of earlier versions (4.1, 6.4 ...) are still understood and stored as Q ids.
    let first = json!({"assessed_on": "2026-06-01", "answered_by": "Carl, Max", "answers": [
        {"question": "4.1", "level": 2}, {"question": "4.3", "level": 3}, {"question": "6.4", "level": 5, "notes": "we think so"}, {"question": "5.2", "level": 1}
    ]});
    let (s, a1) = send(app, Method::POST, &c, "/api/v1/maturity-assessments", first).await;
    assert_eq!(s, StatusCode::CREATED, "{a1}");
    let (_, v) = json(app.get(&c, "/api/v1/roadmap").await).await;
    assert_eq!(domain(&v, "4")["self_score"], 2.5);
    assert_eq!(domain(&v, "6")["self_score"], 5.0);
    assert_eq!(
        domain(&v, "6")["evidence_level"],
        1,
        "no risk, SoA or assessment recorded yet"
    );
    assert_eq!(
        domain(&v, "6")["overclaim"],
        true,
        "claims more than the records show"
    );
    let gaps: Vec<&str> = v["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["question"].as_str().unwrap())
        .collect();
    assert!(
        gaps.contains(&"Q1") && gaps.contains(&"Q7") && !gaps.contains(&"Q3"),
        "{gaps:?}"
    );
    assert_eq!(v["roadmap"].as_array().unwrap().len(), 4);
    assert!(
        v["budget_low"].as_i64().unwrap() > 0
            && v["budget_low"].as_i64() < v["budget_high"].as_i64()
    );
    assert!(v["missing_documents"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d[0] == "5.2"));

    // Records raise the evidence-based level.
    let (_, sys) = send(
        app,
        Method::POST,
        &c,
        "/api/v1/ai-systems",
        json!({"name": "Bot", "lifecycle_stage": "inception", "owner_id": null}),
    )
    .await;
    let (s, _) = send(app, Method::POST, &c, "/api/v1/risks", json!({"name": "Wrong advice", "status": "assessed", "inherent_likelihood": 2, "inherent_impact": 3, "system_ids": [sys["id"]]})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, v2) = json(app.get(&c, "/api/v1/roadmap").await).await;
    assert_eq!(
        domain(&v2, "6")["evidence_level"],
        3,
        "risks registered and all assessed"
    );

    // A second assessment is compared with the first.
    let (s, _) = send(
        app,
        Method::POST,
        &c,
        "/api/v1/maturity-assessments",
        json!({"answered_by": "Carl", "answers": [{"question": "4.1", "level": 4}]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, v3) = json(app.get(&c, "/api/v1/roadmap").await).await;
    assert_eq!(domain(&v3, "4")["self_score"], 4.0);
    assert_eq!(domain(&v3, "4")["previous_score"], 2.5);
    let (_, list) = json(app.get(&c, "/api/v1/maturity-assessments").await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    // The plan: editable by managers, checked, and it moves the target date.
    let (_, p0) = json(app.get(&c, "/api/v1/roadmap/plan").await).await;
    let mut plan = p0["plan"].clone();
    plan["start_date"] = json!("2027-01-01");
    assert_eq!(
        send(
            app,
            Method::PUT,
            &c,
            "/api/v1/roadmap/plan",
            json!({"plan": plan, "version": 0})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let mut bad = plan.clone();
    bad["implementation_months"] = json!(20);
    let (s, p) = send(
        app,
        Method::PUT,
        &m,
        "/api/v1/roadmap/plan",
        json!({"plan": bad, "version": 0}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "implementation_months");
    let (s, _) = send(
        app,
        Method::PUT,
        &m,
        "/api/v1/roadmap/plan",
        json!({"plan": plan, "version": 0}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v4) = json(app.get(&c, "/api/v1/roadmap").await).await;
    assert_eq!(v4["target_date"], "2028-01-01");
    let low = v4["budget_low"].as_i64().unwrap();
    plan["holds_iso27001"] = json!(true);
    send(
        app,
        Method::PUT,
        &m,
        "/api/v1/roadmap/plan",
        json!({"plan": plan, "version": 1}),
    )
    .await;
    let (_, v5) = json(app.get(&c, "/api/v1/roadmap").await).await;
    assert!(
        v5["budget_low"].as_i64().unwrap() < low,
        "ISO 27001 lowers the estimate"
    );
    assert_eq!(
        send(
            app,
            Method::PUT,
            &m,
            "/api/v1/roadmap/plan",
            json!({"plan": plan, "version": 1})
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
}

async fn dashboard_and_maturity_pages(b: Backend) {
    let app = &TestApp::start(b).await;
    let m = app.token("acme", "max@acme.test", Role::Manager).await;
    send(app, Method::POST, &m, "/api/v1/risks", json!({"name": "Leak", "status": "assessed", "inherent_likelihood": 5, "inherent_impact": 5})).await;
    let (_, session) = app.login("max@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (s, html) = app.page(&session, "/o/acme").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Take the maturity self-assessment")
            && html.contains("0 of 38")
            && html.contains("Critical: <strong>1</strong>"),
        "{html}"
    );
    let (s, html) = app.page(&session, "/o/acme/maturity").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<svg") && html.contains("Roadmap to certification"));
    let csrf = csrf_in(&html).unwrap();

    let (_, form) = app.page(&session, "/o/acme/maturity/new").await;
    assert_eq!(form.matches("type=\"radio\"").count(), 42 * 5);
    let r = app
        .post_form(
            &session,
            "/o/acme/maturity/new",
            &[
                ("_csrf", &csrf),
                ("answered_by", "Max"),
                ("assessed_on", "2026-11-01"),
                ("level-Q1", "2"),
                ("level-Q13", "3"),
                ("notes-Q13", "SoA drafted"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .post_form(
            &session,
            "/o/acme/maturity/new",
            &[("_csrf", &csrf), ("answered_by", ""), ("level-Q1", "2")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, html) = app.page(&session, "/o/acme/maturity").await;
    assert!(html.contains("Self-assessment 1 of 2026-11-01 by Max"));

    // A roadmap action becomes a task with an owner and a due date.
    let r = app
        .post_form(
            &session,
            "/o/acme/maturity/task",
            &[
                ("_csrf", &csrf),
                ("question", "Q1"),
                ("due_date", "2027-02-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, tasks) = json(app.get(&m, "/api/v1/tasks").await).await;
    assert_eq!(tasks["items"][0]["due_date"], "2027-02-01");
    assert_eq!(tasks["items"][0]["source"], "roadmap Q1");
    assert!(tasks["items"][0]["owner_id"].is_i64());

    // Reports: printable page with the chart, and the workbook.
    let (s, html) = app.page(&session, "/o/acme/maturity/report").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<svg") && html.contains("Critical gaps") && !html.contains("make it a task")
    );
    let r = app
        .get(&m, "/api/v1/maturity-assessments/latest.xlsx")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");
    let (_, d) = json(app.get(&m, "/api/v1/dashboard").await).await;
    assert_eq!(d["soa"]["total"], 38);
    assert_eq!(d["timeline"].as_array().unwrap().len(), 4);
    assert_eq!(d["maturity"].as_array().unwrap().len(), 8);
    let (s, p) = send(app, Method::POST, &m, "/api/v1/maturity-assessments", json!({"answered_by": "Max", "answers": [{"question": "4.1", "level": 3, "links": ["EV-1", "nonsense"]}]})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "answers[0].links");

    // The plan form checks its numbers.
    let r = app
        .post_form(
            &session,
            "/o/acme/maturity/plan",
            &[
                ("_csrf", &csrf),
                ("version", "0"),
                ("start_date", "2027-01-01"),
                ("gap_analysis_months", "2"),
                ("implementation_months", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
