//! Documented information (issue 14, first part): document versions from draft to published,
//! approval by someone other than the author, frozen published versions, diffs, reviews, and
//! safe rendering, through the API and the pages, on SQLite and PostgreSQL.

use crate::harness::*;
use aims_domain::Role;
use chrono::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    a_policy_goes_from_draft_to_published_and_stays_frozen,
    reviews_and_bad_input,
    context_parties_and_communication,
);

async fn start(b: Backend) -> TestApp {
    let at = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    TestApp::start_with_clock(b, std::sync::Arc::new(aims_domain::FixedClock(at))).await
}

async fn policy(app: &TestApp, t: &str) -> i64 {
    let (s, d) = send(app, Method::POST, t, "/api/v1/documents",
        json!({"name": "AI policy", "kind": "policy", "review_interval_months": 12, "audience": "everyone"})).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    d["id"].as_i64().unwrap()
}

async fn step(app: &TestApp, t: &str, id: i64, n: &str, step: &str) -> (StatusCode, Value) {
    send(
        app,
        Method::POST,
        t,
        &format!("/api/v1/documents/{id}/versions/{n}/{step}"),
        json!(null),
    )
    .await
}

async fn missing_documents(app: &TestApp, t: &str) -> Vec<String> {
    let (_, v) = json(app.get(t, "/api/v1/roadmap").await).await;
    v["missing_documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d[0].as_str().unwrap().to_string())
        .collect()
}

async fn a_policy_goes_from_draft_to_published_and_stays_frozen(b: Backend) {
    let app = start(b).await;
    let author = app.token("acme", "mia@acme.test", Role::Manager).await;
    let contributor = app.token("acme", "carl@acme.test", Role::Contributor).await;
    let top = app.token("acme", "ann@acme.test", Role::Admin).await;
    let id = policy(&app, &author).await;
    // The policy addresses 5.2; until a version is published the readiness list still misses it.
    let (_, reqs) = json(
        app.get(&author, "/api/v1/frameworks/iso42001-2023/requirements")
            .await,
    )
    .await;
    let r52 = reqs
        .as_array()
        .or(reqs["items"].as_array())
        .unwrap()
        .iter()
        .find(|r| r["ref"] == "5.2")
        .unwrap()["id"]
        .clone();
    let (_, d) = json(app.get(&author, &format!("/api/v1/documents/{id}")).await).await;
    let (s, d) = send(
        &app,
        Method::PATCH,
        &author,
        &format!("/api/v1/documents/{id}"),
        json!({"requirement_ids": [r52], "version": d["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert!(missing_documents(&app, &author)
        .await
        .contains(&"5.2".to_string()));
    let versions = format!("/api/v1/documents/{id}/versions");

    let body = "# AI policy\n\nWe use AI responsibly.\n\n<script>alert(1)</script>\n";
    let (s, v) = send(
        &app,
        Method::POST,
        &author,
        &versions,
        json!({"content": body, "change_note": "first issue"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (
            v["major"].as_i64(),
            v["minor"].as_i64(),
            v["status"].as_str()
        ),
        (Some(1), Some(0), Some("draft"))
    );
    // Only one open version at a time.
    let (s, e) = send(&app, Method::POST, &author, &versions, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    // A stale revision is refused; the current one saves.
    let v1 = format!("{versions}/1.0");
    let (s, _) = send(
        &app,
        Method::PATCH,
        &author,
        &v1,
        json!({"content": "lost", "revision": 9}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = send(
        &app,
        Method::PATCH,
        &author,
        &v1,
        json!({"content": body, "change_note": "first issue", "revision": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["revision"], 2);

    assert_eq!(
        step(&app, &author, id, "1.0", "submit").await.0,
        StatusCode::OK
    );
    // The author cannot approve; a contributor has no approval right.
    let (s, e) = step(&app, &author, id, "1.0", "approve").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(e.to_string().contains("author"), "{e}");
    assert_eq!(
        step(&app, &contributor, id, "1.0", "approve").await.0,
        StatusCode::FORBIDDEN
    );
    // Publishing before approval is refused.
    assert_eq!(
        step(&app, &top, id, "1.0", "publish").await.0,
        StatusCode::CONFLICT
    );
    // The policy addresses 5.2: top management approves it, and nobody is named yet.
    let (s, e) = step(&app, &top, id, "1.0", "approve").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(
        e["detail"].as_str().unwrap().contains("top management"),
        "{e}"
    );
    let (_, me) = json(app.get(&top, "/api/v1/me").await).await;
    let (s, r) = send(&app, Method::POST, &top, "/api/v1/aims-roles",
        json!({"name": "Chief executive", "aims_role": "top_management", "member_id": me["user_id"]})).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, v) = step(&app, &top, id, "1.0", "approve").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["approver_id"].is_i64() && v["approved_at"].is_string());
    assert_eq!(v["approved_as"], "top_management");
    let (s, v) = step(&app, &top, id, "1.0", "publish").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let hash = v["content_sha256"].clone();
    let (_, doc) = json(app.get(&author, &format!("/api/v1/documents/{id}")).await).await;
    assert_eq!(
        (doc["status"].as_str(), doc["current_version"].as_str()),
        (Some("published"), Some("1.0"))
    );
    assert_eq!(
        doc["next_review"], "2027-12-01",
        "one review interval after publication"
    );

    // A published version is frozen: an edit is refused and changes nothing.
    let (s, e) = send(
        &app,
        Method::PATCH,
        &author,
        &v1,
        json!({"content": "changed", "revision": 2}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("frozen"), "{e}");
    let (_, again) = json(app.get(&author, &v1).await).await;
    assert_eq!(
        (again["content"].as_str(), &again["content_sha256"]),
        (Some(body), &hash)
    );

    // The next change is a new draft, from the published text.
    let (s, v) = send(
        &app,
        Method::POST,
        &author,
        &versions,
        json!({"change_note": "add oversight"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (
            v["major"].as_i64(),
            v["minor"].as_i64(),
            v["content"].as_str()
        ),
        (Some(1), Some(1), Some(body))
    );
    let v11 = format!("{versions}/1.1");
    let body2 = body.replace(
        "We use AI responsibly.",
        "We use AI responsibly.\n\nPeople oversee every AI decision about people.",
    );
    send(
        &app,
        Method::PATCH,
        &author,
        &v11,
        json!({"content": body2, "revision": 1}),
    )
    .await;
    for (who, s) in [(&author, "submit"), (&top, "approve"), (&top, "publish")] {
        let (st, v) = step(&app, who, id, "1.1", s).await;
        assert_eq!(st, StatusCode::OK, "{s}: {v}");
    }
    let (_, list) = json(app.get(&author, &versions).await).await;
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["published", "superseded"]);
    let (_, d) = json(
        app.get(
            &author,
            &format!("/api/v1/documents/{id}/diff?from=1.0&to=1.1"),
        )
        .await,
    )
    .await;
    let added: Vec<&str> = d["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["change"] == "added")
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    assert!(
        added.contains(&"People oversee every AI decision about people."),
        "{d}"
    );

    // The audit trail has every step.
    let (_, ev) = json(
        app.get(&top, "/api/v1/audit-events?entity_type=documents&limit=100")
            .await,
    )
    .await;
    let actions: Vec<&str> = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["create", "draft", "submit", "approve", "publish"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }

    // The page renders Markdown with the script inert, and the document-control block.
    app.user("acme", "mia@acme.test", Role::Manager).await;
    let (_, session) = app.login("mia@acme.test", PASSWORD).await;
    let (s, html) = app
        .page(
            &session.unwrap(),
            &format!("/o/acme/documents/{id}/versions/1.0"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<h1>AI policy</h1>") || html.contains("<h1>AI policy"),
        "rendered heading"
    );
    assert!(
        !html.contains("<script>alert(1)</script>") && html.contains("&lt;script&gt;"),
        "script rendered inert"
    );
    assert!(html.contains("Document control") && html.contains("superseded"));

    // A document with a history is not deleted; another organization sees nothing of it.
    let (s, e) = send(
        &app,
        Method::DELETE,
        &top,
        &format!("/api/v1/documents/{id}"),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let stranger = app.token("beta", "bob@beta.test", Role::Admin).await;
    assert_eq!(
        app.get(&stranger, &versions).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        step(&app, &stranger, id, "1.1", "withdraw").await.0,
        StatusCode::NOT_FOUND
    );
}

async fn reviews_and_bad_input(b: Backend) {
    let app = start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    let id = policy(&app, &t).await;
    let reviews = format!("/api/v1/documents/{id}/reviews");
    let (s, e) = send(
        &app,
        Method::POST,
        &t,
        &reviews,
        json!({"outcome": "fine", "reviewed_on": "2027-01-01"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["reviewed_on", "outcome"],
        "a future date and an unknown outcome, nothing written"
    );
    assert_eq!(
        json(app.get(&t, &reviews).await)
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let (s, r) = send(
        &app,
        Method::POST,
        &t,
        &reviews,
        json!({"outcome": "no_change", "reviewed_on": "2026-11-15", "notes": "still right"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (_, doc) = json(app.get(&t, &format!("/api/v1/documents/{id}")).await).await;
    assert_eq!(doc["next_review"], "2027-11-15");
    // Bad version numbers and steps are named.
    let (s, e) = send(
        &app,
        Method::GET,
        &t,
        &format!("/api/v1/documents/{id}/versions/one"),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    let (s, _) = send(
        &app,
        Method::POST,
        &t,
        &format!("/api/v1/documents/{id}/versions/1.0/sign"),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = send(
        &app,
        Method::POST,
        &t,
        &format!("/api/v1/documents/{id}/versions"),
        json!({"content": "x".repeat(200_001)}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Overdue reviews show in the register's overdue view.
    let (_, list) = json(app.get(&t, "/api/v1/documents?view=overdue").await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

/// 4.1 issues, 4.2 parties with requirements (one addressed by a control, one refused until
/// it says why not), and 7.4 communications, through the register API.
async fn context_parties_and_communication(b: Backend) {
    let app = start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    for (name, origin) in [
        ("EU AI Act obligations", "external"),
        ("Few people with ML skills", "internal"),
    ] {
        let (s, r) = send(&app, Method::POST, &t, "/api/v1/context-issues",
            json!({"name": name, "origin": origin, "effect": "negative", "climate_relevant": false})).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    let (_, issues) = json(app.get(&t, "/api/v1/context-issues?origin=external").await).await;
    assert_eq!(issues["items"].as_array().unwrap().len(), 1);
    let (s, party) = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/interested-parties",
        json!({"name": "Job applicants", "kind": "affected_persons"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{party}");
    let (_, control) = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/controls",
        json!({"name": "Human review of rejections", "status": "implemented"}),
    )
    .await;
    let (s, r) = send(&app, Method::POST, &t, "/api/v1/party-requirements",
        json!({"name": "A person reviews every rejection", "party_id": party["id"], "addressed": "yes", "control_ids": [control["id"]]})).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, e) = send(&app, Method::POST, &t, "/api/v1/party-requirements",
        json!({"name": "Feedback on every application", "party_id": party["id"], "addressed": "no"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["field"], "how");
    let (s, r2) = send(&app, Method::POST, &t, "/api/v1/party-requirements",
        json!({"name": "Feedback on every application", "party_id": party["id"], "addressed": "no", "how": "Volume makes it impossible; we publish the criteria instead."})).await;
    assert_eq!(s, StatusCode::CREATED, "{r2}");
    // Clearing the reason later is refused too (the rule reads the stored record).
    let (s, _) = send(
        &app,
        Method::PATCH,
        &t,
        &format!("/api/v1/party-requirements/{}", r2["id"]),
        json!({"how": "", "version": r2["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, plan) = send(&app, Method::POST, &t, "/api/v1/communication-plan",
        json!({"name": "AI policy to all staff", "audience": "everyone", "timing": "on each major version", "channel": "intranet"})).await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let (s, c) = send(&app, Method::POST, &t, "/api/v1/communications",
        json!({"name": "AI policy 1.0 published", "sent_on": "2026-12-01", "audience": "everyone", "plan_id": plan["id"]})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    // Every register exports as a workbook (Excel caps sheet names at 31 characters).
    for spec in aims_domain::register::REGISTERS {
        let r = app
            .get(&t, &format!("/api/v1/{}/export?format=xlsx", spec.path))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", spec.path);
    }
    // Another organization sees none of it.
    let other = app.token("beta", "bob@beta.test", Role::Admin).await;
    let (_, none) = json(app.get(&other, "/api/v1/party-requirements").await).await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
}
