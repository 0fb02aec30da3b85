//! Documented information and leadership (issue 14, second part): documents from templates,
//! top management's approval of the AI policy, read acknowledgements kept per version, the scope
//! statement against the inventory, AIMS roles and the RACI matrix, the public concern form and
//! its limits, through the API, the pages and the CLI, on SQLite and PostgreSQL.

use crate::harness::*;
use aims_domain::Role;
use chrono::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    the_ai_policy_from_its_template_to_acknowledgements,
    the_scope_statement_agrees_with_the_inventory,
    the_concern_form_refuses_bad_input_and_bursts,
    roles_raci_and_risk_acceptance_by_top_management,
    a_folder_of_markdown_imports_whole_or_not_at_all,
    attachments_are_frozen_with_their_version,
);

async fn start(b: Backend) -> TestApp {
    let at = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    TestApp::start_with_clock(b, std::sync::Arc::new(aims_domain::FixedClock(at))).await
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

async fn user_id(app: &TestApp, t: &str) -> i64 {
    json(app.get(t, "/api/v1/me").await).await.1["user_id"]
        .as_i64()
        .unwrap()
}

async fn name_role(app: &TestApp, admin: &str, member: i64, role: &str) {
    let (s, r) = send(
        app,
        Method::POST,
        admin,
        "/api/v1/aims-roles",
        json!({"name": "Named", "aims_role": role, "member_id": member}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
}

async fn from_template(app: &TestApp, t: &str, key: &str) -> (i64, Value) {
    let (s, c) = send(
        app,
        Method::POST,
        t,
        "/api/v1/documents/from-template",
        json!({"template": key}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    (c["document"]["id"].as_i64().unwrap(), c)
}

/// Publishes the open version `n` (submit by the author, approve and publish by `approver`).
async fn take_through(app: &TestApp, author: &str, approver: &str, id: i64, n: &str) {
    for (who, s) in [
        (author, "submit"),
        (approver, "approve"),
        (approver, "publish"),
    ] {
        let (st, v) = step(app, who, id, n, s).await;
        assert_eq!(st, StatusCode::OK, "{s} {n}: {v}");
    }
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

async fn acks(app: &TestApp, t: &str, id: i64) -> Value {
    let (s, v) = json(
        app.get(t, &format!("/api/v1/documents/{id}/acknowledgements"))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn the_ai_policy_from_its_template_to_acknowledgements(b: Backend) {
    let app = start(b).await;
    let author = app.token("acme", "mia@acme.test", Role::Manager).await;
    let top = app.token("acme", "ann@acme.test", Role::Admin).await;
    let reader = app.token("acme", "vic@acme.test", Role::Viewer).await;
    let outsider = app.token("other", "oz@other.test", Role::Admin).await;

    // The template pack lists the mandatory documents; an unknown template is named.
    let (_, list) = json(app.get(&author, "/api/v1/document-templates").await).await;
    let keys: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap())
        .collect();
    for k in [
        "scope",
        "ai-policy",
        "risk-process",
        "impact-process",
        "internal-audit",
        "management-review",
        "nonconformity",
        "concern-reporting",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    let (s, e) = send(
        &app,
        Method::POST,
        &author,
        "/api/v1/documents/from-template",
        json!({"template": "nope"}),
    )
    .await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("template")),
        "{e}"
    );
    assert!(missing_documents(&app, &author)
        .await
        .contains(&"5.2".to_string()));

    // The policy from its template: filled from the records, linked to 5.2 and A.2.2, for everyone.
    let (id, c) = from_template(&app, &author, "ai-policy").await;
    let content = c["version"]["content"].as_str().unwrap();
    assert!(
        content.starts_with("# AI policy")
            && content.contains("Organization: acme")
            && content.contains("[To complete"),
        "{content}"
    );
    assert!(
        !content.contains("{{"),
        "every placeholder is filled: {content}"
    );
    assert_eq!(c["version"]["status"], "draft");
    assert_eq!(c["document"]["audience_roles"], json!(["everyone"]));
    let (_, doc) = json(app.get(&author, &format!("/api/v1/documents/{id}")).await).await;
    let linked = doc.to_string();
    assert!(linked.contains("5.2") && linked.contains("A.2.2"), "{doc}");

    // Submit; the author cannot approve; top management, once named, approves by name.
    assert_eq!(
        step(&app, &author, id, "1.0", "submit").await.0,
        StatusCode::OK
    );
    let (s, e) = step(&app, &author, id, "1.0", "approve").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, e) = step(&app, &top, id, "1.0", "approve").await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "no top management is named yet: {e}"
    );
    let manager_id = user_id(&app, &author).await;
    name_role(&app, &top, manager_id, "aims_manager").await;
    let (s, _) = step(&app, &top, id, "1.0", "approve").await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "an admin who is not top management cannot approve the AI policy"
    );
    let top_id = user_id(&app, &top).await;
    name_role(&app, &top, top_id, "top_management").await;
    let (s, v) = step(&app, &top, id, "1.0", "approve").await;
    assert_eq!(
        (s, v["approved_as"].as_str(), v["approver_id"].as_i64()),
        (StatusCode::OK, Some("top_management"), Some(top_id)),
        "{v}"
    );
    // Approved is enough for the readiness list to stop missing the AI policy.
    assert!(!missing_documents(&app, &author)
        .await
        .contains(&"5.2".to_string()));
    assert_eq!(
        step(&app, &top, id, "1.0", "publish").await.0,
        StatusCode::OK
    );

    // Publishing 1.0 asked everyone: the three members wait for it.
    let a = acks(&app, &author, id).await;
    assert_eq!(a["people"].as_array().unwrap().len(), 3, "{a}");
    assert_eq!(
        a["progress"],
        json!([{"version": "1.0", "audience": "everyone", "requested": 3, "acknowledged": 0}])
    );
    let (_, waiting) = json(app.get(&reader, "/api/v1/me/acknowledgements").await).await;
    assert_eq!(waiting.as_array().unwrap().len(), 1, "{waiting}");
    assert_eq!(
        (
            waiting[0]["document_id"].as_i64(),
            waiting[0]["major"].as_i64()
        ),
        (Some(id), Some(1))
    );
    let ack = format!("/api/v1/documents/{id}/versions/1.0/acknowledgement");
    let (s, v) = send(&app, Method::POST, &reader, &ack, json!(null)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["acknowledged_at"].is_string());
    let first_time = v["acknowledged_at"].clone();
    // Twice keeps the first time; another organization does not see the document.
    let (_, again) = send(&app, Method::POST, &reader, &ack, json!(null)).await;
    assert_eq!(again["acknowledged_at"], first_time);
    assert_eq!(
        send(&app, Method::POST, &outsider, &ack, json!(null))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, waiting) = json(app.get(&reader, "/api/v1/me/acknowledgements").await).await;
    assert!(waiting.as_array().unwrap().is_empty());

    // A minor version asks nobody again.
    send(
        &app,
        Method::POST,
        &author,
        &format!("/api/v1/documents/{id}/versions"),
        json!({"change_note": "typo"}),
    )
    .await;
    take_through(&app, &author, &top, id, "1.1").await;
    assert_eq!(
        acks(&app, &author, id).await["people"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let (s, _) = send(
        &app,
        Method::POST,
        &reader,
        &format!("/api/v1/documents/{id}/versions/1.1/acknowledgement"),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "1.1 was sent to nobody");

    // A major version asks again; the acknowledgement of 1.0 is kept.
    send(
        &app,
        Method::POST,
        &author,
        &format!("/api/v1/documents/{id}/versions"),
        json!({"major": true, "change_note": "new principles"}),
    )
    .await;
    take_through(&app, &author, &top, id, "2.0").await;
    let a = acks(&app, &author, id).await;
    assert_eq!(a["people"].as_array().unwrap().len(), 6, "{a}");
    let progress = a["progress"].as_array().unwrap();
    assert!(
        progress.contains(
            &json!({"version": "2.0", "audience": "everyone", "requested": 3, "acknowledged": 0})
        ),
        "{a}"
    );
    assert!(
        progress.contains(
            &json!({"version": "1.0", "audience": "everyone", "requested": 3, "acknowledged": 1})
        ),
        "{a}"
    );
    // The author never read 1.0: only 2.0 waits for her; 1.0 stays unread in the history.
    let (_, waiting) = json(app.get(&author, "/api/v1/me/acknowledgements").await).await;
    let majors: Vec<i64> = waiting
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["major"].as_i64().unwrap())
        .collect();
    assert_eq!(majors, [2], "{waiting}");
    let reader_id = user_id(&app, &reader).await;
    let kept = a["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user_id"] == reader_id && p["major"] == 1)
        .unwrap();
    assert_eq!(kept["acknowledged_at"], first_time);

    // Named readers: members only, by e-mail; someone outside the audience cannot acknowledge.
    let (s, e) = send(&app, Method::POST, &author, "/api/v1/documents",
        json!({"name": "Audit procedure", "kind": "procedure", "audience_roles": ["internal_auditor"], "audience_people": "VIC@acme.test, nobody@acme.test"})).await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("audience_people")),
        "{e}"
    );
    assert!(
        e.to_string().contains("nobody@acme.test is not a member"),
        "{e}"
    );
    let (s, d) = send(&app, Method::POST, &author, "/api/v1/documents",
        json!({"name": "Audit procedure", "kind": "procedure", "audience_roles": ["internal_auditor"], "audience_people": "VIC@acme.test; vic@acme.test"})).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(d["audience_people"], "vic@acme.test", "kept normalized");
    let pid = d["id"].as_i64().unwrap();
    send(
        &app,
        Method::POST,
        &author,
        &format!("/api/v1/documents/{pid}/versions"),
        json!({"content": "# Audit"}),
    )
    .await;
    take_through(&app, &author, &top, pid, "1.0").await;
    let a = acks(&app, &author, pid).await;
    assert_eq!(
        a["progress"],
        json!([{"version": "1.0", "audience": "named", "requested": 1, "acknowledged": 0}]),
        "nobody holds the role; Vic is named"
    );
    let (s, e) = send(
        &app,
        Method::POST,
        &author,
        &format!("/api/v1/documents/{pid}/versions/1.0/acknowledgement"),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("audience"), "{e}");
    assert_eq!(
        acks(&app, &author, pid).await,
        a,
        "the refusal changed nothing"
    );
    let (s, _) = send(
        &app,
        Method::POST,
        &reader,
        &format!("/api/v1/documents/{pid}/versions/1.0/acknowledgement"),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // The pages: the reader sees it waiting and acknowledges from the document's page.
    let (_, session) = app.login("vic@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (s, html) = app.page(&session, "/o/acme/acknowledgements").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("AI policy") && html.contains("2.0"),
        "the 2.0 request waits"
    );
    let (_, html) = app
        .page(&session, &format!("/o/acme/documents/{id}/versions"))
        .await;
    assert!(
        html.contains("I have read version 2.0"),
        "the acknowledge button"
    );
    let csrf = csrf_in(&html).unwrap();
    let res = app
        .post_form(
            &session,
            &format!("/o/acme/documents/{id}/versions/2.0/acknowledge"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&session, "/o/acme/acknowledgements").await;
    assert!(html.contains("Nothing waits for you"), "{html}");
    let (_, html) = app
        .page(&session, &format!("/o/acme/documents/{id}/versions"))
        .await;
    assert!(
        html.contains("1 of 3") && html.contains("(top management)"),
        "completeness and the approver's capacity"
    );
}

async fn the_scope_statement_agrees_with_the_inventory(b: Backend) {
    let app = start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Admin).await;
    let mut systems = vec![];
    for (name, in_scope) in [("Claims triage", true), ("Office chatbot", false)] {
        let (s, r) = send(
            &app,
            Method::POST,
            &t,
            "/api/v1/ai-systems",
            json!({"name": name, "in_scope": in_scope, "lifecycle_stage": "inception"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        systems.push(r);
    }
    let (_, none) = json(app.get(&t, "/api/v1/scope-check").await).await;
    assert!(none["statement"].is_null(), "{none}");
    assert!(missing_documents(&app, &t)
        .await
        .contains(&"4.3".to_string()));

    // The statement from its template lists the systems in scope, and links them.
    let (id, c) = from_template(&app, &t, "scope").await;
    let content = c["version"]["content"].as_str().unwrap();
    assert!(
        content.contains("Claims triage") && !content.contains("Office chatbot"),
        "{content}"
    );
    assert!(content.contains("| What is excluded | Why (justification) |"));
    // Traceability both ways: the requirement lists the statement, the statement its clause.
    let (_, reqs) = json(
        app.get(
            &t,
            "/api/v1/frameworks/iso42001-2023/requirements?limit=500",
        )
        .await,
    )
    .await;
    let r43 = reqs["items"]
        .as_array()
        .or(reqs.as_array())
        .unwrap()
        .iter()
        .find(|r| r["ref"] == "4.3")
        .unwrap()["id"]
        .clone();
    let (_, req) = json(app.get(&t, &format!("/api/v1/requirements/{r43}")).await).await;
    assert_eq!(req["documents"][0]["id"].as_i64(), Some(id), "{req}");
    assert_eq!(req["documents"][0]["status"], "draft");
    let (_, doc) = json(app.get(&t, &format!("/api/v1/documents/{id}")).await).await;
    assert!(
        doc["requirement_ids"]
            .to_string()
            .contains(&r43.to_string()),
        "{doc}"
    );
    let (_, ok) = json(app.get(&t, "/api/v1/scope-check").await).await;
    assert_eq!(
        (
            ok["statement"]["id"].as_i64(),
            ok["disagreements"].as_array().unwrap().len()
        ),
        (Some(id), 0),
        "{ok}"
    );

    // An exclusion with its justification, then approval: the readiness list stops missing 4.3.
    let with_exclusion = content.replace(
        "| [To complete] | [To complete: why leaving it out does not affect the AIMS's ability to meet its requirements] |",
        "| Office chatbot | Internal productivity tool with no effect on customers; covered by the IT policy |");
    let (s, v) = send(
        &app,
        Method::PATCH,
        &t,
        &format!("/api/v1/documents/{id}/versions/1.0"),
        json!({"content": with_exclusion, "revision": c["version"]["revision"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(step(&app, &t, id, "1.0", "submit").await.0, StatusCode::OK);
    let other = app.token("acme", "ann@acme.test", Role::Manager).await;
    assert_eq!(
        step(&app, &other, id, "1.0", "approve").await.0,
        StatusCode::OK,
        "a statement needs no top management"
    );
    assert!(!missing_documents(&app, &t)
        .await
        .contains(&"4.3".to_string()));

    // A document past its review date shows on the dashboard.
    let (_, dash) = json(app.get(&t, "/api/v1/dashboard").await).await;
    assert_eq!(dash["overdue"]["document_reviews"], 0, "{dash}");
    let (s, d) = send(
        &app,
        Method::POST,
        &t,
        "/api/v1/documents",
        json!({"name": "Old procedure", "kind": "procedure", "next_review": "2026-06-30"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let (_, dash) = json(app.get(&t, "/api/v1/dashboard").await).await;
    assert_eq!(dash["overdue"]["document_reviews"], 1, "{dash}");

    // Mark the chatbot in scope: the inventory and the statement now disagree, on the page too.
    let chatbot = &systems[1];
    let (s, _) = send(
        &app,
        Method::PATCH,
        &t,
        &format!("/api/v1/ai-systems/{}", chatbot["id"]),
        json!({"in_scope": true, "version": chatbot["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, bad) = json(app.get(&t, "/api/v1/scope-check").await).await;
    let d = &bad["disagreements"];
    assert_eq!(d.as_array().unwrap().len(), 1, "{bad}");
    assert_eq!(
        (
            &d[0]["id"],
            d[0]["in_scope"].as_bool(),
            d[0]["in_statement"].as_bool()
        ),
        (&chatbot["id"], Some(true), Some(false)),
        "{bad}"
    );
    let (_, session) = app.login("mia@acme.test", PASSWORD).await;
    let (_, html) = app
        .page(
            &session.unwrap(),
            &format!("/o/acme/documents/{id}/versions"),
        )
        .await;
    assert!(
        html.contains("disagree on 1 AI system") && html.contains("Office chatbot"),
        "the problem is shown"
    );
}

/// Posts the public form; answers the status and the page.
async fn report(
    app: &TestApp,
    token: &str,
    form: &[(&str, &str)],
    from: &str,
) -> (StatusCode, String) {
    let res = app
        .client
        .post(app.url(&format!("/report/{token}")))
        .header("x-forwarded-for", from)
        .form(form)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap_or_default())
}

async fn concern_count(app: &TestApp, t: &str) -> usize {
    json(app.get(t, "/api/v1/concerns?limit=100").await).await.1["items"]
        .as_array()
        .unwrap()
        .len()
}

async fn the_concern_form_refuses_bad_input_and_bursts(b: Backend) {
    let app = start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let contributor = app.token("acme", "carl@acme.test", Role::Contributor).await;
    let triage = user_id(&app, &contributor).await;
    name_role(&app, &admin, triage, "concern_triage").await;
    assert_eq!(
        send(
            &app,
            Method::POST,
            &contributor,
            "/api/v1/organization/concern-link",
            json!(null)
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, link) = send(
        &app,
        Method::POST,
        &admin,
        "/api/v1/organization/concern-link",
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{link}");
    let token = link["token"].as_str().unwrap().to_string();
    let res = app
        .client
        .get(app.url(&format!("/report/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Report a concern to acme"));
    assert_eq!(
        app.client
            .get(app.url("/report/0000"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    // HTML, an empty summary and oversized text are refused, each named, and nothing is written.
    let (s, html) = report(
        &app,
        &token,
        &[
            ("summary", "Odd output"),
            ("details", "It said <script>alert(1)</script>"),
        ],
        "10.0.0.1",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"details-error\"")
            && html.contains("plain text")
            && html.contains("aria-invalid"),
        "{html}"
    );
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "the input is echoed escaped"
    );
    let long = "x".repeat(5_001);
    let (s, html) = report(
        &app,
        &token,
        &[("summary", ""), ("details", &long)],
        "10.0.0.1",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"summary-error\"") && html.contains("at most 5000 characters"));
    let huge = "y".repeat(40_000);
    let (s, _) = report(
        &app,
        &token,
        &[("summary", "big"), ("details", &huge)],
        "10.0.0.1",
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(concern_count(&app, &admin).await, 0);

    // A good report becomes a new concern for the triage role, anonymous without a contact.
    let (s, html) = report(
        &app,
        &token,
        &[
            ("summary", "Screening rejected me"),
            ("details", "No reason was given."),
            ("contact", ""),
        ],
        "10.0.0.1",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Thank you"));
    let (_, list) = json(app.get(&admin, "/api/v1/concerns").await).await;
    let c = &list["items"][0];
    assert_eq!(
        (
            c["channel"].as_str(),
            c["status"].as_str(),
            c["anonymous"].as_bool(),
            c["triage_owner_id"].as_i64(),
            c["received_on"].as_str()
        ),
        (
            Some("public_link"),
            Some("new"),
            Some(true),
            Some(triage),
            Some("2026-12-01")
        ),
        "{c}"
    );

    // A burst from one sender is cut off after three; the refusals write nothing.
    for _ in 0..2 {
        assert_eq!(
            report(
                &app,
                &token,
                &[
                    ("summary", "again"),
                    ("details", "again"),
                    ("contact", "me@example.org")
                ],
                "10.0.0.1"
            )
            .await
            .0,
            StatusCode::OK
        );
    }
    let (s, html) = report(
        &app,
        &token,
        &[("summary", "again"), ("details", "again")],
        "10.0.0.1",
    )
    .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("wait"), "{html}");
    assert_eq!(concern_count(&app, &admin).await, 3);
    // Another sender still gets through; a replaced link stops working.
    assert_eq!(
        report(
            &app,
            &token,
            &[("summary", "other"), ("details", "other")],
            "10.0.0.2"
        )
        .await
        .0,
        StatusCode::OK
    );
    send(
        &app,
        Method::POST,
        &admin,
        "/api/v1/organization/concern-link",
        json!(null),
    )
    .await;
    assert_eq!(
        report(
            &app,
            &token,
            &[("summary", "late"), ("details", "late")],
            "10.0.0.3"
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(concern_count(&app, &admin).await, 4);
}

async fn roles_raci_and_risk_acceptance_by_top_management(b: Backend) {
    let app = start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let ceo = app.token("acme", "ceo@acme.test", Role::Manager).await;
    let ceo_id = user_id(&app, &ceo).await;
    let admin_id = user_id(&app, &admin).await;
    let (_, session) = app.login("ann@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (_, html) = app.page(&session, "/o/acme/raci-matrix").await;
    assert!(
        html.contains("No process has an accountable role yet"),
        "the empty state says what to do"
    );
    name_role(&app, &admin, ceo_id, "top_management").await;
    for (p, r, i) in [
        ("ai_policy", "top_management", "accountable"),
        ("ai_policy", "aims_manager", "responsible"),
        ("ai_policy", "aims_manager", "consulted"),
    ] {
        let (s, e) = send(
            &app,
            Method::POST,
            &admin,
            "/api/v1/raci",
            json!({"name": "x", "process": p, "aims_role": r, "involvement": i}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
    }
    let (s, e) = send(&app, Method::POST, &admin, "/api/v1/raci", json!({"name": "x", "process": "lunch", "aims_role": "top_management", "involvement": "accountable"})).await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("process"))
    );
    let (_, m) = json(app.get(&admin, "/api/v1/raci-matrix").await).await;
    let row = m["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "ai_policy")
        .unwrap();
    assert_eq!(
        (row["cells"][0].as_str(), row["cells"][1].as_str()),
        (Some("A"), Some("RC")),
        "{row}"
    );
    assert_eq!(m["roles"][0]["holders"], json!(["ceo@acme.test"]));
    assert!(!m["without_accountable"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p.as_str().unwrap().starts_with("AI policy")));

    // Above the threshold, the acceptor must be named top management once someone is.
    let (s, r) = send(&app, Method::POST, &admin, "/api/v1/risks", json!({"name": "Drift", "status": "assessed", "inherent_likelihood": 5, "inherent_impact": 5, "treatment": "retain"})).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let accept = |who: i64, v: &Value| json!({"reason": "accepted", "review_on": "2027-06-30", "top_management_acceptor": who, "version": v["version"]});
    let (s, e) = send(
        &app,
        Method::POST,
        &admin,
        &format!("/api/v1/risks/{}/accept", r["id"]),
        accept(admin_id, &r),
    )
    .await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("top_management_acceptor")
        ),
        "{e}"
    );
    let (s, e) = send(
        &app,
        Method::POST,
        &admin,
        &format!("/api/v1/risks/{}/accept", r["id"]),
        accept(ceo_id, &r),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (s, html) = app.page(&session, "/o/acme/raci-matrix").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("ceo@acme.test") && html.contains(">RC<"),
        "{html}"
    );
}

async fn a_folder_of_markdown_imports_whole_or_not_at_all(b: Backend) {
    let app = start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Admin).await;
    let dir = app.db.data_dir.join("to-import");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("access-control.md"),
        "# Access control procedure\n\nWho gets in.\n",
    )
    .unwrap();
    std::fs::write(dir.join("sub/retention.md"), "No heading here.\n").unwrap();
    std::fs::write(dir.join("big.md"), "z".repeat(200_001)).unwrap();
    std::fs::write(dir.join("notes.txt"), "not markdown").unwrap();
    let folder = dir.to_str().unwrap();
    let (code, _, err) = aims(
        &app.db,
        &["documents", "import", folder, "--org", "acme"],
        None,
    );
    assert_ne!(code, 0);
    assert!(err.contains("big.md") && err.contains("200000"), "{err}");
    let (_, list) = json(app.get(&t, "/api/v1/documents").await).await;
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing partial"
    );

    std::fs::remove_file(dir.join("big.md")).unwrap();
    let (code, out, err) = aims(
        &app.db,
        &[
            "documents",
            "import",
            folder,
            "--org",
            "acme",
            "--kind",
            "procedure",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("imported 2 documents"), "{out}");
    let (_, list) = json(app.get(&t, "/api/v1/documents?sort=name").await).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Access control procedure", "retention"]);
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (_, v) = json(
        app.get(&t, &format!("/api/v1/documents/{id}/versions/1.0"))
            .await,
    )
    .await;
    assert_eq!(
        (v["status"].as_str(), v["content"].as_str()),
        (
            Some("draft"),
            Some("# Access control procedure\n\nWho gets in.\n")
        )
    );
    let (code, _, err) = aims(
        &app.db,
        &[
            "documents",
            "import",
            folder,
            "--org",
            "acme",
            "--kind",
            "memo",
        ],
        None,
    );
    assert!(code != 0 && err.contains("--kind"), "{err}");
}

async fn attachments_are_frozen_with_their_version(b: Backend) {
    let app = start(b).await;
    let author = app.token("acme", "mia@acme.test", Role::Manager).await;
    let approver = app.token("acme", "ann@acme.test", Role::Admin).await;
    let outsider = app.token("other", "oz@other.test", Role::Admin).await;
    let (s, d) = send(
        &app,
        Method::POST,
        &author,
        "/api/v1/documents",
        json!({"name": "Incident procedure", "kind": "procedure"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_i64().unwrap();
    send(
        &app,
        Method::POST,
        &author,
        &format!("/api/v1/documents/{id}/versions"),
        json!({"content": "# Incidents"}),
    )
    .await;
    let upload = |n: &str, t: &str, bytes: &'static [u8]| {
        app.client
            .post(app.url(&format!(
                "/api/v1/documents/{id}/versions/{n}/attachments?name=flow.svg"
            )))
            .bearer_auth(t.to_string())
            .header("content-type", "image/svg+xml")
            .body(bytes)
            .send()
    };
    let (s, a) = json(upload("1.0", &author, b"<svg>flow</svg>").await.unwrap()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(
        (
            a["name"].as_str(),
            a["size"].as_i64(),
            a["sha256"].as_str().map(str::len)
        ),
        (Some("flow.svg"), Some(15), Some(64))
    );
    let aid = a["id"].as_i64().unwrap();
    let file = app
        .get(
            &author,
            &format!("/api/v1/documents/{id}/attachments/{aid}"),
        )
        .await;
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"<svg>flow</svg>");
    assert_eq!(
        app.get(
            &outsider,
            &format!("/api/v1/documents/{id}/attachments/{aid}")
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    let (s, e) = json(upload("1.0", &author, b"").await.unwrap()).await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("file"))
    );

    // Published: the attachment is frozen with the version; nothing more is written.
    take_through(&app, &author, &approver, id, "1.0").await;
    let (s, e) = json(upload("1.0", &author, b"<svg>changed</svg>").await.unwrap()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, _) = send(
        &app,
        Method::DELETE,
        &author,
        &format!("/api/v1/documents/{id}/attachments/{aid}"),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, list) = json(
        app.get(&author, &format!("/api/v1/documents/{id}/attachments"))
            .await,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    // The next draft starts with the attachment; removing it there keeps it on 1.0.
    send(
        &app,
        Method::POST,
        &author,
        &format!("/api/v1/documents/{id}/versions"),
        json!({"change_note": "new flow"}),
    )
    .await;
    let (_, list) = json(
        app.get(&author, &format!("/api/v1/documents/{id}/attachments"))
            .await,
    )
    .await;
    let on_draft: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["minor"] == 1)
        .collect();
    assert_eq!(on_draft.len(), 1, "{list}");
    assert_eq!(on_draft[0]["sha256"], a["sha256"], "the same stored file");
    let draft_aid = on_draft[0]["id"].as_i64().unwrap();
    // Removal from the page asks first.
    let (_, session) = app.login("mia@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (s, html) = app
        .page(
            &session,
            &format!("/o/acme/documents/{id}/attachments/{draft_aid}/remove"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Remove flow.svg from draft 1.1?"), "{html}");
    let csrf = csrf_in(&html).unwrap();
    let res = app
        .post_form(
            &session,
            &format!("/o/acme/documents/{id}/attachments/{draft_aid}/remove"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, list) = json(
        app.get(&author, &format!("/api/v1/documents/{id}/attachments"))
            .await,
    )
    .await;
    let left: Vec<(i64, i64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["major"].as_i64().unwrap(), a["minor"].as_i64().unwrap()))
        .collect();
    assert_eq!(left, [(1, 0)]);
    let (_, html) = app
        .page(&session, &format!("/o/acme/documents/{id}/versions/1.0"))
        .await;
    assert!(
        html.contains("flow.svg") && html.contains("frozen with it"),
        "the published version lists its file"
    );
}
