//! The audit trail: who changed what, when, before and after, newest first.

use crate::cx::{Cx, Scope};
use crate::error::AppResult;
use aims_domain::Permission;
use aims_store::{AuditEvent, AuditFilter};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// For example `organization`, `member`, `api_token`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// The actor's label (an e-mail address, or `cli`).
    pub actor: Option<String>,
    /// RFC 3339, inclusive.
    pub since: Option<DateTime<Utc>>,
    /// RFC 3339, exclusive.
    pub until: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl AuditParams {
    pub fn filter(&self) -> AuditFilter {
        let keep = |v: &Option<String>| {
            v.as_ref()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        AuditFilter {
            entity_type: keep(&self.entity_type),
            entity_id: keep(&self.entity_id),
            actor: keep(&self.actor),
            since: self.since,
            until: self.until,
        }
    }
}

/// One page of events matching `params`, newest first, older than `cursor` (an event id).
pub async fn events(
    cx: &Cx,
    scope: &Scope,
    params: &AuditParams,
    cursor: Option<i64>,
    limit: i64,
) -> AppResult<Vec<AuditEvent>> {
    scope.require(Permission::ReadAuditTrail)?;
    Ok(cx
        .store
        .list_events(scope.org_id, &params.filter(), cursor, limit)
        .await?)
}
