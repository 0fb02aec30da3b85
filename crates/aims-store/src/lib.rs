//! Persistence of aims on SQLite (embedded default) and PostgreSQL (scale-out), from one
//! source: `queries.rs` is compiled once per backend (see the two modules below), and
//! [`Store`] dispatches each call to the backend it was opened on.
//!
//! Only this crate contains SQL.

pub mod derived;
pub mod types;

use chrono::{DateTime, SubsecRound, Utc};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

pub use types::*;

use aims_domain::register::{FieldSpec, FieldValue, RecordInput, RegisterSpec};

/// A register record as JSON: id, reference, every field, created_at, updated_at, version.
pub type Record = serde_json::Map<String, serde_json::Value>;

mod postgres_backend;
mod sqlite_backend;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    /// A stale version or a state that forbids the change (maps to 409).
    #[error("{0}")]
    Conflict(String),
    /// The record was changed by someone else: `current` is the version it has now.
    #[error("the record was changed by someone else (it is now at version {current}); reload and try again")]
    Stale { current: i64 },
    #[error("{0}")]
    Invalid(aims_domain::Invalid),
    /// A limit on how often something may be done was reached (maps to 429).
    #[error("{0}")]
    TooMany(String),
    /// The caller is not the person the row is for (maps to 403).
    #[error("{0}")]
    Forbidden(String),
    /// A one-time thing was already used or has expired (maps to 410).
    #[error("{0}")]
    Gone(String),
    #[error("backup: {0}")]
    Backup(String),
    #[error("{0}")]
    Schema(String),
    #[error("i/o: {0}")]
    Io(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

impl StoreError {
    fn stale(current: i64) -> StoreError {
        StoreError::Stale { current }
    }

    /// Turns a unique-constraint violation into a field error; passes anything else through.
    fn unique(e: sqlx::Error, field: &str, message: &str) -> StoreError {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Invalid(aims_domain::Invalid::field(field, message))
            }
            _ => StoreError::Db(e),
        }
    }
}

/// Timestamps are stored with microsecond precision (PostgreSQL's), so what is hashed is what is read back.
pub(crate) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(sqlite_backend::Pools),
    Postgres(postgres_backend::Pools),
}

/// The database, on whichever backend it was opened.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    derived: derived::DerivedCache,
}

/// Calls the same-named function of the backend the store was opened on.
macro_rules! dispatch {
    ($self:ident . $f:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.backend {
            Backend::Sqlite(p) => sqlite_backend::$f(p, $($arg),*).await,
            Backend::Postgres(p) => postgres_backend::$f(p, $($arg),*).await,
        }
    };
}

pub(crate) type R<T> = Result<T, StoreError>;

mod facade;

/// Where the database is: a PostgreSQL URL, or else the SQLite file in the data folder.
#[derive(Debug, Clone)]
pub enum Location {
    SqliteFile(std::path::PathBuf),
    Postgres(String),
}

impl Location {
    pub fn resolve(data_dir: &Path, database_url: Option<&str>) -> Result<Location, String> {
        match database_url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(Location::SqliteFile(data_dir.join("aims.db"))),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Ok(Location::Postgres(u.to_string()))
            }
            Some(u) if u.starts_with("sqlite:") => Ok(Location::SqliteFile(
                u.trim_start_matches("sqlite://").trim_start_matches("sqlite:").into(),
            )),
            Some(_) => Err("--database-url must start with postgres:// (or sqlite:); leave it unset for the embedded database".into()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Location::SqliteFile(p) => format!("SQLite {}", p.display()),
            Location::Postgres(u) => {
                // Never print a password.
                let shown = match (u.find("://"), u.rfind('@')) {
                    (Some(s), Some(a)) if a > s => format!("{}***{}", &u[..s + 3], &u[a..]),
                    _ => u.clone(),
                };
                format!("PostgreSQL {shown}")
            }
        }
    }
}

impl Store {
    /// Opens the database and brings its schema up to date. Refuses a database migrated
    /// by a newer aims.
    pub async fn open(location: &Location) -> R<Store> {
        let store = match location {
            Location::SqliteFile(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Io(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                let opts = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                // No ping before each acquire: a local file does not drop connections, and the
                // ping is a round trip to the connection's thread on every query.
                let write = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .connect_with(opts.clone())
                    .await?;
                let read = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(8)
                    .test_before_acquire(false)
                    .connect_with(opts)
                    .await?;
                run_migrations(&SQLITE_MIGRATIONS, &write).await?;
                Store {
                    backend: Backend::Sqlite(sqlite_backend::Pools { read, write }),
                    derived: Default::default(),
                }
            }
            Location::Postgres(url) => {
                let opts = sqlx::postgres::PgConnectOptions::from_str(url)?;
                // No ping before each acquire (a network round trip on every query); a connection
                // the server dropped fails its query once and is then discarded by the pool.
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(16)
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await?;
                run_migrations(&POSTGRES_MIGRATIONS, &pool).await?;
                Store {
                    backend: Backend::Postgres(postgres_backend::Pools {
                        read: pool.clone(),
                        write: pool,
                    }),
                    derived: Default::default(),
                }
            }
        };
        Ok(store)
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The newest schema version this binary knows.
    pub fn known_schema_version(&self) -> i64 {
        let m = match self.backend {
            Backend::Sqlite(_) => &SQLITE_MIGRATIONS,
            Backend::Postgres(_) => &POSTGRES_MIGRATIONS,
        };
        m.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Refreshes the query planner's statistics after a bulk load. PostgreSQL plans from them:
    /// a table analysed while empty is scanned whole for a `MAX(number)` until autovacuum
    /// catches up. SQLite plans well without them, so this leaves it alone.
    pub async fn analyze(&self) -> R<()> {
        if let Backend::Postgres(p) = &self.backend {
            sqlx::query("ANALYZE").execute(&p.write).await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(p) => {
                p.read.close().await;
                p.write.close().await;
            }
            Backend::Postgres(p) => p.read.close().await,
        }
    }

    pub async fn ping(&self) -> R<()> {
        dispatch!(self.ping())
    }

    pub async fn schema_version(&self) -> R<i64> {
        dispatch!(self.schema_version())
    }

    // audit trail

    pub async fn list_events(
        &self,
        org_id: i64,
        filter: &AuditFilter,
        before_id: Option<i64>,
        limit: i64,
    ) -> R<Vec<AuditEvent>> {
        dispatch!(self.list_events(org_id, filter, before_id, limit))
    }

    pub async fn verify_chains(&self, org_slug: Option<&str>) -> R<VerifyOutcome> {
        dispatch!(self.verify_chains(org_slug))
    }

    // first run, organizations, users

    pub async fn audit_head_seq(&self, org_id: i64) -> R<i64> {
        dispatch!(self.audit_head_seq(org_id))
    }
}

async fn run_migrations<DB>(migrator: &sqlx::migrate::Migrator, pool: &sqlx::Pool<DB>) -> R<()>
where
    DB: sqlx::Database,
    <DB as sqlx::Database>::Connection: sqlx::migrate::Migrate,
{
    let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
    match migrator.run(pool).await {
        Ok(()) => Ok(()),
        Err(sqlx::migrate::MigrateError::VersionMissing(v)) => Err(StoreError::Schema(format!(
            "this database was migrated by a newer aims (schema version {v}; this binary knows up to {known}). \
             Upgrade aims, or restore a backup made by this version."
        ))),
        Err(e) => Err(StoreError::Schema(format!("migrating the database failed: {e}"))),
    }
}
