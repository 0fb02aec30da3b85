//! Test harness: a real server on 127.0.0.1:0 over a fresh database, SQLite or PostgreSQL.
//! PostgreSQL tests read AIMS_TEST_PG_URL (default: the CI server) and FAIL when it cannot
//! be reached: they never pass silently.
#![allow(dead_code)]

use aims_domain::Role;
use aims_server::{AppState, ServerConfig};
use aims_store::{Actor, Location, Store};
use rand::Rng;
use reqwest::header::{HeaderMap, CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn pg_base_url() -> String {
    std::env::var("AIMS_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{:012x}",
        rand::thread_rng().gen::<u64>() & 0xffff_ffff_ffff
    )
}

/// A fresh, empty database: a temp folder for SQLite, a new database on the PostgreSQL server.
pub struct FreshDb {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
}

impl FreshDb {
    pub async fn new(backend: Backend) -> FreshDb {
        let data_dir = std::env::temp_dir().join(unique("aims-test-"));
        std::fs::create_dir_all(&data_dir).expect("temp dir");
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                use sqlx::Connection;
                let base = pg_base_url();
                let mut conn = sqlx::PgConnection::connect(&base)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {base} is not reachable ({e}); PostgreSQL tests must not be skipped"));
                let name = unique("aims_t_");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                let (prefix, _) = base.rsplit_once('/').expect("database url has a path");
                Some(format!("{prefix}/{name}"))
            }
        };
        FreshDb {
            data_dir,
            database_url,
        }
    }

    pub fn location(&self) -> Location {
        Location::resolve(&self.data_dir, self.database_url.as_deref()).expect("location")
    }

    /// Arguments that point the CLI at this database.
    pub fn cli_args(&self) -> Vec<String> {
        let mut a = vec![
            "--data-dir".to_string(),
            self.data_dir.display().to_string(),
        ];
        if let Some(u) = &self.database_url {
            a.push("--database-url".into());
            a.push(u.clone());
        }
        a
    }
}

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub store: Store,
    /// The server's own service context (same store, files and clock).
    pub cx: aims_service::Cx,
    pub db: FreshDb,
}

pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        TestApp::start_with_clock(backend, std::sync::Arc::new(aims_service::SystemClock)).await
    }

    /// A server whose time comes from `clock` (a `FixedClock` where dates matter).
    pub async fn start_with_clock(
        backend: Backend,
        clock: std::sync::Arc<dyn aims_domain::Clock>,
    ) -> TestApp {
        let db = FreshDb::new(backend).await;
        let store = Store::open(&db.location()).await.expect("open store");
        aims_service::catalog::ensure_builtin(&store, clock.now())
            .await
            .expect("built-in catalog");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let config = ServerConfig {
            evidence_dir: db.data_dir.join("evidence"),
            ..Default::default()
        };
        let state = AppState::new(store.clone(), config)
            .expect("state")
            .with_clock(clock);
        let cx = state.cx.clone();
        tokio::spawn(aims_server::serve(listener, state, std::future::pending()));
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp {
            base,
            client,
            store,
            cx,
            db,
        }
    }

    /// A second server on the same database whose classifier runs on `rules` (as after a
    /// library update); its base URL.
    pub async fn second_server(&self, rules: aims_domain::classify::Rules) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let config = ServerConfig {
            evidence_dir: self.db.data_dir.join("evidence"),
            ..Default::default()
        };
        let state = AppState::new(self.store.clone(), config)
            .expect("state")
            .with_clock(self.cx.clock.clone())
            .with_rules(rules);
        tokio::spawn(aims_server::serve(listener, state, std::future::pending()));
        base
    }

    /// A second server on the same database whose time comes from `clock` (time has passed);
    /// its base URL.
    pub async fn second_server_at(&self, clock: std::sync::Arc<dyn aims_domain::Clock>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let config = ServerConfig {
            evidence_dir: self.db.data_dir.join("evidence"),
            ..Default::default()
        };
        let state = AppState::new(self.store.clone(), config)
            .expect("state")
            .with_clock(clock);
        tokio::spawn(aims_server::serve(listener, state, std::future::pending()));
        base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Creates (or updates) a user with a role in an organization, as `aims user create` does.
    pub async fn user(&self, org: &str, email: &str, role: Role) -> (i64, i64) {
        let hash = aims_service::access::hash_password(PASSWORD.into())
            .await
            .expect("hash");
        let (org, member) = self
            .store
            .upsert_user_cli(
                org,
                email,
                email.split('@').next().unwrap_or(email),
                role,
                &hash,
                self.cx.now(),
            )
            .await
            .expect("user");
        (org.id, member.user_id)
    }

    /// A user with a role, and an API token with the same role.
    pub async fn token(&self, org: &str, email: &str, role: Role) -> String {
        let (org_id, user_id) = self.user(org, email, role).await;
        let request = aims_service::access::TokenRequest {
            user_id,
            granting_role: role,
            name: "test",
            role: None,
            expires_at: None,
        };
        let (secret, _) =
            aims_service::access::issue_token(&self.cx, &Actor::cli(), org_id, request)
                .await
                .expect("token");
        secret
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: &Value,
    ) -> Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn audit_count(&self, org_id: i64) -> usize {
        self.store
            .list_events(org_id, &Default::default(), None, 100_000)
            .await
            .expect("events")
            .len()
    }

    /// Signs in through the login form; returns the session cookie.
    pub async fn login(&self, email: &str, password: &str) -> (StatusCode, Option<String>) {
        let page = self
            .client
            .get(self.url("/login"))
            .send()
            .await
            .expect("login page");
        let pre = set_cookie_value(page.headers(), "aims_csrf").expect("csrf cookie");
        let html = page.text().await.expect("html");
        let csrf = csrf_in(&html).expect("csrf field");
        let res = self
            .client
            .post(self.url("/login"))
            .header(COOKIE, format!("aims_csrf={pre}"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .expect("login");
        let status = res.status();
        (status, set_cookie_value(res.headers(), "aims_session"))
    }

    pub async fn page(&self, session: &str, path: &str) -> (StatusCode, String) {
        let res = self
            .client
            .get(self.url(path))
            .header(COOKIE, format!("aims_session={session}"))
            .send()
            .await
            .expect("page");
        (res.status(), res.text().await.unwrap_or_default())
    }

    pub async fn post_form(&self, session: &str, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .header(COOKIE, format!("aims_session={session}"))
            .form(form)
            .send()
            .await
            .expect("post")
    }
}

pub fn set_cookie_value(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// Sends a JSON body with the token; answers the status and the JSON it got back.
pub async fn send(
    app: &TestApp,
    m: reqwest::Method,
    token: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    json(app.send_json(m, token, path, &body).await).await
}

pub async fn json(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let is_problem = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.starts_with("application/problem+json"))
        .unwrap_or(false);
    let body: Value = res.json().await.unwrap_or(Value::Null);
    if status.is_client_error() {
        assert!(
            is_problem,
            "a {status} must be application/problem+json, got {body}"
        );
    }
    (status, body)
}

/// Runs one async scenario once per backend, as two tests.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name(super::Backend::Sqlite).await }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name(super::Backend::Postgres).await }
            )*
        }
    };
}

impl FreshDb {
    /// Runs raw SQL on the database behind aims's back (to tamper, or to fake a newer schema).
    pub async fn exec_raw(&self, sql: &str) {
        use sqlx::Connection;
        match &self.database_url {
            Some(url) => {
                let mut c = sqlx::PgConnection::connect(url).await.expect("connect pg");
                sqlx::raw_sql(sql).execute(&mut c).await.expect("raw sql");
            }
            None => {
                let path = self.data_dir.join("aims.db");
                let mut c =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await
                        .expect("connect sqlite");
                sqlx::raw_sql(sql).execute(&mut c).await.expect("raw sql");
            }
        }
    }
}

/// Runs the aims binary with the database arguments and optional standard input.
pub fn aims(db: &FreshDb, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aims"));
    cmd.args(db.cli_args())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.env_remove("AIMS_DATABASE_URL")
        .env_remove("AIMS_DATA_DIR");
    let mut child = cmd.spawn().expect("spawn aims");
    if let Some(mut si) = child.stdin.take() {
        if let Some(text) = stdin {
            si.write_all(text.as_bytes()).expect("stdin");
        }
    }
    let out = child.wait_with_output().expect("aims output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
