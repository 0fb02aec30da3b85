//! The AI system inventory through the HTTP API, on SQLite and PostgreSQL: the four registers,
//! links, lists, classification, CSV and CycloneDX in and out.
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
    registers_crud_links_versions_and_tenancy,
    lists_filter_sort_and_page,
    classification_yields_tier_obligations_and_history,
    csv_import_is_all_or_nothing_and_exports_round_trip,
    cyclonedx_boms_import_once_and_export_valid,
    pages_list_forms_import_and_classification,
    cli_imports_and_exports_the_inventory,
);

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    json(app.send_json(Method::POST, token, path, &body).await).await
}

async fn registers_crud_links_versions_and_tenancy(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "ann@acme.test", Role::Contributor).await;
    let viewer = app.token("acme", "vera@acme.test", Role::Viewer).await;
    let beta = app.token("beta", "bea@beta.test", Role::Admin).await;
    let org = app.store.org_by_slug("acme").await.unwrap().unwrap();
    let (_, me) = json(app.get(&t, "/api/v1/me").await).await;

    let (s, sys) = post(&app, &t, "/api/v1/ai-systems", json!({
        "name": "Loan scoring", "lifecycle_stage": "verification_validation", "owner_id": me["user_id"], "roles": ["provider", "deployer"],
        "personal_data": true, "in_scope": true, "next_review": "2027-01-31"
    })).await;
    assert_eq!(s, StatusCode::CREATED, "{sys}");
    assert_eq!(sys["reference"], "AIS-1");
    assert_eq!(sys["roles"], json!(["provider", "deployer"]));
    assert_eq!(sys["risk_tier"], Value::Null);
    let sys_id = sys["id"].as_i64().unwrap();

    let (_, sup) = post(
        &app,
        &t,
        "/api/v1/suppliers",
        json!({"name": "ModelCo", "risk_rating": "high", "due_diligence_status": "completed"}),
    )
    .await;
    let (s, model) = post(&app, &t, "/api/v1/models", json!({"name": "scorer", "model_version": "3.1", "source": "third_party_service", "supplier_id": sup["id"], "system_ids": [sys_id]})).await;
    assert_eq!(s, StatusCode::CREATED, "{model}");
    assert_eq!(model["reference"], "MDL-1");
    let (_, ds) = post(&app, &t, "/api/v1/datasets", json!({"name": "applications 2024", "purpose": "training", "personal_data": true, "system_ids": [sys_id], "model_ids": [model["id"]]})).await;

    // The system shows its links, the supplier what refers to it.
    let (_, got) = json(app.get(&t, &format!("/api/v1/ai-systems/{sys_id}")).await).await;
    assert_eq!(got["model_ids"][0]["reference"], "MDL-1");
    assert_eq!(got["dataset_ids"][0]["id"], ds["id"]);
    let (_, gs) = json(
        app.get(&t, &format!("/api/v1/suppliers/{}", sup["id"]))
            .await,
    )
    .await;
    assert_eq!(gs["referenced_by"]["ai_models"][0]["reference"], "MDL-1");

    // Bad input names the field and writes nothing.
    let before = app.audit_count(org.id).await;
    let (s, p) = post(&app, &t, "/api/v1/ai-systems", json!({"name": "", "lifecycle_stage": "launched", "next_review": "31/01/2027", "colour": "red", "model_ids": ["x"]})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "colour",
        "name",
        "lifecycle_stage",
        "next_review",
        "model_ids",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    // A supplier of another organization cannot be referenced; nor a member of another.
    let (_, bsup) = post(
        &app,
        &beta,
        "/api/v1/suppliers",
        json!({"name": "Beta supplier"}),
    )
    .await;
    let (s, p) = post(
        &app,
        &t,
        "/api/v1/models",
        json!({"name": "x", "supplier_id": bsup["id"]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "supplier_id");
    let (_, bme) = json(app.get(&beta, "/api/v1/me").await).await;
    let (s, p) = post(
        &app,
        &t,
        "/api/v1/ai-systems",
        json!({"name": "x", "lifecycle_stage": "inception", "owner_id": bme["user_id"]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let (s, _) = post(
        &app,
        &t,
        "/api/v1/datasets",
        json!({"name": "x", "system_ids": [9_999_999]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.audit_count(org.id).await, before);

    // Roles: a viewer reads but does not write.
    assert_eq!(
        app.get(&viewer, "/api/v1/ai-systems").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.send_json(
            Method::POST,
            &viewer,
            "/api/v1/suppliers",
            &json!({"name": "x"})
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );

    // Tenancy: beta sees and changes nothing of acme's.
    for path in [
        format!("/api/v1/ai-systems/{sys_id}"),
        format!("/api/v1/models/{}", model["id"]),
        format!("/api/v1/ai-systems/{sys_id}/classification"),
        format!("/api/v1/ai-systems/{sys_id}/cyclonedx"),
    ] {
        assert_eq!(
            app.get(&beta, &path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        app.send_json(
            Method::PATCH,
            &beta,
            &format!("/api/v1/ai-systems/{sys_id}"),
            &json!({"name": "pwned", "version": 1})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.client
            .delete(app.url(&format!("/api/v1/suppliers/{}", sup["id"])))
            .bearer_auth(&beta)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let (_, blist) = json(app.get(&beta, "/api/v1/ai-systems").await).await;
    assert!(blist["items"].as_array().unwrap().is_empty());

    // Versions: a stale update answers 409 and changes nothing; version is required.
    let path = format!("/api/v1/ai-systems/{sys_id}");
    let (s, up) = json(
        app.send_json(
            Method::PATCH,
            &t,
            &path,
            &json!({"lifecycle_stage": "re_evaluation", "version": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{up}");
    assert_eq!(up["version"], 2);
    assert_eq!(up["name"], "Loan scoring", "absent fields stay as they are");
    let (s, _) = json(
        app.send_json(
            Method::PATCH,
            &t,
            &path,
            &json!({"name": "Stale", "version": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, p) = json(
        app.send_json(Method::PATCH, &t, &path, &json!({"name": "No version"}))
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "version");
    let (_, now) = json(app.get(&t, &path).await).await;
    assert_eq!(now["name"], "Loan scoring");
    // An update that changes nothing writes nothing.
    let n = app.audit_count(org.id).await;
    let (s, same) = json(
        app.send_json(
            Method::PATCH,
            &t,
            &path,
            &json!({"lifecycle_stage": "re_evaluation", "version": 2}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(same["version"], 2);
    assert_eq!(app.audit_count(org.id).await, n);

    // A supplier still used by a model cannot be deleted; a model can, and its links go with it.
    let (s, p) = json(
        app.client
            .delete(app.url(&format!("/api/v1/suppliers/{}", sup["id"])))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(p["detail"].as_str().unwrap().contains("MDL-1"), "{p}");
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/models/{}", model["id"])))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, got) = json(app.get(&t, &path).await).await;
    assert_eq!(got["model_ids"], json!([]));
    let (_, hist) = json(
        app.get(
            &app.token("acme", "max@acme.test", Role::Manager).await,
            &format!(
                "/api/v1/audit-events?entity_type=ai_models&entity_id={}",
                model["id"]
            ),
        )
        .await,
    )
    .await;
    let actions: Vec<&str> = hist["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["delete", "create"]);
}

async fn lists_filter_sort_and_page(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "ann@acme.test", Role::Contributor).await;
    // This organization runs without the life cycle gates, so systems are registered in any stage.
    let admin = app.token("acme", "adam@acme.test", Role::Admin).await;
    let (s, _) = json(
        app.send_json(
            reqwest::Method::PUT,
            &admin,
            "/api/v1/settings/lifecycle-gates",
            &json!({"enabled": false, "version": 0}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let stages = ["inception", "deployment", "operation_monitoring"];
    for i in 0..25 {
        let (s, _) = post(&app, &t, "/api/v1/ai-systems", json!({"name": format!("System {:02}", 24 - i), "lifecycle_stage": stages[i % 3], "business_unit": if i % 2 == 0 { "Retail" } else { "Risk" }, "personal_data": i % 5 == 0})).await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (_, dep) = json(
        app.get(
            &t,
            "/api/v1/ai-systems?lifecycle_stage=deployment&limit=100",
        )
        .await,
    )
    .await;
    assert_eq!(dep["items"].as_array().unwrap().len(), 8);
    assert!(dep["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["lifecycle_stage"] == "deployment"));
    let (_, both) = json(
        app.get(
            &t,
            "/api/v1/ai-systems?lifecycle_stage=deployment&business_unit=Risk&personal_data=false",
        )
        .await,
    )
    .await;
    assert!(both["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["business_unit"] == "Risk" && s["personal_data"] == false));
    let (_, found) = json(app.get(&t, "/api/v1/ai-systems?q=system%2007").await).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    // Keyset pages, sorted by name both ways, visit every record once.
    for (sort, expect_first) in [("name", "System 00"), ("-name", "System 24")] {
        let mut names = vec![];
        let mut cursor = String::new();
        loop {
            let (s, page) = json(
                app.get(
                    &t,
                    &format!("/api/v1/ai-systems?sort={sort}&limit=10&cursor={cursor}"),
                )
                .await,
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{page}");
            names.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["name"].as_str().unwrap().to_string()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => cursor = c.to_string(),
                None => break,
            }
        }
        assert_eq!(names.len(), 25);
        assert_eq!(names[0], expect_first);
        let mut sorted = names.clone();
        sorted.sort();
        if sort == "-name" {
            sorted.reverse();
        }
        assert_eq!(names, sorted);
    }
    for bad in [
        "colour=red",
        "sort=description",
        "lifecycle_stage=launched",
        "limit=0",
        "cursor=zz",
    ] {
        let (s, p) = json(app.get(&t, &format!("/api/v1/ai-systems?{bad}")).await).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {p}");
        assert!(p["errors"][0]["field"].is_string());
    }
}

async fn classification_yields_tier_obligations_and_history(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "ann@acme.test", Role::Manager).await;
    let (_, sys) = post(&app, &t, "/api/v1/ai-systems", json!({"name": "CV screening", "lifecycle_stage": "design_development", "roles": ["provider"]})).await;
    let path = format!("/api/v1/ai-systems/{}/classification", sys["id"]);
    let (s, v) = json(app.get(&t, &path).await).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["result"]["tier"], "minimal");

    let answers = json!({"annex_iii_use_cases": ["Annex III point 4(a)"], "rationale": "Ranks job applicants."});
    let (s, v) = json(
        app.send_json(
            Method::PUT,
            &t,
            &path,
            &json!({"answers": answers, "version": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["tier"], "high_risk");
    let obligations = v["result"]["obligations"].as_array().unwrap();
    assert!(obligations.iter().any(|o| o["article"] == "Art. 9"
        && o["applies_from"] == "2027-12-02"
        && o["was"] == "2026-08-02"));
    assert!(
        v["articles"]["Art. 9"].is_i64(),
        "obligations link to the catalog"
    );
    let (_, got) = json(
        app.get(&t, &format!("/api/v1/ai-systems/{}", sys["id"]))
            .await,
    )
    .await;
    assert_eq!(got["risk_tier"], "high_risk");
    let (_, tiered) = json(app.get(&t, "/api/v1/ai-systems?risk_tier=high_risk").await).await;
    assert_eq!(tiered["items"].as_array().unwrap().len(), 1);

    // The exception applies... unless the system profiles people.
    let exc = json!({"answers": {"annex_iii_use_cases": ["Annex III point 4(a)"], "annex_iii_exception": "d"}, "version": 2});
    let (_, v) = json(app.send_json(Method::PUT, &t, &path, &exc).await).await;
    assert_eq!(v["result"]["tier"], "minimal");
    let prof = json!({"answers": {"annex_iii_use_cases": ["Annex III point 4(a)"], "annex_iii_exception": "d", "profiles_natural_persons": true}, "version": 3});
    let (_, v) = json(app.send_json(Method::PUT, &t, &path, &prof).await).await;
    assert_eq!(v["result"]["tier"], "high_risk");
    // Stale and invalid answers change nothing.
    let (s, _) = json(
        app.send_json(
            Method::PUT,
            &t,
            &path,
            &json!({"answers": {}, "version": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, p) = json(
        app.send_json(
            Method::PUT,
            &t,
            &path,
            &json!({"answers": {"prohibited_practices": ["z"]}, "version": 4}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "answers.prohibited_practices");
    // Every re-classification is kept.
    let (_, hist) = json(
        app.get(
            &t,
            &format!(
                "/api/v1/audit-events?entity_type=ai_systems&entity_id={}",
                sys["id"]
            ),
        )
        .await,
    )
    .await;
    let classify: Vec<&Value> = hist["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "classify")
        .collect();
    assert_eq!(classify.len(), 3);
    assert!(classify[0]["after_json"]
        .as_str()
        .unwrap()
        .contains("profiles_natural_persons"));
}

const SUPPLIERS_CSV: &str = "name,risk_rating,due_diligence_status,next_review\nAcme Data,high,completed,2027-03-01\nBeta Models,Medium,In progress,\n";

async fn csv_import_is_all_or_nothing_and_exports_round_trip(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "ann@acme.test", Role::Contributor).await;
    let org = app.store.org_by_slug("acme").await.unwrap().unwrap();
    let send = |path: &str, body: &str| {
        let c = app.client.clone();
        let url = app.url(path);
        let t = t.clone();
        let body = body.to_string();
        async move {
            json(
                c.post(url)
                    .bearer_auth(t)
                    .header("content-type", "text/csv")
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let bad = format!("{SUPPLIERS_CSV}Gamma,extreme,completed,2027-02-30x\n");
    let (s, preview) = send("/api/v1/imports/csv?register=suppliers&dry_run=true", &bad).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(preview["rows"], 3);
    assert_eq!(preview["valid"], 2);
    let fields: Vec<&str> = preview["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["line 4: risk_rating", "line 4: next_review"]);
    let before = app.audit_count(org.id).await;
    let (s, p) = send("/api/v1/imports/csv?register=suppliers", &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("nothing was imported"));
    assert_eq!(app.audit_count(org.id).await, before, "all or nothing");
    let (s, p) = send(
        "/api/v1/imports/csv?register=suppliers",
        "name,colour\nx,red\n",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("colour"));
    let (s, _) = send("/api/v1/imports/csv?register=unicorns", SUPPLIERS_CSV).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, r) = send("/api/v1/imports/csv?register=suppliers", SUPPLIERS_CSV).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["created"], 2);
    // Models refer to suppliers by reference or name in CSV.
    let (s, r) = send(
        "/api/v1/imports/csv?register=models",
        "name,source,supplier_id\nscorer,open_weights,SUP-1\nranker,in_house,Beta Models\n",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");

    // Exports follow the filters on screen and import back.
    let csv = app
        .get(&t, "/api/v1/suppliers/export?format=csv&risk_rating=high")
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].starts_with("reference,name,"));
    assert!(lines[1].starts_with("SUP-1,Acme Data,"));
    let models = app
        .get(&t, "/api/v1/models/export?format=csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        models.contains("SUP-1") && models.contains("SUP-2"),
        "{models}"
    );
    let (s, _) = send("/api/v1/imports/csv?register=suppliers", &csv).await;
    assert_eq!(s, StatusCode::CREATED, "an export imports back");
    let r = app.get(&t, "/api/v1/suppliers/export?format=xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let (s, _) = json(app.get(&t, "/api/v1/suppliers/export?format=pdf").await).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The CSV export streams page by page: a register longer than one page (500 rows) comes
    // out whole, each record once, in order.
    let mut many = String::from("name,risk_rating\n");
    for i in 0..1_203 {
        many.push_str(&format!("Bulk supplier {i:04},medium\n"));
    }
    let (s, r) = send("/api/v1/imports/csv?register=suppliers", &many).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let csv = app
        .get(
            &t,
            "/api/v1/suppliers/export?format=csv&risk_rating=medium&sort=name",
        )
        .await
        .text()
        .await
        .unwrap();
    let names: Vec<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .filter(|n| n.starts_with("Bulk supplier"))
        .collect();
    let expected: Vec<String> = (0..1_203)
        .map(|i| format!("Bulk supplier {i:04}"))
        .collect();
    assert_eq!(names, expected, "every bulk supplier once, sorted by name");

    // So does the XLSX export: every row, in order, across the page boundaries.
    let bytes = app
        .get(
            &t,
            "/api/v1/suppliers/export?format=xlsx&risk_rating=medium&sort=name",
        )
        .await
        .bytes()
        .await
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    let mut shared = String::new();
    if let Ok(mut f) = zip.by_name("xl/sharedStrings.xml") {
        std::io::Read::read_to_string(&mut f, &mut shared).unwrap();
    }
    let text = format!("{shared}{sheet}");
    let found: Vec<String> = text
        .match_indices("Bulk supplier ")
        .map(|(i, _)| text[i..i + 18].to_string())
        .collect();
    assert_eq!(found, expected, "every bulk supplier once, sorted by name");
}

fn example(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/formats/cyclonedx/examples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn cyclonedx_boms_import_once_and_export_valid(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "ann@acme.test", Role::Contributor).await;
    let org = app.store.org_by_slug("acme").await.unwrap().unwrap();
    let send = |path: &str, body: String| {
        let c = app.client.clone();
        let url = app.url(path);
        let t = t.clone();
        async move {
            json(
                c.post(url)
                    .bearer_auth(t)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let (_, sys) = post(&app, &t, "/api/v1/ai-systems", json!({"name": "Image generator", "lifecycle_stage": "verification_validation", "roles": ["deployer"]})).await;
    for (file, models, datasets) in [
        ("valid-machine-learning-1.6.json", 1, 1),
        ("valid-machine-learning-1.7.json", 0, 0),
        ("valid-component-data-1.6.json", 0, 1),
        ("valid-machine-learning-considerations-env-1.6.json", 1, 0),
    ] {
        let (s, r) = send(
            &format!("/api/v1/imports/cyclonedx?system_id={}", sys["id"]),
            example(file),
        )
        .await;
        assert!(
            s == StatusCode::CREATED || s == StatusCode::OK,
            "{file}: {r}"
        );
        let created_models = r["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x[0] == "ai_models")
            .count();
        assert!(created_models >= models, "{file}: {r}");
        let _ = datasets;
    }
    let (_, m) = json(app.get(&t, "/api/v1/models?limit=100").await).await;
    let names: Vec<&str> = m["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        2,
        "the 1.7 copy of the same model is not a duplicate: {names:?}"
    );
    let (_, s) = json(app.get(&t, "/api/v1/suppliers").await).await;
    assert!(
        s["items"].as_array().unwrap().iter().any(|x| x["name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("hugging face")),
        "{s}"
    );
    // The same BOM twice creates nothing.
    let events = app.audit_count(org.id).await;
    let (s, r) = send(
        "/api/v1/imports/cyclonedx",
        example("valid-machine-learning-1.6.json"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["created"], 0);
    assert_eq!(app.audit_count(org.id).await, events);

    // Invalid BOMs are refused with what is wrong, and write nothing.
    let (s, p) = send(
        "/api/v1/imports/cyclonedx",
        example("invalid-component-type-1.6.json"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "components[0].type");
    let (s, p) = send(
        "/api/v1/imports/cyclonedx",
        example("invalid-missing-component-type-1.6.json"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["message"], "is required");
    let (s, p) = send("/api/v1/imports/cyclonedx", "this is not json".into()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "bom");
    let (s, _) = send(
        "/api/v1/imports/cyclonedx",
        json!({"bomFormat": "CycloneDX", "specVersion": "1.4", "components": []}).to_string(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = send(
        "/api/v1/imports/cyclonedx?system_id=999999",
        example("valid-component-data-1.6.json"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let huge = format!(
        "{{\"bomFormat\": \"CycloneDX\", \"pad\": \"{}\"}}",
        "x".repeat(50 * 1024 * 1024)
    );
    let r = app
        .client
        .post(app.url("/api/v1/imports/cyclonedx"))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await;
    assert!(
        r.map(|r| r.status() == StatusCode::PAYLOAD_TOO_LARGE)
            .unwrap_or(true),
        "a 50 MB upload is refused"
    );
    assert_eq!(app.audit_count(org.id).await, events);

    // Export: the system with its models, datasets and suppliers, as CycloneDX 1.6.
    let r = app
        .get(&t, &format!("/api/v1/ai-systems/{}/cyclonedx", sys["id"]))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bom: Value = r.json().await.unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["metadata"]["component"]["name"], "Image generator");
    let comps = bom["components"].as_array().unwrap();
    assert!(comps
        .iter()
        .any(|c| c["type"] == "machine-learning-model" && c["name"] == "stable-diffusion"));
    assert!(comps.iter().any(|c| c["type"] == "data"));
    // CI validates this file against bom-1.6.schema.json.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cyclonedx-exports");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{b:?}.json")),
        serde_json::to_vec_pretty(&bom).unwrap(),
    )
    .unwrap();
}

async fn pages_list_forms_import_and_classification(b: Backend) {
    let app = TestApp::start(b).await;
    app.user("acme", "ann@acme.test", Role::Contributor).await;
    app.user("acme", "vera@acme.test", Role::Viewer).await;
    let (_, session) = app.login("ann@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (s, html) = app.page(&session, "/o/acme/inventory/ai-systems").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("No ai systems yet") || html.contains("Add the first one"),
        "empty state says what to do"
    );
    let csrf = csrf_in(&html).unwrap();

    // A bad form keeps the input and puts the error beside the field.
    let r = app
        .post_form(
            &session,
            "/o/acme/inventory/ai-systems",
            &[
                ("_csrf", &csrf),
                ("name", "Chat helper"),
                ("lifecycle_stage", "nope"),
                ("next_review", "tomorrow"),
                ("model_ids", "MDL-9"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"f-next_review-error\"")
            && html.contains("id=\"f-lifecycle_stage-error\"")
            && html.contains("MDL-9 does not exist"),
        "{html}"
    );
    assert!(html.contains("value=\"Chat helper\""));
    let r = app
        .post_form(
            &session,
            "/o/acme/inventory/ai-systems",
            &[
                ("_csrf", &csrf),
                ("name", "Chat helper"),
                ("lifecycle_stage", "design_development"),
                ("roles", "provider"),
                ("roles", "deployer"),
                ("personal_data", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (s, html) = app.page(&session, &location).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("AIS-1") && html.contains("Provider (EU AI Act); Deployer (EU AI Act)"));
    // Edit with a stale version: 409, input kept.
    let id = location.rsplit('/').next().unwrap();
    let r = app
        .post_form(
            &session,
            &format!("/o/acme/inventory/ai-systems/{id}"),
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("name", "Chat helper v2"),
                ("lifecycle_stage", "design_development"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .post_form(
            &session,
            &format!("/o/acme/inventory/ai-systems/{id}"),
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("name", "Lost update?"),
                ("lifecycle_stage", "design_development"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("value=\"Lost update?\""));
    // Sorting and filtering links work without JavaScript.
    let (s, html) = app
        .page(
            &session,
            "/o/acme/inventory/ai-systems?lifecycle_stage=design_development&sort=-name",
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Chat helper v2"));
    let (s, _) = app
        .page(&session, "/o/acme/inventory/ai-systems?lifecycle_stage=zzz")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Classification through the questionnaire.
    let r = app
        .post_form(
            &session,
            &format!("/o/acme/inventory/ai-systems/{id}/classification"),
            &[
                ("_csrf", &csrf),
                ("version", "2"),
                ("annex_iii_use_cases", "Annex III point 4(a)"),
                ("interacts_with_people", "true"),
                ("rationale", "Screens CVs"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app
        .page(
            &session,
            &format!("/o/acme/inventory/ai-systems/{id}/classification"),
        )
        .await;
    assert!(
        html.contains("tier-high_risk") && html.contains("Art. 4") && html.contains("Screens CVs"),
        "{html}"
    );

    // CSV import: a preview with the problems by line, then all or nothing.
    let upload = |csv: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::text(csv).file_name("s.csv"),
            );
        app.client
            .post(app.url("/o/acme/inventory/suppliers/import"))
            .header("cookie", format!("aims_session={session}"))
            .multipart(form)
            .send()
    };
    let r = upload("name,risk_rating\nGood,low\nBad,extreme\n")
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("line 3: risk_rating") && !html.contains("/import/confirm"),
        "{html}"
    );
    let r = upload("name,risk_rating\nGood,low\nAlso good,high\n")
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("/import/confirm"));
    let csv_field = html
        .split("<textarea name=\"csv\" hidden>")
        .nth(1)
        .unwrap()
        .split("</textarea>")
        .next()
        .unwrap()
        .replace("&#10;", "\n")
        .replace("&#13;", "");
    let r = app
        .post_form(
            &session,
            "/o/acme/inventory/suppliers/import/confirm",
            &[("_csrf", &csrf), ("csv", &csv_field)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Imported"));
    let (_, html) = app.page(&session, "/o/acme/inventory/suppliers").await;
    assert!(html.contains("Also good") && html.contains("SUP-2"));

    // A viewer reads but cannot post.
    let (_, vs) = app.login("vera@acme.test", PASSWORD).await;
    let vs = vs.unwrap();
    let (_, html) = app.page(&vs, "/o/acme/inventory/ai-systems").await;
    assert!(!html.contains("New AI system"));
    let vcsrf = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &vs,
            "/o/acme/inventory/suppliers",
            &[("_csrf", &vcsrf), ("name", "x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

async fn cli_imports_and_exports_the_inventory(b: Backend) {
    let app = TestApp::start(b).await;
    app.user("acme", "ann@acme.test", Role::Admin).await;
    let dir = app.db.data_dir.clone();
    let csv = dir.join("systems.csv");
    std::fs::write(&csv, "name,lifecycle_stage,owner_id,business_unit\nFraud screening,verification_validation,ann@acme.test,Payments\nChat,design_development,,Support\n").unwrap();
    let (code, out, err) = aims(
        &app.db,
        &[
            "inventory",
            "import",
            csv.to_str().unwrap(),
            "--org",
            "acme",
        ],
        None,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("imported 2 ai systems"), "{out}");
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "name,lifecycle_stage\nOk,deployment\nBroken,someday\n",
    )
    .unwrap();
    let (code, _, err) = aims(
        &app.db,
        &[
            "inventory",
            "import",
            bad.to_str().unwrap(),
            "--org",
            "acme",
        ],
        None,
    );
    assert_ne!(code, 0);
    assert!(err.contains("line 3: lifecycle_stage"), "{err}");
    let bom = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/formats/cyclonedx/examples/valid-machine-learning-1.6.json");
    let (code, out, err) = aims(
        &app.db,
        &[
            "inventory",
            "import",
            bom.to_str().unwrap(),
            "--org",
            "acme",
            "--format",
            "cyclonedx",
            "--system",
            "AIS-1",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("new"), "{out}");
    let (code, out, _) = aims(&app.db, &["inventory", "export", "--org", "acme"], None);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.contains("ann@acme.test"));
    let xlsx = dir.join("systems.xlsx");
    let (code, _, err) = aims(
        &app.db,
        &[
            "inventory",
            "export",
            "--org",
            "acme",
            "--format",
            "xlsx",
            "--output",
            xlsx.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK");
    let (code, out, err) = aims(
        &app.db,
        &[
            "inventory",
            "export",
            "--org",
            "acme",
            "--format",
            "cyclonedx",
            "--system",
            "AIS-1",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["components"][0]["name"], "stable-diffusion");
    let (code, _, err) = aims(&app.db, &["inventory", "export", "--org", "nope"], None);
    assert_ne!(code, 0);
    assert!(err.contains("--org"));
}
