//! Leadership and roles (5.1, 5.3, A.3.2): the RACI matrix drawn from the RACI entries, with
//! the people holding each AIMS role.

use crate::cx::{Cx, Scope};
use crate::error::AppResult;
use crate::registers::{all_rows, ListQuery, Lookups};
use aims_domain::register::{
    AIMS_PROCESSES, AIMS_ROLES, AIMS_ROLE_ASSIGNMENTS, RACI, RACI_ENTRIES,
};
use aims_domain::Permission;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct RoleColumn {
    pub key: &'static str,
    pub label: &'static str,
    /// The members holding the role, by email.
    pub holders: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProcessRow {
    pub key: &'static str,
    pub label: &'static str,
    /// One cell per role column: the letters R, A, C, I it holds (empty when none).
    pub cells: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RaciMatrix {
    pub roles: Vec<RoleColumn>,
    pub processes: Vec<ProcessRow>,
    /// Processes with no accountable role: a gap to close.
    pub without_accountable: Vec<&'static str>,
}

fn str_of<'a>(r: &'a serde_json::Map<String, Value>, k: &str) -> &'a str {
    r.get(k).and_then(Value::as_str).unwrap_or_default()
}

pub async fn raci_matrix(cx: &Cx, scope: &Scope) -> AppResult<RaciMatrix> {
    scope.require(Permission::Read)?;
    let q = ListQuery::parse(&RACI_ENTRIES, &[], 500, cx)?;
    let entries = all_rows(&cx.store, scope.org_id, &RACI_ENTRIES, &q).await?;
    let q = ListQuery::parse(&AIMS_ROLE_ASSIGNMENTS, &[], 500, cx)?;
    let assignments = all_rows(&cx.store, scope.org_id, &AIMS_ROLE_ASSIGNMENTS, &q).await?;
    let lookups = Lookups::for_rows(
        &cx.store,
        scope.org_id,
        &AIMS_ROLE_ASSIGNMENTS,
        &assignments,
    )
    .await?;
    let roles: Vec<RoleColumn> = AIMS_ROLES
        .iter()
        .map(|(key, label)| RoleColumn {
            key,
            label,
            holders: assignments
                .iter()
                .filter(|a| str_of(a, "aims_role") == *key)
                .filter_map(|a| a.get("member_id").and_then(Value::as_i64))
                .filter_map(|id| lookups.member_email(id).map(str::to_string))
                .collect(),
        })
        .collect();
    let letter = |inv: &str| {
        RACI.iter()
            .find(|(k, _)| *k == inv)
            .map(|(_, l)| &l[..1])
            .unwrap_or("")
    };
    let mut without_accountable = vec![];
    let processes = AIMS_PROCESSES
        .iter()
        .map(|(key, label)| {
            let mine: Vec<_> = entries
                .iter()
                .filter(|e| str_of(e, "process") == *key)
                .collect();
            if !mine
                .iter()
                .any(|e| str_of(e, "involvement") == "accountable")
            {
                without_accountable.push(*label);
            }
            ProcessRow {
                key,
                label,
                cells: AIMS_ROLES
                    .iter()
                    .map(|(role, _)| {
                        let mut letters: Vec<&str> = mine
                            .iter()
                            .filter(|e| str_of(e, "aims_role") == *role)
                            .map(|e| letter(str_of(e, "involvement")))
                            .collect();
                        letters.sort_by_key(|l| "RACI".find(l));
                        letters.dedup();
                        letters.concat()
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(RaciMatrix {
        roles,
        processes,
        without_accountable,
    })
}
