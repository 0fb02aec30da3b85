//! Objectives and measurement (6.2, 9.1): measurements of a KPI (append-only, with when they
//! were entered), the KPI's status against its target, and its chart. Objectives and KPIs
//! themselves are registers.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use crate::record::text;
use aims_domain::kpi::{self, Direction, Status, Target};
use aims_domain::register::KPIS;
use aims_domain::{Invalid, Permission};
use aims_store::{Measurement, NewMeasurement, Record};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The newest measurements a chart draws.
pub const CHART_POINTS: i64 = 10_000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurementIn {
    /// A number (or its text, e.g. "94.5").
    #[schema(value_type = f64)]
    pub value: Value,
    /// The last day of the period measured, YYYY-MM-DD (not in the future).
    pub period_end: String,
    /// The first day; one measurement interval before the end when left out.
    #[serde(default)]
    pub period_start: Option<String>,
    #[serde(default)]
    pub note: String,
    /// Evidence of the organization that backs the value.
    #[serde(default)]
    pub evidence_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MeasurementView {
    #[serde(flatten)]
    pub m: Measurement,
    /// Entered after the next measurement was already due.
    pub backdated: bool,
}

#[derive(Serialize, ToSchema)]
pub struct KpiStatus {
    /// on_track, at_risk, off_track or not_measured.
    pub status: &'static str,
    pub label: &'static str,
    pub latest_value: Option<f64>,
    pub latest_period_end: Option<String>,
    /// When the next measurement is due.
    pub next_due: Option<String>,
}

async fn kpi_record(cx: &Cx, scope: &Scope, id: i64) -> AppResult<Record> {
    cx.store
        .register_get(scope.org_id, &KPIS, id)
        .await?
        .ok_or_else(|| AppError::not_found("KPI"))
}

fn target_of(kpi: &Record) -> Target {
    let num = |k: &str| kpi.get(k).and_then(Value::as_f64);
    Target {
        direction: Direction::parse(&text(kpi, "direction")).unwrap_or(Direction::Up),
        target: num("target").unwrap_or_default(),
        target_max: num("target_max"),
        warning: num("warning"),
    }
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Records a measurement. The value must be a number, the period a real one that has ended.
pub async fn add(cx: &Cx, scope: &Scope, id: i64, m: MeasurementIn) -> AppResult<MeasurementView> {
    scope.require(Permission::Write)?;
    let kpi = kpi_record(cx, scope, id).await?;
    let frequency = text(&kpi, "frequency");
    let mut inv = Invalid::default();
    let value = match &m.value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().replace(',', ".").parse::<f64>().ok(),
        _ => None,
    }
    .filter(|v| v.is_finite());
    if value.is_none() {
        inv.push("value", "must be a number, e.g. 94.5");
    }
    let today = cx.clock.today();
    let end = date(&m.period_end);
    match end {
        None => inv.push("period_end", "must be a date written YYYY-MM-DD"),
        Some(e) if e > today => inv.push(
            "period_end",
            "cannot be in the future: measure a period that has ended",
        ),
        Some(_) => {}
    }
    let start = match m
        .period_start
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => match date(s) {
            None => {
                inv.push("period_start", "must be a date written YYYY-MM-DD");
                None
            }
            Some(st) if end.is_some_and(|e| st > e) => {
                inv.push("period_start", "must be on or before the period's end");
                None
            }
            Some(st) => Some(st),
        },
        // One interval back from the day after the end: a month ending the 30th of November
        // began the 1st.
        None => end.and_then(|e| {
            let months = kpi::frequency_months(&frequency).unwrap_or(1);
            e.succ_opt()?
                .checked_sub_months(chrono::Months::new(months))
        }),
    };
    if m.note.chars().count() > 2000 {
        inv.push("note", "must be at most 2000 characters");
    }
    inv.into_result().map_err(AppError::invalid)?;
    let (Some(value), Some(end), Some(start)) = (value, end, start) else {
        return Err(AppError::internal("a checked measurement lost its values"));
    };
    let (start, end) = (start.to_string(), end.to_string());
    let row = cx
        .store
        .add_measurement(
            &scope.actor,
            scope.org_id,
            id,
            &NewMeasurement {
                value,
                period_start: &start,
                period_end: &end,
                note: m.note.trim(),
                evidence_id: m.evidence_id,
            },
            cx.now(),
        )
        .await?;
    Ok(view(row, &frequency))
}

fn view(m: Measurement, frequency: &str) -> MeasurementView {
    let backdated = date(&m.period_end)
        .is_some_and(|end| kpi::backdated(end, m.entered_at.date_naive(), frequency));
    MeasurementView { m, backdated }
}

/// A page of measurements, newest period first; `after` is the cursor `period_end,id`.
pub async fn list(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    after: Option<&str>,
    limit: i64,
) -> AppResult<Vec<MeasurementView>> {
    scope.require(Permission::Read)?;
    let kpi = kpi_record(cx, scope, id).await?;
    let cursor = match after {
        None => None,
        Some(c) => Some(
            c.split_once(',')
                .and_then(|(d, i)| Some((date(d)?.to_string(), i.parse::<i64>().ok()?)))
                .ok_or_else(|| {
                    AppError::field(
                        crate::error::ErrorKind::BadRequest,
                        "after",
                        "must be a cursor written PERIOD_END,ID",
                    )
                })?,
        ),
    };
    let frequency = text(&kpi, "frequency");
    Ok(cx
        .store
        .measurements(scope.org_id, id, cursor, limit.clamp(1, 500))
        .await?
        .into_iter()
        .map(|m| view(m, &frequency))
        .collect())
}

/// The KPI's status today.
pub async fn status(cx: &Cx, scope: &Scope, id: i64) -> AppResult<KpiStatus> {
    scope.require(Permission::Read)?;
    let kpi = kpi_record(cx, scope, id).await?;
    let latest = cx.store.measurements(scope.org_id, id, None, 1).await?;
    let latest = latest
        .first()
        .and_then(|m| Some((m.value.parse::<f64>().ok()?, date(&m.period_end)?)));
    let frequency = text(&kpi, "frequency");
    let s: Status = kpi::status(&target_of(&kpi), latest, &frequency, cx.clock.today());
    Ok(KpiStatus {
        status: s.as_str(),
        label: s.label(),
        latest_value: latest.map(|l| l.0),
        latest_period_end: latest.map(|l| l.1.to_string()),
        next_due: latest
            .and_then(|l| kpi::next_due(l.1, &frequency))
            .map(|d| d.to_string()),
    })
}

/// The KPI's chart: its values over time with the target and warning lines, as SVG. Kept until
/// the organization changes (a chart of 10,000 values is read and drawn once, not per request).
pub async fn chart(cx: &Cx, scope: &Scope, id: i64) -> AppResult<std::sync::Arc<String>> {
    scope.require(Permission::Read)?;
    let kind = format!("kpi-chart-{id}");
    cx.store
        .derived(scope.org_id, &kind, cx.clock.today(), || async {
            let kpi = kpi_record(cx, scope, id).await?;
            let points: Vec<(NaiveDate, f64)> = cx
                .store
                .measurement_series(scope.org_id, id, CHART_POINTS)
                .await?
                .into_iter()
                .filter_map(|(d, v)| Some((date(&d)?, v.parse().ok()?)))
                .collect();
            Ok::<_, AppError>(kpi::chart_svg(
                &text(&kpi, "name"),
                &text(&kpi, "unit"),
                &target_of(&kpi),
                &points,
            ))
        })
        .await
}
