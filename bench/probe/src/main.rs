//! The limit probe: what this machine can serve from the same SQLite file without aims's work
//! (authentication, tenancy, audit, templates). `aims-limit-probe AIMS_DB BIND`.
//! GET /list (10 rows), GET /one (one row), POST /write (one insert and one event row in a
//! transaction, in a scratch database beside the aims one).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;

#[derive(Clone)]
struct Pools {
    read: SqlitePool,
    write: SqlitePool,
}

async fn list(State(p): State<Pools>) -> Json<Value> {
    let rows = sqlx::query("SELECT id, number, name, lifecycle_stage, business_unit, next_review FROM ai_systems WHERE org_id = 1 ORDER BY id DESC LIMIT 10")
        .fetch_all(&p.read)
        .await
        .unwrap_or_default();
    Json(Value::Array(
        rows.iter()
            .map(|r| json!({"id": r.get::<i64, _>(0), "number": r.get::<i64, _>(1), "name": r.get::<String, _>(2), "lifecycle_stage": r.get::<String, _>(3), "business_unit": r.get::<String, _>(4), "next_review": r.get::<String, _>(5)}))
            .collect(),
    ))
}

async fn one(State(p): State<Pools>) -> Json<Value> {
    let r = sqlx::query("SELECT id, number, name, lifecycle_stage, purpose FROM ai_systems WHERE org_id = 1 AND id = 100").fetch_optional(&p.read).await.ok().flatten();
    Json(r.map(|r| json!({"id": r.get::<i64, _>(0), "number": r.get::<i64, _>(1), "name": r.get::<String, _>(2), "lifecycle_stage": r.get::<String, _>(3), "purpose": r.get::<Option<String>, _>(4)})).unwrap_or(Value::Null))
}

async fn write_one(State(p): State<Pools>) -> Json<Value> {
    let Ok(mut tx) = p.write.begin().await else {
        return Json(Value::Null);
    };
    let id: i64 = sqlx::query_scalar("INSERT INTO items (name) VALUES ('probe') RETURNING id")
        .fetch_one(&mut *tx)
        .await
        .unwrap_or(0);
    let _ =
        sqlx::query("INSERT INTO events (item_id, body) VALUES ($1, '{\"action\":\"create\"}')")
            .bind(id)
            .execute(&mut *tx)
            .await;
    let _ = tx.commit().await;
    Json(json!({"id": id}))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db = args.next().unwrap_or_else(|| "aims-data/aims.db".into());
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:18200".into());
    let opts = SqliteConnectOptions::new()
        .filename(&db)
        .journal_mode(SqliteJournalMode::Wal)
        .read_only(true);
    // The same pool settings as aims (no ping before each acquire).
    let read = SqlitePoolOptions::new()
        .max_connections(8)
        .test_before_acquire(false)
        .connect_with(opts)
        .await?;
    let scratch = SqliteConnectOptions::new()
        .filename(format!("{db}.probe"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // As aims: WAL with synchronous=NORMAL (no fsync per commit; durable at checkpoints).
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal);
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_with(scratch)
        .await?;
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, item_id INTEGER, body TEXT);")
        .execute(&write)
        .await
        ?;
    let app = Router::new()
        .route("/list", get(list))
        .route("/one", get(one))
        .route("/write", post(write_one))
        .with_state(Pools { read, write });
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("probe on http://{bind}");
    axum::serve(listener, app).await?;
    Ok(())
}
