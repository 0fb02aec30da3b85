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

mod sqlite_backend {
    type DB = sqlx::Sqlite;
    const IS_POSTGRES: bool = false;
    include!("queries.rs");
}

mod postgres_backend {
    type DB = sqlx::Postgres;
    const IS_POSTGRES: bool = true;
    include!("queries.rs");
}

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

type R<T> = Result<T, StoreError>;

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
    pub async fn user_count(&self) -> R<i64> {
        dispatch!(self.user_count())
    }
    pub async fn create_setup_token(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> R<()> {
        dispatch!(self.create_setup_token(hash, now, expires_at))
    }
    pub async fn setup_token_valid(&self, hash: &str, now: DateTime<Utc>) -> R<bool> {
        dispatch!(self.setup_token_valid(hash, now))
    }
    pub async fn complete_setup(
        &self,
        hash: &str,
        input: &SetupInput,
        now: DateTime<Utc>,
    ) -> R<(Organization, User)> {
        dispatch!(self.complete_setup(hash, input, now))
    }
    pub async fn upsert_user_cli(
        &self,
        org_slug: &str,
        email: &str,
        name: &str,
        role: aims_domain::Role,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> R<(Organization, Member)> {
        dispatch!(self.upsert_user_cli(org_slug, email, name, role, password_hash, now))
    }
    pub async fn org_by_slug(&self, slug: &str) -> R<Option<Organization>> {
        dispatch!(self.org_by_slug(slug))
    }
    pub async fn get_org(&self, org_id: i64) -> R<Organization> {
        dispatch!(self.get_org(org_id))
    }
    pub async fn update_org(
        &self,
        actor: &Actor,
        org_id: i64,
        name: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> R<Organization> {
        dispatch!(self.update_org(actor, org_id, name, version, now))
    }

    // sign-in and sessions
    pub async fn login_user(&self, email: &str) -> R<Option<LoginUser>> {
        dispatch!(self.login_user(email))
    }
    pub async fn count_login_failures(&self, email: &str, since: DateTime<Utc>) -> R<i64> {
        dispatch!(self.count_login_failures(email, since))
    }
    pub async fn record_login_failure(
        &self,
        email: &str,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> R<()> {
        dispatch!(self.record_login_failure(email, now, forget_before))
    }
    #[allow(clippy::too_many_arguments)]
    pub async fn create_session(
        &self,
        hash: &str,
        user_id: i64,
        email: &str,
        csrf: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> R<()> {
        dispatch!(self.create_session(hash, user_id, email, csrf, now, expires_at))
    }
    pub async fn session_user(&self, hash: &str, now: DateTime<Utc>) -> R<Option<SessionUser>> {
        dispatch!(self.session_user(hash, now))
    }
    pub async fn delete_session(&self, hash: &str) -> R<()> {
        dispatch!(self.delete_session(hash))
    }
    pub async fn user_orgs(&self, user_id: i64) -> R<Vec<OrgMembership>> {
        dispatch!(self.user_orgs(user_id))
    }
    pub async fn membership_by_slug(&self, user_id: i64, slug: &str) -> R<Option<OrgMembership>> {
        dispatch!(self.membership_by_slug(user_id, slug))
    }

    // API tokens
    pub async fn token_grant(&self, hash: &str, now: DateTime<Utc>) -> R<Option<TokenGrant>> {
        dispatch!(self.token_grant(hash, now))
    }
    pub async fn create_token(
        &self,
        actor: &Actor,
        org_id: i64,
        new: &NewToken,
        now: DateTime<Utc>,
    ) -> R<ApiToken> {
        dispatch!(self.create_token(actor, org_id, new, now))
    }
    pub async fn list_tokens(
        &self,
        org_id: i64,
        user_id: Option<i64>,
        before_id: Option<i64>,
        limit: i64,
    ) -> R<Vec<ApiToken>> {
        dispatch!(self.list_tokens(org_id, user_id, before_id, limit))
    }
    pub async fn get_token(&self, org_id: i64, id: i64) -> R<Option<ApiToken>> {
        dispatch!(self.get_token(org_id, id))
    }
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        org_id: i64,
        id: i64,
        now: DateTime<Utc>,
    ) -> R<ApiToken> {
        dispatch!(self.revoke_token(actor, org_id, id, now))
    }

    // members
    pub async fn list_members(
        &self,
        org_id: i64,
        after_user_id: Option<i64>,
        limit: i64,
    ) -> R<Vec<Member>> {
        dispatch!(self.list_members(org_id, after_user_id, limit))
    }
    pub async fn get_member(&self, org_id: i64, user_id: i64) -> R<Option<Member>> {
        dispatch!(self.get_member(org_id, user_id))
    }
    pub async fn add_member(
        &self,
        actor: &Actor,
        org_id: i64,
        new: &NewMember,
        now: DateTime<Utc>,
    ) -> R<Member> {
        dispatch!(self.add_member(actor, org_id, new, now))
    }
    #[allow(clippy::too_many_arguments)]
    pub async fn update_member_role(
        &self,
        actor: &Actor,
        org_id: i64,
        user_id: i64,
        role: aims_domain::Role,
        version: i64,
        now: DateTime<Utc>,
    ) -> R<Member> {
        dispatch!(self.update_member_role(actor, org_id, user_id, role, version, now))
    }
    pub async fn remove_member(
        &self,
        actor: &Actor,
        org_id: i64,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> R<()> {
        dispatch!(self.remove_member(actor, org_id, user_id, now))
    }

    // catalog
    pub async fn import_framework(
        &self,
        org_id: Option<i64>,
        lib: &aims_catalog::library::FrameworkLibrary,
        builtin: bool,
        actor: Option<&Actor>,
        now: DateTime<Utc>,
    ) -> R<ImportReport> {
        dispatch!(self.import_framework(org_id, lib, builtin, actor, now))
    }
    pub async fn import_mapping_set(
        &self,
        org_id: Option<i64>,
        lib: &aims_catalog::library::MappingSetLibrary,
        builtin: bool,
        actor: Option<&Actor>,
        now: DateTime<Utc>,
    ) -> R<ImportReport> {
        dispatch!(self.import_mapping_set(org_id, lib, builtin, actor, now))
    }
    /// Imports libraries in order (frameworks before the mapping sets that refer to them).
    pub async fn import_libraries(
        &self,
        org_id: Option<i64>,
        libs: &[aims_catalog::Library],
        builtin: bool,
        actor: Option<&Actor>,
        now: DateTime<Utc>,
    ) -> R<Vec<ImportReport>> {
        let mut reports = Vec::with_capacity(libs.len());
        for lib in libs {
            reports.push(match lib {
                aims_catalog::Library::Framework(f) => {
                    self.import_framework(org_id, f, builtin, actor, now)
                        .await?
                }
                aims_catalog::Library::MappingSet(m) => {
                    self.import_mapping_set(org_id, m, builtin, actor, now)
                        .await?
                }
            });
        }
        Ok(reports)
    }
    pub async fn list_frameworks(&self, org_id: Option<i64>) -> R<Vec<FrameworkSummary>> {
        dispatch!(self.list_frameworks(org_id))
    }
    pub async fn framework_by_key(
        &self,
        org_id: Option<i64>,
        key: &str,
    ) -> R<Option<FrameworkSummary>> {
        dispatch!(self.framework_by_key(org_id, key))
    }
    pub async fn list_requirements(
        &self,
        framework_id: i64,
        q: Option<&str>,
    ) -> R<Vec<Requirement>> {
        dispatch!(self.list_requirements(framework_id, q))
    }
    pub async fn get_requirement(
        &self,
        org_id: Option<i64>,
        id: i64,
    ) -> R<Option<(Requirement, Framework)>> {
        dispatch!(self.get_requirement(org_id, id))
    }
    pub async fn requirement_by_ref(
        &self,
        org_id: Option<i64>,
        framework_key: &str,
        reference: &str,
    ) -> R<Option<Requirement>> {
        dispatch!(self.requirement_by_ref(org_id, framework_key, reference))
    }
    pub async fn requirement_mappings(&self, org_id: Option<i64>, id: i64) -> R<Vec<MappingView>> {
        dispatch!(self.requirement_mappings(org_id, id))
    }
    pub async fn list_mapping_sets(&self, org_id: Option<i64>) -> R<Vec<MappingSet>> {
        dispatch!(self.list_mapping_sets(org_id))
    }
    pub async fn mapping_rows(&self, set_id: i64) -> R<Vec<MappingRow>> {
        dispatch!(self.mapping_rows(set_id))
    }
    pub async fn coverage_sources(
        &self,
        org_id: i64,
        framework_id: i64,
    ) -> R<(Vec<DirectCover>, Vec<MappedCover>)> {
        dispatch!(self.coverage_sources(org_id, framework_id))
    }
    #[allow(clippy::too_many_arguments)]
    pub async fn create_control(
        &self,
        actor: &Actor,
        org_id: i64,
        name: &str,
        status: &str,
        requirement_ids: &[i64],
        now: DateTime<Utc>,
    ) -> R<Control> {
        dispatch!(self.create_control(actor, org_id, name, status, requirement_ids, now))
    }

    pub async fn controls_for_requirement(
        &self,
        org_id: i64,
        requirement_id: i64,
    ) -> R<Vec<Control>> {
        dispatch!(self.controls_for_requirement(org_id, requirement_id))
    }

    // registers
    #[allow(clippy::too_many_arguments)]
    pub async fn register_list(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        filters: &[(&'static FieldSpec, FieldValue)],
        search: Option<&str>,
        sort: Option<(&'static FieldSpec, bool)>,
        cursor: Option<(String, i64)>,
        limit: i64,
    ) -> R<Vec<Record>> {
        dispatch!(self.register_list(org_id, spec, filters, search, sort, cursor, limit))
    }
    pub async fn register_get(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        id: i64,
    ) -> R<Option<Record>> {
        dispatch!(self.register_get(org_id, spec, id))
    }
    pub async fn register_get_many(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        ids: &[i64],
    ) -> R<Vec<Record>> {
        dispatch!(self.register_get_many(org_id, spec, ids))
    }
    pub async fn register_links(
        &self,
        spec: &RegisterSpec,
        id: i64,
    ) -> R<Vec<(String, Vec<LinkedRecord>)>> {
        dispatch!(self.register_links(spec, id))
    }
    pub async fn register_neighbours(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        id: i64,
    ) -> R<(
        Vec<(String, Vec<LinkedRecord>)>,
        Vec<(String, Vec<LinkedRecord>)>,
    )> {
        dispatch!(self.register_neighbours(org_id, spec, id))
    }
    pub async fn register_create(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &RegisterSpec,
        input: &RecordInput,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.register_create(actor, org_id, spec, input, now))
    }
    #[allow(clippy::too_many_arguments)]
    pub async fn register_update(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &RegisterSpec,
        id: i64,
        version: i64,
        input: &RecordInput,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.register_update(actor, org_id, spec, id, version, input, now))
    }
    pub async fn register_delete(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &RegisterSpec,
        id: i64,
        now: DateTime<Utc>,
    ) -> R<()> {
        dispatch!(self.register_delete(actor, org_id, spec, id, now))
    }
    pub async fn register_import(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &RegisterSpec,
        rows: &[(usize, RecordInput)],
        now: DateTime<Utc>,
    ) -> R<Vec<Record>> {
        dispatch!(self.register_import(actor, org_id, spec, rows, now))
    }
    #[allow(clippy::too_many_arguments)]
    pub async fn set_classification(
        &self,
        actor: &Actor,
        org_id: i64,
        id: i64,
        version: i64,
        classification: &serde_json::Value,
        tier: &str,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.set_classification(actor, org_id, id, version, classification, tier, now))
    }
    pub async fn import_inventory_plan(
        &self,
        actor: &Actor,
        org_id: i64,
        plan: &InventoryPlan,
        now: DateTime<Utc>,
    ) -> R<InventoryImportReport> {
        dispatch!(self.import_inventory_plan(actor, org_id, plan, now))
    }

    pub async fn register_ids_by_numbers(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        numbers: &[i64],
    ) -> R<Vec<(i64, i64)>> {
        dispatch!(self.register_ids_by_numbers(org_id, spec, numbers))
    }

    // risks, criteria, settings, SoA, impact assessments, evidence
    /// Risks counted by (likelihood, impact): aggregates the whole register, so it is reused
    /// until the organization changes (see `derived`).
    pub async fn risk_heatmap(
        &self,
        org_id: i64,
        residual: bool,
    ) -> R<std::sync::Arc<Vec<(i64, i64, i64)>>> {
        let kind = if residual {
            "heatmap:residual"
        } else {
            "heatmap:inherent"
        };
        self.derived(org_id, kind, chrono::NaiveDate::MIN, || async {
            dispatch!(self.risk_heatmap(org_id, residual))
        })
        .await
    }
    pub async fn risk_criteria(&self, org_id: i64) -> R<Option<(String, i64)>> {
        dispatch!(self.risk_criteria(org_id))
    }
    pub async fn set_risk_criteria(
        &self,
        actor: &Actor,
        org_id: i64,
        criteria_json: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> R<i64> {
        dispatch!(self.set_risk_criteria(actor, org_id, criteria_json, version, now))
    }
    pub async fn org_settings(&self, org_id: i64) -> R<(bool, i64)> {
        dispatch!(self.org_settings(org_id))
    }
    pub async fn set_lifecycle_gates(
        &self,
        actor: &Actor,
        org_id: i64,
        enabled: bool,
        version: i64,
        now: DateTime<Utc>,
    ) -> R<i64> {
        dispatch!(self.set_lifecycle_gates(actor, org_id, enabled, version, now))
    }
    #[allow(clippy::too_many_arguments)]
    pub async fn accept_risk(
        &self,
        actor: &Actor,
        org_id: i64,
        id: i64,
        version: i64,
        reason: &str,
        top_management: bool,
        today: &str,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.accept_risk(
            actor,
            org_id,
            id,
            version,
            reason,
            top_management,
            today,
            now
        ))
    }
    pub async fn untreated_modify_risks(&self, org_id: i64) -> R<Vec<i64>> {
        dispatch!(self.untreated_modify_risks(org_id))
    }
    pub async fn soa_entries(&self, org_id: i64, now: DateTime<Utc>) -> R<Vec<SoaEntry>> {
        dispatch!(self.soa_entries(org_id, now))
    }
    pub async fn soa_controls(&self, org_id: i64) -> R<Vec<(i64, i64, String, String)>> {
        dispatch!(self.soa_controls(org_id))
    }
    #[allow(clippy::too_many_arguments)]
    pub async fn update_soa_entry(
        &self,
        actor: &Actor,
        org_id: i64,
        entry_id: i64,
        applicable: Option<bool>,
        justification: Option<&str>,
        status: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> R<SoaEntry> {
        dispatch!(self.update_soa_entry(
            actor,
            org_id,
            entry_id,
            applicable,
            justification,
            status,
            version,
            now
        ))
    }
    pub async fn approve_soa(
        &self,
        actor: &Actor,
        org_id: i64,
        note: &str,
        snapshot_json: &str,
        now: DateTime<Utc>,
    ) -> R<SoaVersion> {
        dispatch!(self.approve_soa(actor, org_id, note, snapshot_json, now))
    }
    pub async fn soa_versions(&self, org_id: i64) -> R<Vec<SoaVersion>> {
        dispatch!(self.soa_versions(org_id))
    }
    pub async fn set_ia_entries(
        &self,
        actor: &Actor,
        org_id: i64,
        id: i64,
        version: i64,
        entries_json: &str,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.set_ia_entries(actor, org_id, id, version, entries_json, now))
    }
    #[allow(clippy::too_many_arguments)]
    pub async fn ia_transition(
        &self,
        actor: &Actor,
        org_id: i64,
        id: i64,
        version: i64,
        step: &str,
        today: &str,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.ia_transition(actor, org_id, id, version, step, today, now))
    }
    #[allow(clippy::too_many_arguments)]
    pub async fn set_evidence_file(
        &self,
        actor: &Actor,
        org_id: i64,
        id: i64,
        version: i64,
        name: &str,
        sha256: &str,
        size: i64,
        media_type: &str,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(
            self.set_evidence_file(actor, org_id, id, version, name, sha256, size, media_type, now)
        )
    }
    pub async fn linked_ids(&self, table: &str, ids: &[i64], other: &str) -> R<Vec<(i64, i64)>> {
        dispatch!(self.linked_ids(table, ids, other))
    }

    pub async fn register_briefs(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        ids: &[i64],
    ) -> R<Vec<LinkedRecord>> {
        dispatch!(self.register_briefs(org_id, spec, ids))
    }

    // maturity and the plan
    #[allow(clippy::too_many_arguments)]
    pub async fn create_maturity(
        &self,
        actor: &Actor,
        org_id: i64,
        assessed_on: &str,
        answered_by: &str,
        answers_json: &str,
        now: DateTime<Utc>,
    ) -> R<MaturityAssessment> {
        dispatch!(self.create_maturity(actor, org_id, assessed_on, answered_by, answers_json, now))
    }
    pub async fn maturity_assessments(
        &self,
        org_id: i64,
        limit: i64,
    ) -> R<Vec<MaturityAssessment>> {
        dispatch!(self.maturity_assessments(org_id, limit))
    }
    pub async fn org_plan(&self, org_id: i64) -> R<Option<(String, i64)>> {
        dispatch!(self.org_plan(org_id))
    }
    pub async fn set_org_plan(
        &self,
        actor: &Actor,
        org_id: i64,
        plan_json: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> R<i64> {
        dispatch!(self.set_org_plan(actor, org_id, plan_json, version, now))
    }
    pub async fn org_facts(
        &self,
        org_id: i64,
        today: &str,
        year_ago: &str,
        in_30_days: &str,
    ) -> R<OrgFacts> {
        dispatch!(self.org_facts(org_id, today, year_ago, in_30_days))
    }

    pub async fn register_update_many(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &RegisterSpec,
        updates: &[(i64, RecordInput)],
        now: DateTime<Utc>,
    ) -> R<usize> {
        dispatch!(self.register_update_many(actor, org_id, spec, updates, now))
    }

    pub async fn audit_head_seq(&self, org_id: i64) -> R<i64> {
        dispatch!(self.audit_head_seq(org_id))
    }
    pub async fn soa_evidence_counts(&self, org_id: i64) -> R<Vec<(i64, i64)>> {
        dispatch!(self.soa_evidence_counts(org_id))
    }

    // backup and restore
    pub async fn backup_rows(&self, sink: &mut BackupSink<'_>) -> R<u64> {
        dispatch!(self.backup_rows(sink))
    }
    pub async fn restore_rows(
        &self,
        rows: &mut (dyn Iterator<Item = RestoreItem> + Send),
    ) -> R<u64> {
        dispatch!(self.restore_rows(rows))
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
