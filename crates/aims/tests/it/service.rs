//! Service-level scenarios, without HTTP: the operations the API, the pages and the CLI share,
//! called directly with a scope, on both databases, with time from a fixed clock.

use crate::harness::*;
use aims_domain::register::{check_input, AI_SYSTEMS, IMPACT_ASSESSMENTS, RISKS};
use aims_domain::{FixedClock, Role};
use aims_service::registers::write;
use aims_service::{impact, risk, ErrorKind, Scope};
use chrono::TimeZone;
use serde_json::json;
use std::sync::Arc;

on_both_backends!(
    operations_check_permissions_and_rules_for_every_caller,
    dates_come_from_the_clock,
);

fn input(
    spec: &'static aims_domain::register::RegisterSpec,
    v: serde_json::Value,
) -> aims_domain::register::RecordInput {
    check_input(spec, v.as_object().unwrap(), false).unwrap()
}

async fn scope(app: &TestApp, email: &str, role: Role) -> Scope {
    let (org_id, user_id) = app.user("acme", email, role).await;
    Scope {
        org_id,
        actor: aims_store::Actor {
            user_id: Some(user_id),
            token_id: None,
            label: email.into(),
        },
        perms: role.permissions(),
    }
}

async fn operations_check_permissions_and_rules_for_every_caller(b: Backend) {
    let app = &TestApp::start(b).await;
    let viewer = scope(app, "vera@acme.test", Role::Viewer).await;
    let contributor = scope(app, "carl@acme.test", Role::Contributor).await;
    let system = input(
        &AI_SYSTEMS,
        json!({"name": "Scorer", "lifecycle_stage": "inception"}),
    );

    // The permission is checked inside the operation, whoever calls it.
    let e = write::create(&app.cx, &viewer, &AI_SYSTEMS, &system)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);

    // The gate holds on create, named by its field.
    let deployed = input(
        &AI_SYSTEMS,
        json!({"name": "Scorer", "lifecycle_stage": "deployment"}),
    );
    let e = write::create(&app.cx, &contributor, &AI_SYSTEMS, &deployed)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(e.errors[0].field, "lifecycle_stage");

    // A bulk import runs the same rules and writes nothing when one row fails.
    let rows = vec![(2, system.clone()), (3, deployed.clone())];
    let e = write::import(&app.cx, &contributor, &AI_SYSTEMS, &rows)
        .await
        .unwrap_err();
    assert_eq!(e.errors[0].field, "line 3: lifecycle_stage");
    let org = app.store.org_by_slug("acme").await.unwrap().unwrap();
    let q = aims_service::registers::ListQuery {
        limit: 10,
        ..Default::default()
    };
    let none = aims_service::registers::all_rows(&app.store, org.id, &AI_SYSTEMS, &q)
        .await
        .unwrap();
    assert!(none.is_empty(), "nothing was imported");

    // Accepted only through acceptance: not by create, whatever the role.
    let manager = scope(app, "max@acme.test", Role::Manager).await;
    let accepted = input(&RISKS, json!({"name": "Drift", "status": "accepted"}));
    let e = write::create(&app.cx, &manager, &RISKS, &accepted)
        .await
        .unwrap_err();
    assert_eq!(e.errors[0].field, "status");
}

async fn dates_come_from_the_clock(b: Backend) {
    let at = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 9, 30, 0).unwrap();
    let app = &TestApp::start_with_clock(b, Arc::new(FixedClock(at))).await;
    let manager = scope(app, "max@acme.test", Role::Manager).await;
    let author = scope(app, "ann@acme.test", Role::Contributor).await;

    // Acceptance is dated by the clock.
    let r = write::create(
        &app.cx,
        &author,
        &RISKS,
        &input(&RISKS, json!({"name": "Drift", "status": "assessed", "inherent_likelihood": 2, "inherent_impact": 2})),
    )
    .await
    .unwrap();
    let body = risk::AcceptBody {
        reason: "Monitored weekly".into(),
        review_on: None,
        top_management_acceptor: None,
        top_management_acceptance: false,
        version: r["version"].as_i64().unwrap(),
    };
    let accepted = risk::accept(&app.cx, &manager, r["id"].as_i64().unwrap(), body)
        .await
        .unwrap();
    assert_eq!(accepted["accepted_on"], "2026-12-02");
    assert_eq!(
        accepted["next_review"], "2027-12-02",
        "accepted for a year unless told"
    );

    // An approval a year back with a 12-month interval is due again today.
    let sys = write::create(
        &app.cx,
        &author,
        &AI_SYSTEMS,
        &input(
            &AI_SYSTEMS,
            json!({"name": "Scorer", "lifecycle_stage": "design_development"}),
        ),
    )
    .await
    .unwrap();
    let ia = write::create(
        &app.cx,
        &author,
        &IMPACT_ASSESSMENTS,
        &input(
            &IMPACT_ASSESSMENTS,
            json!({"name": "Before launch", "system_id": sys["id"], "review_interval_months": 12}),
        ),
    )
    .await
    .unwrap();
    let id = ia["id"].as_i64().unwrap();
    let submitted = impact::transition(&app.cx, &author, id, "submit", 1)
        .await
        .unwrap();
    let approved = impact::transition(
        &app.cx,
        &manager,
        id,
        "approve",
        submitted["version"].as_i64().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(approved["approved_on"], "2026-12-02");
    assert!(
        impact::reassessment_reasons(&app.cx, manager.org_id, &approved)
            .await
            .unwrap()
            .is_empty()
    );
    let later = app.cx.clone().with_clock(Arc::new(FixedClock(
        chrono::Utc.with_ymd_and_hms(2027, 12, 2, 8, 0, 0).unwrap(),
    )));
    let due = impact::reassessment_reasons(&later, manager.org_id, &approved)
        .await
        .unwrap();
    assert_eq!(due, ["the review interval of 12 months has passed"]);
}
