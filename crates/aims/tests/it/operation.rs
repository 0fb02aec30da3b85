//! Planning of changes, competence and AI literacy, incidents with the EU AI Act's deadlines,
//! and post-market monitoring (issue 15), through the API and the pages, on SQLite and
//! PostgreSQL, with a fixed clock (the deadlines count from it).

use crate::harness::*;
use aims_domain::Role;
use chrono::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    deadlines_follow_the_shortest_clock_and_the_hand_off,
    bad_incident_input_is_refused_and_writes_nothing,
    the_hold_warns_on_changes_and_life_cycle_moves,
    an_approved_change_flags_reassessment_and_review,
    a_training_closes_a_competence_gap,
    concerns_become_incidents_and_incidents_raise_nonconformities,
);

/// 1 December 2026, 09:00 UTC.
fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

async fn start(b: Backend) -> TestApp {
    TestApp::start_with_clock(b, std::sync::Arc::new(aims_domain::FixedClock(now()))).await
}

async fn session(app: &TestApp, email: &str) -> String {
    let (_, session) = app.login(email, PASSWORD).await;
    session.expect("signed in")
}

async fn create(app: &TestApp, t: &str, path: &str, body: Value) -> Value {
    let (s, r) = send(app, Method::POST, t, path, body).await;
    assert_eq!(s, StatusCode::CREATED, "{path}: {r}");
    r
}

async fn incident(app: &TestApp, t: &str, extra: Value) -> i64 {
    let mut body = json!({"name": "Wrong triage", "severity": "high", "status": "open"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    create(app, t, "/api/v1/incidents", body).await["id"]
        .as_i64()
        .unwrap()
}

async fn answer(app: &TestApp, t: &str, id: i64, answers: Value) -> Value {
    let (_, rec) = json(app.get(t, &format!("/api/v1/incidents/{id}")).await).await;
    let mut body = answers;
    body["version"] = rec["version"].clone();
    let (s, r) = send(
        app,
        Method::PUT,
        t,
        &format!("/api/v1/incidents/{id}/serious-test"),
        body,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r
}

async fn event(app: &TestApp, t: &str, id: i64, body: Value) -> (StatusCode, Value) {
    send(
        app,
        Method::POST,
        t,
        &format!("/api/v1/incidents/{id}/timeline"),
        body,
    )
    .await
}

async fn deadline(app: &TestApp, t: &str, id: i64) -> (StatusCode, Value) {
    json(
        app.get(t, &format!("/api/v1/incidents/{id}/deadline"))
            .await,
    )
    .await
}

async fn deadlines_follow_the_shortest_clock_and_the_hand_off(b: Backend) {
    let app = start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    // Aware since 08:00 today: each answer gives its clock, the shortest applying.
    for (answers, days, rule) in [
        (json!({"health": true}), 15, "Art. 73(2)"),
        (json!({"health": true, "death": true}), 10, "Art. 73(4)"),
        (
            json!({"death": true, "infrastructure": true}),
            2,
            "Art. 73(3)",
        ),
        (json!({"rights": true, "widespread": true}), 2, "Art. 73(3)"),
    ] {
        let id = incident(&app, &t, json!({})).await;
        let mut a = answers.clone();
        a["reporting_role"] = json!("provider");
        let rec = answer(&app, &t, id, a).await;
        assert_eq!(rec["serious"], true, "{rec}");
        assert_eq!(
            rec["assessed_on"], "2026-12-01",
            "who answered and when are kept: {rec}"
        );
        assert!(rec["assessed_by"].is_i64(), "{rec}");
        let (s, e) = event(
            &app,
            &t,
            id,
            json!({"kind": "became_aware", "at": "2026-12-01T08:00"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        let (s, d) = deadline(&app, &t, id).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(
            (d["days"].as_i64(), d["rule"].as_str()),
            (Some(days), Some(rule)),
            "{answers}: {d}"
        );
        let due = (chrono::Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap()
            + chrono::Duration::days(days))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        assert_eq!(d["due_at"], json!(due));
        assert_eq!(d["hold"], true, "serious and not reported: the hold stands");
    }
    // The death's clock on the dashboard: 9 days 23 hours left at 09:00.
    let (_, dash) = json(app.get(&t, "/api/v1/dashboard").await).await;
    let list = dash["incident_deadlines"].as_array().unwrap();
    assert_eq!(list.len(), 4, "{dash}");
    let ten = list.iter().find(|d| d["days"] == 10).unwrap();
    assert_eq!(ten["left"], "9 days 23 hours", "{ten}");
    let session = session(&app, "mia@acme.test").await;
    let (_, html) = app.page(&session, "/o/acme").await;
    assert!(
        html.contains("9 days 23 hours left</span> of the 10-day deadline"),
        "the dashboard counts down"
    );

    // A deployer informs the provider; if it cannot reach it, the report becomes ours.
    let id = incident(&app, &t, json!({})).await;
    answer(
        &app,
        &t,
        id,
        json!({"death": true, "reporting_role": "deployer"}),
    )
    .await;
    event(
        &app,
        &t,
        id,
        json!({"kind": "became_aware", "at": "2026-11-30T09:00"}),
    )
    .await;
    assert_eq!(deadline(&app, &t, id).await.1["duty"], "inform_provider");
    let (s, _) = event(&app, &t, id, json!({"kind": "provider_unreachable", "at": "2026-11-30T12:00", "note": "No answer on the provider's incident line."})).await;
    assert_eq!(s, StatusCode::CREATED);
    let d = deadline(&app, &t, id).await.1;
    assert_eq!(
        (d["duty"].as_str(), d["days"].as_i64()),
        (Some("report"), Some(10)),
        "{d}"
    );
    assert_eq!(
        d["due_at"], "2026-12-10T09:00:00Z",
        "counted from awareness, not from the hand-off"
    );
    assert!(
        d["summary"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{d}"
    );
    // An incomplete initial report meets the deadline; the complete one is still to follow.
    let (s, p) = event(
        &app,
        &t,
        id,
        json!({"kind": "initial_report", "at": "2026-12-01T08:30"}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a report names its authority: {p}"
    );
    let (s, _) = event(&app, &t, id, json!({"kind": "initial_report", "at": "2026-12-01T08:30", "authority": "Bundesnetzagentur (DE)", "reference": "MSA-1"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let d = deadline(&app, &t, id).await.1;
    assert_eq!(
        (
            d["complete_outstanding"].as_bool(),
            d["missed"].as_bool(),
            d["hold"].as_bool()
        ),
        (Some(true), Some(false), Some(false)),
        "{d}"
    );
    event(
        &app,
        &t,
        id,
        json!({"kind": "complete_report", "authority": "Bundesnetzagentur (DE)"}),
    )
    .await;
    let d = deadline(&app, &t, id).await.1;
    assert_eq!(d["complete_outstanding"], false, "{d}");
    let (_, rec) = json(app.get(&t, &format!("/api/v1/incidents/{id}")).await).await;
    assert_eq!(rec["reported_at"], "2026-12-01T08:30:00Z", "{rec}");

    // A later clock: the 2-day reports are missed and counted.
    let later = app
        .second_server_at(std::sync::Arc::new(aims_domain::FixedClock(
            now() + chrono::Duration::days(3),
        )))
        .await;
    let res = reqwest::Client::new()
        .get(format!("{later}/api/v1/incident-deadlines"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    let open: Value = res.json().await.unwrap();
    let overdue = open
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["overdue"] == true)
        .count();
    assert_eq!(overdue, 2, "{open}");
}

async fn bad_incident_input_is_refused_and_writes_nothing(b: Backend) {
    let app = start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    let other = app.token("globex", "gus@globex.test", Role::Admin).await;
    let id = incident(&app, &t, json!({})).await;
    answer(
        &app,
        &t,
        id,
        json!({"death": true, "reporting_role": "provider"}),
    )
    .await;
    let (org_id, _) = app.user("acme", "mia@acme.test", Role::Manager).await;
    let before = app.audit_count(org_id).await;
    let (s, p) = deadline(&app, &t, id).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no awareness time, no deadline: {p}"
    );
    assert_eq!(p["errors"][0]["field"], "became_aware", "{p}");
    for (body, field) in [
        (
            json!({"kind": "became_aware", "at": "2026-12-02T08:00"}),
            "at",
        ),
        (json!({"kind": "became_aware", "at": "yesterday"}), "at"),
        (json!({"kind": "went_wrong"}), "kind"),
        (json!({"kind": "provider_informed"}), "kind"),
        (json!({"kind": "complete_report"}), "authority"),
    ] {
        let (s, p) = event(&app, &t, id, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {p}");
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    let (s, _) = event(
        &app,
        &other,
        id,
        json!({"kind": "note", "note": "not yours"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another organization's incident");
    let (s, _) = send(
        &app,
        Method::PUT,
        &t,
        &format!("/api/v1/incidents/{id}/serious-test"),
        json!({"reporting_role": "bystander", "version": 99}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, p) = send(
        &app,
        Method::PATCH,
        &t,
        &format!("/api/v1/incidents/{id}"),
        json!({"serious": false, "version": 2}),
    )
    .await;
    assert!(
        s.is_client_error(),
        "the test's result is not an input: {p}"
    );
    assert_eq!(app.audit_count(org_id).await, before, "nothing written");
    let (_, timeline) = json(
        app.get(&t, &format!("/api/v1/incidents/{id}/timeline"))
            .await,
    )
    .await;
    assert_eq!(timeline, json!([]));
    let viewer = app.token("acme", "val@acme.test", Role::Viewer).await;
    let (s, _) = event(&app, &viewer, id, json!({"kind": "note"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "roles are checked in the service");
}

async fn the_hold_warns_on_changes_and_life_cycle_moves(b: Backend) {
    let app = start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    let sys = create(
        &app,
        &t,
        "/api/v1/ai-systems",
        json!({"name": "Triage assistant", "lifecycle_stage": "design_development"}),
    )
    .await;
    let id = incident(&app, &t, json!({"system_ids": [sys["id"]]})).await;
    answer(
        &app,
        &t,
        id,
        json!({"health": true, "reporting_role": "provider"}),
    )
    .await;
    event(
        &app,
        &t,
        id,
        json!({"kind": "became_aware", "at": "2026-12-01T07:00"}),
    )
    .await;
    let change = create(
        &app,
        &t,
        "/api/v1/changes",
        json!({"name": "Retrain the model", "status": "proposed", "system_ids": [sys["id"]]}),
    )
    .await;
    let w = change["warnings"]
        .as_array()
        .expect("a change touching a held system warns");
    assert!(w[0].as_str().unwrap().contains("Art. 73(6)"), "{w:?}");
    // Saved through its form, the change's success message carries the warning.
    let session = session(&app, "mia@acme.test").await;
    let (_, form) = app
        .page(
            &session,
            &format!("/o/acme/inventory/changes/{}/edit", change["id"]),
        )
        .await;
    let csrf = csrf_in(&form).unwrap();
    let version = change["version"].to_string();
    let r = app
        .post_form(
            &session,
            &format!("/o/acme/inventory/changes/{}", change["id"]),
            &[
                ("_csrf", &csrf),
                ("version", &version),
                ("name", "Retrain the model on new data"),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let flash = set_cookie_value(r.headers(), "aims_flash").unwrap_or_default();
    let html = app
        .client
        .get(app.url(&location))
        .header(
            reqwest::header::COOKIE,
            format!("aims_session={session}; aims_flash={flash}"),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("saved. Warning: AIS-1 is on hold for serious incident INC-1"),
        "the message warns"
    );
    let (_, s1) = json(
        app.get(&t, &format!("/api/v1/ai-systems/{}", sys["id"]))
            .await,
    )
    .await;
    let (s, moved) = send(
        &app,
        Method::PATCH,
        &t,
        &format!("/api/v1/ai-systems/{}", sys["id"]),
        json!({"lifecycle_stage": "re_evaluation", "version": s1["version"]}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the hold warns, it does not refuse: {moved}"
    );
    assert!(moved["warnings"].to_string().contains("INC-1"), "{moved}");
    let (s, same) = send(
        &app,
        Method::PATCH,
        &t,
        &format!("/api/v1/ai-systems/{}", sys["id"]),
        json!({"name": "Triage assistant 2", "version": moved["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        same.get("warnings").is_none(),
        "a rename is no life-cycle move: {same}"
    );
    let (_, page) = app
        .page(
            &session,
            &format!("/o/acme/inventory/ai-systems/{}", sys["id"]),
        )
        .await;
    assert!(
        page.contains("is on hold for serious incident INC-1"),
        "the system page shows the hold"
    );
    // Once the authority is informed the hold ends.
    event(
        &app,
        &t,
        id,
        json!({"kind": "initial_report", "authority": "AESIA (ES)"}),
    )
    .await;
    let (_, c2) = json(
        app.get(&t, &format!("/api/v1/changes/{}", change["id"]))
            .await,
    )
    .await;
    let (s, saved) = send(
        &app,
        Method::PATCH,
        &t,
        &format!("/api/v1/changes/{}", change["id"]),
        json!({"purpose": "Fix the triage", "version": c2["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(saved.get("warnings").is_none(), "{saved}");
}

async fn an_approved_change_flags_reassessment_and_review(b: Backend) {
    let app = start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    let t2 = app.token("acme", "max@acme.test", Role::Manager).await;
    let sys = create(
        &app,
        &t,
        "/api/v1/ai-systems",
        json!({"name": "Credit scorer", "lifecycle_stage": "design_development"}),
    )
    .await;
    let risk = create(
        &app,
        &t,
        "/api/v1/risks",
        json!({"name": "Unfair refusals", "status": "identified", "system_ids": [sys["id"]]}),
    )
    .await;
    let doc = create(
        &app,
        &t,
        "/api/v1/documents",
        json!({"name": "Scoring procedure", "kind": "procedure"}),
    )
    .await;
    let ia = create(
        &app,
        &t,
        "/api/v1/impact-assessments",
        json!({"name": "Scorer AIA", "system_id": sys["id"]}),
    )
    .await;
    let path = |x: &str| format!("/api/v1/impact-assessments/{}{x}", ia["id"]);
    let (_, sub) = send(
        &app,
        Method::POST,
        &t,
        &path("/submit"),
        json!({"version": ia["version"]}),
    )
    .await;
    let (s, ok) = send(
        &app,
        Method::POST,
        &t2,
        &path("/approve"),
        json!({"version": sub["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{ok}");
    let change = create(&app, &t, "/api/v1/changes", json!({"name": "New income data source", "status": "proposed", "system_ids": [sys["id"]], "document_ids": [doc["id"]]})).await;
    let (s, p) = send(
        &app,
        Method::PATCH,
        &t,
        &format!("/api/v1/changes/{}", change["id"]),
        json!({"status": "approved", "version": change["version"]}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "approval is a step: {p}"
    );
    assert_eq!(p["errors"][0]["field"], "status");
    let viewer = app.token("acme", "val@acme.test", Role::Contributor).await;
    let (s, _) = send(
        &app,
        Method::POST,
        &viewer,
        &format!("/api/v1/changes/{}/approve", change["id"]),
        json!({"version": change["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, ia_before) = json(app.get(&t, &path("")).await).await;
    assert_eq!(ia_before["reassessment_due"], json!([]), "{ia_before}");
    let session = session(&app, "mia@acme.test").await;
    let (_, page) = app
        .page(
            &session,
            &format!("/o/acme/inventory/changes/{}", change["id"]),
        )
        .await;
    assert!(
        page.contains(&format!("/o/acme/changes/{}/approve", change["id"])),
        "a manager sees the Approve step on the change's page"
    );
    let (s, approved) = send(
        &app,
        Method::POST,
        &t,
        &format!("/api/v1/changes/{}/approve", change["id"]),
        json!({"version": change["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{approved}");
    assert_eq!(
        (
            approved["status"].as_str(),
            approved["approved_on"].as_str()
        ),
        (Some("approved"), Some("2026-12-01"))
    );
    let (s, _) = send(
        &app,
        Method::POST,
        &t,
        &format!("/api/v1/changes/{}/approve", change["id"]),
        json!({"version": approved["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "approved once");
    for p in [path(""), format!("/api/v1/risks/{}", risk["id"])] {
        let (_, r) = json(app.get(&t, &p).await).await;
        assert!(
            r["reassessment_due"].to_string().contains("change CHG-1"),
            "{p}: {r}"
        );
    }
    let (_, d) = json(
        app.get(&t, &format!("/api/v1/documents/{}", doc["id"]))
            .await,
    )
    .await;
    assert!(d["review_due"].to_string().contains("change CHG-1"), "{d}");
    let (_, page) = app
        .page(&session, &format!("/o/acme/inventory/risks/{}", risk["id"]))
        .await;
    assert!(
        page.contains("Re-assessment due: change CHG-1"),
        "the risk's page says why it is due"
    );
    // Re-assessing the risk the day after clears its flag.
    let later = app
        .second_server_at(std::sync::Arc::new(aims_domain::FixedClock(
            now() + chrono::Duration::days(1),
        )))
        .await;
    let client = reqwest::Client::new();
    let (_, r) = json(app.get(&t, &format!("/api/v1/risks/{}", risk["id"])).await).await;
    let res = client
        .patch(format!("{later}/api/v1/risks/{}", risk["id"]))
        .bearer_auth(&t)
        .json(&json!({"inherent_likelihood": 3, "inherent_impact": 3, "status": "assessed", "version": r["version"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (_, r) = json(app.get(&t, &format!("/api/v1/risks/{}", risk["id"])).await).await;
    assert_eq!(r["reassessment_due"], json!([]), "{r}");
}

async fn a_training_closes_a_competence_gap(b: Backend) {
    let app = start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    let cmp = create(
        &app,
        &t,
        "/api/v1/competences",
        json!({"name": "AI risk assessment method", "aims_role": "aims_manager"}),
    )
    .await;
    // Staff without an account: name, unit and e-mail only.
    let ana = create(&app, &t, "/api/v1/people", json!({"name": "Ana Ribeiro", "unit": "Risk", "email": "ana@example.org", "aims_roles": ["aims_manager"]})).await;
    let gaps = |v: &Value| v["gaps"].as_u64().unwrap();
    let (_, v) = json(app.get(&t, "/api/v1/competence").await).await;
    assert_eq!(gaps(&v), 1, "{v}");
    assert_eq!(v["people"][0]["needs"][0]["status"], "gap");
    // A task to close it shows as its action.
    let (s, task) = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/competence/gap-tasks",
        json!({"person_id": ana["id"], "competence_id": cmp["id"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{task}");
    let (_, v) = json(app.get(&t, "/api/v1/competence").await).await;
    assert!(
        v["people"][0]["needs"][0]["action"]
            .as_str()
            .unwrap()
            .contains("TSK-1"),
        "{v}"
    );
    // The training closes it.
    let trn = create(&app, &t, "/api/v1/trainings", json!({"name": "Risk method workshop", "held_on": "2026-11-20", "expires_on": "2027-11-19", "duration_hours": "3,5", "attendee_ids": [ana["id"]], "competence_ids": [cmp["id"]]})).await;
    let (_, v) = json(app.get(&t, "/api/v1/competence").await).await;
    assert_eq!(gaps(&v), 0, "{v}");
    assert_eq!(v["people"][0]["needs"][0]["by"], "TRN-1");
    assert_eq!(
        v["trainings_not_evaluated"], 1,
        "7.2 d: its effectiveness is not evaluated yet"
    );
    // Found ineffective, it no longer counts.
    let (s, _) = send(&app, Method::PATCH, &t, &format!("/api/v1/trainings/{}", trn["id"]), json!({"effectiveness": "not_effective", "evaluated_on": "2026-11-30", "version": trn["version"]})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = json(app.get(&t, "/api/v1/competence").await).await;
    assert_eq!(gaps(&v), 1, "{v}");
    let session = session(&app, "mia@acme.test").await;
    let (s, html) = app.page(&session, "/o/acme/competence").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Ana Ribeiro") && html.contains("chip bad"),
        "the page shows the gap"
    );
    // AI literacy: recorded needs its date; the system page counts it.
    let sys = create(
        &app,
        &t,
        "/api/v1/ai-systems",
        json!({"name": "Claims triage", "lifecycle_stage": "design_development"}),
    )
    .await;
    let (s, p) = send(&app, Method::POST, &t, "/api/v1/ai-literacy", json!({"name": "Operator course", "person_id": ana["id"], "system_id": sys["id"], "relation": "operates", "status": "recorded"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "recorded_on");
    create(&app, &t, "/api/v1/ai-literacy", json!({"name": "Operator course", "person_id": ana["id"], "system_id": sys["id"], "relation": "operates", "status": "recorded", "recorded_on": "2026-11-21"})).await;
    let (_, page) = app
        .page(
            &session,
            &format!("/o/acme/inventory/ai-systems/{}", sys["id"]),
        )
        .await;
    assert!(
        page.contains("1 of 1 people working with this system have their literacy recorded"),
        "the system page counts literacy"
    );
    // Post-market monitoring is for high-risk systems we provide.
    let (s, p) = send(&app, Method::POST, &t, "/api/v1/pmm-plans", json!({"name": "Quarterly review", "system_id": sys["id"], "frequency": "quarterly", "status": "active"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "system_id");
    // A high-risk system we provide gets its plan; a cycle past its due date is on the
    // dashboard, and the number opens exactly that cycle.
    let cv = create(&app, &t, "/api/v1/ai-systems", json!({"name": "CV screening", "lifecycle_stage": "design_development", "roles": ["provider"]})).await;
    let (s, c) = send(&app, Method::PUT, &t, &format!("/api/v1/ai-systems/{}/classification", cv["id"]),
        json!({"answers": {"annex_iii_use_cases": ["Annex III point 4(a)"]}, "version": cv["version"]})).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let plan = create(&app, &t, "/api/v1/pmm-plans", json!({"name": "Quarterly review", "system_id": cv["id"], "frequency": "quarterly", "status": "active"})).await;
    create(&app, &t, "/api/v1/pmm-cycles", json!({"name": "Q3", "plan_id": plan["id"], "due_on": "2026-10-15", "completed_on": "2026-10-12", "result": "no_findings"})).await;
    create(
        &app,
        &t,
        "/api/v1/pmm-cycles",
        json!({"name": "Q4", "plan_id": plan["id"], "due_on": "2026-11-15", "result": "pending"}),
    )
    .await;
    create(
        &app,
        &t,
        "/api/v1/pmm-cycles",
        json!({"name": "Q1", "plan_id": plan["id"], "due_on": "2027-02-15", "result": "pending"}),
    )
    .await;
    let (_, dash) = json(app.get(&t, "/api/v1/dashboard").await).await;
    assert_eq!(dash["overdue"]["monitoring_cycles"], 1, "{dash}");
    let (_, list) = json(app.get(&t, "/api/v1/pmm-cycles?view=overdue").await).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Q4"]);
}

async fn concerns_become_incidents_and_incidents_raise_nonconformities(b: Backend) {
    let app = start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    let sys = create(
        &app,
        &t,
        "/api/v1/ai-systems",
        json!({"name": "Chat assistant", "lifecycle_stage": "design_development"}),
    )
    .await;
    let c = create(&app, &t, "/api/v1/concerns", json!({"name": "Assistant insulted a customer", "received_on": "2026-11-30", "channel": "email", "status": "new", "system_ids": [sys["id"]]})).await;
    let (s, inc) = send(
        &app,
        Method::POST,
        &t,
        &format!("/api/v1/concerns/{}/incident", c["id"]),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{inc}");
    assert_eq!(inc["concern_id"], c["id"]);
    let (_, c2) = json(app.get(&t, &format!("/api/v1/concerns/{}", c["id"])).await).await;
    assert_eq!(c2["status"], "became_incident");
    let (s, _) = send(
        &app,
        Method::POST,
        &t,
        &format!("/api/v1/concerns/{}/incident", c["id"]),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "once");
    let id = inc["id"].as_i64().unwrap();
    let (s, task) = send(
        &app,
        Method::POST,
        &t,
        &format!("/api/v1/incidents/{id}/nonconformity"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{task}");
    assert_eq!(task["source"], "incident INC-1");
    let (s, _) = send(
        &app,
        Method::POST,
        &t,
        &format!("/api/v1/incidents/{id}/nonconformity"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Traceability: the system is referred to by its incident, the incident by its task.
    let (_, tr) = json(
        app.get(&t, &format!("/api/v1/ai-systems/{}/trace", sys["id"]))
            .await,
    )
    .await;
    assert_eq!(
        (
            tr["incidents"][0]["reference"].as_str(),
            tr["nonconformities"][0]["reference"].as_str()
        ),
        (Some("INC-1"), Some("TSK-1")),
        "{tr}"
    );
    let (_, i2) = json(app.get(&t, &format!("/api/v1/incidents/{id}")).await).await;
    assert_eq!(i2["nonconformity_task_id"], task["id"], "{i2}");
    assert_eq!(
        i2["deadline"]["duty"], "none",
        "not answered yet: nothing to notify: {i2}"
    );
    // The incident page through the form: a future awareness is refused beside its field.
    let session = session(&app, "mia@acme.test").await;
    let (s, page) = app.page(&session, &format!("/o/acme/incidents/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("Nonconformity raised: <a href=\"/o/acme/inventory/tasks/"),
        "the incident page links its nonconformity"
    );
    assert!(page.contains(">TSK-1</a>"), "by its reference");
    let csrf = csrf_in(&page).unwrap();
    let res = app
        .post_form(
            &session,
            &format!("/o/acme/incidents/{id}/timeline"),
            &[
                ("_csrf", &csrf),
                ("kind", "became_aware"),
                ("at", "2026-12-05T10:00"),
                ("note", "typo"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"at-error\"")
            && html.contains("cannot be in the future")
            && html.contains(">typo</textarea>"),
        "error beside the field, input kept"
    );
}
