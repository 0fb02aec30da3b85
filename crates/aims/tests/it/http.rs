//! The foundation's behaviour through the real HTTP interface, on SQLite and on PostgreSQL.
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
use reqwest::header::COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    health_and_readiness,
    first_run_setup,
    sign_in_rate_limit_and_sign_out,
    tokens_are_scoped_revocable_and_expire,
    token_rights_never_exceed_the_role,
    organizations_are_isolated,
    bad_input_is_refused_and_writes_nothing,
    stale_versions_answer_409,
    audit_trail_records_every_change,
    page_forms_need_csrf_and_roles,
    the_last_admin_stays,
    openapi_describes_the_api,
);

async fn health_and_readiness(b: Backend) {
    let app = TestApp::start(b).await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    app.store.close().await;
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "readiness must reflect the database"
    );
}

async fn first_run_setup(b: Backend) {
    let app = TestApp::start(b).await;
    // Before setup, the start page says how to begin.
    let (_, html) = app.page("none", "/").await;
    assert!(html.contains("setup link"), "{html}");

    let token = aims_server::first_run_token(&app.cx)
        .await
        .unwrap()
        .expect("no user yet");
    let bad = app
        .client
        .get(app.url("/setup?token=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::GONE);

    let page = app
        .client
        .get(app.url(&format!("/setup?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let pre = set_cookie_value(page.headers(), "aims_csrf").unwrap();
    let csrf = csrf_in(&page.text().await.unwrap()).unwrap();
    let post = |fields: Vec<(&'static str, String)>, cookie: String| {
        let c = app.client.clone();
        let url = app.url("/setup");
        async move {
            c.post(url)
                .header(COOKIE, cookie)
                .form(&fields)
                .send()
                .await
                .unwrap()
        }
    };
    let good = |csrf: &str| {
        vec![
            ("_csrf", csrf.to_string()),
            ("token", token.clone()),
            ("org_name", "Acme AI".to_string()),
            ("org_slug", "acme-ai".to_string()),
            ("name", "Ann Admin".to_string()),
            ("email", "ann@acme.test".to_string()),
            ("password", PASSWORD.to_string()),
        ]
    };
    // A forged form (wrong CSRF) is refused.
    let r = post(good("forged"), format!("aims_csrf={pre}")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Invalid fields are named beside the field, and nothing is created.
    let mut invalid = good(&csrf);
    invalid[3].1 = "Acme AI!".into();
    invalid[6].1 = "short".into();
    let r = post(invalid, format!("aims_csrf={pre}")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"org_slug-error\""), "{html}");
    assert!(html.contains("id=\"password-error\""), "{html}");
    assert!(
        html.contains("value=\"Ann Admin\""),
        "the user's input is kept"
    );
    assert_eq!(app.store.user_count().await.unwrap(), 0);

    let r = post(good(&csrf), format!("aims_csrf={pre}")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/o/acme-ai");
    let session = set_cookie_value(r.headers(), "aims_session").expect("signed in");
    let (status, html) = app.page(&session, "/o/acme-ai").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Acme AI") && html.contains("admin"));

    // The link works once.
    let r = post(good(&csrf), format!("aims_csrf={pre}")).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(app.store.user_count().await.unwrap(), 1);
}

async fn sign_in_rate_limit_and_sign_out(b: Backend) {
    let app = TestApp::start(b).await;
    app.user("acme", "ann@acme.test", Role::Admin).await;
    app.user("acme", "bob@acme.test", Role::Viewer).await;

    let (status, cookie) = app.login("ann@acme.test", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let session = cookie.expect("session cookie");
    let (status, _) = app.page(&session, "/o/acme").await;
    assert_eq!(status, StatusCode::OK);

    // Sign-out invalidates the session on the server, not just in the browser.
    let (_, html) = app.page(&session, "/o/acme").await;
    let csrf = csrf_in(&html).unwrap();
    let r = app
        .post_form(&session, "/logout", &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, _) = app.page(&session, "/o/acme").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "old session must send to login"
    );

    // Wrong passwords: 401 each, then the account is locked for a while (429) even for the right one.
    for _ in 0..5 {
        let (status, cookie) = app.login("bob@acme.test", "wrong password!!").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(cookie.is_none());
    }
    let (status, cookie) = app.login("bob@acme.test", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(cookie.is_none());
    // Another account is not affected; an unknown one answers like a wrong password.
    assert_eq!(
        app.login("ann@acme.test", PASSWORD).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.login("nobody@acme.test", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn tokens_are_scoped_revocable_and_expire(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;

    let (s, me) = json(app.get(&admin, "/api/v1/me").await).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["organization"]["slug"], "acme");

    let (s, created) = json(
        app.send_json(
            Method::POST,
            &admin,
            "/api/v1/tokens",
            &json!({"name": "ci", "role": "viewer"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let secret = created["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("aims_"));
    let id = created["id"].as_i64().unwrap();
    // Stored only as a hash.
    let listed = app
        .get(&admin, "/api/v1/tokens")
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(&secret));

    let (s, _) = json(app.get(&secret, "/api/v1/organization").await).await;
    assert_eq!(s, StatusCode::OK);
    let (s, revoked) = json(
        app.client
            .delete(app.url(&format!("/api/v1/tokens/{id}")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(revoked["revoked_at"].is_string());
    let (s, p) = json(app.get(&secret, "/api/v1/organization").await).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{p}");

    // An expiry in the past is refused at creation; a token past its expiry is refused at use.
    let (s, p) = json(
        app.send_json(
            Method::POST,
            &admin,
            "/api/v1/tokens",
            &json!({"name": "old", "expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "expires_at");
    let org = app.store.org_by_slug("acme").await.unwrap().unwrap();
    let expired = "aims_expired0000000000000000000000000000000000000000000000000000000";
    app.store
        .create_token(
            &Actor::cli(),
            org.id,
            &aims_store::NewToken {
                user_id: 1,
                name: "expired".into(),
                role: Role::Viewer,
                token_hash: aims_server::auth::sha256_hex(expired),
                expires_at: Some(chrono::Utc::now() - chrono::Duration::minutes(1)),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(
        app.get(expired, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Garbage and missing credentials.
    assert_eq!(
        app.get("aims_nonsense", "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (s, _) = json(app.client.get(app.url("/api/v1/me")).send().await.unwrap()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

async fn token_rights_never_exceed_the_role(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let contributor = app.token("acme", "carl@acme.test", Role::Contributor).await;
    let viewer = app.token("acme", "vera@acme.test", Role::Viewer).await;
    let auditor = app.token("acme", "audrey@acme.test", Role::Auditor).await;

    // A contributor cannot mint an admin or an auditor token.
    for role in ["admin", "auditor"] {
        let (s, p) = json(
            app.send_json(
                Method::POST,
                &contributor,
                "/api/v1/tokens",
                &json!({"name": "x", "role": role}),
            )
            .await,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(p["errors"][0]["field"], "role");
    }
    // Role checks on the server for every action.
    let add = json!({"email": "new@acme.test", "role": "viewer", "password": PASSWORD});
    for t in [&contributor, &viewer, &auditor] {
        assert_eq!(
            app.send_json(Method::POST, t, "/api/v1/members", &add)
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        app.get(&viewer, "/api/v1/audit-events").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&contributor, "/api/v1/audit-events").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&auditor, "/api/v1/audit-events").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.send_json(Method::POST, &admin, "/api/v1/members", &add)
            .await
            .status(),
        StatusCode::CREATED
    );

    // Demoting the user caps an existing admin token at once.
    let (_, ann) = json(app.get(&admin, "/api/v1/me").await).await;
    let ann_id = ann["user_id"].as_i64().unwrap();
    let second_admin = app.token("acme", "zed@acme.test", Role::Admin).await;
    let (_, m) = json(
        app.get(&second_admin, &format!("/api/v1/members/{ann_id}"))
            .await,
    )
    .await;
    let (s, _) = json(
        app.send_json(
            Method::PATCH,
            &second_admin,
            &format!("/api/v1/members/{ann_id}"),
            &json!({"role": "viewer", "version": m["version"]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        app.send_json(
            Method::POST,
            &admin,
            "/api/v1/members",
            &json!({"email": "x@acme.test", "role": "viewer", "password": PASSWORD})
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&admin, "/api/v1/organization").await.status(),
        StatusCode::OK
    );
}

async fn organizations_are_isolated(b: Backend) {
    let app = TestApp::start(b).await;
    let a = app.token("alpha", "ann@alpha.test", Role::Admin).await;
    let bt = app.token("beta", "bea@beta.test", Role::Admin).await;
    let (_, bme) = json(app.get(&bt, "/api/v1/me").await).await;
    let b_user = bme["user_id"].as_i64().unwrap();
    let (_, btokens) = json(app.get(&bt, "/api/v1/tokens").await).await;
    let b_token = btokens["items"][0]["id"].as_i64().unwrap();
    let b_org = app.store.org_by_slug("beta").await.unwrap().unwrap();
    let before = app.audit_count(b_org.id).await;

    // Every endpoint, with beta's ids, from alpha's token: not found, nothing changed.
    assert_eq!(
        app.get(&a, &format!("/api/v1/members/{b_user}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.send_json(
            Method::PATCH,
            &a,
            &format!("/api/v1/members/{b_user}"),
            &json!({"role": "viewer", "version": 1})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.client
            .delete(app.url(&format!("/api/v1/members/{b_user}")))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&a, &format!("/api/v1/tokens/{b_token}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.client
            .delete(app.url(&format!("/api/v1/tokens/{b_token}")))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let (_, members) = json(app.get(&a, "/api/v1/members").await).await;
    assert!(members["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["email"] != "bea@beta.test"));
    let (_, tokens) = json(app.get(&a, "/api/v1/tokens").await).await;
    assert!(tokens["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["id"] != b_token));
    let (_, events) = json(app.get(&a, "/api/v1/audit-events?limit=200").await).await;
    assert!(events["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["org_id"] != b_org.id));
    let (_, org) = json(app.get(&a, "/api/v1/organization").await).await;
    assert_eq!(org["slug"], "alpha");
    let (s, _) = json(
        app.send_json(
            Method::PATCH,
            &a,
            "/api/v1/organization",
            &json!({"name": "Renamed", "version": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        app.store.org_by_slug("beta").await.unwrap().unwrap().name,
        "beta"
    );
    assert_eq!(app.audit_count(b_org.id).await, before);

    // Pages: a member of alpha sees nothing of beta, and cannot post to it.
    let (_, session) = app.login("ann@alpha.test", PASSWORD).await;
    let session = session.unwrap();
    for path in [
        "/o/beta",
        "/o/beta/members",
        "/o/beta/tokens",
        "/o/beta/audit",
        "/o/beta/settings",
    ] {
        assert_eq!(
            app.page(&session, path).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let (_, html) = app.page(&session, "/o/alpha/members").await;
    let csrf = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &session,
            &format!("/o/beta/members/{b_user}/remove"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .post_form(
            &session,
            &format!("/o/beta/tokens/{b_token}/revoke"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Alpha's own path with beta's token id.
    let r = app
        .post_form(
            &session,
            &format!("/o/alpha/tokens/{b_token}/revoke"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.audit_count(b_org.id).await, before);
}

async fn bad_input_is_refused_and_writes_nothing(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let org = app.store.org_by_slug("acme").await.unwrap().unwrap();
    let before = app.audit_count(org.id).await;
    let raw = |body: &'static str, ct: &'static str| {
        let c = app.client.clone();
        let url = app.url("/api/v1/members");
        let t = admin.clone();
        async move {
            json(
                c.post(url)
                    .bearer_auth(t)
                    .header("content-type", ct)
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let (s, p) = raw("{\"email\": ", "application/json").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
    let (s, p) = raw("{\"email\": 5, \"role\": \"viewer\"}", "application/json").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "email");
    let (s, p) = raw(
        "{\"email\": \"a@b.test\", \"role\": \"owner\"}",
        "application/json",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "role");
    let (s, p) = raw("{\"email\": \"a@b.test\", \"role\": \"viewer\", \"password\": \"correct horse battery\", \"admin\": true}", "application/json").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field"),
        "{p}"
    );
    let (s, _) = raw("email=a@b.test", "application/x-www-form-urlencoded").await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (s, p) = json(
        app.send_json(
            Method::POST,
            &admin,
            "/api/v1/members",
            &json!({"email": "not-an-email", "role": "viewer", "password": "short"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password"]);
    // A new person without a password.
    let (s, p) = json(
        app.send_json(
            Method::POST,
            &admin,
            "/api/v1/members",
            &json!({"email": "new@acme.test", "role": "viewer"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "password");
    // An oversized body.
    let big = "x".repeat(aims_server::MAX_BODY_BYTES + 10);
    let r = app
        .client
        .post(app.url("/api/v1/tokens"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(format!("{{\"name\": \"{big}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Bad query parameters name the parameter.
    let (s, p) = json(app.get(&admin, "/api/v1/members?limit=1000").await).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "limit");
    let (s, p) = json(
        app.get(&admin, "/api/v1/audit-events?since=yesterday")
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["field"], "since");
    let (s, _) = json(app.get(&admin, "/api/v1/members?cursor=abc").await).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Non-numeric ids.
    let (s, _) = json(app.get(&admin, "/api/v1/members/abc").await).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    assert_eq!(app.audit_count(org.id).await, before, "nothing was written");
    assert_eq!(app.store.user_count().await.unwrap(), 1);
}

async fn stale_versions_answer_409(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let (_, org) = json(app.get(&admin, "/api/v1/organization").await).await;
    let v = org["version"].as_i64().unwrap();
    let (s, first) = json(
        app.send_json(
            Method::PATCH,
            &admin,
            "/api/v1/organization",
            &json!({"name": "Acme One", "version": v}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(first["version"].as_i64().unwrap(), v + 1);
    let (s, p) = json(
        app.send_json(
            Method::PATCH,
            &admin,
            "/api/v1/organization",
            &json!({"name": "Acme Two", "version": v}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{p}");
    let (_, now) = json(app.get(&admin, "/api/v1/organization").await).await;
    assert_eq!(now["name"], "Acme One");

    let viewer = app.token("acme", "vera@acme.test", Role::Viewer).await;
    let (_, me) = json(app.get(&viewer, "/api/v1/me").await).await;
    let path = format!("/api/v1/members/{}", me["user_id"]);
    let (s, _) = json(
        app.send_json(
            Method::PATCH,
            &admin,
            &path,
            &json!({"role": "contributor", "version": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = json(
        app.send_json(
            Method::PATCH,
            &admin,
            &path,
            &json!({"role": "manager", "version": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, m) = json(app.get(&admin, &path).await).await;
    assert_eq!(m["role"], "contributor");

    // The settings page keeps what the user typed on a conflict.
    let (_, session) = app.login("ann@acme.test", PASSWORD).await;
    let session = session.unwrap();
    let (_, html) = app.page(&session, "/o/acme/settings").await;
    let csrf = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &session,
            "/o/acme/settings",
            &[("_csrf", &csrf), ("name", "Typed by me"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"Typed by me\"") && html.contains("Acme One"),
        "{html}"
    );
}

async fn audit_trail_records_every_change(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let (_, org) = json(app.get(&admin, "/api/v1/organization").await).await;
    let t0 = chrono::Utc::now();
    json(
        app.send_json(
            Method::PATCH,
            &admin,
            "/api/v1/organization",
            &json!({"name": "Acme Renamed", "version": org["version"]}),
        )
        .await,
    )
    .await;
    let (s, m) = json(
        app.send_json(
            Method::POST,
            &admin,
            "/api/v1/members",
            &json!({"email": "bob@acme.test", "role": "viewer", "password": PASSWORD}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let bob = m["user_id"].as_i64().unwrap();
    json(
        app.send_json(
            Method::PATCH,
            &admin,
            &format!("/api/v1/members/{bob}"),
            &json!({"role": "auditor", "version": m["version"]}),
        )
        .await,
    )
    .await;
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/members/{bob}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let (_, page) = json(
        app.get(&admin, "/api/v1/audit-events?entity_type=organization")
            .await,
    )
    .await;
    let update = &page["items"][0];
    assert_eq!(update["action"], "update");
    assert!(update["before_json"].as_str().unwrap().contains("\"acme\""));
    assert!(update["after_json"]
        .as_str()
        .unwrap()
        .contains("Acme Renamed"));
    assert_eq!(update["actor_label"], "ann@acme.test");
    assert!(update["actor_token_id"].is_i64());

    let (_, page) = json(
        app.get(
            &admin,
            &format!("/api/v1/audit-events?entity_type=member&entity_id={bob}"),
        )
        .await,
    )
    .await;
    let actions: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["delete", "update", "create"]);

    let since = urlencode(&t0.to_rfc3339());
    let (_, recent) = json(
        app.get(
            &admin,
            &format!("/api/v1/audit-events?since={since}&actor=ann%40acme.test"),
        )
        .await,
    )
    .await;
    assert_eq!(recent["items"].as_array().unwrap().len(), 5, "{recent}"); // org update, user create, member create, update, delete
    let (_, none) = json(
        app.get(
            &admin,
            &format!("/api/v1/audit-events?until={since}&actor=ann%40acme.test"),
        )
        .await,
    )
    .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);

    // Cursor pagination walks every event once, newest first.
    let mut seen = vec![];
    let mut cursor = String::new();
    loop {
        let (_, p) = json(
            app.get(
                &admin,
                &format!("/api/v1/audit-events?limit=2&cursor={cursor}"),
            )
            .await,
        )
        .await;
        seen.extend(
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["seq"].as_i64().unwrap()),
        );
        match p["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    let total = seen.len() as i64;
    assert_eq!(seen, (1..=total).rev().collect::<Vec<_>>());
    assert!(matches!(
        app.store.verify_chains(Some("acme")).await.unwrap(),
        aims_store::VerifyOutcome::Intact { .. }
    ));
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

async fn page_forms_need_csrf_and_roles(b: Backend) {
    let app = TestApp::start(b).await;
    app.user("acme", "ann@acme.test", Role::Admin).await;
    app.user("acme", "vera@acme.test", Role::Viewer).await;
    let org = app.store.org_by_slug("acme").await.unwrap().unwrap();
    let before = app.audit_count(org.id).await;
    let (_, admin) = app.login("ann@acme.test", PASSWORD).await;
    let admin = admin.unwrap();
    // No CSRF token: refused.
    let r = app
        .post_form(
            &admin,
            "/o/acme/members",
            &[
                ("email", "x@acme.test"),
                ("role", "viewer"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A viewer with a valid CSRF token: refused by role.
    let (_, viewer) = app.login("vera@acme.test", PASSWORD).await;
    let viewer = viewer.unwrap();
    let (_, html) = app.page(&viewer, "/o/acme/members").await;
    assert!(
        !html.contains("Add a member"),
        "viewers are not offered the form"
    );
    let csrf = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &viewer,
            "/o/acme/members",
            &[
                ("_csrf", &csrf),
                ("email", "x@acme.test"),
                ("role", "viewer"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.page(&viewer, "/o/acme/audit").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.audit_count(org.id).await, before);

    // The admin's form works, errors sit beside the field, and a token is shown once.
    let (_, html) = app.page(&admin, "/o/acme/members").await;
    let csrf = csrf_in(&html).unwrap();
    let r = app
        .post_form(
            &admin,
            "/o/acme/members",
            &[
                ("_csrf", &csrf),
                ("email", "nope"),
                ("role", "viewer"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("E-mail is not an e-mail address"));
    let r = app
        .post_form(
            &admin,
            "/o/acme/members",
            &[
                ("_csrf", &csrf),
                ("email", "xena@acme.test"),
                ("name", "Xena"),
                ("role", "contributor"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("xena@acme.test is now a member (contributor)"));
    let r = app
        .post_form(
            &admin,
            "/o/acme/tokens",
            &[
                ("_csrf", &csrf),
                ("name", "sync"),
                ("role", "manager"),
                ("expires_on", ""),
            ],
        )
        .await;
    let html = r.text().await.unwrap();
    let start = html.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let secret = &html[start..start + 69];
    assert!(secret.starts_with("aims_"), "{secret}");
    assert_eq!(
        app.get(secret, "/api/v1/organization").await.status(),
        StatusCode::OK
    );
    let (_, again) = app.page(&admin, "/o/acme/tokens").await;
    assert!(!again.contains(secret), "the secret is shown only once");
}

async fn the_last_admin_stays(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.token("acme", "ann@acme.test", Role::Admin).await;
    let (_, me) = json(app.get(&admin, "/api/v1/me").await).await;
    let path = format!("/api/v1/members/{}", me["user_id"]);
    let (s, p) = json(
        app.send_json(
            Method::PATCH,
            &admin,
            &path,
            &json!({"role": "viewer", "version": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let (s, _) = json(
        app.client
            .delete(app.url(&path))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, m) = json(app.get(&admin, &path).await).await;
    assert_eq!(m["role"], "admin");
}

async fn openapi_describes_the_api(b: Backend) {
    let app = TestApp::start(b).await;
    let r = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/me",
        "/api/v1/organization",
        "/api/v1/members",
        "/api/v1/members/{user_id}",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/audit-events",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    assert!(doc["components"]["schemas"]["ProblemBody"].is_object());
}
