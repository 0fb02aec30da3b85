//! AI incidents (A.8.4): the serious-incident test (EU AI Act Art. 3(49), 3(61)), the
//! append-only timeline, the reporting deadline and its hand-off (Art. 73, 26(5)), the hold
//! (Art. 73(6)), a nonconformity raised from an incident, and a concern promoted to one.
//! The clocks themselves are `aims_domain::incident`.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use crate::record::{num, text};
use aims_domain::incident::{self, Deadline, Duty, Facts, Harm, REPORTING_ROLES, SECTOR_REGIMES};
use aims_domain::register::{check_input, FieldValue, RecordInput, CONCERNS, INCIDENTS, TASKS};
use aims_domain::{Invalid, Permission};
use aims_store::{IncidentEvent, NewIncidentEvent, Record};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

/// The answers of the serious-incident test, and who we are for reporting.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestIn {
    /// A person died (Art. 3(49)(a); 10 days, Art. 73(4)).
    #[serde(default)]
    pub death: bool,
    /// Serious harm to a person's health (Art. 3(49)(a)).
    #[serde(default)]
    pub health: bool,
    /// Serious and irreversible disruption of critical infrastructure (Art. 3(49)(b); 2 days).
    #[serde(default)]
    pub infrastructure: bool,
    /// Infringement of Union-law obligations protecting fundamental rights (Art. 3(49)(c)).
    #[serde(default)]
    pub rights: bool,
    /// Serious harm to property or the environment (Art. 3(49)(d)).
    #[serde(default)]
    pub property: bool,
    /// A widespread infringement (Art. 3(61); 2 days).
    #[serde(default)]
    pub widespread: bool,
    /// provider, deployer or none.
    pub reporting_role: String,
    /// none, equivalent (Art. 73(9)) or medical_devices (Art. 73(10)); none when left out.
    #[serde(default)]
    pub sector_regime: Option<String>,
    /// The version you read; a stale one answers 409.
    pub version: i64,
}

/// A timeline entry to append.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    /// One of occurred, detected, became_aware, causal_link, provider_informed,
    /// provider_unreachable, initial_report, complete_report, closed, note.
    pub kind: String,
    /// When it happened: RFC 3339, or YYYY-MM-DDTHH:MM in UTC; now when left out. Not in the future.
    #[serde(default)]
    pub at: Option<String>,
    #[serde(default)]
    pub note: String,
    /// For a report: the authority and its Member State.
    #[serde(default)]
    pub authority: String,
    /// For a report: its reference.
    #[serde(default)]
    pub reference: String,
}

/// Where the reporting duty stands.
#[derive(Serialize, ToSchema)]
pub struct DeadlineView {
    /// none, inform_provider, provider_informed or report.
    pub duty: &'static str,
    /// One line for people: what to do, by when, how long is left.
    pub summary: String,
    /// When the report is due (RFC 3339), for a report that is ours.
    pub due_at: Option<String>,
    pub days: Option<i64>,
    /// The paragraph that sets the clock, e.g. Art. 73(4).
    pub rule: Option<&'static str>,
    pub reported_at: Option<String>,
    /// Due and not sent, past its time.
    pub missed: bool,
    /// Sent after its time.
    pub late: bool,
    /// An incomplete initial report waits for its complete report (Art. 73(5)).
    pub complete_outstanding: bool,
    /// Art. 73(6): do not alter the system in a way that affects the evaluation of the causes.
    pub hold: bool,
    /// Whole hours left until it is due (negative once missed).
    pub hours_left: Option<i64>,
}

/// An incident whose report is still ours to send, for the dashboard.
#[derive(Serialize, ToSchema)]
pub struct OpenDeadlineView {
    pub id: i64,
    pub reference: String,
    pub name: String,
    pub due_at: String,
    /// The due moment for people, e.g. 2026-12-11 09:00 UTC.
    pub due_shown: String,
    pub days: i64,
    /// "9 days 23 hours", or "overdue".
    pub left: String,
    pub overdue: bool,
}

async fn incident(cx: &Cx, scope: &Scope, id: i64) -> AppResult<Record> {
    cx.store
        .register_get(scope.org_id, &INCIDENTS, id)
        .await?
        .ok_or_else(|| AppError::not_found("incident"))
}

fn flag(r: &Record, k: &str) -> bool {
    r.get(k).and_then(Value::as_bool).unwrap_or(false)
}

fn harm_of(r: &Record) -> Harm {
    Harm {
        death: flag(r, "harm_death"),
        health: flag(r, "harm_health"),
        infrastructure: flag(r, "harm_infrastructure"),
        rights: flag(r, "harm_rights"),
        property: flag(r, "harm_property"),
        widespread: flag(r, "widespread"),
    }
}

fn set(input: &mut RecordInput, name: &str, v: FieldValue) -> AppResult<()> {
    let f = INCIDENTS
        .field(name)
        .ok_or_else(|| AppError::internal(format!("the incident register has no {name}")))?;
    input.values.push((f, v));
    Ok(())
}

/// Records the answers of the serious-incident test, with who answered and when.
pub async fn answer_test(cx: &Cx, scope: &Scope, id: i64, t: TestIn) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    incident(cx, scope, id).await?;
    let sector = t.sector_regime.unwrap_or_else(|| "none".into());
    let mut inv = Invalid::default();
    if !REPORTING_ROLES.iter().any(|(k, _)| *k == t.reporting_role) {
        inv.push("reporting_role", "must be provider, deployer or none");
    }
    if !SECTOR_REGIMES.iter().any(|(k, _)| *k == sector) {
        inv.push(
            "sector_regime",
            "must be none, equivalent or medical_devices",
        );
    }
    inv.into_result().map_err(AppError::invalid)?;
    let mut input = RecordInput::default();
    for (name, v) in [
        ("harm_death", t.death),
        ("harm_health", t.health),
        ("harm_infrastructure", t.infrastructure),
        ("harm_rights", t.rights),
        ("harm_property", t.property),
        ("widespread", t.widespread),
    ] {
        set(&mut input, name, FieldValue::Bool(v))?;
    }
    set(
        &mut input,
        "reporting_role",
        FieldValue::Text(Some(t.reporting_role)),
    )?;
    set(&mut input, "sector_regime", FieldValue::Text(Some(sector)))?;
    set(
        &mut input,
        "assessed_by",
        FieldValue::Int(scope.actor.user_id),
    )?;
    set(
        &mut input,
        "assessed_on",
        FieldValue::Text(Some(cx.today())),
    )?;
    crate::registers::write::set_step_fields(cx, scope, &INCIDENTS, id, t.version, &input).await
}

/// Appends a timeline entry: a moment that is not in the future, a report with its authority,
/// the provider hand-off only for a deployer.
pub async fn add_event(cx: &Cx, scope: &Scope, id: i64, e: EventIn) -> AppResult<IncidentEvent> {
    scope.require(Permission::Write)?;
    let rec = incident(cx, scope, id).await?;
    let mut inv = Invalid::default();
    if !incident::EVENT_KINDS.iter().any(|(k, _)| *k == e.kind) {
        inv.push(
            "kind",
            format!(
                "must be one of {}",
                incident::EVENT_KINDS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let at = match e.at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(cx.now()),
        Some(s) => match incident::parse_moment(s) {
            None => {
                inv.push(
                    "at",
                    "must be a moment such as 2026-12-01T14:30 (UTC) or an RFC 3339 time",
                );
                None
            }
            Some(t) if t > cx.now() => {
                inv.push("at", "cannot be in the future: record what has happened");
                None
            }
            Some(t) => Some(t),
        },
    };
    let report = matches!(e.kind.as_str(), "initial_report" | "complete_report");
    if report && e.authority.trim().is_empty() {
        inv.push("authority", "is required for a report: the market-surveillance authority (or, under Art. 73(10), the national competent authority) and its Member State");
    }
    if matches!(
        e.kind.as_str(),
        "provider_informed" | "provider_unreachable"
    ) && text(&rec, "reporting_role") != "deployer"
    {
        inv.push("kind", "only a deployer informs the provider (Art. 26(5)): answer the serious-incident test with our reporting role as deployer first");
    }
    for (field, v, max) in [
        ("note", &e.note, 20_000),
        ("authority", &e.authority, 300),
        ("reference", &e.reference, 200),
    ] {
        if v.chars().count() > max {
            inv.push(field, format!("must be at most {max} characters"));
        }
    }
    inv.into_result().map_err(AppError::invalid)?;
    let at = incident::stamp(at.unwrap_or_else(|| cx.now()));
    Ok(cx
        .store
        .add_incident_event(
            &scope.actor,
            scope.org_id,
            id,
            &NewIncidentEvent {
                kind: &e.kind,
                at: &at,
                note: e.note.trim(),
                authority: e.authority.trim(),
                reference: e.reference.trim(),
            },
            cx.now(),
        )
        .await?)
}

pub async fn timeline(cx: &Cx, scope: &Scope, id: i64) -> AppResult<Vec<IncidentEvent>> {
    scope.require(Permission::Read)?;
    incident(cx, scope, id).await?;
    Ok(cx.store.incident_events(scope.org_id, id).await?)
}

fn facts(rec: &Record, events: &[IncidentEvent]) -> Facts {
    let pairs: Vec<(String, String)> = {
        let mut v: Vec<&IncidentEvent> = events.iter().collect();
        v.sort_by_key(|e| e.id);
        v.into_iter()
            .map(|e| (e.kind.clone(), e.at.clone()))
            .collect()
    };
    Facts::from_timeline(
        harm_of(rec),
        &text(rec, "reporting_role"),
        &text(rec, "sector_regime"),
        &pairs,
    )
}

fn view(d: &Deadline, hold: bool, cx: &Cx) -> DeadlineView {
    let now = cx.now();
    let (duty, due, days, rule) = match &d.duty {
        Duty::None(_) => ("none", None, None, None),
        Duty::InformProvider => ("inform_provider", None, None, None),
        Duty::ProviderInformed(_) => ("provider_informed", None, None, None),
        Duty::Report { rule, due, .. } => ("report", Some(*due), Some(rule.days), Some(rule.cite)),
    };
    DeadlineView {
        duty,
        summary: d.summary(now),
        due_at: due.map(incident::stamp),
        days,
        rule,
        reported_at: d.reported.map(incident::stamp),
        missed: d.missed(now),
        late: d.late(),
        complete_outstanding: d.complete_outstanding,
        hold,
        hours_left: d.open_due().map(|due| (due - now).num_hours()),
    }
}

/// The reporting duty of an incident now. A notifiable incident without an awareness time is
/// refused (422 on `became_aware`): the deadline counts from it.
pub async fn deadline(cx: &Cx, scope: &Scope, id: i64) -> AppResult<DeadlineView> {
    scope.require(Permission::Read)?;
    let rec = incident(cx, scope, id).await?;
    deadline_of(cx, scope.org_id, &rec)
        .await?
        .map_err(|m| AppError::invalid(Invalid::field(m.field, m.message)))
}

/// What the incident page shows, read once: the record, its timeline, the reporting duty (or
/// what is missing to compute it) and the reference of the nonconformity raised from it.
pub struct IncidentView {
    pub record: Record,
    pub events: Vec<IncidentEvent>,
    pub deadline: Result<DeadlineView, incident::Missing>,
    pub nonconformity: Option<(i64, String)>,
}

pub async fn incident_view(cx: &Cx, scope: &Scope, id: i64) -> AppResult<IncidentView> {
    scope.require(Permission::Read)?;
    let record = incident(cx, scope, id).await?;
    let events = cx.store.incident_events(scope.org_id, id).await?;
    let deadline =
        incident::deadline(&facts(&record, &events)).map(|d| view(&d, flag(&record, "hold"), cx));
    let nonconformity = match num(&record, "nonconformity_task_id") {
        Some(t) => cx
            .store
            .register_get(scope.org_id, &TASKS, t)
            .await?
            .map(|task| (t, text(&task, "reference"))),
        None => None,
    };
    Ok(IncidentView {
        record,
        events,
        deadline,
        nonconformity,
    })
}

/// The deadline of a record as read, or what is missing to compute it.
pub async fn deadline_of(
    cx: &Cx,
    org_id: i64,
    rec: &Record,
) -> AppResult<Result<DeadlineView, incident::Missing>> {
    let id = num(rec, "id").unwrap_or(0);
    let events = cx.store.incident_events(org_id, id).await?;
    let f = facts(rec, &events);
    Ok(incident::deadline(&f).map(|d| view(&d, flag(rec, "hold"), cx)))
}

/// Incidents whose report is ours and still to send, soonest first (the dashboard's list).
pub async fn open_deadlines(
    cx: &Cx,
    scope: &Scope,
    limit: i64,
) -> AppResult<Vec<OpenDeadlineView>> {
    scope.require(Permission::Read)?;
    let now = cx.now();
    Ok(cx
        .store
        .open_report_deadlines(scope.org_id, limit)
        .await?
        .into_iter()
        .map(|d| {
            let due = incident::parse_moment(&d.report_due_at);
            let overdue = due.is_some_and(|t| t < now);
            open_view(d, due, overdue, now)
        })
        .collect())
}

fn open_view(
    d: aims_store::OpenDeadline,
    due: Option<chrono::DateTime<chrono::Utc>>,
    overdue: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> OpenDeadlineView {
    OpenDeadlineView {
        id: d.id,
        reference: INCIDENTS.reference(d.number),
        name: d.name,
        due_shown: incident::shown_text(&d.report_due_at),
        due_at: d.report_due_at,
        days: d.deadline_days,
        left: match due {
            Some(t) if !overdue => incident::countdown(t - now),
            _ => "overdue".into(),
        },
        overdue,
    }
}

/// Raises a nonconformity from an incident: until the nonconformity register exists, a task
/// that names the incident, linked from it. Once per incident.
pub async fn raise_nonconformity(cx: &Cx, scope: &Scope, id: i64) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    let rec = incident(cx, scope, id).await?;
    if num(&rec, "nonconformity_task_id").is_some() {
        return Err(AppError::conflict(
            "a nonconformity was already raised from this incident: see its task",
        ));
    }
    let reference = text(&rec, "reference");
    let mut obj = Map::new();
    obj.insert(
        "name".into(),
        format!("Nonconformity from {reference}: {}", text(&rec, "name"))
            .chars()
            .take(200)
            .collect::<String>()
            .into(),
    );
    let cause = text(&rec, "root_cause");
    obj.insert(
        "description".into(),
        format!(
            "Raised from incident {reference}. Root cause: {}. Decide the correction and the corrective action (10.2).",
            if cause.is_empty() { "not established yet" } else { cause.as_str() }
        )
        .into(),
    );
    obj.insert("status".into(), "open".into());
    obj.insert("source".into(), format!("incident {reference}").into());
    if let Some(owner) = num(&rec, "owner_id") {
        obj.insert("owner_id".into(), owner.into());
    }
    let input = check_input(&TASKS, &obj, false).map_err(AppError::invalid)?;
    let task = crate::registers::write::create(cx, scope, &TASKS, &input).await?;
    let mut link = RecordInput::default();
    set(
        &mut link,
        "nonconformity_task_id",
        FieldValue::Int(num(&task, "id")),
    )?;
    let version = num(&rec, "version").unwrap_or(0);
    crate::registers::write::set_step_fields(cx, scope, &INCIDENTS, id, version, &link).await?;
    Ok(task)
}

/// Promotes a concern (A.3.3) to an incident of the same systems; the concern records that it
/// became one.
pub async fn promote_concern(cx: &Cx, scope: &Scope, concern_id: i64) -> AppResult<Record> {
    scope.require(Permission::Write)?;
    let concern = cx
        .store
        .register_get(scope.org_id, &CONCERNS, concern_id)
        .await?
        .ok_or_else(|| AppError::not_found("concern"))?;
    if text(&concern, "status") == "became_incident" {
        return Err(AppError::conflict(
            "this concern already became an incident",
        ));
    }
    // The store's record carries no links: read the concern's systems from them.
    let systems: Vec<Value> = cx
        .store
        .linked_ids(CONCERNS.table, &[concern_id], "ai_systems")
        .await?
        .into_iter()
        .map(|(_, s)| Value::from(s))
        .collect();
    let body = json!({
        "name": text(&concern, "name"),
        "description": text(&concern, "details"),
        "severity": "medium",
        "status": "open",
        "concern_id": concern_id,
        "system_ids": systems,
    });
    let obj = body.as_object().cloned().unwrap_or_default();
    let input = check_input(&INCIDENTS, &obj, false).map_err(AppError::invalid)?;
    let inc = crate::registers::write::create(cx, scope, &INCIDENTS, &input).await?;
    let mut c = Map::new();
    c.insert("status".into(), "became_incident".into());
    c.insert(
        "outcome".into(),
        format!("Became incident {}.", text(&inc, "reference")).into(),
    );
    let cin = check_input(&CONCERNS, &c, true).map_err(AppError::invalid)?;
    crate::registers::write::update(
        cx,
        scope,
        &CONCERNS,
        concern_id,
        num(&concern, "version").unwrap_or(0),
        &cin,
    )
    .await?;
    Ok(inc)
}
