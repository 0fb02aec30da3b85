//! The audit trail.

use super::org_ctx;
use super::render;
use super::Layout;
use super::PageError;
use crate::extract::QueryParams;
use crate::AppState;
use aims_domain::Permission;
use aims_service::audit_trail::AuditParams;
use aims_store::AuditEvent;
use askama::Template;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
pub fn routes() -> Router<AppState> {
    Router::new().route("/o/{slug}/audit", get(audit))
}

/// An event as the page shows it: the record in words, a link to it, the changed fields.
pub(crate) struct EventRow {
    e: AuditEvent,
    what: String,
    link: Option<String>,
    changes: Vec<aims_service::audit_trail::FieldChange>,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub(crate) struct AuditPage {
    layout: Layout,
    events: Vec<EventRow>,
    entity_type: String,
    entity_id: String,
    actor: String,
    next_query: Option<String>,
    entity_types: &'static [&'static str],
}

pub(crate) async fn audit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    QueryParams(p): QueryParams<AuditParams>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.require(Permission::ReadAuditTrail)?;
    let before = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            PageError::Status(StatusCode::BAD_REQUEST, "cursor: not a valid cursor".into())
        })?),
        None => None,
    };
    let filter = p.filter();
    let mut events = aims_service::audit_trail::events(&s.cx, &ctx.scope(), &p, before, 51).await?;
    let next_query = if events.len() > 50 {
        events.truncate(50);
        events.last().map(|e| {
            let pairs = [
                (
                    "entity_type",
                    filter.entity_type.clone().unwrap_or_default(),
                ),
                ("entity_id", filter.entity_id.clone().unwrap_or_default()),
                ("actor", filter.actor.clone().unwrap_or_default()),
                ("cursor", e.id.to_string()),
            ];
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        })
    } else {
        None
    };
    let events = events
        .into_iter()
        .map(|e| {
            let register = aims_domain::register::REGISTERS
                .iter()
                .find(|r| r.table == e.entity_type);
            let link = register.map(|r| {
                if e.action == "delete" {
                    format!("/o/{slug}/inventory/{}/deleted/{}", r.path, e.entity_id)
                } else {
                    format!("/o/{slug}/inventory/{}/{}", r.path, e.entity_id)
                }
            });
            EventRow {
                what: aims_service::audit_trail::entity_label(&e.entity_type),
                changes: aims_service::audit_trail::field_changes(
                    &e.entity_type,
                    e.before_json.as_deref(),
                    e.after_json.as_deref(),
                ),
                link,
                e,
            }
        })
        .collect();
    Ok(render(&AuditPage {
        layout: ctx.layout("Audit trail", "audit"),
        events,
        entity_type: filter.entity_type.unwrap_or_default(),
        entity_id: filter.entity_id.unwrap_or_default(),
        actor: filter.actor.unwrap_or_default(),
        next_query,
        entity_types: ENTITY_TYPES,
    }))
}

/// The record types the audit trail knows, offered in its filter.
const ENTITY_TYPES: &[&str] = &["organization", "user", "member", "api_token"];
