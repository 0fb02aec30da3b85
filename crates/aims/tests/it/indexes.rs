//! Every register's lists read an index, on both databases: the default order (newest first)
//! and every filter and sort field (`(org_id, field, id)`). A register added without them sorts
//! the organization's rows on every page (the benchmark found documents doing so).

use crate::harness::*;
use aims_domain::register::REGISTERS;

on_both_backends!(every_register_list_reads_an_index);

async fn index_definitions(db: &FreshDb) -> Vec<String> {
    match &db.database_url {
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.expect("connect");
            sqlx::query_scalar("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'")
                .fetch_all(&pool)
                .await
                .expect("indexes")
        }
        None => {
            let url = format!("sqlite://{}", db.data_dir.join("aims.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.expect("connect");
            sqlx::query_scalar(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
            )
            .fetch_all(&pool)
            .await
            .expect("indexes")
        }
    }
}

async fn every_register_list_reads_an_index(b: Backend) {
    let app = TestApp::start(b).await;
    let defs: Vec<String> = index_definitions(&app.db)
        .await
        .into_iter()
        .map(|d| {
            d.replace('"', "")
                .replace("public.", "")
                .replace(" USING btree", "")
        })
        .collect();
    let has = |table: &str, cols: &str| {
        defs.iter()
            .any(|d| d.contains(&format!(" ON {table}")) && d.contains(&format!("({cols})")))
    };
    let mut missing = vec![];
    for spec in REGISTERS {
        if !has(spec.table, "org_id, id") {
            missing.push(format!("{} (org_id, id)", spec.table));
        }
        for f in spec.fields.iter().filter(|f| f.filter || f.sort) {
            if !has(spec.table, &format!("org_id, {}, id", f.name)) {
                missing.push(format!("{} (org_id, {}, id)", spec.table, f.name));
            }
        }
    }
    assert!(missing.is_empty(), "lists without an index: {missing:?}");
}
