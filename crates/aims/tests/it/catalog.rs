//! The catalog through the HTTP API, on SQLite and PostgreSQL: content counts, crosswalks,
//! tree and search, coverage through mappings, imports (aims and CISO Assistant), exports.
// Tests unwrap and panic on purpose (a failure is the report) and read the wall clock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use crate::harness::*;
use aims_domain::Role;
use aims_store::Actor;
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(
    builtin_content_is_complete_and_crosswalked,
    tree_and_search,
    coverage_follows_mappings_and_shows_the_path,
    import_checks_everything_and_upgrades_in_place,
    ciso_assistant_libraries_import,
    exports_and_pages,
);

async fn post_library(app: &TestApp, token: &str, body: &str) -> (StatusCode, Value) {
    json(
        app.client
            .post(app.url("/api/v1/frameworks"))
            .bearer_auth(token)
            .header("content-type", "application/yaml")
            .body(body.to_string())
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn requirements(app: &TestApp, token: &str, key: &str, query: &str) -> Vec<Value> {
    let (s, body) = json(
        app.get(
            token,
            &format!("/api/v1/frameworks/{key}/requirements{query}"),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

fn count_kind(items: &[Value], kind: &str) -> usize {
    items.iter().filter(|r| r["kind"] == kind).count()
}

async fn builtin_content_is_complete_and_crosswalked(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "vera@acme.test", Role::Viewer).await;
    let (_, list) = json(app.get(&t, "/api/v1/frameworks").await).await;
    let keys: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    for k in [
        "iso42001-2023",
        "eu-ai-act-2024",
        "nist-ai-rmf-1.0",
        "iso27001-2022",
    ] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    let iso = requirements(&app, &t, "iso42001-2023", "").await;
    assert_eq!(count_kind(&iso, "clause"), 43);
    assert_eq!(count_kind(&iso, "control"), 38);
    let top_objectives: Vec<&str> = iso
        .iter()
        .filter(|r| r["kind"] == "control_objective" && r["parent_id"].is_null())
        .map(|r| r["ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        top_objectives,
        ["A.2", "A.3", "A.4", "A.5", "A.6", "A.7", "A.8", "A.9", "A.10"]
    );
    assert_eq!(count_kind(&iso, "annex_c_objective"), 11);
    assert_eq!(count_kind(&iso, "risk_source"), 7);
    let nist = requirements(&app, &t, "nist-ai-rmf-1.0", "").await;
    assert_eq!(count_kind(&nist, "subcategory"), 72);
    assert_eq!(count_kind(&nist, "category"), 19);

    // The 280 NIST crosswalk rows resolve on both ends: the OSCAL export lists them all.
    let (s, doc) = json(app.get(&t, "/api/v1/mapping-sets/export").await).await;
    assert_eq!(s, StatusCode::OK);
    let mappings = doc["mapping-collection"]["mappings"].as_array().unwrap();
    let nist_set = mappings
        .iter()
        .find(|m| m["target-resource"]["href"] == "nist-ai-rmf-1.0.oscal.json")
        .unwrap();
    assert_eq!(nist_set["maps"].as_array().unwrap().len(), 280);

    // A requirement shows its mappings in both directions.
    let a624 = iso.iter().find(|r| r["ref"] == "A.6.2.4").unwrap();
    let (_, detail) = json(
        app.get(&t, &format!("/api/v1/requirements/{}", a624["id"]))
            .await,
    )
    .await;
    assert_eq!(detail["framework_key"], "iso42001-2023");
    assert!(detail["description"].as_str().unwrap().len() > 20);
    let maps = detail["mappings"].as_array().unwrap();
    assert!(maps
        .iter()
        .any(|m| m["framework_key"] == "nist-ai-rmf-1.0" && m["direction"] == "outgoing"));
    assert!(maps
        .iter()
        .any(|m| m["framework_key"] == "eu-ai-act-2024" && m["other_ref"] == "Art. 15"));
    let m25 = nist.iter().find(|r| r["ref"] == "MEASURE 2.5").unwrap();
    let (_, back) = json(
        app.get(&t, &format!("/api/v1/requirements/{}", m25["id"]))
            .await,
    )
    .await;
    assert!(back["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["direction"] == "incoming" && m["framework_key"] == "iso42001-2023"));
    assert_eq!(
        app.get(&t, "/api/v1/requirements/99999999").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&t, "/api/v1/frameworks/nope").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn tree_and_search(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "vera@acme.test", Role::Viewer).await;
    let (_, tree) = json(
        app.get(
            &t,
            "/api/v1/frameworks/iso42001-2023/requirements?view=tree",
        )
        .await,
    )
    .await;
    let roots = tree["tree"].as_array().unwrap();
    let a6 = roots.iter().find(|n| n["ref"] == "A.6").unwrap();
    let subs: Vec<&str> = a6["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["ref"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["A.6.1", "A.6.2"]);
    assert_eq!(a6["children"][1]["children"].as_array().unwrap().len(), 7);
    let found = requirements(&app, &t, "iso42001-2023", "?q=data%20quality").await;
    assert!(found.iter().any(|r| r["ref"] == "A.7.4"), "{found:?}");
    let by_ref = requirements(&app, &t, "eu-ai-act-2024", "?q=art.%209").await;
    assert!(by_ref.iter().any(|r| r["ref"] == "Art. 9"));
    assert!(requirements(&app, &t, "eu-ai-act-2024", "?q=zzzz-nothing")
        .await
        .is_empty());
    let (s, p) = json(
        app.get(
            &t,
            "/api/v1/frameworks/iso42001-2023/requirements?view=graph",
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "view");
}

async fn requirement_id(app: &TestApp, key: &str, reference: &str) -> i64 {
    app.store
        .requirement_by_ref(None, key, reference)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn coverage_follows_mappings_and_shows_the_path(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "ann@acme.test", Role::Admin).await;
    let org = app.store.org_by_slug("acme").await.unwrap().unwrap();
    let other = app.token("beta", "bea@beta.test", Role::Admin).await;
    let beta = app.store.org_by_slug("beta").await.unwrap().unwrap();
    let now = chrono::Utc::now();
    let a74 = requirement_id(&app, "iso42001-2023", "A.7.4").await;
    let c41 = requirement_id(&app, "iso27001-2022", "4.1").await;
    let a75 = requirement_id(&app, "iso42001-2023", "A.7.5").await;
    app.store
        .create_control(
            &Actor::cli(),
            org.id,
            "Data quality gate",
            "implemented",
            &[a74],
            now,
        )
        .await
        .unwrap();
    app.store
        .create_control(
            &Actor::cli(),
            org.id,
            "ISMS context analysis",
            "implemented",
            &[c41],
            now,
        )
        .await
        .unwrap();
    app.store
        .create_control(
            &Actor::cli(),
            org.id,
            "Lineage tracking",
            "planned",
            &[a75],
            now,
        )
        .await
        .unwrap();
    // Another organization's implemented control must not count for acme.
    app.store
        .create_control(
            &Actor::cli(),
            beta.id,
            "Beta provenance",
            "implemented",
            &[a75],
            now,
        )
        .await
        .unwrap();

    let (_, iso) = json(
        app.get(&t, "/api/v1/frameworks/iso42001-2023/coverage")
            .await,
    )
    .await;
    let item = |doc: &Value, r: &str| {
        doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["ref"] == r)
            .unwrap()
            .clone()
    };
    assert_eq!(item(&iso, "A.7.4")["status"], "direct");
    // 27001 4.1 shares the clause with 42001 4.1 but not its AI part (the organization's roles
    // towards AI systems): the ISMS control covers it only in part, and the path says why.
    let c = item(&iso, "4.1");
    assert_eq!(c["status"], "partial", "{c}");
    assert_eq!(c["paths"][0]["via_framework"], "iso27001-2022");
    assert_eq!(c["paths"][0]["relation"], "intersects");
    // The AI system impact assessment has no 27001 counterpart, and the coverage says so.
    for r in ["6.1.4", "8.4"] {
        let n = item(&iso, r)["no_counterpart"].to_string();
        assert!(
            n.contains("iso27001-2022") && n.contains("impact assessment"),
            "{r}: {n}"
        );
    }
    assert_eq!(
        item(&iso, "A.7.5")["status"],
        "none",
        "planned and foreign controls do not count"
    );
    assert_eq!(iso["assessable"], 70);
    assert_eq!(iso["covered"], 1);

    // Through the crosswalk, A.7.4 contributes to Art. 10 of the EU AI Act only in part.
    let (_, eu) = json(
        app.get(&t, "/api/v1/frameworks/eu-ai-act-2024/coverage")
            .await,
    )
    .await;
    let art10 = item(&eu, "Art. 10");
    assert_eq!(art10["status"], "partial");
    assert_eq!(art10["paths"][0]["via_ref"], "A.7.4");
    assert_eq!(art10["paths"][0]["control_ref"], "CTL-1");
    assert_eq!(eu["covered"], 0);

    let (_, beta_cov) = json(
        app.get(&other, "/api/v1/frameworks/iso42001-2023/coverage")
            .await,
    )
    .await;
    assert_eq!(item(&beta_cov, "A.7.5")["status"], "direct");
    assert_eq!(item(&beta_cov, "A.7.4")["status"], "none");

    // A requirement with many controls lists the first ten paths and counts them all.
    let a22 = requirement_id(&app, "iso42001-2023", "A.2.2").await;
    for n in 0..12 {
        app.store
            .create_control(
                &Actor::cli(),
                org.id,
                &format!("Policy control {n}"),
                "implemented",
                &[a22],
                now,
            )
            .await
            .unwrap();
    }
    let (_, iso) = json(
        app.get(&t, "/api/v1/frameworks/iso42001-2023/coverage")
            .await,
    )
    .await;
    let many = item(&iso, "A.2.2");
    assert_eq!(many["status"], "direct");
    assert_eq!(many["paths"].as_array().unwrap().len(), 10, "{many}");
    assert_eq!(many["paths_total"], 12);
}

const CUSTOM: &str = r#"
format: aims-library/1
framework:
  key: acme-ai-policy
  name: Acme internal AI rules
  version: 1
requirements:
  - {ref: R1, title: Governance, kind: section}
  - {ref: R1.1, title: Register every model, kind: rule, parent: R1, assessable: true, description: Every model is in the inventory.}
  - {ref: R1.2, title: Review quarterly, kind: rule, parent: R1, assessable: true}
"#;

async fn import_checks_everything_and_upgrades_in_place(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let manager = app.token("acme", "max@acme.test", Role::Manager).await;
    let beta = app.token("beta", "bea@beta.test", Role::Admin).await;
    let org = app.store.org_by_slug("acme").await.unwrap().unwrap();
    let frameworks_before = app.store.list_frameworks(Some(org.id)).await.unwrap().len();
    let events_before = app.audit_count(org.id).await;

    let bad = [
        ("format: aims-library/1\nframework: {key: x, name: X, version: 1}\nrequirements:\n  - {ref: a, title: [}\n", "line 4"),
        (&CUSTOM.replace("parent: R1, assessable: true, description", "parent: R9, assessable: true, description"), "parent `R9`"),
        (&CUSTOM.replace("ref: R1.2", "ref: R1.1"), "duplicate ref"),
        (&CUSTOM.replace("key: acme-ai-policy", "key: iso42001-2023"), "built-in"),
        ("format: aims-library/1\nmapping_set: {key: m, name: M, version: 1, source_framework: iso42001-2023, target_framework: nist-ai-rmf-1.0}\nmappings:\n  - {from: A.7.4, to: MAP 2.3, relation: related}\n  - {from: A.99, to: MAP 2.3, relation: related}\n", "mappings[1]"),
        ("format: aims-library/1\nmapping_set: {key: m, name: M, version: 1, source_framework: iso42001-2023, target_framework: nist-ai-rmf-1.0}\nmappings:\n  - {from: A.7.4, to: MAP 2.3, relation: kind-of}\n", "relation"),
        ("just some text", "not a valid aims library"),
    ];
    for (body, expect) in bad {
        let (s, p) = post_library(&app, &admin, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {p}");
        let msg = p.to_string();
        assert!(msg.contains(expect), "expected `{expect}` in {msg}");
    }
    assert_eq!(
        app.store.list_frameworks(Some(org.id)).await.unwrap().len(),
        frameworks_before,
        "nothing stored"
    );
    assert_eq!(
        app.store
            .list_mapping_sets(Some(org.id))
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(app.audit_count(org.id).await, events_before);

    // Only admins import.
    assert_eq!(
        post_library(&app, &manager, CUSTOM).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, r) = post_library(&app, &admin, CUSTOM).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r[0]["outcome"], "created");
    let (s, r) = post_library(&app, &admin, CUSTOM).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r[0]["outcome"], "unchanged");
    // Same version, other content: refused; the organization's own framework is invisible to others.
    let (s, _) = post_library(
        &app,
        &admin,
        &CUSTOM.replace("Review quarterly", "Review monthly"),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        app.get(&beta, "/api/v1/frameworks/acme-ai-policy")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // A control linked to R1.1 keeps its link through an upgrade that renames R1.1 and drops R1.2.
    let r11 = app
        .store
        .requirement_by_ref(Some(org.id), "acme-ai-policy", "R1.1")
        .await
        .unwrap()
        .unwrap();
    let r12 = app
        .store
        .requirement_by_ref(Some(org.id), "acme-ai-policy", "R1.2")
        .await
        .unwrap()
        .unwrap();
    app.store
        .create_control(
            &Actor::cli(),
            org.id,
            "Model register",
            "implemented",
            &[r11.id],
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let v2 = CUSTOM
        .replace("version: 1", "version: 2")
        .replace("Register every model", "Register every model and dataset")
        .replace(
            "  - {ref: R1.2, title: Review quarterly, kind: rule, parent: R1, assessable: true}\n",
            "",
        );
    let (s, r) = post_library(&app, &admin, &v2).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r[0]["outcome"], "upgraded");
    assert_eq!(r[0]["withdrawn"], 1);
    let (_, cov) = json(
        app.get(&admin, "/api/v1/frameworks/acme-ai-policy/coverage")
            .await,
    )
    .await;
    assert_eq!(cov["assessable"], 1);
    assert_eq!(cov["items"][0]["requirement_id"], r11.id);
    assert_eq!(cov["items"][0]["title"], "Register every model and dataset");
    assert_eq!(cov["items"][0]["status"], "direct");
    let (_, gone) = json(
        app.get(&admin, &format!("/api/v1/requirements/{}", r12.id))
            .await,
    )
    .await;
    assert_eq!(gone["withdrawn"], true);
    // An older version is refused.
    assert_eq!(
        post_library(&app, &admin, CUSTOM).await.0,
        StatusCode::CONFLICT
    );
    // Imports are in the audit trail.
    let (_, ev) = json(
        app.get(&admin, "/api/v1/audit-events?entity_type=framework")
            .await,
    )
    .await;
    assert_eq!(ev["items"].as_array().unwrap().len(), 2);
}

const CISO_A: &str = r#"
urn: urn:test:risk:library:alpha
ref_id: ALPHA
name: Alpha
version: 1
objects:
  framework:
    urn: urn:test:risk:framework:alpha
    ref_id: alpha
    name: Alpha framework
    requirement_nodes:
      - {urn: "urn:test:risk:req_node:alpha:1", assessable: false, depth: 1, ref_id: "1", name: Governance}
      - {urn: "urn:test:risk:req_node:alpha:1.1", assessable: true, depth: 2, parent_urn: "urn:test:risk:req_node:alpha:1", ref_id: "1.1", name: Policy, description: Have a policy.}
"#;

const CISO_MAP: &str = r#"
urn: urn:test:risk:library:alpha-to-42001
name: Alpha to ISO 42001
version: 1
objects:
  requirement_mapping_sets:
    - urn: urn:test:risk:req_mapping_set:alpha-iso
      ref_id: alpha-iso
      name: Alpha to itself
      source_framework_urn: urn:test:risk:framework:alpha
      target_framework_urn: urn:test:risk:framework:alpha
      requirement_mappings:
        - {source_requirement_urn: "urn:test:risk:req_node:alpha:1.1", target_requirement_urn: "urn:test:risk:req_node:alpha:1", relationship: subset}
        - {source_requirement_urn: "urn:test:risk:req_node:alpha:1", target_requirement_urn: "urn:test:risk:req_node:alpha:1.1", relationship: not_related}
"#;

async fn ciso_assistant_libraries_import(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let (s, r) = post_library(&app, &admin, CISO_A).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let reqs = requirements(&app, &admin, "alpha", "").await;
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1]["ref"], "1.1");
    assert_eq!(reqs[1]["description"], "Have a policy.");
    assert_eq!(reqs[1]["parent_id"], reqs[0]["id"]);
    let (s, r) = post_library(&app, &admin, CISO_MAP).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r[0]["mappings"], 1, "not_related rows are skipped");
    let (_, d) = json(
        app.get(&admin, &format!("/api/v1/requirements/{}", reqs[1]["id"]))
            .await,
    )
    .await;
    assert_eq!(d["mappings"][0]["relation"], "subset");
    // Re-import changes nothing; an unknown target URN is named.
    assert_eq!(post_library(&app, &admin, CISO_A).await.0, StatusCode::OK);
    let (s, p) = post_library(
        &app,
        &admin,
        &CISO_MAP
            .replace(
                "alpha:1\", relationship: subset",
                "alpha:9\", relationship: subset",
            )
            .replace("alpha-iso", "alpha-iso-2"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.to_string().contains("urn:test:risk:req_node:alpha:9"),
        "{p}"
    );
    // Kept for CI: the OSCAL catalog of every imported library must validate.
    let res = app
        .get(&admin, "/api/v1/frameworks/alpha/export?format=oscal")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("oscal-imports");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("alpha-{b:?}.json")),
        res.text().await.unwrap(),
    )
    .unwrap();
}

async fn exports_and_pages(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.token("acme", "ann@acme.test", Role::Admin).await;
    let r = app
        .get(&t, "/api/v1/frameworks/eu-ai-act-2024/export?format=yaml")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let yaml = r.text().await.unwrap();
    assert!(yaml.starts_with("format: aims-library/1"));
    // The exported YAML is a valid library of its own.
    let renamed = yaml.replace("key: eu-ai-act-2024", "key: eu-ai-act-copy");
    let (s, rep) = post_library(&app, &t, &renamed).await;
    assert_eq!(s, StatusCode::CREATED, "{rep}");
    assert_eq!(rep[0]["requirements"], 200);
    let (_, oscal) = json(
        app.get(&t, "/api/v1/frameworks/iso42001-2023/export?format=oscal")
            .await,
    )
    .await;
    assert_eq!(oscal["catalog"]["metadata"]["oscal-version"], "1.2.1");
    assert!(oscal["catalog"]["groups"].as_array().unwrap().len() >= 16);
    let (s, _) = json(
        app.get(&t, "/api/v1/frameworks/iso42001-2023/export?format=pdf")
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (_, session) = app.login("ann@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (s, html) = app.page(&session, "/o/acme/catalog").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("ISO/IEC 42001:2023") && html.contains("Import a framework"));
    let (s, html) = app
        .page(&session, "/o/acme/catalog/eu-ai-act-2024?q=oversight")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Human oversight") && !html.contains("Record-keeping"));
    let id = requirement_id(&app, "iso42001-2023", "A.6.2.4").await;
    let (s, html) = app
        .page(&session, &format!("/o/acme/requirements/{id}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("AI system verification and validation")
            && html.contains("Questions an auditor asks")
            && html.contains("NIST")
    );
    let (s, html) = app
        .page(&session, "/o/acme/catalog/iso42001-2023/coverage")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<svg"));
    let r = app
        .client
        .get(app.url("/o/acme/catalog/iso42001-2023/export?format=oscal"))
        .header("cookie", format!("aims_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Import through the page (multipart), with CSRF.
    let (_, html) = app.page(&session, "/o/acme/catalog").await;
    let csrf = csrf_in(&html).unwrap();
    let form = reqwest::multipart::Form::new().text("_csrf", csrf).part(
        "file",
        reqwest::multipart::Part::text(CUSTOM).file_name("acme.yaml"),
    );
    let r = app
        .client
        .post(app.url("/o/acme/catalog/import"))
        .header("cookie", format!("aims_session={session}"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("acme-ai-policy"));
    let form = reqwest::multipart::Form::new()
        .text("_csrf", "forged")
        .part(
            "file",
            reqwest::multipart::Part::text(CUSTOM).file_name("acme.yaml"),
        );
    let r = app
        .client
        .post(app.url("/o/acme/catalog/import"))
        .header("cookie", format!("aims_session={session}"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
