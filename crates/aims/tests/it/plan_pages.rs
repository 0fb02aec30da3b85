//! The Plan half in the browser's terms: forms posted as a browser posts them, pages read as
//! HTML, on SQLite and PostgreSQL. Each scenario holds a defect of issue 12 fixed.
// Tests unwrap and panic on purpose (a failure is the report) and read the wall clock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use crate::harness::*;
use aims_domain::Role;
use reqwest::header::COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    editing_a_control_keeps_its_requirement_links,
    the_picker_finds_records_and_requirements,
    impossible_dates_are_refused_in_forms_and_csv,
    a_csv_import_ends_on_what_it_imported,
    raising_a_risk_or_making_a_task_twice_finds_the_first,
    a_new_token_defaults_to_the_lowest_role,
    delete_asks_first_and_a_manager_restores,
    the_soa_is_decided_in_one_form_and_approved_by_another,
    dashboard_numbers_open_exactly_their_records,
    error_pages_keep_the_layout_and_say_what_to_do,
    risk_criteria_are_set_on_a_page_and_misfits_listed,
    impact_assessment_findings_are_edited_in_draft_and_versions_started,
    risk_acceptance_names_people_and_puts_errors_beside_fields,
    readiness_counts_what_aims_holds_and_system_pages_show_their_graph,
    the_audit_trail_reads_as_a_diff_per_field,
    a_requirement_is_implemented_from_its_own_page,
    plan_errors_sit_beside_their_fields_and_role_changes_say_so,
    removing_a_finding_keeps_raised_risks_beside_their_findings,
    removing_a_member_asks_first,
);

/// A signed-in manager: (session cookie, csrf token, API token).
async fn manager(app: &TestApp, email: &str) -> (String, String, String) {
    app.user("acme", email, Role::Manager).await;
    let (_, session) = app.login(email, PASSWORD).await;
    let session = session.unwrap();
    let (_, html) = app.page(&session, "/o/acme").await;
    let csrf = csrf_in(&html).unwrap();
    let token = app.token("acme", email, Role::Manager).await;
    (session, csrf, token)
}

async fn pick(app: &TestApp, session: &str, register: &str, field: &str, q: &str) -> Vec<Value> {
    let res = app
        .client
        .get(app.url(&format!("/o/acme/inventory/{register}/pick/{field}")))
        .query(&[("q", q)])
        .header(COOKIE, format!("aims_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Vec<Value>>().await.unwrap()
}

fn linked_ids(record: &Value, field: &str) -> Vec<i64> {
    record[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().or(x.as_i64()).unwrap())
        .collect()
}

async fn editing_a_control_keeps_its_requirement_links(b: Backend) {
    let app = TestApp::start(b).await;
    let (session, csrf, token) = manager(&app, "mia@acme.test").await;
    let a624 = pick(&app, &session, "controls", "requirement_ids", "A.6.2.4").await;
    assert!(
        a624[0]["label"].as_str().unwrap().contains("A.6.2.4"),
        "{a624:?}"
    );
    let req = a624[0]["id"].as_i64().unwrap().to_string();

    // Create through the form, the requirement ticked in the picker.
    let r = app
        .post_form(
            &session,
            "/o/acme/inventory/controls",
            &[
                ("_csrf", &csrf),
                ("name", "Model verification"),
                ("status", "planned"),
                ("_shown", "requirement_ids"),
                ("requirement_ids", &req),
                ("_shown", "risk_ids"),
                ("_shown", "evidence_ids"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let id = location.rsplit('/').next().unwrap().to_string();

    // The edit form shows the link ticked, by name.
    let (_, html) = app.page(&session, &format!("{location}/edit")).await;
    assert!(
        html.contains(&format!("name=\"requirement_ids\" value=\"{req}\" checked")),
        "{html}"
    );
    assert!(html.contains("A.6.2.4"));

    // Saving a form that does not show the links (an older form, a partial one) keeps them.
    let r = app
        .post_form(
            &session,
            &location,
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("name", "Model verification and validation"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, c) = json(app.get(&token, &format!("/api/v1/controls/{id}")).await).await;
    assert_eq!(c["name"], "Model verification and validation");
    assert_eq!(
        c["status"], "planned",
        "a field the form did not show keeps its value"
    );
    assert_eq!(
        linked_ids(&c, "requirement_ids"),
        vec![req.parse::<i64>().unwrap()]
    );

    // The full form, as the browser sends it, keeps the ticked link and the new title.
    let r = app
        .post_form(
            &session,
            &location,
            &[
                ("_csrf", &csrf),
                ("version", "2"),
                ("name", "Verification of models"),
                ("status", "planned"),
                ("_shown", "requirement_ids"),
                ("requirement_ids", &req),
                ("_q_requirement_ids", ""),
                ("_shown", "risk_ids"),
                ("_shown", "evidence_ids"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, c) = json(app.get(&token, &format!("/api/v1/controls/{id}")).await).await;
    assert_eq!(c["name"], "Verification of models");
    assert_eq!(linked_ids(&c, "requirement_ids").len(), 1);
    // The audit trail never recorded an emptied link list.
    let (_, events) = json(
        app.get(&token, "/api/v1/audit-events?entity_type=controls")
            .await,
    )
    .await;
    assert!(
        !events.to_string().contains("\"requirement_ids\":[]"),
        "{events}"
    );

    // Unticking it on the form (the picker shown, nothing ticked) is how a link is removed.
    let r = app
        .post_form(
            &session,
            &location,
            &[
                ("_csrf", &csrf),
                ("version", "3"),
                ("name", "Verification of models"),
                ("_shown", "requirement_ids"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, c) = json(app.get(&token, &format!("/api/v1/controls/{id}")).await).await;
    assert!(linked_ids(&c, "requirement_ids").is_empty());
}

async fn the_picker_finds_records_and_requirements(b: Backend) {
    let app = TestApp::start(b).await;
    let (session, csrf, token) = manager(&app, "mia@acme.test").await;
    for name in ["Chat helper", "Fraud scoring"] {
        let (s, _) = send(
            &app,
            Method::POST,
            &token,
            "/api/v1/ai-systems",
            json!({"name": name, "lifecycle_stage": "inception"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    // By name, by reference, and nothing for words that match nothing.
    let by_name = pick(&app, &session, "risks", "system_ids", "fraud").await;
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0]["label"], "AIS-2 Fraud scoring");
    let by_ref = pick(&app, &session, "risks", "system_ids", "ais-1").await;
    assert_eq!(by_ref[0]["label"], "AIS-1 Chat helper");
    assert!(
        pick(&app, &session, "risks", "system_ids", "nothing like it")
            .await
            .is_empty()
    );
    // Requirements of every framework, by ref (NIST's GOVERN 1.1) or title words.
    let govern = pick(&app, &session, "controls", "requirement_ids", "GOVERN 1.1").await;
    assert!(
        govern[0]["label"].as_str().unwrap().contains("GOVERN 1.1"),
        "{govern:?}"
    );

    // A control linked to A.6.2.4 is found by that requirement from the evidence form.
    let req = pick(&app, &session, "controls", "requirement_ids", "A.6.2.4").await[0]["id"].clone();
    let (s, _p) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/controls",
        json!({"name": "Verification", "status": "planned", "requirement_ids": [req]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{_p}");
    let controls = pick(&app, &session, "evidence", "control_ids", "a.6.2.4").await;
    assert_eq!(controls.len(), 1, "{controls:?}");
    assert_eq!(controls[0]["label"], "CTL-1 Verification");

    // Without JavaScript, "Search" re-shows the form with the results and saves nothing.
    let r = app
        .post_form(
            &session,
            "/o/acme/inventory/risks",
            &[
                ("_csrf", &csrf),
                ("name", "Drift"),
                ("_shown", "system_ids"),
                ("_q_system_ids", "chat"),
                ("_pick", "system_ids"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("AIS-1 Chat helper") && html.contains("value=\"Drift\""),
        "{html}"
    );
    let (_, risks) = json(app.get(&token, "/api/v1/risks").await).await;
    assert_eq!(risks["items"].as_array().unwrap().len(), 0);
}

async fn impossible_dates_are_refused_in_forms_and_csv(b: Backend) {
    let app = TestApp::start(b).await;
    let (session, csrf, token) = manager(&app, "mia@acme.test").await;
    let r = app
        .post_form(
            &session,
            "/o/acme/inventory/ai-systems",
            &[
                ("_csrf", &csrf),
                ("name", "Chat helper"),
                ("lifecycle_stage", "inception"),
                ("next_review", "2027-02-30"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"f-next_review-error\""), "{html}");
    assert!(html.contains("2027-02-30 does not exist"), "{html}");
    let (s, p) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/ai-systems",
        json!({"name": "X", "lifecycle_stage": "inception", "next_review": "2027-02-29"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "next_review");
    // 2028 is a leap year.
    let (s, _) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/ai-systems",
        json!({"name": "X", "lifecycle_stage": "inception", "next_review": "2028-02-29"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    // A CSV names the line and the field, and imports nothing.
    let csv = "name,lifecycle_stage,next_review\nA,inception,2027-01-31\nB,inception,2027-04-31\n";
    let res = app
        .client
        .post(app.url("/api/v1/imports/csv?register=ai-systems"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let (s, p) = json(res).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert!(p.to_string().contains("line 3"), "{p}");
    assert!(p.to_string().contains("next_review"), "{p}");
    let (_, list) = json(app.get(&token, "/api/v1/ai-systems").await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

async fn a_csv_import_ends_on_what_it_imported(b: Backend) {
    let app = TestApp::start(b).await;
    let (session, csrf, _) = manager(&app, "mia@acme.test").await;
    let csv = "name,risk_rating\nAcme Models,high\nData Brokers Ltd,low\n";
    let r = app
        .post_form(
            &session,
            "/o/acme/inventory/suppliers/import/confirm",
            &[("_csrf", &csrf), ("csv", csv)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Imported 2 suppliers"), "{html}");
    assert!(html.contains("SUP-1 Acme Models") && html.contains("SUP-2 Data Brokers Ltd"));
    let link = html
        .split("href=\"")
        .find(|h| h.starts_with("/o/acme/inventory/suppliers/"))
        .unwrap();
    let link = &link[..link.find('"').unwrap()];
    let (s, page) = app.page(&session, link).await;
    assert_eq!(s, StatusCode::OK, "{link}");
    assert!(page.contains("SUP-"));
}

async fn raising_a_risk_or_making_a_task_twice_finds_the_first(b: Backend) {
    let app = TestApp::start(b).await;
    let (session, csrf, token) = manager(&app, "mia@acme.test").await;
    let (_, sys) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/ai-systems",
        json!({"name": "Triage", "lifecycle_stage": "inception"}),
    )
    .await;
    let (_, ia) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/impact-assessments",
        json!({"name": "Triage AIA", "system_id": sys["id"]}),
    )
    .await;
    let entry = json!({"party": "individuals", "dimension": "safety", "consequence": "Sent home in danger", "severity": 5, "likelihood": 4});
    let (s, _) = send(
        &app,
        Method::PUT,
        &token,
        &format!("/api/v1/impact-assessments/{}/entries", ia["id"]),
        json!({"entries": [entry], "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let raise = format!(
        "/o/acme/inventory/impact-assessments/{}/entries/0/risk",
        ia["id"]
    );
    let first = app.post_form(&session, &raise, &[("_csrf", &csrf)]).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let second = app.post_form(&session, &raise, &[("_csrf", &csrf)]).await;
    assert_eq!(second.headers()["location"], first.headers()["location"]);
    let (_, risks) = json(app.get(&token, "/api/v1/risks").await).await;
    assert_eq!(risks["items"].as_array().unwrap().len(), 1);
    // The API answers the same risk, 200 instead of 201.
    let (s, r) = send(
        &app,
        Method::POST,
        &token,
        &format!("/api/v1/impact-assessments/{}/entries/0/risk", ia["id"]),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["reference"], "RSK-1");
    // The assessment's page links the raised risk instead of offering the button again.
    let (_, html) = app
        .page(
            &session,
            &format!("/o/acme/inventory/impact-assessments/{}", ia["id"]),
        )
        .await;
    assert!(
        html.contains(">RSK-1</a>") && !html.contains("Raise a risk"),
        "{html}"
    );

    // A roadmap action makes one task.
    let question = aims_domain::maturity::QUESTIONS[0].id.to_string();
    let form = [
        ("_csrf", csrf.as_str()),
        ("question", question.as_str()),
        ("due_date", "2027-03-31"),
    ];
    let one = app
        .post_form(&session, "/o/acme/maturity/task", &form)
        .await;
    let two = app
        .post_form(&session, "/o/acme/maturity/task", &form)
        .await;
    assert_eq!(one.status(), StatusCode::SEE_OTHER);
    assert_eq!(one.headers()["location"], two.headers()["location"]);
    let (_, tasks) = json(app.get(&token, "/api/v1/tasks").await).await;
    assert_eq!(tasks["items"].as_array().unwrap().len(), 1);
    let (_, html) = app.page(&session, "/o/acme/maturity").await;
    assert!(
        html.contains("task TSK-1"),
        "the roadmap links the task made"
    );
}

async fn a_new_token_defaults_to_the_lowest_role(b: Backend) {
    let app = TestApp::start(b).await;
    app.user("acme", "ann@acme.test", Role::Admin).await;
    let (_, session) = app.login("ann@acme.test", PASSWORD).await;
    let (_, html) = app.page(&session.unwrap(), "/o/acme/tokens").await;
    assert!(
        html.contains("<option value=\"viewer\" selected>"),
        "{html}"
    );
    assert!(!html.contains("<option value=\"admin\" selected>"));
}

#[test]
fn the_cli_ends_quietly_when_its_reader_goes_away() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(unique("aims-pipe"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_aims"))
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "catalog",
            "export",
            "iso27001-2022",
            "--format",
            "oscal",
        ])
        .env_remove("AIMS_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then close the pipe, as `| head -1` does.
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{stderr}");
}

/// Follows a redirect the way a browser does, carrying the success message's cookie.
async fn follow(app: &TestApp, session: &str, r: reqwest::Response) -> String {
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let flash = set_cookie_value(r.headers(), "aims_flash").unwrap_or_default();
    app.client
        .get(app.url(&location))
        .header(
            COOKIE,
            format!("aims_session={session}; aims_flash={flash}"),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn delete_asks_first_and_a_manager_restores(b: Backend) {
    let app = TestApp::start(b).await;
    let (session, csrf, token) = manager(&app, "mia@acme.test").await;
    app.user("acme", "cory@acme.test", Role::Contributor).await;
    let (_, cory) = app.login("cory@acme.test", PASSWORD).await;
    let cory = cory.unwrap();
    let (_, sys) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/ai-systems",
        json!({"name": "Triage", "lifecycle_stage": "inception"}),
    )
    .await;
    let (s, risk) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/risks",
        json!({"name": "Biased triage", "status": "identified", "system_ids": [sys["id"]]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let page = format!("/o/acme/inventory/risks/{}", risk["id"]);

    // The record page offers a link to a confirmation, not a one-click delete.
    let (_, html) = app.page(&session, &page).await;
    assert!(html.contains(&format!("href=\"{page}/delete\"")), "{html}");
    assert!(!html.contains(&format!("action=\"{page}/delete\"")));
    let (s, confirm) = app.page(&cory, &format!("{page}/delete")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        confirm.contains("Delete RSK-1 Biased triage?") && confirm.contains("AIS-1"),
        "{confirm}"
    );

    let (_, ch) = app.page(&cory, "/o/acme").await;
    let cory_csrf = csrf_in(&ch).unwrap();
    let r = app
        .post_form(&cory, &format!("{page}/delete"), &[("_csrf", &cory_csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list = follow(&app, &cory, r).await;
    assert!(
        list.contains("RSK-1 deleted.") && list.contains("Restore it"),
        "{list}"
    );
    let (s, _) = json(
        app.get(&token, &format!("/api/v1/risks/{}", risk["id"]))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The deleted record's page shows what it held; a contributor cannot restore it.
    let deleted = format!("/o/acme/inventory/risks/deleted/{}", risk["id"]);
    let (s, html) = app.page(&cory, &deleted).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Biased triage") && html.contains("cory@acme.test"),
        "{html}"
    );
    let r = app
        .post_form(&cory, &deleted, &[("_csrf", &cory_csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A manager restores it: same reference, its link to the system back.
    let r = app.post_form(&session, &deleted, &[("_csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let restored_page = follow(&app, &session, r).await;
    assert!(restored_page.contains("RSK-1 restored."), "{restored_page}");
    let (_, risks) = json(app.get(&token, "/api/v1/risks").await).await;
    let items = risks["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["reference"], "RSK-1");
    assert_eq!(items[0]["name"], "Biased triage");
    let (_, again) = json(
        app.get(&token, &format!("/api/v1/risks/{}", items[0]["id"]))
            .await,
    )
    .await;
    assert_eq!(
        linked_ids(&again, "system_ids"),
        vec![sys["id"].as_i64().unwrap()]
    );
    // Once: the deleted record's trail now ends on "restore".
    let r = app.post_form(&session, &deleted, &[("_csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, events) = json(
        app.get(
            &token,
            &format!(
                "/api/v1/audit-events?entity_type=risks&entity_id={}",
                risk["id"]
            ),
        )
        .await,
    )
    .await;
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    // (SQLite may give the restored record its old id back, so its "create" can sit between.)
    assert_eq!(actions[0], "restore", "{actions:?}");
    assert!(actions.contains(&"delete"), "{actions:?}");
}

/// The text of every shared string of an XLSX file.
fn xlsx_strings(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    out
}

async fn the_soa_is_decided_in_one_form_and_approved_by_another(b: Backend) {
    let app = TestApp::start(b).await;
    let (session, csrf, token) = manager(&app, "mia@acme.test").await;
    let (_, soa) = json(app.get(&token, "/api/v1/soa").await).await;
    let items = soa["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 38);
    let org = app.store.org_by_slug("acme").await.unwrap().unwrap().id;
    let form_for = |rows: &[Value], edit: &dyn Fn(&Value) -> (String, String, String)| {
        let mut f: Vec<(String, String)> = vec![("_csrf".into(), csrf.clone())];
        for e in rows {
            let id = e["id"].to_string();
            let (applicable, justification, status) = edit(e);
            f.push(("entry".into(), id.clone()));
            f.push((format!("version_{id}"), e["version"].to_string()));
            f.push((format!("applicable_{id}"), applicable));
            f.push((format!("justification_{id}"), justification));
            f.push((format!("status_{id}"), status));
        }
        f
    };
    let (app_ref, session_ref) = (&app, &session);
    let post = |pairs: Vec<(String, String)>| async move {
        app_ref
            .client
            .post(app_ref.url("/o/acme/soa"))
            .header(COOKIE, format!("aims_session={session_ref}"))
            .form(&pairs)
            .send()
            .await
            .unwrap()
    };

    // One row without a justification: 422, the error beside that row, nothing written.
    let before = app.audit_count(org).await;
    let bad = form_for(&items, &|e| {
        if e["reference"] == "A.6.2.4" {
            ("yes".into(), "  ".into(), "planned".into())
        } else {
            ("no".into(), "Not in our scope".into(), "not_started".into())
        }
    });
    let r = post(bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let a624 = items.iter().find(|e| e["reference"] == "A.6.2.4").unwrap();
    assert!(
        html.contains(&format!(
            "id=\"err-{}\">A.6.2.4: Justification is required",
            a624["id"]
        )),
        "{html}"
    );
    assert!(
        html.contains("Not in our scope"),
        "what was typed stays on the page"
    );
    assert_eq!(app.audit_count(org).await, before);

    // All 38 decided in one save.
    let all = form_for(&items, &|_| {
        ("no".into(), "Not in our scope".into(), "not_started".into())
    });
    let r = post(all.clone()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count(org).await, before + 38);
    let (_, soa) = json(app.get(&token, "/api/v1/soa").await).await;
    assert_eq!(soa["decided"], 38);
    // Saving the same form again writes nothing.
    let r = post(form_for(&soa["items"].as_array().unwrap().clone(), &|_| {
        ("no".into(), "Not in our scope".into(), "not_started".into())
    }))
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count(org).await, before + 38);

    // A row someone else changed since the form was read answers 409 for that row.
    let fresh = soa["items"].as_array().unwrap().clone();
    let target = fresh
        .iter()
        .find(|e| e["reference"] == "A.2.2")
        .unwrap()
        .clone();
    let (s, _) = send(&app, Method::PATCH, &token, &format!("/api/v1/soa/{}", target["id"]), json!({"applicable": true, "justification": "Our AI policy", "status": "planned", "version": target["version"]})).await;
    assert_eq!(s, StatusCode::OK);
    let stale = form_for(&fresh, &|e| {
        if e["reference"] == "A.2.2" {
            ("no".into(), "Changed my mind".into(), "not_started".into())
        } else {
            ("no".into(), "Not in our scope".into(), "not_started".into())
        }
    });
    let r = post(stale).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!(
            "id=\"err-{}\">A.2.2: Was changed by someone else",
            target["id"]
        )),
        "{html}"
    );
    assert!(html.contains("Changed my mind"));

    // The API saves the same way: only differing entries, problems named by control.
    let (s, out) = send(&app, Method::PATCH, &token, "/api/v1/soa", json!({"entries": [{"id": target["id"], "applicable": true, "justification": "Our AI policy", "status": "planned", "version": target["version"].as_i64().unwrap() + 1}]})).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["written"], 0);
    let (s, p) = send(
        &app,
        Method::PATCH,
        &token,
        "/api/v1/soa",
        json!({"entries": [{"id": target["id"], "applicable": false, "version": 1}]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "A.2.2.justification");

    // Mia made the last change: she cannot approve. Open problems need a reason.
    let r = app
        .post_form(
            &session,
            "/o/acme/soa/approve",
            &[("_csrf", &csrf), ("override_reason", "baseline")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (other, other_csrf, other_token) = manager(&app, "max@acme.test").await;
    let r = app
        .post_form(
            &other,
            "/o/acme/soa/approve",
            &[("_csrf", &other_csrf), ("note", "review 1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("completeness problem"));
    let r = app
        .post_form(
            &other,
            "/o/acme/soa/approve",
            &[
                ("_csrf", &other_csrf),
                ("note", "review 1"),
                ("override_reason", "A.2.2 is being implemented"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&other, "/o/acme/soa").await;
    assert!(html.contains("Version 1 approved by max on"), "{html}");
    let (_, html) = app.page(&other, "/o/acme/soa/print").await;
    assert!(html.contains("Version 1 approved by max on"));
    let bytes = app
        .get(&other_token, "/api/v1/soa/export?format=xlsx")
        .await
        .bytes()
        .await
        .unwrap();
    let strings = xlsx_strings(&bytes);
    assert!(
        strings.contains("Version 1 approved by max on")
            && strings.contains("A.2.2 is being implemented"),
        "{strings}"
    );

    // A second version, compared with the first through the API.
    let (s, _) = send(&app, Method::PATCH, &other_token, &format!("/api/v1/soa/{}", target["id"]), json!({"applicable": true, "justification": "Our AI policy, reviewed", "status": "in_progress", "version": target["version"].as_i64().unwrap() + 1})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/soa/approve",
        json!({"note": "review 2", "override_reason": "still in progress"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, cmp) = json(
        app.get(&token, "/api/v1/soa/versions/compare?a=1&b=2")
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(cmp["changed"], 1, "{cmp}");
    let row = cmp["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["changed"] == true)
        .unwrap();
    assert_eq!(row["reference"], "A.2.2");
    assert_eq!(row["b"]["justification"], "Our AI policy, reviewed");
    let (s, _) = json(
        app.get(&token, "/api/v1/soa/versions/compare?a=1&b=7")
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// The href of the first link whose text contains `words`.
fn link_to(html: &str, words: &str) -> String {
    let at = html
        .find(words)
        .unwrap_or_else(|| panic!("no `{words}` in {html}"));
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    let end = start + html[start..].find('"').unwrap();
    html[start..end].replace("&amp;", "&")
}

/// The references in a register list page's table.
fn listed(html: &str) -> Vec<String> {
    html.split("<td class=\"ref\"><a href=\"")
        .skip(1)
        .map(|p| {
            let p = &p[p.find('>').unwrap() + 1..];
            p[..p.find('<').unwrap()].to_string()
        })
        .collect()
}

async fn dashboard_numbers_open_exactly_their_records(b: Backend) {
    use chrono::TimeZone;
    let at = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let app = TestApp::start_with_clock(b, std::sync::Arc::new(aims_domain::FixedClock(at))).await;
    let (session, _, token) = manager(&app, "mia@acme.test").await;
    let post = |path: &'static str, body: Value| {
        let (app, token) = (&app, &token);
        async move {
            let (s, r) = send(app, Method::POST, token, path, body).await;
            assert_eq!(s, StatusCode::CREATED, "{r}");
            r
        }
    };
    post("/api/v1/risks", json!({"name": "Overdue", "status": "assessed", "next_review": "2026-11-30", "inherent_likelihood": 5, "inherent_impact": 5})).await;
    post("/api/v1/risks", json!({"name": "Closed and overdue", "status": "closed", "next_review": "2026-01-01", "inherent_likelihood": 1, "inherent_impact": 1})).await;
    post("/api/v1/risks", json!({"name": "Due later", "status": "assessed", "next_review": "2027-01-01", "inherent_likelihood": 2, "inherent_impact": 2})).await;
    post(
        "/api/v1/risks",
        json!({"name": "Not scored", "status": "identified"}),
    )
    .await;
    // (Gates off: a system already live when the organization started with aims.)
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let (s, _) = send(
        &app,
        Method::PUT,
        &admin,
        "/api/v1/settings/lifecycle-gates",
        json!({"enabled": false, "version": 0}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    post(
        "/api/v1/ai-systems",
        json!({"name": "Live bot", "lifecycle_stage": "deployment"}),
    )
    .await;
    post(
        "/api/v1/ai-systems",
        json!({"name": "Idea", "lifecycle_stage": "inception"}),
    )
    .await;

    let (_, home) = app.page(&session, "/o/acme").await;
    let (_, page) = app
        .page(&session, &link_to(&home, "past its review date"))
        .await;
    assert_eq!(listed(&page), ["RSK-1"], "{page}");
    assert!(home.contains("<strong>1</strong> risk past its review date"));
    let (_, page) = app
        .page(
            &session,
            &link_to(&home, "without an approved impact assessment"),
        )
        .await;
    assert_eq!(listed(&page), ["AIS-1"]);
    assert!(page.contains("Showing only"));
    // Risks by level count every risk: each band's link lists its risks, the unscored apart.
    assert!(
        home.contains("Not scored yet: <strong>1</strong>"),
        "{home}"
    );
    let (_, page) = app.page(&session, &link_to(&home, "Not scored yet")).await;
    assert_eq!(listed(&page), ["RSK-4"]);
    let (_, page) = app.page(&session, &link_to(&home, "Critical: ")).await;
    assert_eq!(listed(&page), ["RSK-1"], "{page}");
    assert!(home.contains("4 risks in all"));
    // The API offers the same views; an unknown one is named.
    let (_, r) = json(app.get(&token, "/api/v1/risks?view=overdue").await).await;
    assert_eq!(r["items"].as_array().unwrap().len(), 1);
    let (s, p) = json(app.get(&token, "/api/v1/risks?view=someday").await).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "view");
}

async fn error_pages_keep_the_layout_and_say_what_to_do(b: Backend) {
    let app = TestApp::start(b).await;
    app.user("acme", "vera@acme.test", Role::Viewer).await;
    let (_, session) = app.login("vera@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (s, html) = app.page(&session, "/o/acme/inventory/risks/999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        html.contains("<nav class=\"side\"") && html.contains("Not found"),
        "{html}"
    );
    assert!(html.contains("href=\"/o/acme\">Back to the dashboard"));
    let (s, html) = app.page(&session, "/o/acme/inventory/risks/new").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        html.contains("<nav class=\"side\"") && html.contains("Ask an admin"),
        "{html}"
    );
    // Outside an organization the page stays bare, and still says where to go.
    let (s, html) = app.page(&session, "/nowhere").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!html.contains("<nav class=\"side\"") && html.contains("Back to the dashboard"));
}

async fn risk_criteria_are_set_on_a_page_and_misfits_listed(b: Backend) {
    let app = TestApp::start(b).await;
    let (session, csrf, token) = manager(&app, "mia@acme.test").await;
    for (name, l, i) in [("Fits", 2, 2), ("Too likely", 5, 1), ("Fine too", 3, 3)] {
        let (s, _) = send(&app, Method::POST, &token, "/api/v1/risks", json!({"name": name, "status": "assessed", "inherent_likelihood": l, "inherent_impact": i})).await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (s, html) = app.page(&session, "/o/acme/risks/criteria").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("name=\"likelihood_label_4\"") && html.contains("<svg"),
        "{html}"
    );
    // A 3 × 5 matrix: three likelihood levels, bands up to 15.
    let mut form: Vec<(String, String)> = vec![
        ("_csrf".into(), csrf.clone()),
        ("version".into(), "0".into()),
    ];
    for (i, l) in ["Rare", "Possible", "Likely"].iter().enumerate() {
        form.push((format!("likelihood_label_{i}"), l.to_string()));
    }
    for (i, l) in ["Minor", "Moderate", "Major", "Severe", "Critical"]
        .iter()
        .enumerate()
    {
        form.push((format!("impact_label_{i}"), l.to_string()));
    }
    for (i, (min, max, level, colour)) in [
        (1, 3, "Low", "#2e7d32"),
        (4, 8, "Medium", "#f9a825"),
        (9, 15, "High", "#c62828"),
    ]
    .iter()
    .enumerate()
    {
        form.push((format!("band_min_{i}"), min.to_string()));
        form.push((format!("band_max_{i}"), max.to_string()));
        form.push((format!("band_level_{i}"), level.to_string()));
        form.push((format!("band_colour_{i}"), colour.to_string()));
    }
    form.push(("acceptance_threshold".into(), "8".into()));
    let post = |f: Vec<(String, String)>| {
        let (app, session) = (&app, &session);
        async move {
            app.client
                .post(app.url("/o/acme/risks/criteria"))
                .header(COOKIE, format!("aims_session={session}"))
                .form(&f)
                .send()
                .await
                .unwrap()
        }
    };
    // The preview shows the new matrix and saves nothing.
    let mut preview = form.clone();
    preview.push(("_preview".into(), "1".into()));
    let r = post(preview).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Preview (not saved)"));
    let (_, c) = json(app.get(&token, "/api/v1/risk-criteria").await).await;
    assert_eq!(
        c["criteria"]["likelihood"].as_array().unwrap().len(),
        5,
        "{c}"
    );
    // A gap in the bands is named, the input kept.
    let mut bad = form.clone();
    for (k, v) in bad.iter_mut() {
        if k == "band_min_1" {
            *v = "5".into();
        }
    }
    let r = post(bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("bands[1]") && html.contains("value=\"Possible\""),
        "{html}"
    );
    // Saved: the risk at likelihood 5 is listed for re-assessment, and counted apart.
    let r = post(form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, c) = json(app.get(&token, "/api/v1/risk-criteria").await).await;
    assert_eq!(c["criteria"]["likelihood"].as_array().unwrap().len(), 3);
    let (_, html) = app.page(&session, "/o/acme/risks/criteria").await;
    assert!(
        html.contains("Risks to re-assess") && html.contains("Too likely"),
        "{html}"
    );
    assert!(!html.contains(">RSK-1</a> Fits"));
    let (_, home) = app.page(&session, "/o/acme").await;
    assert!(
        home.contains("Outside the current scale: <strong>1</strong>"),
        "{home}"
    );
    assert!(home.contains("3 risks in all"));
    let (_, page) = app
        .page(&session, &link_to(&home, "Outside the current scale"))
        .await;
    assert_eq!(listed(&page), ["RSK-2"]);
}

async fn impact_assessment_findings_are_edited_in_draft_and_versions_started(b: Backend) {
    let app = TestApp::start(b).await;
    let (session, csrf, token) = manager(&app, "mia@acme.test").await;
    let (_, sys) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/ai-systems",
        json!({"name": "Triage", "lifecycle_stage": "inception"}),
    )
    .await;
    let (_, ia) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/impact-assessments",
        json!({"name": "Triage AIA", "system_id": sys["id"]}),
    )
    .await;
    let page = format!("/o/acme/inventory/impact-assessments/{}", ia["id"]);
    let ia_path = format!("/api/v1/impact-assessments/{}", ia["id"]);

    let finding = |v: &str, consequence: &str, severity: &str| -> Vec<(String, String)> {
        [
            ("_csrf", csrf.as_str()),
            ("version", v),
            ("party", "individuals"),
            ("dimension", "safety"),
            ("consequence", consequence),
            ("severity", severity),
            ("likelihood", "2"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let post = |path: String, f: Vec<(String, String)>| {
        let (app, session) = (&app, &session);
        async move {
            app.client
                .post(app.url(&path))
                .header(COOKIE, format!("aims_session={session}"))
                .form(&f)
                .send()
                .await
                .unwrap()
        }
    };
    // A bad finding: 422, the error beside the severity, the words kept.
    let r = post(
        format!("{page}/entries"),
        finding("1", "Sent home in danger", "9"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"severity-error\"") && html.contains("Sent home in danger"),
        "{html}"
    );
    let r = post(
        format!("{page}/entries"),
        finding("1", "Sent home in danger", "4"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Edited while in draft: the form opens filled, the change is saved.
    let (s, html) = app.page(&session, &format!("{page}/entries/0")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Edit finding 1") && html.contains(">Sent home in danger</textarea>"),
        "{html}"
    );
    let v = get_json(&app, &token, &ia_path).await["version"].to_string();
    let r = post(
        format!("{page}/entries/0"),
        finding(&v, "Sent home while in danger", "5"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let now = get_json(&app, &token, &ia_path).await;
    assert_eq!(
        now["entries"][0]["consequence"],
        "Sent home while in danger"
    );
    assert_eq!(now["entries"][0]["severity"], 5);
    // A second finding, then removed.
    let v = now["version"].to_string();
    post(
        format!("{page}/entries"),
        finding(&v, "Bias against older patients", "3"),
    )
    .await;
    let v = get_json(&app, &token, &ia_path).await["version"].to_string();
    let r = post(
        format!("{page}/entries/1/remove"),
        vec![("_csrf".into(), csrf.clone()), ("version".into(), v)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        get_json(&app, &token, &ia_path).await["entries"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Submitted: the author sees no Approve button and is told who approves.
    let v = get_json(&app, &token, &ia_path).await["version"].to_string();
    let r = post(
        format!("{page}/step/submit"),
        vec![("_csrf".into(), csrf.clone()), ("version".into(), v)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&session, &page).await;
    assert!(
        !html.contains(">Approve</button>") && html.contains("You wrote this assessment"),
        "{html}"
    );
    let (other, other_csrf, _) = manager(&app, "max@acme.test").await;
    let (_, html) = app.page(&other, &page).await;
    assert!(html.contains(">Approve</button>"));
    let v = get_json(&app, &token, &ia_path).await["version"].to_string();
    let r = app
        .post_form(
            &other,
            &format!("{page}/step/approve"),
            &[("_csrf", &other_csrf), ("version", &v)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Approved: no Edit, but "start a new version", which copies the findings into a draft.
    let (_, html) = app.page(&session, &page).await;
    assert!(
        !html.contains(&format!("href=\"{page}/edit\"")) && html.contains("Start a new version"),
        "{html}"
    );
    let r = post(
        format!("{page}/new-version"),
        vec![("_csrf".into(), csrf.clone())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let new_id = location.rsplit('/').next().unwrap();
    assert_ne!(new_id, ia["id"].to_string());
    let (_, draft) = json(
        app.get(&token, &format!("/api/v1/impact-assessments/{new_id}"))
            .await,
    )
    .await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["system_id"], sys["id"]);
    assert_eq!(
        draft["entries"][0]["consequence"],
        "Sent home while in danger"
    );
}

async fn risk_acceptance_names_people_and_puts_errors_beside_fields(b: Backend) {
    use chrono::TimeZone;
    let at = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let app = TestApp::start_with_clock(b, std::sync::Arc::new(aims_domain::FixedClock(at))).await;
    let (session, csrf, token) = manager(&app, "mia@acme.test").await;
    let (_, ceo) = app.user("acme", "ceo@acme.test", Role::Viewer).await;
    let (_, risk) = send(&app, Method::POST, &token, "/api/v1/risks", json!({"name": "Missed emergencies", "status": "assessed", "inherent_likelihood": 5, "inherent_impact": 5})).await;
    let page = format!("/o/acme/inventory/risks/{}", risk["id"]);
    // The edit form does not offer "accepted"; it says where to go.
    let (_, form) = app.page(&session, &format!("{page}/edit")).await;
    assert!(
        !form.contains("<option value=\"accepted\"") && form.contains("Accept the risk"),
        "{form}"
    );
    let r = app
        .post_form(
            &session,
            &format!("{page}/accept"),
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("reason", ""),
                ("review_on", "2027-03-31"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"reason-error\"")
            && html.contains("id=\"top_management_acceptor-error\""),
        "{html}"
    );
    assert!(
        html.contains("value=\"2027-03-31\""),
        "the date typed is kept"
    );
    let ceo = ceo.to_string();
    let r = app
        .post_form(
            &session,
            &format!("{page}/accept"),
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("reason", "Nurse review of every case"),
                ("review_on", "2027-03-31"),
                ("top_management_acceptor", &ceo),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&session, &page).await;
    assert!(
        html.contains("<dt>Top management acceptor</dt><dd>ceo@acme.test</dd>"),
        "{html}"
    );
    assert!(
        html.contains("<dt>Accepted by</dt><dd>mia@acme.test</dd>")
            && html.contains("<dt>Accepted on</dt><dd>2026-12-01</dd>")
    );
    assert!(html.contains("<dt>Next review</dt><dd>2027-03-31</dd>"));
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    json(app.get(token, path).await).await.1
}

async fn readiness_counts_what_aims_holds_and_system_pages_show_their_graph(b: Backend) {
    let app = TestApp::start(b).await;
    let (session, _, token) = manager(&app, "mia@acme.test").await;
    let other = app.token("acme", "max@acme.test", Role::Manager).await;
    let (_, html) = app.page(&session, "/o/acme/maturity").await;
    for doc in [
        "Statement of Applicability (necessary",
        "Results of AI risk assessments",
        "Results of AI risk treatment",
    ] {
        assert!(html.contains(doc), "{doc} is missing at first");
    }
    let (_, sup) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/suppliers",
        json!({"name": "Acme Models"}),
    )
    .await;
    let (_, sys) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/ai-systems",
        json!({"name": "Triage", "lifecycle_stage": "inception", "supplier_ids": [sup["id"]]}),
    )
    .await;
    let (_, ctl) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/controls",
        json!({"name": "Human review", "status": "implemented"}),
    )
    .await;
    let (s, _) = send(&app, Method::POST, &token, "/api/v1/risks", json!({"name": "Missed emergencies", "status": "in_treatment", "treatment": "modify", "inherent_likelihood": 3, "inherent_impact": 3, "system_ids": [sys["id"]], "control_ids": [ctl["id"]]})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = send(
        &app,
        Method::POST,
        &other,
        "/api/v1/soa/approve",
        json!({"override_reason": "baseline"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, html) = app.page(&session, "/o/acme/maturity").await;
    for doc in [
        "Statement of Applicability (necessary",
        "Results of AI risk assessments",
        "Results of AI risk treatment",
    ] {
        assert!(!html.contains(doc), "{doc} is held in aims now");
    }
    assert!(
        html.contains("Results of AI system impact assessments"),
        "no approved assessment yet"
    );

    // The system's page shows its risks and the controls treating them; the supplier's, its systems.
    let (_, page) = app
        .page(
            &session,
            &format!("/o/acme/inventory/ai-systems/{}", sys["id"]),
        )
        .await;
    assert!(
        page.contains("Risks linked to this AI system")
            && page.contains(">RSK-1</a> Missed emergencies"),
        "{page}"
    );
    assert!(
        page.contains("Controls treating its risks") && page.contains(">CTL-1</a> Human review")
    );
    let (_, page) = app
        .page(
            &session,
            &format!("/o/acme/inventory/suppliers/{}", sup["id"]),
        )
        .await;
    assert!(page.contains(">AIS-1</a> Triage"), "{page}");
}

async fn the_audit_trail_reads_as_a_diff_per_field(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let (_, session) = app.login("ann@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (_, r) = send(
        &app,
        Method::POST,
        &admin,
        "/api/v1/risks",
        json!({"name": "Drift", "status": "identified"}),
    )
    .await;
    let (s, _) = send(
        &app,
        Method::PATCH,
        &admin,
        &format!("/api/v1/risks/{}", r["id"]),
        json!({"name": "Model drift", "status": "in_treatment", "version": r["version"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, html) = app.page(&session, "/o/acme/audit?entity_type=risks").await;
    assert!(html.contains("<th scope=\"row\">Title</th><td class=\"before\">Drift</td><td class=\"after\">Model drift</td>"), "{html}");
    assert!(
        html.contains("<td class=\"before\">Identified</td><td class=\"after\">In treatment</td>"),
        "{html}"
    );
    assert!(!html.contains(">in_treatment<"), "no raw keys");
    assert!(html.contains("raw JSON") && html.contains(&format!(">risk {}</a>", r["id"])));
    assert!(
        !html.contains("<th scope=\"row\">version</th>"),
        "bookkeeping is left out"
    );
}

async fn a_requirement_is_implemented_from_its_own_page(b: Backend) {
    let app = TestApp::start(b).await;
    let (session, csrf, token) = manager(&app, "mia@acme.test").await;
    let req = pick(&app, &session, "controls", "requirement_ids", "A.6.2.4").await[0]["id"]
        .as_i64()
        .unwrap();
    let other = pick(&app, &session, "controls", "requirement_ids", "A.2.2").await[0]["id"]
        .as_i64()
        .unwrap();
    let (_, existing) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/controls",
        json!({"name": "Release checklist", "status": "implemented", "requirement_ids": [other]}),
    )
    .await;
    let page = format!("/o/acme/requirements/{req}");
    // Found by name, linked: it keeps its other requirement.
    let (_, html) = app.page(&session, &format!("{page}?q=checklist")).await;
    assert!(
        html.contains("CTL-1 Release checklist") && html.contains(">Link</button>"),
        "{html}"
    );
    let id = existing["id"].to_string();
    let r = app
        .post_form(&session, &page, &[("_csrf", &csrf), ("control_id", &id)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, c) = json(app.get(&token, &format!("/api/v1/controls/{id}")).await).await;
    let mut ids = linked_ids(&c, "requirement_ids");
    ids.sort();
    let mut want = vec![req, other];
    want.sort();
    assert_eq!(ids, want);
    // Or a new control, created linked; an empty name is refused on the page.
    let r = app
        .post_form(&session, &page, &[("_csrf", &csrf), ("name", "")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            &session,
            &page,
            &[("_csrf", &csrf), ("name", "Model verification")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&session, &page).await;
    assert!(
        html.contains("Release checklist") && html.contains("Model verification"),
        "{html}"
    );
}

async fn plan_errors_sit_beside_their_fields_and_role_changes_say_so(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let (_, session) = app.login("ann@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (_, html) = app.page(&session, "/o/acme/maturity").await;
    let csrf = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &session,
            "/o/acme/maturity/plan",
            &[
                ("_csrf", &csrf),
                ("version", "0"),
                ("start_date", "2027-01-01"),
                ("gap_analysis_months", "lots"),
                ("implementation_months", "6"),
                ("internal_audit_months", "1"),
                ("certification_months", "1"),
                ("employees", "200"),
                ("base_cost_low", "1"),
                ("base_cost_high", "2"),
                ("cost_per_system_low", "1"),
                ("cost_per_system_high", "2"),
                ("audit_fee_low", "1"),
                ("audit_fee_high", "2"),
                ("iso27001_saving_low_percent", "30"),
                ("iso27001_saving_high_percent", "40"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(
            "<span class=\"error\">Gap analysis and planning must be a whole number</span>"
        ),
        "{html}"
    );
    assert!(
        html.contains("name=\"gap_analysis_months\" value=\"lots\""),
        "what was typed stays"
    );
    assert!(
        !html.contains("gap_analysis_months must"),
        "no raw field names"
    );
    // A role change ends on a message that says what changed.
    let (_, vera) = app.user("acme", "vera@acme.test", Role::Viewer).await;
    let (_, m) = json(app.get(&admin, &format!("/api/v1/members/{vera}")).await).await;
    let r = app
        .post_form(
            &session,
            &format!("/o/acme/members/{vera}/role"),
            &[
                ("_csrf", &csrf),
                ("role", "auditor"),
                ("version", &m["version"].to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = follow(&app, &session, r).await;
    assert!(page.contains("vera@acme.test is now auditor."), "{page}");
}

async fn removing_a_finding_keeps_raised_risks_beside_their_findings(b: Backend) {
    let app = TestApp::start(b).await;
    let (session, csrf, token) = manager(&app, "mia@acme.test").await;
    let (_, sys) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/ai-systems",
        json!({"name": "Triage", "lifecycle_stage": "inception"}),
    )
    .await;
    let (_, ia) = send(
        &app,
        Method::POST,
        &token,
        "/api/v1/impact-assessments",
        json!({"name": "Triage AIA", "system_id": sys["id"]}),
    )
    .await;
    let f = |c: &str| json!({"party": "individuals", "dimension": "safety", "consequence": c, "severity": 5, "likelihood": 4});
    let path = format!("/api/v1/impact-assessments/{}", ia["id"]);
    let (s, _) = send(
        &app,
        Method::PUT,
        &token,
        &format!("{path}/entries"),
        json!({"entries": [f("first"), f("second")], "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    for i in [0, 1] {
        let (s, _) = send(
            &app,
            Method::POST,
            &token,
            &format!("{path}/entries/{i}/risk"),
            json!(null),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (_, now) = json(app.get(&token, &path).await).await;
    let page = format!("/o/acme/inventory/impact-assessments/{}", ia["id"]);
    let v = now["version"].to_string();
    let r = app
        .post_form(
            &session,
            &format!("{page}/entries/0/remove"),
            &[("_csrf", &csrf), ("version", &v)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The second finding is now the first, and its risk (RSK-2) moved with it.
    let (_, risks) = json(app.get(&token, "/api/v1/risks?sort=name").await).await;
    let source_of = |n: &str| {
        risks["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["reference"] == n)
            .unwrap()["source"]
            .clone()
    };
    assert_eq!(source_of("RSK-2"), "AIA-1 finding 1");
    assert_eq!(source_of("RSK-1"), "AIA-1 finding 1 (finding removed)");
    let (_, html) = app.page(&session, &page).await;
    assert!(
        html.contains(">RSK-2</a> <span class=\"muted\">raised</span>")
            && !html.contains(">RSK-1</a>"),
        "{html}"
    );
}

async fn removing_a_member_asks_first(b: Backend) {
    let app = TestApp::start(b).await;
    app.user("acme", "ann@acme.test", Role::Admin).await;
    let (_, vera) = app.user("acme", "vera@acme.test", Role::Viewer).await;
    let (_, session) = app.login("ann@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (_, html) = app.page(&session, "/o/acme/members").await;
    assert!(html.contains(&format!("href=\"/o/acme/members/{vera}/remove\"")));
    let (s, confirm) = app
        .page(&session, &format!("/o/acme/members/{vera}/remove"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(confirm.contains("Remove vera@acme.test from"), "{confirm}");
    let csrf = csrf_in(&confirm).unwrap();
    let r = app
        .post_form(
            &session,
            &format!("/o/acme/members/{vera}/remove"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (s, _) = app
        .page(&session, &format!("/o/acme/members/{vera}/remove"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
