//! Risks and what hangs off them: risk criteria and the heat map, risk acceptance, impact
//! assessment workflow, evidence files, the Statement of Applicability, life cycle gates and
//! traceability. Shared by the API and the pages.

use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::extract::{JsonBody, PathParam, QueryParams};
use crate::AppState;
use aims_domain::register::{
    check_input, RegisterSpec, AI_SYSTEMS, CONTROLS, EVIDENCE, IMPACT_ASSESSMENTS, RISKS,
};
use aims_domain::risk::{soa_problems, ImpactEntry, RiskCriteria, SoaCheckEntry};
use aims_domain::{Invalid, Permission};
use aims_store::{Actor, Record, SoaEntry, Store};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use object_store::ObjectStoreExt;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Evidence files above this answer 413.
pub const MAX_EVIDENCE_BYTES: usize = 25 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/risk-criteria", get(get_criteria).put(put_criteria))
        .route("/api/v1/risks/heatmap", get(heatmap))
        .route("/api/v1/risks/{id}/accept", post(accept))
        .route("/api/v1/impact-assessments/{id}/entries", put(put_entries))
        .route("/api/v1/impact-assessments/{id}/{step}", post(transition))
        .route(
            "/api/v1/impact-assessments/{id}/entries/{index}/risk",
            post(raise_risk),
        )
        .route(
            "/api/v1/evidence/{id}/file",
            put(upload)
                .get(download)
                .layer(DefaultBodyLimit::max(MAX_EVIDENCE_BYTES)),
        )
        .route("/api/v1/soa", get(soa))
        .route("/api/v1/soa/approve", post(approve_soa))
        .route("/api/v1/soa/versions", get(soa_versions))
        .route("/api/v1/soa/export", get(soa_export))
        .route("/api/v1/soa/{entry}", patch(decide))
        .route(
            "/api/v1/settings/lifecycle-gates",
            get(get_gates).put(put_gates),
        )
        .route("/api/v1/ai-systems/{id}/trace", get(trace_system))
        .route("/api/v1/requirements/{id}/trace", get(trace_requirement))
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

fn num(r: &Record, k: &str) -> Option<i64> {
    r.get(k).and_then(|v| v.as_i64())
}

fn text(r: &Record, k: &str) -> String {
    r.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string()
}

// ---------------------------------------------------------------- criteria, checks before writes

pub async fn criteria(store: &Store, org_id: i64) -> Result<(RiskCriteria, i64), Problem> {
    match store.risk_criteria(org_id).await? {
        Some((json, v)) => Ok((serde_json::from_str(&json).unwrap_or_default(), v)),
        None => Ok((RiskCriteria::default(), 0)),
    }
}

/// Rules a register write must pass beyond its fields: likelihood and impact on the
/// organization's scale (risks), and the life cycle gates (AI systems moving into deployment
/// or operation).
pub async fn before_write(
    store: &Store,
    org_id: i64,
    spec: &RegisterSpec,
    id: Option<i64>,
    input: &aims_domain::register::RecordInput,
) -> Result<(), Problem> {
    if spec.table == RISKS.table {
        let (c, _) = criteria(store, org_id).await?;
        let mut inv = Invalid::default();
        for (f, v) in &input.values {
            let aims_domain::register::FieldValue::Int(v) = v else {
                continue;
            };
            let likelihood = f.name.ends_with("likelihood");
            if f.name.ends_with("likelihood") || f.name.ends_with("impact") {
                if let Err(m) = c.check_level(f.name, *v, likelihood) {
                    inv.push(f.name, m.trim_start_matches(f.name).trim().to_string());
                }
            }
        }
        return inv.into_result().map_err(Problem::invalid);
    }
    if spec.table == AI_SYSTEMS.table {
        let Some(id) = id else { return Ok(()) };
        let new_stage = input
            .values
            .iter()
            .find(|(f, _)| f.name == "lifecycle_stage")
            .and_then(|(_, v)| match v {
                aims_domain::register::FieldValue::Text(t) => t.clone(),
                _ => None,
            });
        let Some(stage) = new_stage.filter(|s| s == "deployment" || s == "operation_monitoring")
        else {
            return Ok(());
        };
        let current = store
            .register_get(org_id, &AI_SYSTEMS, id)
            .await?
            .map(|r| text(&r, "lifecycle_stage"))
            .unwrap_or_default();
        if current == stage || !store.org_settings(org_id).await?.0 {
            return Ok(());
        }
        let missing = gate_problems(store, org_id, id).await?;
        if !missing.is_empty() {
            return Err(Problem::invalid(Invalid::field(
                "lifecycle_stage",
                format!("cannot move to {stage}: {}", missing.join("; ")),
            )));
        }
    }
    Ok(())
}

/// What keeps an AI system from deployment or operation: an approved impact assessment, and
/// every linked risk assessed.
pub async fn gate_problems(
    store: &Store,
    org_id: i64,
    system_id: i64,
) -> Result<Vec<String>, Problem> {
    let mut out = vec![];
    let approved = crate::registers::ListQuery {
        filters: vec![(
            IMPACT_ASSESSMENTS
                .field("system_id")
                .ok_or_else(|| Problem::not_found("field"))?,
            aims_domain::register::FieldValue::Int(Some(system_id)),
        )],
        limit: 100,
        ..Default::default()
    };
    let ias = crate::registers::all_rows(store, org_id, &IMPACT_ASSESSMENTS, &approved).await?;
    if !ias.iter().any(|r| text(r, "status") == "approved") {
        out.push("no approved impact assessment".to_string());
    }
    let risk_ids = linked(store, AI_SYSTEMS.table, &[system_id], RISKS.table).await?;
    for r in records(store, org_id, &RISKS, &risk_ids).await? {
        if text(&r, "status") == "identified" {
            out.push(format!("{} is not assessed yet", text(&r, "reference")));
        }
    }
    Ok(out)
}

async fn get_criteria(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Read)?;
    let (c, v) = criteria(&s.store, caller.org_id).await?;
    Ok(Json(json!({"criteria": c, "version": v})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CriteriaBody {
    criteria: RiskCriteria,
    version: i64,
}

async fn put_criteria(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<CriteriaBody>,
) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Approve)?;
    b.criteria.check().map_err(Problem::invalid)?;
    let json =
        serde_json::to_string(&b.criteria).map_err(|e| Problem::bad_request(e.to_string()))?;
    let v = s
        .store
        .set_risk_criteria(
            &caller.actor(),
            caller.org_id,
            &json,
            b.version,
            chrono::Utc::now(),
        )
        .await?;
    Ok(Json(json!({"criteria": b.criteria, "version": v})))
}

/// The heat map as data: every cell with its count and band.
pub async fn heatmap_cells(
    store: &Store,
    org_id: i64,
    residual: bool,
) -> Result<(RiskCriteria, Vec<Vec<(i64, String)>>), Problem> {
    let (c, _) = criteria(store, org_id).await?;
    let counts = store.risk_heatmap(org_id, residual).await?;
    let mut grid = vec![];
    for i in (1..=c.impact.len() as i64).rev() {
        let mut row = vec![];
        for l in 1..=c.likelihood.len() as i64 {
            let n = counts
                .iter()
                .find(|(x, y, _)| *x == l && *y == i)
                .map(|t| t.2)
                .unwrap_or(0);
            row.push((
                n,
                c.band(l * i)
                    .map(|b| b.colour.clone())
                    .unwrap_or_else(|| "#9e9e9e".into()),
            ));
        }
        grid.push(row);
    }
    Ok((c, grid))
}

#[derive(Deserialize)]
struct HeatParams {
    residual: Option<bool>,
}

async fn heatmap(
    State(s): State<AppState>,
    caller: ApiCaller,
    QueryParams(p): QueryParams<HeatParams>,
) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Read)?;
    let residual = p.residual.unwrap_or(false);
    let (c, counts) = (
        criteria(&s.store, caller.org_id).await?.0,
        s.store.risk_heatmap(caller.org_id, residual).await?,
    );
    let cells: Vec<Value> = counts.iter().map(|(l, i, n)| json!({"likelihood": l, "impact": i, "count": n, "score": l * i, "level": c.band(l * i).map(|b| b.level.clone())})).collect();
    Ok(Json(json!({"residual": residual, "cells": cells})))
}

// ---------------------------------------------------------------- risk acceptance

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    pub reason: String,
    /// Required when the residual score is above the acceptance threshold.
    #[serde(default)]
    pub top_management_acceptance: bool,
    pub version: i64,
}

/// Only a role that may approve accepts; above the threshold only with top management's acceptance recorded.
pub async fn accept_risk(
    store: &Store,
    actor: &Actor,
    perms: aims_domain::Permissions,
    org_id: i64,
    id: i64,
    b: AcceptBody,
) -> Result<Record, Problem> {
    if !perms.allows(Permission::Approve) {
        return Err(Problem::forbidden(
            "accepting a risk needs a manager or admin role",
        ));
    }
    let risk = store
        .register_get(org_id, &RISKS, id)
        .await?
        .ok_or_else(|| Problem::not_found("risk"))?;
    let mut inv = Invalid::default();
    if b.reason.trim().is_empty() {
        inv.push(
            "reason",
            "is required: say why the remaining risk is acceptable",
        );
    }
    let (c, _) = criteria(store, org_id).await?;
    let score = num(&risk, "residual_score").or_else(|| num(&risk, "inherent_score"));
    match score {
        None => inv.push("residual_score", "assess the risk (likelihood and impact) before accepting it"),
        Some(s) if s > c.acceptance_threshold && !b.top_management_acceptance => inv.push(
            "top_management_acceptance",
            format!("the residual score {s} is above the acceptance threshold {}: record top management's acceptance", c.acceptance_threshold),
        ),
        _ => {}
    }
    inv.into_result().map_err(Problem::invalid)?;
    Ok(store
        .accept_risk(
            actor,
            org_id,
            id,
            b.version,
            b.reason.trim(),
            b.top_management_acceptance,
            &today(),
            chrono::Utc::now(),
        )
        .await?)
}

async fn accept(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<AcceptBody>,
) -> Result<Json<Record>, Problem> {
    Ok(Json(
        accept_risk(
            &s.store,
            &caller.actor(),
            caller.perms,
            caller.org_id,
            id,
            b,
        )
        .await?,
    ))
}

// ---------------------------------------------------------------- impact assessments

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntriesBody {
    entries: Vec<ImpactEntry>,
    version: i64,
}

async fn put_entries(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<EntriesBody>,
) -> Result<Json<Record>, Problem> {
    caller.require(Permission::Write)?;
    let mut inv = Invalid::default();
    for (i, e) in b.entries.iter().enumerate() {
        e.check(&format!("entries[{i}]"), &mut inv);
    }
    inv.into_result().map_err(Problem::invalid)?;
    let json =
        serde_json::to_string(&b.entries).map_err(|e| Problem::bad_request(e.to_string()))?;
    Ok(Json(
        s.store
            .set_ia_entries(
                &caller.actor(),
                caller.org_id,
                id,
                b.version,
                &json,
                chrono::Utc::now(),
            )
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionBody {
    version: i64,
}

async fn transition(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam((id, step)): PathParam<(i64, String)>,
    JsonBody(b): JsonBody<VersionBody>,
) -> Result<Json<Record>, Problem> {
    match step.as_str() {
        "approve" => caller.require(Permission::Approve)?,
        "submit" | "reopen" => caller.require(Permission::Write)?,
        _ => return Err(Problem::not_found("step")),
    }
    Ok(Json(
        s.store
            .ia_transition(
                &caller.actor(),
                caller.org_id,
                id,
                b.version,
                &step,
                &today(),
                chrono::Utc::now(),
            )
            .await?,
    ))
}

/// Raises a risk in the register from one finding of an impact assessment, linked to its system.
pub async fn raise_risk_from(
    store: &Store,
    actor: &Actor,
    org_id: i64,
    id: i64,
    index: usize,
) -> Result<Record, Problem> {
    let ia = store
        .register_get(org_id, &IMPACT_ASSESSMENTS, id)
        .await?
        .ok_or_else(|| Problem::not_found("impact assessment"))?;
    let entries: Vec<ImpactEntry> = ia
        .get("entries")
        .and_then(|e| serde_json::from_value(e.clone()).ok())
        .unwrap_or_default();
    let e = entries
        .get(index)
        .ok_or_else(|| Problem::not_found("finding"))?;
    let label = |list: &[(&str, &str)], k: &str| {
        list.iter()
            .find(|(x, _)| *x == k)
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| k.to_string())
    };
    let (c, _) = criteria(store, org_id).await?;
    let clamp = |v: i64, n: usize| v.clamp(1, n as i64);
    let mut obj = Map::new();
    obj.insert(
        "name".into(),
        format!(
            "{}: {}",
            label(aims_domain::risk::DIMENSIONS, &e.dimension),
            e.consequence.chars().take(150).collect::<String>()
        )
        .into(),
    );
    obj.insert(
        "description".into(),
        format!(
            "Raised from {} finding {} ({}). Measures: {}. Remaining: {}",
            text(&ia, "reference"),
            index + 1,
            label(aims_domain::risk::PARTIES, &e.party),
            e.measures,
            e.residual
        )
        .into(),
    );
    obj.insert("status".into(), "identified".into());
    obj.insert(
        "inherent_likelihood".into(),
        clamp(e.likelihood, c.likelihood.len()).into(),
    );
    obj.insert(
        "inherent_impact".into(),
        clamp(e.severity, c.impact.len()).into(),
    );
    if let Some(sys) = num(&ia, "system_id") {
        obj.insert("system_ids".into(), json!([sys]));
    }
    let input = check_input(&RISKS, &obj, false).map_err(Problem::invalid)?;
    Ok(store
        .register_create(actor, org_id, &RISKS, &input, chrono::Utc::now())
        .await?)
}

async fn raise_risk(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam((id, index)): PathParam<(i64, usize)>,
) -> Result<(StatusCode, Json<Record>), Problem> {
    caller.require(Permission::Write)?;
    let risk = raise_risk_from(&s.store, &caller.actor(), caller.org_id, id, index).await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::api_registers::expand(&s.store, caller.org_id, &RISKS, risk).await?),
    ))
}

/// Why an approved impact assessment is due for re-assessment: the system changed life cycle
/// stage since approval, or the review interval has passed. Empty when none applies.
pub async fn reassessment_reasons(
    store: &Store,
    org_id: i64,
    ia: &Record,
) -> Result<Vec<String>, Problem> {
    let mut out = vec![];
    if text(ia, "status") != "approved" {
        return Ok(out);
    }
    if let Some(sys) = num(ia, "system_id") {
        if let Some(system) = store.register_get(org_id, &AI_SYSTEMS, sys).await? {
            let now_stage = text(&system, "lifecycle_stage");
            let then = text(ia, "stage_at_approval");
            if !then.is_empty() && now_stage != then {
                out.push(format!(
                    "the system moved from {} to {} since approval",
                    then.replace('_', " "),
                    now_stage.replace('_', " ")
                ));
            }
        }
    }
    if let (Some(months), Ok(approved)) = (
        num(ia, "review_interval_months"),
        chrono::NaiveDate::parse_from_str(&text(ia, "approved_on"), "%Y-%m-%d"),
    ) {
        let due = approved.checked_add_months(chrono::Months::new(months as u32));
        if due.is_some_and(|d| d <= chrono::Utc::now().date_naive()) {
            out.push(format!("the review interval of {months} months has passed"));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- evidence files

fn file_path(sha: &str) -> object_store::path::Path {
    object_store::path::Path::from(format!("{}/{sha}", &sha[..2]))
}

/// Stores the bytes under their SHA-256 (once, however often uploaded) and records them on the evidence.
#[allow(clippy::too_many_arguments)]
pub async fn store_evidence_file(
    s: &AppState,
    actor: &Actor,
    org_id: i64,
    id: i64,
    version: i64,
    name: &str,
    media_type: &str,
    bytes: Bytes,
) -> Result<Record, Problem> {
    if bytes.is_empty() {
        return Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "file",
            "is empty",
        ));
    }
    let name = aims_domain::validate::text(name, 300)
        .map_err(|m| Problem::field(StatusCode::UNPROCESSABLE_ENTITY, "name", m))?;
    s.store
        .register_get(org_id, &EVIDENCE, id)
        .await?
        .ok_or_else(|| Problem::not_found("evidence"))?;
    let sha = hex::encode(Sha256::digest(&bytes));
    let size = bytes.len() as i64;
    s.files
        .put(
            &file_path(&sha),
            object_store::PutPayload::from_bytes(bytes),
        )
        .await
        .map_err(|e| {
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("storing the file failed: {e}"),
            )
        })?;
    Ok(s.store
        .set_evidence_file(
            actor,
            org_id,
            id,
            version,
            &name,
            &sha,
            size,
            media_type,
            chrono::Utc::now(),
        )
        .await?)
}

/// The file, after checking that its bytes still match the recorded SHA-256.
pub async fn load_evidence_file(
    s: &AppState,
    org_id: i64,
    id: i64,
) -> Result<(Record, Bytes), Problem> {
    let ev = s
        .store
        .register_get(org_id, &EVIDENCE, id)
        .await?
        .ok_or_else(|| Problem::not_found("evidence"))?;
    let sha = text(&ev, "file_sha256");
    if sha.len() != 64 {
        return Err(Problem::not_found("file of this evidence"));
    }
    let got = s
        .files
        .get(&file_path(&sha))
        .await
        .map_err(|_| Problem::new(StatusCode::GONE, "the stored file is missing"))?;
    let bytes = got
        .bytes()
        .await
        .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    if hex::encode(Sha256::digest(&bytes)) != sha {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "the stored file no longer matches its SHA-256: it was altered outside aims",
        ));
    }
    Ok((ev, bytes))
}

#[derive(Deserialize)]
struct UploadParams {
    name: Option<String>,
    version: i64,
}

async fn upload(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
    QueryParams(p): QueryParams<UploadParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Record>, Problem> {
    caller.require(Permission::Write)?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let name = p.name.unwrap_or_else(|| "evidence".into());
    Ok(Json(
        store_evidence_file(
            &s,
            &caller.actor(),
            caller.org_id,
            id,
            p.version,
            &name,
            &media,
            body,
        )
        .await?,
    ))
}

pub fn file_response(ev: &Record, bytes: Bytes) -> Response {
    let name = text(ev, "file_name").replace(['"', '\r', '\n'], "");
    let media = text(ev, "media_type");
    (
        [
            (
                header::CONTENT_TYPE,
                if media.is_empty() {
                    "application/octet-stream".to_string()
                } else {
                    media
                },
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (
                header::HeaderName::from_static("x-content-sha256"),
                text(ev, "file_sha256"),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn download(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Response, Problem> {
    caller.require(Permission::Read)?;
    let (ev, bytes) = load_evidence_file(&s, caller.org_id, id).await?;
    Ok(file_response(&ev, bytes))
}

// ---------------------------------------------------------------- Statement of Applicability

/// The SoA with its problems and evidence, reused until the organization changes.
pub async fn soa_view(store: &Store, org_id: i64) -> Result<Arc<Value>, Problem> {
    store
        .derived(org_id, "soa", || compute_soa_view(store, org_id))
        .await
}

async fn compute_soa_view(store: &Store, org_id: i64) -> Result<Value, Problem> {
    let entries = store.soa_entries(org_id, chrono::Utc::now()).await?;
    let controls = store.soa_controls(org_id).await?;
    let untreated: Vec<String> = store
        .untreated_modify_risks(org_id)
        .await?
        .into_iter()
        .map(|n| RISKS.reference(n))
        .collect();
    let checks: Vec<SoaCheckEntry> = entries
        .iter()
        .map(|e| SoaCheckEntry {
            reference: &e.reference,
            applicable: e.applicable,
            justification: e.justification.as_deref().unwrap_or(""),
            implemented_controls: e.implemented_controls as usize,
        })
        .collect();
    let mut problems = soa_problems(&checks, &untreated);
    // A large organization can have thousands of untreated risks: list the first ones, count all.
    let problems_total = problems.len();
    problems.truncate(50);
    let evidence = store.soa_evidence_counts(org_id).await?;
    // Show a handful of implementing controls per entry; large organizations have hundreds.
    const SHOWN: usize = 10;
    let items: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
            let all: Vec<&(i64, i64, String, String)> = controls
                .iter()
                .filter(|c| c.0 == e.requirement_id)
                .collect();
            let cs: Vec<Value> = all
                .iter()
                .take(SHOWN)
                .map(|c| json!({"reference": CONTROLS.reference(c.1), "name": c.2, "status": c.3}))
                .collect();
            v["controls"] = Value::Array(cs);
            v["controls_total"] = all.len().into();
            v["evidence_count"] = evidence
                .iter()
                .find(|x| x.0 == e.requirement_id)
                .map(|x| x.1)
                .unwrap_or(0)
                .into();
            v
        })
        .collect();
    let decided = entries.iter().filter(|e| e.applicable.is_some()).count();
    Ok(
        json!({"items": items, "decided": decided, "total": entries.len(), "complete": problems_total == 0, "problems": problems, "problems_total": problems_total}),
    )
}

async fn soa(State(s): State<AppState>, caller: ApiCaller) -> Result<Json<Arc<Value>>, Problem> {
    caller.require(Permission::Read)?;
    Ok(Json(soa_view(&s.store, caller.org_id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideBody {
    pub applicable: Option<bool>,
    pub justification: Option<String>,
    pub status: Option<String>,
    pub version: i64,
}

pub const SOA_STATUSES: &[&str] = &["not_started", "planned", "in_progress", "implemented"];

pub async fn decide_entry(
    store: &Store,
    actor: &Actor,
    org_id: i64,
    entry: i64,
    b: DecideBody,
) -> Result<SoaEntry, Problem> {
    let mut inv = Invalid::default();
    let justification = b
        .justification
        .as_deref()
        .map(str::trim)
        .filter(|j| !j.is_empty());
    if b.applicable.is_some() && justification.is_none() {
        inv.push(
            "justification",
            if b.applicable == Some(false) {
                "is required: say why the control does not apply"
            } else {
                "is required: say why the control is needed (for example the risks it treats)"
            },
        );
    }
    if justification.is_some_and(|j| j.chars().count() > 5000) {
        inv.push("justification", "must be at most 5000 characters");
    }
    let status = b.status.unwrap_or_else(|| "not_started".into());
    if !SOA_STATUSES.contains(&status.as_str()) {
        inv.push(
            "status",
            format!("must be one of {}", SOA_STATUSES.join(", ")),
        );
    }
    inv.into_result().map_err(Problem::invalid)?;
    Ok(store
        .update_soa_entry(
            actor,
            org_id,
            entry,
            b.applicable,
            justification,
            &status,
            b.version,
            chrono::Utc::now(),
        )
        .await?)
}

async fn decide(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(entry): PathParam<i64>,
    JsonBody(b): JsonBody<DecideBody>,
) -> Result<Json<SoaEntry>, Problem> {
    caller.require(Permission::Approve)?;
    Ok(Json(
        decide_entry(&s.store, &caller.actor(), caller.org_id, entry, b).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveBody {
    #[serde(default)]
    note: String,
}

pub async fn approve(
    store: &Store,
    actor: &Actor,
    org_id: i64,
    note: &str,
) -> Result<aims_store::SoaVersion, Problem> {
    let view = soa_view(store, org_id).await?;
    Ok(store
        .approve_soa(
            actor,
            org_id,
            note,
            &view["items"].to_string(),
            chrono::Utc::now(),
        )
        .await?)
}

async fn approve_soa(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<ApproveBody>,
) -> Result<(StatusCode, Json<aims_store::SoaVersion>), Problem> {
    caller.require(Permission::Approve)?;
    Ok((
        StatusCode::CREATED,
        Json(approve(&s.store, &caller.actor(), caller.org_id, &b.note).await?),
    ))
}

async fn soa_versions(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Read)?;
    let versions = s.store.soa_versions(caller.org_id).await?;
    let items: Vec<Value> = versions
        .iter()
        .map(|v| {
            let mut o = serde_json::to_value(v).unwrap_or(Value::Null);
            o["entries"] = serde_json::from_str(&v.snapshot_json).unwrap_or(Value::Null);
            o
        })
        .collect();
    Ok(Json(json!({"items": items})))
}

/// An SoA entry's listed controls, one line each: "CTL-1 Name (status)".
pub fn soa_control_lines(entry: &Value) -> Vec<String> {
    entry["controls"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{} {} ({})",
                c["reference"].as_str().unwrap_or(""),
                c["name"].as_str().unwrap_or(""),
                c["status"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[derive(Deserialize)]
struct FormatParams {
    format: Option<String>,
}

/// The SoA as XLSX (header frozen, filters, wrapped text, one row per control), CSV or printable HTML.
pub async fn soa_file(store: &Store, org_id: i64, format: &str) -> Result<Response, Problem> {
    let view = soa_view(store, org_id).await?;
    let items: &[Value] = view["items"].as_array().map_or(&[], |a| a.as_slice());
    let row = |e: &Value| -> Vec<String> {
        let controls = soa_control_lines(e);
        vec![
            e["reference"].as_str().unwrap_or("").to_string(),
            e["title"].as_str().unwrap_or("").to_string(),
            match e["applicable"].as_bool() {
                Some(true) => "Applicable".into(),
                Some(false) => "Not applicable".into(),
                None => "Not decided".into(),
            },
            e["justification"].as_str().unwrap_or("").to_string(),
            e["status"].as_str().unwrap_or("").replace('_', " "),
            {
                let more = e["controls_total"].as_i64().unwrap_or(0) - controls.len() as i64;
                if more > 0 {
                    format!("{}\nand {more} more", controls.join("\n"))
                } else {
                    controls.join("\n")
                }
            },
            e["evidence_count"].as_i64().unwrap_or(0).to_string(),
        ]
    };
    let headers = [
        "Control",
        "Title",
        "Applicability",
        "Justification",
        "Implementation status",
        "Implemented by",
        "Evidence",
    ];
    let internal = |e: String| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e);
    match format {
        "xlsx" => {
            use rust_xlsxwriter::{Format, FormatAlign, Workbook};
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            ws.set_name("Statement of Applicability")
                .map_err(|e| internal(e.to_string()))?;
            let head = Format::new()
                .set_bold()
                .set_background_color("#E7EEFB")
                .set_align(FormatAlign::Top)
                .set_text_wrap();
            let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
            for (c, (h, w)) in headers
                .iter()
                .zip([10.0, 40.0, 16.0, 60.0, 18.0, 40.0, 10.0])
                .enumerate()
            {
                ws.write_with_format(0, c as u16, *h, &head)
                    .map_err(|e| internal(e.to_string()))?;
                ws.set_column_width(c as u16, w)
                    .map_err(|e| internal(e.to_string()))?;
            }
            for (r, e) in items.iter().enumerate() {
                for (c, v) in row(e).iter().enumerate() {
                    ws.write_with_format((r + 1) as u32, c as u16, v, &wrap)
                        .map_err(|e| internal(e.to_string()))?;
                }
            }
            ws.set_freeze_panes(1, 0)
                .map_err(|e| internal(e.to_string()))?;
            ws.autofilter(0, 0, items.len() as u32, (headers.len() - 1) as u16)
                .map_err(|e| internal(e.to_string()))?;
            let bytes = wb.save_to_buffer().map_err(|e| internal(e.to_string()))?;
            Ok(crate::download(
                crate::XLSX,
                "statement-of-applicability.xlsx",
                bytes,
            ))
        }
        "csv" => {
            let mut w = csv::Writer::from_writer(vec![]);
            w.write_record(headers)
                .map_err(|e| internal(e.to_string()))?;
            for e in items {
                w.write_record(row(e))
                    .map_err(|e| internal(e.to_string()))?;
            }
            let bytes = w.into_inner().map_err(|e| internal(e.to_string()))?;
            Ok(crate::download(
                crate::CSV,
                "statement-of-applicability.csv",
                bytes,
            ))
        }
        _ => Err(Problem::field(
            StatusCode::BAD_REQUEST,
            "format",
            "must be xlsx or csv (the printable page is /o/{slug}/soa/print)",
        )),
    }
}

async fn soa_export(
    State(s): State<AppState>,
    caller: ApiCaller,
    QueryParams(p): QueryParams<FormatParams>,
) -> Result<Response, Problem> {
    caller.require(Permission::Read)?;
    soa_file(
        &s.store,
        caller.org_id,
        p.format.as_deref().unwrap_or("xlsx"),
    )
    .await
}

// ---------------------------------------------------------------- settings

async fn get_gates(State(s): State<AppState>, caller: ApiCaller) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Read)?;
    let (on, v) = s.store.org_settings(caller.org_id).await?;
    Ok(Json(json!({"enabled": on, "version": v})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GatesBody {
    enabled: bool,
    version: i64,
}

async fn put_gates(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<GatesBody>,
) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Administer)?;
    let v = s
        .store
        .set_lifecycle_gates(
            &caller.actor(),
            caller.org_id,
            b.enabled,
            b.version,
            chrono::Utc::now(),
        )
        .await?;
    Ok(Json(json!({"enabled": b.enabled, "version": v})))
}

// ---------------------------------------------------------------- traceability

fn brief(spec: &RegisterSpec, r: &Record) -> Value {
    json!({"id": r.get("id"), "reference": r.get("reference"), "name": r.get("name"), "status": r.get("status").or(r.get("lifecycle_stage"))
        , "path": spec.path})
}

async fn records(
    store: &Store,
    org_id: i64,
    spec: &RegisterSpec,
    ids: &[i64],
) -> Result<Vec<Record>, Problem> {
    Ok(store.register_get_many(org_id, spec, ids).await?)
}

/// The distinct records of `other` linked to any of `ids` (of `table`), sorted by id.
async fn linked(store: &Store, table: &str, ids: &[i64], other: &str) -> Result<Vec<i64>, Problem> {
    let mut v: Vec<i64> = store
        .linked_ids(table, ids, other)
        .await?
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

/// From an AI system to its risks, impact assessments, the controls treating the risks, the
/// requirements those controls implement (any framework), and their evidence.
pub async fn system_trace(store: &Store, org_id: i64, id: i64) -> Result<Value, Problem> {
    let sys = store
        .register_get(org_id, &AI_SYSTEMS, id)
        .await?
        .ok_or_else(|| Problem::not_found("AI system"))?;
    let risk_ids = linked(store, "ai_systems", &[id], "risks").await?;
    let control_ids = linked(store, "risks", &risk_ids, "controls").await?;
    let req_ids = linked(store, "controls", &control_ids, "requirements").await?;
    let ev_ids = linked(store, "controls", &control_ids, "evidence").await?;
    let ia_query = crate::registers::ListQuery {
        filters: vec![(
            IMPACT_ASSESSMENTS
                .field("system_id")
                .ok_or_else(|| Problem::not_found("field"))?,
            aims_domain::register::FieldValue::Int(Some(id)),
        )],
        limit: 100,
        ..Default::default()
    };
    let ias = crate::registers::all_rows(store, org_id, &IMPACT_ASSESSMENTS, &ia_query).await?;
    let mut reqs = vec![];
    for rid in &req_ids {
        if let Some((r, f)) = store.get_requirement(Some(org_id), *rid).await? {
            reqs.push(
                json!({"id": r.id, "framework": f.key, "ref": r.reference, "title": r.title}),
            );
        }
    }
    let controls = records(store, org_id, &CONTROLS, &control_ids).await?;
    let risks = records(store, org_id, &RISKS, &risk_ids).await?;
    let evidence = records(store, org_id, &EVIDENCE, &ev_ids).await?;
    Ok(json!({
        "system": brief(&AI_SYSTEMS, &sys),
        "risks": risks.iter().map(|r| brief(&RISKS, r)).collect::<Vec<_>>(),
        "impact_assessments": ias.iter().map(|r| brief(&IMPACT_ASSESSMENTS, r)).collect::<Vec<_>>(),
        "controls": controls.iter().map(|r| brief(&CONTROLS, r)).collect::<Vec<_>>(),
        "requirements": reqs,
        "evidence": evidence.iter().map(|r| brief(&EVIDENCE, r)).collect::<Vec<_>>(),
    }))
}

/// From a requirement (an Annex A control, an EU AI Act article, ...) back to the controls that
/// implement it, directly or through a crosswalk, the risks they treat and the systems behind them.
pub async fn requirement_trace(store: &Store, org_id: i64, id: i64) -> Result<Value, Problem> {
    let (req, fw) = store
        .get_requirement(Some(org_id), id)
        .await?
        .ok_or_else(|| Problem::not_found("requirement"))?;
    let mut req_ids = vec![id];
    let mappings = store.requirement_mappings(Some(org_id), id).await?;
    req_ids.extend(mappings.iter().map(|m| m.other_id));
    let control_ids = linked(store, "requirements", &req_ids, "controls").await?;
    let controls = records(store, org_id, &CONTROLS, &control_ids).await?;
    let risk_ids = linked(store, "controls", &control_ids, "risks").await?;
    let system_ids = linked(store, "risks", &risk_ids, "ai_systems").await?;
    let ev_ids = linked(store, "controls", &control_ids, "evidence").await?;
    Ok(json!({
        "requirement": {"id": req.id, "framework": fw.key, "ref": req.reference, "title": req.title},
        "via_mappings": mappings.iter().map(|m| json!({"framework": m.framework_key, "ref": m.other_ref, "relation": m.relation})).collect::<Vec<_>>(),
        "controls": controls.iter().map(|r| brief(&CONTROLS, r)).collect::<Vec<_>>(),
        "risks": records(store, org_id, &RISKS, &risk_ids).await?.iter().map(|r| brief(&RISKS, r)).collect::<Vec<_>>(),
        "systems": records(store, org_id, &AI_SYSTEMS, &system_ids).await?.iter().map(|r| brief(&AI_SYSTEMS, r)).collect::<Vec<_>>(),
        "evidence": records(store, org_id, &EVIDENCE, &ev_ids).await?.iter().map(|r| brief(&EVIDENCE, r)).collect::<Vec<_>>(),
    }))
}

async fn trace_system(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Read)?;
    Ok(Json(system_trace(&s.store, caller.org_id, id).await?))
}

async fn trace_requirement(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Read)?;
    Ok(Json(requirement_trace(&s.store, caller.org_id, id).await?))
}
