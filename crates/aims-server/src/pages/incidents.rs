//! The incident page: the reporting duty and its countdown, the hold, the serious-incident
//! test, the append-only timeline and its form, and raising a nonconformity.

use super::record::str_of;
use crate::pages::{flash_redirect, form_value, org_ctx, render, Layout, OrgCtx, PageError};
use crate::AppState;
use aims_domain::incident::{EVENT_KINDS, REPORTING_ROLES, SECTOR_REGIMES};
use aims_domain::register::INCIDENTS;
use aims_domain::{Invalid, Permission};
use aims_service::incidents::{self, DeadlineView, EventIn, TestIn};
use aims_service::ErrorKind;
use aims_store::IncidentEvent;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/incidents/{id}", get(page))
        .route("/o/{slug}/incidents/{id}/test", post(answer_test))
        .route("/o/{slug}/incidents/{id}/timeline", post(add_event))
        .route(
            "/o/{slug}/incidents/{id}/nonconformity",
            post(raise_nonconformity),
        )
}

/// The test's questions: (form name, label, answered yes).
type Question = (&'static str, &'static str, bool);

#[derive(Template)]
#[template(path = "incident.html")]
struct IncidentPage {
    layout: Layout,
    id: i64,
    version: i64,
    reference: String,
    name: String,
    deadline: Result<DeadlineView, String>,
    questions: Vec<Question>,
    roles: &'static [(&'static str, &'static str)],
    sectors: &'static [(&'static str, &'static str)],
    kinds: &'static [(&'static str, &'static str)],
    role: String,
    sector: String,
    assessed: String,
    events: Vec<IncidentEvent>,
    task: Option<(i64, String)>,
    can_write: bool,
    errors: Invalid,
    /// What was typed in the timeline form: kind, at, authority, reference, note.
    typed: (String, String, String, String, String),
}

impl IncidentPage {
    fn tone(&self) -> &'static str {
        match &self.deadline {
            Ok(d) if d.missed || d.late => "bad",
            Ok(d) if d.duty == "report" && d.reported_at.is_none() => "warn",
            Ok(d) if d.duty == "inform_provider" => "warn",
            Ok(d) if d.duty == "report" => "good",
            _ => "plain",
        }
    }
    fn chip(&self) -> &'static str {
        match &self.deadline {
            Ok(d) if d.missed => "Overdue",
            Ok(d) if d.late => "Reported late",
            Ok(d) if d.duty == "report" && d.reported_at.is_none() => "Report due",
            Ok(d) if d.duty == "report" => "Reported",
            Ok(d) if d.duty == "inform_provider" => "Inform the provider",
            Ok(d) if d.duty == "provider_informed" => "Provider informed",
            _ => "Nothing to notify",
        }
    }
    fn kind_label(&self, kind: &str) -> &'static str {
        EVENT_KINDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, l)| *l)
            .unwrap_or("Entry")
    }
    fn when(&self, at: &str) -> String {
        aims_domain::incident::shown_text(at)
    }
    /// A newer entry of the same kind replaced this one.
    fn superseded(&self, id: &i64, kind: &str) -> bool {
        kind != "note" && self.events.iter().any(|e| e.kind == kind && e.id > *id)
    }
}

async fn view(
    s: &AppState,
    ctx: &OrgCtx,
    id: i64,
    errors: Invalid,
    typed: (String, String, String, String, String),
) -> Result<IncidentPage, PageError> {
    ctx.require(Permission::Read)?;
    let scope = ctx.scope();
    let v = incidents::incident_view(&s.cx, &scope, id).await?;
    let rec = v.record;
    let yes = |k: &str| rec.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
    let label = |k: &str| INCIDENTS.field(k).map(|f| f.label).unwrap_or("");
    let questions = [
        "harm_death",
        "harm_health",
        "harm_infrastructure",
        "harm_rights",
        "harm_property",
        "widespread",
    ]
    .iter()
    .map(|k| (*k, label(k), yes(k)))
    .collect();
    let deadline = v.deadline.map_err(|m| m.message.to_string());
    let assessed = match rec.get("assessed_by").and_then(|v| v.as_i64()) {
        Some(user) => {
            let who =
                s.cx.store
                    .get_member(ctx.org.org_id, user)
                    .await?
                    .map(|m| m.name)
                    .unwrap_or_else(|| format!("user {user}"));
            format!("{who} on {}", str_of(&rec, "assessed_on"))
        }
        None => String::new(),
    };
    let task = v.nonconformity;
    let role = str_of(&rec, "reporting_role");
    Ok(IncidentPage {
        layout: ctx.layout(
            &format!("{} {}", str_of(&rec, "reference"), str_of(&rec, "name")),
            "incidents",
        ),
        id,
        version: rec.get("version").and_then(|v| v.as_i64()).unwrap_or(0),
        reference: str_of(&rec, "reference"),
        name: str_of(&rec, "name"),
        deadline,
        questions,
        roles: REPORTING_ROLES,
        sectors: SECTOR_REGIMES,
        kinds: EVENT_KINDS,
        role: if role.is_empty() {
            "provider".into()
        } else {
            role
        },
        sector: str_of(&rec, "sector_regime"),
        assessed,
        events: v.events,
        task,
        can_write: ctx.org.role.permissions().allows(Permission::Write),
        errors,
        typed,
    })
}

async fn page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(
        &view(&s, &ctx, id, Invalid::default(), Default::default()).await?,
    ))
}

async fn answer_test(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let yes = |k: &str| form_value(&form, k) == "true";
    let t = TestIn {
        death: yes("harm_death"),
        health: yes("harm_health"),
        infrastructure: yes("harm_infrastructure"),
        rights: yes("harm_rights"),
        property: yes("harm_property"),
        widespread: yes("widespread"),
        reporting_role: form_value(&form, "reporting_role").to_string(),
        sector_regime: Some(form_value(&form, "sector_regime").to_string())
            .filter(|s| !s.is_empty()),
        version: form_value(&form, "version").parse().unwrap_or(0),
    };
    match incidents::answer_test(&s.cx, &ctx.scope(), id, t).await {
        Ok(_) => Ok(flash_redirect(
            &format!("/o/{slug}/incidents/{id}"),
            "The serious-incident test is saved.",
        )),
        Err(e) if e.kind == ErrorKind::Invalid => {
            let page = view(&s, &ctx, id, Invalid(e.errors), Default::default()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_event(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let typed = (
        form_value(&form, "kind").to_string(),
        form_value(&form, "at").to_string(),
        form_value(&form, "authority").to_string(),
        form_value(&form, "reference").to_string(),
        form_value(&form, "note").to_string(),
    );
    let e = EventIn {
        kind: typed.0.clone(),
        at: Some(typed.1.clone()),
        authority: typed.2.clone(),
        reference: typed.3.clone(),
        note: typed.4.clone(),
    };
    match incidents::add_event(&s.cx, &ctx.scope(), id, e).await {
        Ok(_) => Ok(flash_redirect(
            &format!("/o/{slug}/incidents/{id}#timeline"),
            "Added to the timeline.",
        )),
        Err(e) if e.kind == ErrorKind::Invalid => {
            let page = view(&s, &ctx, id, Invalid(e.errors), typed).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn raise_nonconformity(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let task = incidents::raise_nonconformity(&s.cx, &ctx.scope(), id).await?;
    Ok(flash_redirect(
        &format!("/o/{slug}/incidents/{id}"),
        &format!(
            "Nonconformity raised as task {}.",
            str_of(&task, "reference")
        ),
    ))
}
