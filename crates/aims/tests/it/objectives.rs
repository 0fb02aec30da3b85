//! Objectives and measurement (issue 15, first part): objectives and their KPIs, append-only
//! measurements with when they were entered, a KPI's status against its target and its chart,
//! through the API and the pages, on SQLite and PostgreSQL, with a fixed clock.

use crate::harness::*;
use aims_domain::Role;
use chrono::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    a_kpi_is_measured_and_judged_against_its_target,
    bad_measurements_are_refused_and_write_nothing,
);

async fn start(b: Backend) -> TestApp {
    let at = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    TestApp::start_with_clock(b, std::sync::Arc::new(aims_domain::FixedClock(at))).await
}

async fn kpi(app: &TestApp, t: &str) -> i64 {
    let (s, o) = send(app, Method::POST, t, "/api/v1/objectives", json!({"name": "People review automated rejections", "status": "active", "due_date": "2027-06-30"})).await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let (s, k) = send(app, Method::POST, t, "/api/v1/kpis",
        json!({"name": "Share of rejections reviewed", "objective_id": o["id"], "unit": "%", "direction": "up", "target": 95, "warning": "90,5", "frequency": "monthly"})).await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    assert_eq!(
        (k["target"].as_f64(), k["warning"].as_f64()),
        (Some(95.0), Some(90.5)),
        "numbers answered as numbers: {k}"
    );
    k["id"].as_i64().unwrap()
}

async fn measure(app: &TestApp, t: &str, id: i64, body: Value) -> (StatusCode, Value) {
    send(
        app,
        Method::POST,
        t,
        &format!("/api/v1/kpis/{id}/measurements"),
        body,
    )
    .await
}

async fn status(app: &TestApp, t: &str, id: i64) -> Value {
    json(app.get(t, &format!("/api/v1/kpis/{id}/status")).await)
        .await
        .1
}

async fn a_kpi_is_measured_and_judged_against_its_target(b: Backend) {
    let app = start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    let id = kpi(&app, &t).await;
    assert_eq!(status(&app, &t, id).await["status"], "not_measured");
    let (_, dash) = json(app.get(&t, "/api/v1/dashboard").await).await;
    assert_eq!(
        dash["overdue"]["kpi_measurements"], 1,
        "never measured: {dash}"
    );
    let (_, roadmap) = json(app.get(&t, "/api/v1/roadmap").await).await;
    assert!(
        roadmap["missing_documents"].to_string().contains("\"9.1\""),
        "{}",
        roadmap["missing_documents"]
    );

    // September and October, entered today (1 December), came after the next one was due: late.
    // November's value, then two corrections of it (new measurements of the same period):
    // at risk, off track, on track, each as it comes.
    for (end, v, expected, late) in [
        ("2026-09-30", json!(91), "not_measured", true),
        ("2026-10-31", json!(93), "not_measured", true),
        ("2026-11-30", json!("92.5"), "at_risk", false),
        ("2026-11-30", json!(88), "off_track", false),
        ("2026-11-30", json!(96.0), "on_track", false),
    ] {
        let (s, m) = measure(
            &app,
            &t,
            id,
            json!({"value": v, "period_end": end, "note": "monthly sample"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        assert_eq!(m["backdated"], late, "{m}");
        let st = status(&app, &t, id).await;
        assert_eq!(st["status"], expected, "{end}: {st}");
    }
    let st = status(&app, &t, id).await;
    assert_eq!(
        (st["latest_value"].as_f64(), st["next_due"].as_str()),
        (Some(96.0), Some("2026-12-31")),
        "{st}"
    );
    // The period start defaults to one interval before the end.
    let (_, list) = json(
        app.get(&t, &format!("/api/v1/kpis/{id}/measurements"))
            .await,
    )
    .await;
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 5);
    assert_eq!(
        (
            list[0]["period_start"].as_str(),
            list[0]["period_end"].as_str()
        ),
        (Some("2026-11-01"), Some("2026-11-30")),
        "newest first"
    );
    assert_eq!(
        list[0]["entered_at"].as_str().map(|s| &s[..10]),
        Some("2026-12-01"),
        "the server's time of entry"
    );

    let (_, dash) = json(app.get(&t, "/api/v1/dashboard").await).await;
    assert_eq!(
        dash["overdue"]["kpi_measurements"], 0,
        "measured in time: {dash}"
    );
    let (_, roadmap) = json(app.get(&t, "/api/v1/roadmap").await).await;
    assert!(
        !roadmap["missing_documents"].to_string().contains("\"9.1\""),
        "9.1 results are held in aims: {}",
        roadmap["missing_documents"]
    );

    // A measurement for a period long past is kept, and shows as entered late too.
    let (s, late) = measure(
        &app,
        &t,
        id,
        json!({"value": 90, "period_end": "2026-06-30"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(late["backdated"], true, "{late}");
    assert_eq!(
        status(&app, &t, id).await["status"],
        "on_track",
        "the latest period still counts"
    );

    // Paging by cursor, newest first.
    let (_, page1) = json(
        app.get(&t, &format!("/api/v1/kpis/{id}/measurements?limit=2"))
            .await,
    )
    .await;
    let last = &page1[1];
    let cursor = format!("{},{}", last["period_end"].as_str().unwrap(), last["id"]);
    let (_, page2) = json(
        app.get(
            &t,
            &format!("/api/v1/kpis/{id}/measurements?limit=2&after={cursor}"),
        )
        .await,
    )
    .await;
    let ends: Vec<&str> = page1
        .as_array()
        .unwrap()
        .iter()
        .chain(page2.as_array().unwrap())
        .map(|m| m["period_end"].as_str().unwrap())
        .collect();
    assert_eq!(
        ends,
        ["2026-11-30", "2026-11-30", "2026-11-30", "2026-10-31"]
    );

    // Append-only: there is no way to change or delete a measurement.
    let mid = list[0]["id"].as_i64().unwrap();
    for m in [Method::PATCH, Method::DELETE, Method::PUT] {
        let res = app
            .send_json(
                m.clone(),
                &t,
                &format!("/api/v1/kpis/{id}/measurements/{mid}"),
                &json!({"value": 1}),
            )
            .await;
        assert!(
            res.status() == StatusCode::NOT_FOUND || res.status() == StatusCode::METHOD_NOT_ALLOWED,
            "{m}: {}",
            res.status()
        );
    }

    // Time passes without a measurement: not measured in time.
    let later = chrono::Utc.with_ymd_and_hms(2027, 2, 15, 9, 0, 0).unwrap();
    let base2 = app
        .second_server_at(std::sync::Arc::new(aims_domain::FixedClock(later)))
        .await;
    let res = app
        .client
        .get(format!("{base2}/api/v1/kpis/{id}/status"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(json(res).await.1["status"], "not_measured");

    // The chart: values, the target and the warning line, as SVG; the page shows it.
    let res = app.get(&t, &format!("/api/v1/kpis/{id}/chart.svg")).await;
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let svg = res.text().await.unwrap();
    assert!(
        svg.contains("<polyline")
            && svg.contains("class=\"target\"")
            && svg.contains("class=\"warning\"")
            && svg.contains("6 measurements"),
        "{svg}"
    );
    let (_, session) = app.login("mia@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (s, html) = app.page(&session, &format!("/o/acme/kpis/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<svg") && html.contains("on track") && html.contains("entered late"),
        "the page: status, chart, late entry"
    );
    // The page's form records the next one, and names a bad field beside it.
    let csrf = csrf_in(&html).unwrap();
    let res = app
        .post_form(
            &session,
            &format!("/o/acme/kpis/{id}"),
            &[
                ("_csrf", &csrf),
                ("value", "lots"),
                ("period_end", "2026-11-30"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"value-error\"") && html.contains("value=\"lots\""),
        "the error beside the field, the input kept"
    );
    let res = app
        .post_form(
            &session,
            &format!("/o/acme/kpis/{id}"),
            &[
                ("_csrf", &csrf),
                ("value", "97"),
                ("period_end", "2026-11-30"),
                ("note", "recount"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, list) = json(
        app.get(&t, &format!("/api/v1/kpis/{id}/measurements"))
            .await,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 7);
}

async fn bad_measurements_are_refused_and_write_nothing(b: Backend) {
    let app = start(b).await;
    let t = app.token("acme", "mia@acme.test", Role::Manager).await;
    let viewer = app.token("acme", "vic@acme.test", Role::Viewer).await;
    let other = app.token("other", "oz@other.test", Role::Admin).await;
    let id = kpi(&app, &t).await;
    let (s, e) = send(&app, Method::POST, &t, "/api/v1/kpis", json!({"name": "x", "objective_id": 1, "direction": "up", "target": "high", "frequency": "monthly"})).await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("target")),
        "{e}"
    );
    let (_, ev) = send(
        &app,
        Method::POST,
        &other,
        "/api/v1/evidence",
        json!({"name": "theirs", "kind": "link", "url": "https://x.example"}),
    )
    .await;
    for (body, field) in [
        (
            json!({"value": "ninety", "period_end": "2026-11-30"}),
            "value",
        ),
        (json!({"value": null, "period_end": "2026-11-30"}), "value"),
        (
            json!({"value": 90, "period_end": "2026-12-31"}),
            "period_end",
        ),
        (
            json!({"value": 90, "period_end": "2026-11-31"}),
            "period_end",
        ),
        (
            json!({"value": 90, "period_end": "2026-11-30", "period_start": "2026-12-01"}),
            "period_start",
        ),
        (
            json!({"value": 90, "period_end": "2026-11-30", "evidence_id": ev["id"]}),
            "evidence_id",
        ),
    ] {
        let (s, e) = measure(&app, &t, id, body.clone()).await;
        assert_eq!(
            (s, e["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{body}: {e}"
        );
    }
    assert_eq!(
        measure(
            &app,
            &other,
            id,
            json!({"value": 90, "period_end": "2026-11-30"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND,
        "another organization's KPI"
    );
    assert_eq!(
        measure(
            &app,
            &viewer,
            id,
            json!({"value": 90, "period_end": "2026-11-30"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&other, &format!("/api/v1/kpis/{id}/chart.svg"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (_, list) = json(
        app.get(&t, &format!("/api/v1/kpis/{id}/measurements"))
            .await,
    )
    .await;
    assert!(
        list.as_array().unwrap().is_empty(),
        "nothing was written: {list}"
    );
    assert_eq!(
        app.get(
            &t,
            &format!("/api/v1/kpis/{id}/measurements?after=yesterday")
        )
        .await
        .status(),
        StatusCode::BAD_REQUEST
    );
}
