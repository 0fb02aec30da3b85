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

/// One field's change in an audit event, for people: (field, before, after) in words.
pub type FieldChange = (String, String, String);

fn shown(v: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match v {
        None | Some(Value::Null) => "—".into(),
        Some(Value::String(s)) if s.is_empty() => "—".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(true)) => "yes".into(),
        Some(Value::Bool(false)) => "no".into(),
        Some(Value::Array(a)) if a.is_empty() => "none".into(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => {
            let t = other.to_string();
            if t.chars().count() > 200 {
                format!("{}…", t.chars().take(200).collect::<String>())
            } else {
                t
            }
        }
    }
}

/// The fields an event changed, before and after, leaving out the bookkeeping (version, times).
pub fn field_changes(
    entity_type: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Vec<FieldChange> {
    let spec = aims_domain::register::REGISTERS
        .iter()
        .find(|r| r.table == entity_type);
    // Option keys in words (`in_treatment` → "In treatment"), field names as labelled.
    let words = |k: &str, v: Option<&serde_json::Value>| -> String {
        let field = spec.and_then(|s| s.field(k));
        match (field, v) {
            (Some(f), Some(serde_json::Value::String(x))) if !x.is_empty() => {
                aims_domain::register::option_label(f, x)
            }
            (Some(f), Some(serde_json::Value::Array(a)))
                if !a.is_empty()
                    && matches!(f.kind, aims_domain::register::FieldKind::Multi(_)) =>
            {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .map(|x| aims_domain::register::option_label(f, x))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
            _ => shown(v),
        }
    };
    let label = |k: &str| -> String {
        spec.and_then(|s| s.field(k))
            .map(|f| f.label.to_string())
            .or_else(|| spec.and_then(|s| s.link(k)).map(|l| l.label.to_string()))
            .unwrap_or_else(|| k.replace('_', " "))
    };
    use serde_json::{Map, Value};
    let parse = |j: Option<&str>| -> Map<String, Value> {
        j.and_then(|j| serde_json::from_str::<Value>(j).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    };
    let (b, a) = (parse(before), parse(after));
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| {
            !matches!(
                k.as_str(),
                "version" | "updated_at" | "created_at" | "org_id" | "id"
            )
        })
        .filter(|k| b.get(*k) != a.get(*k))
        .map(|k| (label(k), words(k, b.get(k)), words(k, a.get(k))))
        .filter(|(_, before, after)| before != after)
        .collect()
}

/// An entity type in words: `risks` → "risk", `soa_entry` → "SoA entry".
pub fn entity_label(entity_type: &str) -> String {
    if let Some(r) = aims_domain::register::REGISTERS
        .iter()
        .find(|r| r.table == entity_type)
    {
        return r.singular.to_string();
    }
    match entity_type {
        "soa_entry" => "SoA entry".into(),
        "soa" => "Statement of Applicability".into(),
        "api_token" => "API token".into(),
        other => other.replace('_', " "),
    }
}
