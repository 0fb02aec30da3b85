//! The Statement of Applicability: the view with its problems, decisions, approval and exports.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::file::{FileOut, CSV, XLSX};
use aims_domain::register::{CONTROLS, RISKS};
use aims_domain::risk::{soa_problems, SoaCheckEntry};
use aims_domain::{Invalid, Permission};
use aims_store::{SoaEntry, SoaVersion};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use utoipa::ToSchema;

/// The SoA with its problems and evidence, reused until the organization changes.
pub async fn soa_view(cx: &Cx, org_id: i64) -> Result<Arc<Value>, AppError> {
    cx.store
        .derived(org_id, "soa", cx.clock.today(), || {
            compute_soa_view(cx, org_id)
        })
        .await
}

/// The Statement of Applicability as the API and the pages show it.
pub async fn view(cx: &Cx, scope: &Scope) -> AppResult<Arc<Value>> {
    scope.require(Permission::Read)?;
    soa_view(cx, scope.org_id).await
}

async fn compute_soa_view(cx: &Cx, org_id: i64) -> Result<Value, AppError> {
    let store = &cx.store;
    let entries = store.soa_entries(org_id, cx.now()).await?;
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideBody {
    pub applicable: Option<bool>,
    pub justification: Option<String>,
    pub status: Option<String>,
    pub version: i64,
}

/// How far an entry's implementation is: (key, words).
pub const SOA_STATUSES: &[(&str, &str)] = &[
    ("not_started", "not started"),
    ("planned", "planned"),
    ("in_progress", "in progress"),
    ("implemented", "implemented"),
];

/// An implementation status in words.
pub fn status_label(key: &str) -> String {
    SOA_STATUSES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| key.replace('_', " "))
}

/// Checks one decision; field errors are named `<prefix>justification`, `<prefix>status`.
fn check_decision(
    applicable: Option<bool>,
    justification: Option<&str>,
    status: Option<&str>,
    prefix: &str,
    inv: &mut Invalid,
) -> (Option<String>, String) {
    let justification = justification.map(str::trim).filter(|j| !j.is_empty());
    if applicable.is_some() && justification.is_none() {
        inv.push(
            &format!("{prefix}justification"),
            if applicable == Some(false) {
                "is required: say why the control does not apply"
            } else {
                "is required: say why the control is needed (for example the risks it treats)"
            },
        );
    }
    if justification.is_some_and(|j| j.chars().count() > 5000) {
        inv.push(
            &format!("{prefix}justification"),
            "must be at most 5000 characters",
        );
    }
    let status = status.unwrap_or("not_started").to_string();
    if !SOA_STATUSES.iter().any(|(k, _)| *k == status) {
        inv.push(
            &format!("{prefix}status"),
            format!(
                "must be one of {}",
                SOA_STATUSES
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    (justification.map(str::to_string), status)
}

/// Decides one entry: applicable or not, why, and how far its implementation is (approvers only).
pub async fn decide(cx: &Cx, scope: &Scope, entry: i64, b: DecideBody) -> AppResult<SoaEntry> {
    scope.require(Permission::Approve)?;
    let mut inv = Invalid::default();
    let (justification, status) = check_decision(
        b.applicable,
        b.justification.as_deref(),
        b.status.as_deref(),
        "",
        &mut inv,
    );
    inv.into_result().map_err(AppError::invalid)?;
    let change = aims_store::SoaChange {
        entry_id: entry,
        applicable: b.applicable,
        justification,
        status,
        version: b.version,
    };
    Ok(cx
        .store
        .update_soa_entry(&scope.actor, scope.org_id, &change, cx.now())
        .await?)
}

/// One entry of a whole-SoA save, with the version it was read at.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideRow {
    /// The entry's id.
    pub id: i64,
    pub applicable: Option<bool>,
    pub justification: Option<String>,
    pub status: Option<String>,
    pub version: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideManyBody {
    pub entries: Vec<DecideRow>,
}

/// What a whole-SoA save did: the entries it wrote (the unchanged ones are left alone).
#[derive(Debug, Clone, serde::Serialize, ToSchema)]
pub struct DecideManyOutcome {
    pub written: usize,
    pub unchanged: usize,
}

/// Saves the whole SoA form at once (approvers only). Only rows that differ from what is stored
/// are written; every problem is named by the control (`A.6.2.4.justification`), a row someone
/// else changed since it was read answers stale for that row, and nothing is written unless all
/// rows pass.
pub async fn decide_many(
    cx: &Cx,
    scope: &Scope,
    rows: &[DecideRow],
) -> AppResult<DecideManyOutcome> {
    scope.require(Permission::Approve)?;
    let current = cx.store.soa_entries(scope.org_id, cx.now()).await?;
    let mut inv = Invalid::default();
    let mut stale = vec![];
    let mut changes = vec![];
    for r in rows {
        let Some(e) = current.iter().find(|e| e.id == r.id) else {
            inv.push(&format!("entries[{}]", r.id), "is not an entry of this SoA");
            continue;
        };
        let (justification, status) = check_decision(
            r.applicable,
            r.justification.as_deref(),
            r.status.as_deref(),
            &format!("{}.", e.reference),
            &mut inv,
        );
        let same = e.applicable == r.applicable
            && e.justification
                .as_deref()
                .map(str::trim)
                .filter(|j| !j.is_empty())
                == justification.as_deref()
            && e.status == status;
        if same {
            continue;
        }
        if e.version != r.version {
            stale.push(aims_domain::FieldError {
                field: e.reference.clone(),
                message: format!(
                    "was changed by someone else since you read it (now version {}): check it and save again",
                    e.version
                ),
            });
            continue;
        }
        changes.push(aims_store::SoaChange {
            entry_id: e.id,
            applicable: r.applicable,
            justification,
            status,
            version: r.version,
        });
    }
    if !inv.is_empty() {
        let n = inv.0.len();
        return Err(AppError::rejected(
            format!("{n} problem(s) in the SoA; nothing was saved"),
            inv.0,
        ));
    }
    if !stale.is_empty() {
        return Err(AppError {
            kind: ErrorKind::Stale,
            detail: format!(
                "{} entr{} changed since you read the SoA; nothing was saved",
                stale.len(),
                if stale.len() == 1 {
                    "y was"
                } else {
                    "ies were"
                }
            ),
            errors: stale,
            current_version: None,
        });
    }
    let written = if changes.is_empty() {
        0
    } else {
        cx.store
            .update_soa_entries(&scope.actor, scope.org_id, &changes, cx.now())
            .await?
    };
    Ok(DecideManyOutcome {
        written,
        unchanged: rows.len() - written,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    #[serde(default)]
    pub note: String,
    /// Why the SoA is approved while completeness problems are open (required then).
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// Approves the SoA as it stands: a numbered version with a snapshot of every entry. The
/// approver must not be the last person who changed an entry, and open completeness problems
/// need a reason to approve anyway, kept in the version.
pub async fn approve(cx: &Cx, scope: &Scope, b: &ApproveBody) -> AppResult<SoaVersion> {
    scope.require(Permission::Approve)?;
    let view = soa_view(cx, scope.org_id).await?;
    let entries = cx.store.soa_entries(scope.org_id, cx.now()).await?;
    let mut inv = Invalid::default();
    if let Some(last) = entries
        .iter()
        .filter(|e| e.updated_by.is_some())
        .max_by_key(|e| (e.updated_at, e.id))
    {
        if last.updated_by.is_some() && last.updated_by == scope.actor.user_id {
            inv.push(
                "approver",
                format!(
                    "made the last change to the SoA ({}): another approver must approve it",
                    last.reference
                ),
            );
        }
    }
    let problems = view["problems_total"].as_i64().unwrap_or(0);
    let reason = b
        .override_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if problems > 0 && reason.is_none() {
        inv.push(
            "override_reason",
            format!("is required: {problems} completeness problem(s) are open; fix them, or say why you approve the SoA anyway"),
        );
    }
    inv.into_result().map_err(AppError::invalid)?;
    Ok(cx
        .store
        .approve_soa(
            &scope.actor,
            scope.org_id,
            &b.note,
            reason.filter(|_| problems > 0),
            &view["items"].to_string(),
            cx.now(),
        )
        .await?)
}

/// Two approved versions side by side: every control's applicability, justification and
/// status in each, and whether it changed.
pub async fn compare(cx: &Cx, scope: &Scope, a: i64, b: i64) -> AppResult<Value> {
    scope.require(Permission::Read)?;
    let versions = cx.store.soa_versions(scope.org_id).await?;
    let pick = |n: i64| -> AppResult<Vec<Value>> {
        let v = versions
            .iter()
            .find(|v| v.number == n)
            .ok_or_else(|| AppError::not_found(&format!("approved SoA version {n}")))?;
        Ok(serde_json::from_str::<Vec<Value>>(&v.snapshot_json).unwrap_or_default())
    };
    let (left, right) = (pick(a)?, pick(b)?);
    let cell = |e: Option<&Value>| -> Value {
        match e {
            None => Value::Null,
            Some(e) => {
                json!({"applicable": e["applicable"], "justification": e["justification"], "status": e["status"]})
            }
        }
    };
    let rows: Vec<Value> = left
        .iter()
        .map(|l| {
            let r = right.iter().find(|r| r["reference"] == l["reference"]);
            let (lc, rc) = (cell(Some(l)), cell(r));
            json!({"reference": l["reference"], "title": l["title"], "a": lc, "b": rc, "changed": lc != rc})
        })
        .collect();
    let changed = rows.iter().filter(|r| r["changed"] == true).count();
    Ok(json!({"a": a, "b": b, "changed": changed, "rows": rows}))
}

/// The last approved version, and whether an entry changed after it.
pub async fn last_approval(cx: &Cx, scope: &Scope) -> AppResult<Option<(SoaVersion, bool)>> {
    scope.require(Permission::Read)?;
    let versions = cx.store.soa_versions(scope.org_id).await?;
    let Some(v) = versions.into_iter().next() else {
        return Ok(None);
    };
    let entries = cx.store.soa_entries(scope.org_id, cx.now()).await?;
    let changed = entries.iter().any(|e| e.updated_at > v.approved_at);
    Ok(Some((v, changed)))
}

/// One line on the approval, for the printable SoA and the exports.
pub fn approval_line(last: &Option<(SoaVersion, bool)>) -> String {
    match last {
        None => "Not approved yet.".into(),
        Some((v, changed)) => format!(
            "Version {} approved by {} on {}{}{}",
            v.number,
            v.approved_by_name.as_deref().unwrap_or("a former member"),
            v.approved_at.format("%Y-%m-%d"),
            v.override_reason
                .as_deref()
                .map(|r| format!(", with open problems: {r}"))
                .unwrap_or_default(),
            if *changed {
                ". Changed since: this export shows the current entries."
            } else {
                "."
            }
        ),
    }
}

/// The approved versions, newest first, each with its snapshot.
pub async fn versions(cx: &Cx, scope: &Scope) -> AppResult<Value> {
    scope.require(Permission::Read)?;
    let versions = cx.store.soa_versions(scope.org_id).await?;
    let items: Vec<Value> = versions
        .iter()
        .map(|v| {
            let mut o = serde_json::to_value(v).unwrap_or(Value::Null);
            o["entries"] = serde_json::from_str(&v.snapshot_json).unwrap_or(Value::Null);
            o
        })
        .collect();
    Ok(json!({"items": items}))
}

/// An SoA entry's listed controls, one line each: "CTL-1 Name (status)".
pub fn soa_control_lines(entry: &Value) -> Vec<String> {
    entry["controls"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let status = c["status"].as_str().unwrap_or("");
            format!(
                "{} {} ({})",
                c["reference"].as_str().unwrap_or(""),
                c["name"].as_str().unwrap_or(""),
                aims_domain::register::CONTROLS
                    .field("status")
                    .map(|f| aims_domain::register::option_label(f, status).to_lowercase())
                    .unwrap_or_else(|| status.replace('_', " "))
            )
        })
        .collect()
}

/// The SoA as XLSX (header frozen, filters, wrapped text, one row per control), CSV or printable HTML.
pub async fn export(cx: &Cx, scope: &Scope, format: &str) -> AppResult<FileOut> {
    scope.require(Permission::Read)?;
    let view = soa_view(cx, scope.org_id).await?;
    let approval = approval_line(&last_approval(cx, scope).await?);
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
            status_label(e["status"].as_str().unwrap_or("")),
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
    let internal = |e: String| AppError::internal(e);
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
            // The approval first: which version this is, who approved it and when.
            ws.write_with_format(
                0,
                0,
                "Statement of Applicability",
                &Format::new().set_bold(),
            )
            .map_err(|e| internal(e.to_string()))?;
            ws.write(1, 0, approval.as_str())
                .map_err(|e| internal(e.to_string()))?;
            const HEAD: u32 = 3;
            for (c, (h, w)) in headers
                .iter()
                .zip([10.0, 40.0, 16.0, 60.0, 18.0, 40.0, 10.0])
                .enumerate()
            {
                ws.write_with_format(HEAD, c as u16, *h, &head)
                    .map_err(|e| internal(e.to_string()))?;
                ws.set_column_width(c as u16, w)
                    .map_err(|e| internal(e.to_string()))?;
            }
            for (r, e) in items.iter().enumerate() {
                for (c, v) in row(e).iter().enumerate() {
                    ws.write_with_format(HEAD + 1 + r as u32, c as u16, v, &wrap)
                        .map_err(|e| internal(e.to_string()))?;
                }
            }
            ws.set_freeze_panes(HEAD + 1, 0)
                .map_err(|e| internal(e.to_string()))?;
            ws.autofilter(
                HEAD,
                0,
                HEAD + items.len() as u32,
                (headers.len() - 1) as u16,
            )
            .map_err(|e| internal(e.to_string()))?;
            let bytes = wb.save_to_buffer().map_err(|e| internal(e.to_string()))?;
            Ok(FileOut::new(XLSX, "statement-of-applicability.xlsx", bytes))
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
            Ok(FileOut::new(CSV, "statement-of-applicability.csv", bytes))
        }
        _ => Err(AppError::field(
            ErrorKind::BadRequest,
            "format",
            "must be xlsx or csv (the printable page is /o/{slug}/soa/print)",
        )),
    }
}
