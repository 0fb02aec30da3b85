//! The command line, run as a user runs it, on SQLite and on PostgreSQL.
// Tests unwrap and panic on purpose (a failure is the report) and read the wall clock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use crate::harness::*;
use reqwest::StatusCode;
use std::io::BufRead;
use std::process::{Command, Stdio};

on_both_backends!(
    serve_prints_setup_link_accepts_cli_changes_while_running_and_stops_on_sigterm,
    user_and_token_commands_validate_their_input,
    audit_verify_detects_tampering,
    audit_verify_of_a_long_chain_finds_the_first_problem,
    backup_restores_into_an_empty_database,
    a_database_from_a_newer_aims_is_refused,
    demo_fills_an_organization_through_the_application,
);

async fn serve_prints_setup_link_accepts_cli_changes_while_running_and_stops_on_sigterm(
    b: Backend,
) {
    let db = FreshDb::new(b).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_aims"))
        .args(db.cli_args())
        .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    assert!(second.contains(&format!("{base}/setup?token=")), "{second}");

    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let setup_url = second
        .split_whitespace()
        .find(|w| w.contains("/setup?token="))
        .unwrap();
    assert_eq!(
        client.get(setup_url).send().await.unwrap().status(),
        StatusCode::OK
    );

    // The CLI works on the same database while the server runs.
    let (code, out, err) = aims(
        &db,
        &[
            "user",
            "create",
            "--email",
            "ops@acme.test",
            "--org",
            "acme",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, token, err) = aims(
        &db,
        &[
            "token",
            "create",
            "--email",
            "ops@acme.test",
            "--org",
            "acme",
            "--name",
            "deploy",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let token = token.trim();
    let me: serde_json::Value = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ops@acme.test");
    assert_eq!(me["organization"]["slug"], "acme");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "aims serve exits cleanly on SIGTERM: {:?}",
        out.status
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last: serde_json::Value =
        serde_json::from_str(stderr.lines().last().unwrap()).expect("JSON log lines");
    assert_eq!(last["fields"]["message"], "stopped");
}

async fn user_and_token_commands_validate_their_input(b: Backend) {
    let db = FreshDb::new(b).await;
    let pw = format!("{PASSWORD}\n");
    let create = |email: &str, org: &str, role: &str, stdin: &str| {
        aims(
            &db,
            &[
                "user",
                "create",
                "--email",
                email,
                "--org",
                org,
                "--role",
                role,
                "--password-stdin",
            ],
            Some(stdin),
        )
    };
    let (code, _, err) = create("not-an-email", "acme", "admin", &pw);
    assert_ne!(code, 0);
    assert!(err.contains("--email"), "{err}");
    let (code, _, err) = create("ann@acme.test", "Acme Inc", "admin", &pw);
    assert_ne!(code, 0);
    assert!(err.contains("--org"), "{err}");
    let (code, _, err) = create("ann@acme.test", "acme", "owner", &pw);
    assert_ne!(code, 0);
    assert!(err.contains("unknown role"), "{err}");
    let (code, _, err) = create("ann@acme.test", "acme", "admin", "short\n");
    assert_ne!(code, 0);
    assert!(err.contains("at least 12"), "{err}");
    // Nothing was written by the refused commands.
    let (code, out, _) = aims(&db, &["audit", "verify"], None);
    assert_eq!(code, 0);
    assert!(out.contains("0 events"), "{out}");

    let (code, out, _) = create("ann@acme.test", "acme", "admin", &pw);
    assert_eq!(code, 0);
    assert!(
        out.contains("ann@acme.test is admin of organization acme"),
        "{out}"
    );
    let (code, out, _) = create("vic@acme.test", "acme", "viewer", &pw);
    assert_eq!(code, 0, "{out}");
    // Running it again changes the role, not the number of people.
    let (code, out, _) = create("vic@acme.test", "acme", "contributor", &pw);
    assert_eq!(code, 0);
    assert!(out.contains("contributor"));

    let (code, _, err) = aims(
        &db,
        &[
            "token",
            "create",
            "--email",
            "vic@acme.test",
            "--org",
            "acme",
            "--name",
            "x",
            "--role",
            "admin",
        ],
        None,
    );
    assert_ne!(code, 0);
    assert!(err.contains("role"), "{err}");
    let (code, _, err) = aims(
        &db,
        &[
            "token",
            "create",
            "--email",
            "vic@acme.test",
            "--org",
            "other",
            "--name",
            "x",
        ],
        None,
    );
    assert_ne!(code, 0);
    assert!(err.contains("--org"), "{err}");
    let (code, out, _) = aims(
        &db,
        &[
            "token",
            "create",
            "--email",
            "vic@acme.test",
            "--org",
            "acme",
            "--name",
            "x",
            "--expires-in-days",
            "30",
        ],
        None,
    );
    assert_eq!(code, 0);
    assert!(out.trim().starts_with("aims_"));
}

async fn audit_verify_detects_tampering(b: Backend) {
    let app = TestApp::start(b).await;
    app.user("acme", "ann@acme.test", aims_domain::Role::Admin)
        .await;
    app.user("acme", "bob@acme.test", aims_domain::Role::Viewer)
        .await;
    app.user("beta", "bea@beta.test", aims_domain::Role::Admin)
        .await;
    let (code, out, _) = aims(&app.db, &["audit", "verify"], None);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("audit trail intact: 8 events verified in 2 organization(s)"),
        "{out}"
    );
    let (code, out, _) = aims(&app.db, &["audit", "verify", "--org", "beta"], None);
    assert_eq!(code, 0);
    assert!(out.contains("3 events"), "{out}");

    // Change one event's content directly in the database.
    app.db.exec_raw("UPDATE audit_events SET after_json = '{\"role\":\"admin\"}' WHERE seq = 5 AND org_id = (SELECT id FROM organizations WHERE slug = 'acme')").await;
    let (code, out, _) = aims(&app.db, &["audit", "verify"], None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("organization `acme`")
            && out.contains("(seq 5)")
            && out.contains("does not match"),
        "{out}"
    );
    // Beta's chain is still intact on its own.
    assert_eq!(
        aims(&app.db, &["audit", "verify", "--org", "beta"], None).0,
        0
    );
    // Removing the newest event is detected too.
    app.db.exec_raw("DELETE FROM audit_events WHERE seq = 3 AND org_id = (SELECT id FROM organizations WHERE slug = 'beta')").await;
    let (code, out, _) = aims(&app.db, &["audit", "verify", "--org", "beta"], None);
    assert_eq!(code, 1);
    assert!(out.contains("removed"), "{out}");
    let (code, _, err) = aims(&app.db, &["audit", "verify", "--org", "nope"], None);
    assert_ne!(code, 0);
    assert!(err.contains("nope"), "{err}");
}

/// A chain long enough to be verified in stretches side by side (2,000 events or more each, one
/// per core): problems inside a stretch and at the seam between two are found, in chain order.
async fn audit_verify_of_a_long_chain_finds_the_first_problem(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app
        .token("acme", "ann@acme.test", aims_domain::Role::Admin)
        .await;
    let mut csv = String::from("name\n");
    for i in 0..4_100 {
        csv.push_str(&format!("Supplier {i}\n"));
    }
    let r = app
        .client
        .post(app.url("/api/v1/imports/csv?register=suppliers"))
        .bearer_auth(&t)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (code, out, _) = aims(&app.db, &["audit", "verify"], None);
    assert_eq!(code, 0, "{out}");
    let total: usize = out
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .expect("a count");
    assert!(total > 4_100, "{out}");
    let acme = "(SELECT id FROM organizations WHERE slug = 'acme')";
    // Tamper late in the chain, then early: the early one is reported.
    app.db
        .exec_raw(&format!("UPDATE audit_events SET actor_label = actor_label || 'x' WHERE seq = 4000 AND org_id = {acme}"))
        .await;
    let (code, out, _) = aims(&app.db, &["audit", "verify"], None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("(seq 4000)") && out.contains("does not match"),
        "{out}"
    );
    app.db
        .exec_raw(&format!("UPDATE audit_events SET actor_label = actor_label || 'x' WHERE seq = 1500 AND org_id = {acme}"))
        .await;
    let (_, out, _) = aims(&app.db, &["audit", "verify"], None);
    assert!(out.contains("(seq 1500)"), "{out}");
    // Events missing around the middle, where two stretches meet on two cores, are found too.
    app.db
        .exec_raw(&format!("UPDATE audit_events SET actor_label = SUBSTR(actor_label, 1, LENGTH(actor_label) - 1) WHERE seq IN (1500, 4000) AND org_id = {acme}"))
        .await;
    let (code, out, _) = aims(&app.db, &["audit", "verify"], None);
    assert_eq!(code, 0, "restored: {out}");
    let middle = total / 2;
    app.db
        .exec_raw(&format!(
            "DELETE FROM audit_events WHERE seq BETWEEN {} AND {} AND org_id = {acme}",
            middle - 5,
            middle + 5
        ))
        .await;
    let (code, out, _) = aims(&app.db, &["audit", "verify"], None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("expected seq {}: an event is missing", middle - 5)),
        "{out}"
    );
}

async fn backup_restores_into_an_empty_database(b: Backend) {
    let app = TestApp::start(b).await;
    let token = app
        .token("acme", "ann@acme.test", aims_domain::Role::Admin)
        .await;
    app.user("beta", "bea@beta.test", aims_domain::Role::Admin)
        .await;
    let file = app.db.data_dir.join("backup.jsonl");
    let file_s = file.display().to_string();
    let (code, out, err) = aims(&app.db, &["backup", &file_s], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("backed up"), "{out}");

    // A backup whose audit trail was edited is refused whole.
    let text = std::fs::read_to_string(&file).unwrap();
    let tampered: String = text
        .lines()
        .map(|l| if l.contains("\"table\":\"audit_events\"") { l.replacen("\"action\":\"create\"", "\"action\":\"update\"", 1) } else { l.to_string() } + "\n")
        .collect();
    assert_ne!(tampered, text);
    let bad_file = app.db.data_dir.join("tampered.jsonl");
    std::fs::write(&bad_file, tampered).unwrap();
    let target = FreshDb::new(b).await;
    let (code, _, err) = aims(&target, &["restore", &bad_file.display().to_string()], None);
    assert_ne!(code, 0);
    assert!(err.contains("audit chain"), "{err}");
    let (_, out, _) = aims(&target, &["audit", "verify"], None);
    assert!(out.contains("0 events"), "nothing restored: {out}");
    // Garbage names the line.
    let junk = app.db.data_dir.join("junk.jsonl");
    std::fs::write(
        &junk,
        format!(
            "{}\n{{\"table\": \"users\"}}\n",
            text.lines().next().unwrap()
        ),
    )
    .unwrap();
    let (code, _, err) = aims(&target, &["restore", &junk.display().to_string()], None);
    assert_ne!(code, 0);
    assert!(err.contains("line 2"), "{err}");

    let (code, out, err) = aims(&target, &["restore", &file_s], None);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = aims(&target, &["audit", "verify"], None);
    assert_eq!(code, 0);
    let (_, original, _) = aims(&app.db, &["audit", "verify"], None);
    assert_eq!(out, original);
    // Restoring twice is refused: the target is no longer empty.
    let (code, _, err) = aims(&target, &["restore", &file_s], None);
    assert_ne!(code, 0);
    assert!(err.contains("not empty"), "{err}");

    // The restored database serves the same people and tokens, and takes new records.
    let restored = aims_store::Store::open(&target.location()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = aims_server::ServerConfig {
        evidence_dir: target.data_dir.join("evidence"),
        ..Default::default()
    };
    let state = aims_server::AppState::new(restored, config).unwrap();
    tokio::spawn(aims_server::serve(listener, state, std::future::pending()));
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{base}/api/v1/members"))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"email": "new@acme.test", "role": "viewer", "password": PASSWORD}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(aims(&target, &["audit", "verify"], None).0, 0);
}

async fn a_database_from_a_newer_aims_is_refused(b: Backend) {
    let db = FreshDb::new(b).await;
    let (code, out, _) = aims(&db, &["migrate"], None);
    assert_eq!(code, 0);
    assert!(out.contains("database is at schema version"), "{out}");
    let checksum = if b == Backend::Sqlite {
        "X'00'"
    } else {
        "decode('00', 'hex')"
    };
    db.exec_raw(&format!("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99990101, 'from the future', TRUE, {checksum}, 0)")).await;
    for args in [&["migrate"][..], &["serve", "--bind", "127.0.0.1:0"][..]] {
        let (code, _, err) = aims(&db, args, None);
        assert_ne!(code, 0);
        assert!(err.contains("newer aims"), "{err}");
    }
}

async fn demo_fills_an_organization_through_the_application(b: Backend) {
    let app = TestApp::start(b).await;
    let token = app
        .token("acme", "ann@acme.test", aims_domain::Role::Admin)
        .await;
    let (code, _, err) = aims(&app.db, &["demo", "--org", "nope"], None);
    assert_ne!(code, 0);
    assert!(err.contains("--org"), "{err}");
    let (code, out, err) = aims(
        &app.db,
        &["demo", "--org", "acme", "--scale", "small"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"risks\":30"), "{out}");
    let client = reqwest::Client::new();
    let get = |p: &str| {
        client
            .get(format!("{}{p}", app.base))
            .bearer_auth(&token)
            .send()
    };
    let systems: serde_json::Value = get("/api/v1/ai-systems?limit=100")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Twelve, and the high-risk applicant screening assistant with its post-market monitoring.
    assert_eq!(systems["items"].as_array().unwrap().len(), 13);
    let soa: serde_json::Value = get("/api/v1/soa").await.unwrap().json().await.unwrap();
    assert_eq!(soa["decided"], 38);
    let (code, out, _) = aims(&app.db, &["audit", "verify"], None);
    assert_eq!(
        code, 0,
        "every demo record went through the audited path: {out}"
    );
}
