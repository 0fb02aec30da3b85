//! What every operation is given: the context it runs in (`Cx`) and on whose behalf (`Scope`).

use crate::error::{AppError, AppResult};
use crate::files::EvidenceFiles;
use aims_domain::classify::Rules;
use aims_domain::{Clock, Permission, Permissions};
use aims_store::{Actor, Store};
use chrono::{DateTime, Utc};
use std::sync::{Arc, OnceLock};

/// The wall clock: the one place that reads the system time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The store, the evidence files and the clock, shared by every caller (web, CLI, jobs).
#[derive(Clone)]
pub struct Cx {
    pub store: Store,
    /// Evidence files, stored by their SHA-256 (see `files`).
    pub files: Arc<dyn EvidenceFiles>,
    pub clock: Arc<dyn Clock>,
    /// The EU AI Act classifier's dates, from the framework library.
    pub rules: Arc<Rules>,
}

/// The built-in library's classifier rules, parsed once. A broken library (a catalog test
/// guards against it) also stops `ensure_builtin`, so the server never starts without them.
pub fn builtin_rules() -> Arc<Rules> {
    static RULES: OnceLock<Arc<Rules>> = OnceLock::new();
    RULES
        .get_or_init(|| {
            Arc::new(aims_catalog::ai_act_rules().unwrap_or_else(|e| {
                tracing::error!("the EU AI Act rules in the library are broken: {e}");
                Rules {
                    version: "unavailable".into(),
                    dates: vec![],
                }
            }))
        })
        .clone()
}

impl Cx {
    pub fn new(store: Store, files: Arc<dyn EvidenceFiles>) -> Cx {
        Cx {
            store,
            files,
            clock: Arc::new(SystemClock),
            rules: builtin_rules(),
        }
    }

    /// Runs the classifier on other rules (a corrected library, or a test's).
    pub fn with_rules(mut self, rules: Rules) -> Cx {
        self.rules = Arc::new(rules);
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Cx {
        self.clock = clock;
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today as `YYYY-MM-DD`, the form dates are stored in.
    pub fn today(&self) -> String {
        self.clock.today().format("%Y-%m-%d").to_string()
    }
}

/// On whose behalf an operation runs: the organization, the actor recorded in the audit
/// trail, and the effective permissions (for a token: its role ∩ the member's current role).
#[derive(Debug, Clone)]
pub struct Scope {
    pub org_id: i64,
    pub actor: Actor,
    pub perms: Permissions,
}

impl Scope {
    /// Fails with `Forbidden` unless the scope's permissions include `p`.
    pub fn require(&self, p: Permission) -> AppResult<()> {
        if self.perms.allows(p) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "your role does not allow this ({} is needed)",
                permission_name(p)
            )))
        }
    }

    /// The machine's operator at the command line: every right in the organization.
    pub fn operator(org_id: i64) -> Scope {
        Scope {
            org_id,
            actor: Actor::cli(),
            perms: aims_domain::Role::Admin.permissions(),
        }
    }
}

fn permission_name(p: Permission) -> &'static str {
    match p {
        Permission::Read => "permission to read",
        Permission::Write => "permission to write",
        Permission::Approve => "permission to approve",
        Permission::ReadAuditTrail => "permission to read the audit trail",
        Permission::Audit => "permission to record audits",
        Permission::Administer => "permission to administer",
    }
}
