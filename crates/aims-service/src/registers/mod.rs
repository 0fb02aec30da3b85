//! Services shared by the register API, pages and CLI: list parameters, display values,
//! CSV import (with a row-by-row report) and CSV/XLSX export.

pub mod read;
pub mod write;

/// Uploads (BOMs, CSV files) may be larger than ordinary bodies.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::file::{FileOut, CSV, XLSX};
use aims_domain::register::{
    check_field, check_input, option_label, FieldKind, FieldSpec, FieldValue, RecordInput,
    RegisterSpec, REGISTERS,
};
use aims_domain::{FieldError, Invalid};
use aims_store::{Member, Record, Store};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub fn by_path(path: &str) -> Option<&'static RegisterSpec> {
    REGISTERS.iter().copied().find(|r| r.path == path)
}

/// What a list asks for: filters, search, sort and the cursor.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filters: Vec<(&'static FieldSpec, FieldValue)>,
    /// The raw filter values, to keep them in forms and links.
    pub raw_filters: Vec<(String, String)>,
    pub search: Option<String>,
    /// A named view (`view=overdue`, ...) with its raw value, to keep it in links.
    pub view: Option<(aims_store::ListView, String)>,
    pub sort: Option<(&'static FieldSpec, bool)>,
    pub cursor: Option<(String, i64)>,
    pub limit: i64,
}

impl ListQuery {
    /// Parses query pairs; unknown parameters and bad values are named.
    pub fn parse(
        spec: &'static RegisterSpec,
        pairs: &[(String, String)],
        default_limit: i64,
        cx: &crate::Cx,
    ) -> Result<ListQuery, AppError> {
        let today = cx.today();
        let bad = |field: &str, m: String| AppError::field(ErrorKind::BadRequest, field, m);
        let mut q = ListQuery {
            limit: default_limit,
            ..Default::default()
        };
        for (k, v) in pairs {
            match k.as_str() {
                "limit" => {
                    q.limit = v
                        .parse()
                        .ok()
                        .filter(|n| (1..=500).contains(n))
                        .ok_or_else(|| bad("limit", "must be between 1 and 500".into()))?;
                }
                "cursor" if !v.is_empty() => {
                    q.cursor =
                        Some(decode_cursor(v).ok_or_else(|| {
                            bad("cursor", "is not a cursor this API returned".into())
                        })?)
                }
                "cursor" => {}
                "q" => q.search = Some(v.clone()).filter(|s| !s.trim().is_empty()),
                "view" if v.is_empty() => {}
                "view" => {
                    let view = list_view(spec, v, &today, &cx.rules.version)
                        .ok_or_else(|| bad("view", format!("`{v}` is not a view of this list")))?;
                    q.view = Some((view, v.clone()));
                }
                "sort" if v.is_empty() => {}
                "sort" => {
                    let (name, desc) = v
                        .strip_prefix('-')
                        .map(|n| (n, true))
                        .unwrap_or((v.as_str(), false));
                    let f = spec
                        .field(name)
                        .filter(|f| f.sort)
                        .ok_or_else(|| bad("sort", format!("`{name}` is not a sortable field")))?;
                    q.sort = Some((f, desc));
                }
                name => {
                    let f = spec
                        .field(name)
                        .filter(|f| f.filter)
                        .ok_or_else(|| bad(name, "is not a filter of this list".into()))?;
                    if v.is_empty() {
                        continue;
                    }
                    let val =
                        check_field(f, &Value::String(v.clone())).map_err(|m| bad(name, m))?;
                    q.filters.push((f, val));
                    q.raw_filters.push((name.to_string(), v.clone()));
                }
            }
        }
        Ok(q)
    }

    /// Query pairs for links that keep the filters, search and sort.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut p = self.raw_filters.clone();
        if let Some((_, raw)) = &self.view {
            p.push(("view".into(), raw.clone()));
        }
        if let Some(s) = &self.search {
            p.push(("q".into(), s.clone()));
        }
        if let Some((f, desc)) = self.sort {
            p.push((
                "sort".into(),
                format!("{}{}", if desc { "-" } else { "" }, f.name),
            ));
        }
        p
    }
}

/// The views a register's list offers: `overdue` (a review or due date before today; for
/// evidence, past its validity), `expiring` (evidence valid for 30 days or less),
/// `needs_assessment` and `rules_changed` (AI systems), `unscored` and `inherent:MIN-MAX` (risks).
pub fn list_view(
    spec: &RegisterSpec,
    raw: &str,
    today: &str,
    rules_version: &str,
) -> Option<aims_store::ListView> {
    use aims_store::ListView;
    let date_field = [
        "next_review",
        "due_date",
        "valid_until",
        "expires_on",
        "due_on",
    ]
    .into_iter()
    .find(|f| spec.field(f).is_some());
    match (spec.table, raw) {
        (_, "overdue") => Some(ListView::Overdue {
            field: date_field?,
            date: today.to_string(),
            closed_status: match spec.table {
                "risks" => Some("closed"),
                "tasks" => Some("done"),
                _ => None,
            },
            done_field: (spec.table == "pmm_cycles").then_some("completed_on"),
        }),
        ("evidence", "expiring") => {
            let to = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d").ok()?
                + chrono::Duration::days(30);
            Some(ListView::DateBetween {
                field: "valid_until",
                from: today.to_string(),
                to: to.format("%Y-%m-%d").to_string(),
            })
        }
        ("ai_systems", "needs_assessment") => Some(ListView::NeedsAssessment),
        ("ai_systems", "rules_changed") => Some(ListView::RulesChanged {
            current: rules_version.to_string(),
        }),
        ("risks", "unscored") => Some(ListView::Unscored),
        ("risks", v) if v.starts_with("outside:") => {
            let (l, i) = v.strip_prefix("outside:")?.split_once('x')?;
            Some(ListView::OutsideScale {
                likelihood: l.parse().ok()?,
                impact: i.parse().ok()?,
            })
        }
        ("risks", v) => {
            let (min, max) = v.strip_prefix("inherent:")?.split_once('-')?;
            Some(ListView::InherentBetween {
                min: min.parse().ok()?,
                max: max.parse().ok()?,
            })
        }
        _ => None,
    }
}

/// The words for a list view, on the page that shows it.
pub fn view_label(spec: &RegisterSpec, raw: &str) -> String {
    match (spec.table, raw) {
        ("tasks", "overdue") => "overdue (due before today, not done)".into(),
        ("evidence", "overdue") => "past their validity date".into(),
        ("risks", "overdue") => "past their review date (closed risks left out)".into(),
        (_, "overdue") => "past their review date".into(),
        (_, "expiring") => "valid for 30 days or less".into(),
        (_, "needs_assessment") => {
            "in deployment or operation without an approved impact assessment".into()
        }
        (_, "rules_changed") => {
            "classified under earlier EU AI Act rules or dates: re-run their classification".into()
        }
        (_, "unscored") => "not scored yet (no inherent likelihood and impact)".into(),
        (_, v) if v.starts_with("outside:") => {
            "with a level outside the current scales: re-assess them".into()
        }
        (_, v) => match v.strip_prefix("inherent:") {
            Some(range) => format!("inherent score {}", range.replace('-', " to ")),
            None => v.to_string(),
        },
    }
}

pub fn encode_cursor(v: &str, id: i64) -> String {
    hex::encode(serde_json::to_vec(&(v, id)).unwrap_or_default())
}

pub fn decode_cursor(s: &str) -> Option<(String, i64)> {
    serde_json::from_slice(&hex::decode(s).ok()?).ok()
}

/// Fetches one page plus one row, and returns the page with the next cursor.
pub async fn list_page(
    store: &Store,
    org_id: i64,
    spec: &'static RegisterSpec,
    q: &ListQuery,
) -> Result<(Vec<Record>, Option<String>), AppError> {
    let mut rows = store
        .register_list(
            org_id,
            spec,
            &q.filters,
            q.search.as_deref(),
            q.view.as_ref().map(|(v, _)| v),
            q.sort,
            q.cursor.clone(),
            q.limit + 1,
        )
        .await?;
    let more = rows.len() as i64 > q.limit;
    rows.truncate(q.limit as usize);
    let next = if more {
        rows.last().map(|r| {
            let v = q
                .sort
                .map(|(f, _)| {
                    r.get(f.name)
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string()
                })
                .unwrap_or_default();
            encode_cursor(&v, r.get("id").and_then(|v| v.as_i64()).unwrap_or(0))
        })
    } else {
        None
    };
    Ok((rows, next))
}

/// Members by id and e-mail, and the records of referenced registers by id and reference:
/// loaded once per request, so displaying or importing N rows costs no extra queries.
#[derive(Default)]
pub struct Lookups {
    pub members: Vec<Member>,
    /// table -> (id -> (reference, name))
    pub records: HashMap<&'static str, HashMap<i64, (String, String)>>,
}

impl Lookups {
    pub async fn load(
        store: &Store,
        org_id: i64,
        spec: &RegisterSpec,
    ) -> Result<Lookups, AppError> {
        let mut l = Lookups::default();
        if spec.fields.iter().any(|f| f.kind == FieldKind::Member) {
            l.members = store.list_members(org_id, None, 10_000).await?;
        }
        for f in spec.fields {
            if let FieldKind::Ref(table) = f.kind {
                let other = REGISTERS
                    .iter()
                    .find(|r| r.table == table)
                    .copied()
                    .ok_or_else(|| AppError::not_found("register"))?;
                let map = all_rows(store, org_id, other, &ListQuery::default())
                    .await?
                    .into_iter()
                    .map(|r| {
                        let text =
                            |k: &str| r.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                        let id = r.get("id").and_then(|v| v.as_i64()).unwrap_or(0);
                        (id, (text("reference"), text("name")))
                    })
                    .collect();
                l.records.insert(table, map);
            }
        }
        Ok(l)
    }

    /// Only what the given records refer to: members, and the referenced records by id.
    /// A fixed number of queries, whatever the page size.
    pub async fn for_rows(
        store: &Store,
        org_id: i64,
        spec: &RegisterSpec,
        rows: &[Record],
    ) -> Result<Lookups, AppError> {
        let mut l = Lookups::default();
        if spec.fields.iter().any(|f| f.kind == FieldKind::Member) {
            l.members = store.list_members(org_id, None, 10_000).await?;
        }
        for f in spec.fields {
            if let FieldKind::Ref(table) = f.kind {
                let other = REGISTERS
                    .iter()
                    .find(|r| r.table == table)
                    .copied()
                    .ok_or_else(|| AppError::not_found("register"))?;
                let mut ids: Vec<i64> = rows
                    .iter()
                    .filter_map(|r| r.get(f.name).and_then(|v| v.as_i64()))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                let map = store
                    .register_briefs(org_id, other, &ids)
                    .await?
                    .into_iter()
                    .map(|b| (b.id, (other.reference(b.number), b.name)))
                    .collect();
                l.records.insert(table, map);
            }
        }
        Ok(l)
    }

    pub fn member_email(&self, id: i64) -> Option<&str> {
        self.members
            .iter()
            .find(|m| m.user_id == id)
            .map(|m| m.email.as_str())
    }

    fn member_by_email(&self, email: &str) -> Option<i64> {
        self.members
            .iter()
            .find(|m| m.email.eq_ignore_ascii_case(email.trim()))
            .map(|m| m.user_id)
    }

    fn record_by_reference(&self, table: &str, reference: &str) -> Option<i64> {
        self.records
            .get(table)?
            .iter()
            .find(|(_, (r, n))| r.eq_ignore_ascii_case(reference.trim()) || n == reference.trim())
            .map(|(id, _)| *id)
    }
}

/// A field's value for people: labels for enums, e-mails for members, references for records.
pub fn display(f: &FieldSpec, v: Option<&Value>, lookups: &Lookups) -> String {
    let Some(v) = v else { return String::new() };
    match (f.kind, v) {
        (_, Value::Null) => String::new(),
        (FieldKind::Bool, Value::Bool(b)) => if *b { "yes" } else { "no" }.into(),
        (FieldKind::Enum(_), Value::String(s)) => option_label(f, s),
        (FieldKind::Multi(_), Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .map(|s| option_label(f, s))
            .collect::<Vec<_>>()
            .join("; "),
        (FieldKind::Member, Value::Number(n)) => n
            .as_i64()
            .and_then(|id| lookups.member_email(id))
            .map(str::to_string)
            .unwrap_or_else(|| n.to_string()),
        (FieldKind::Ref(t), Value::Number(n)) => n
            .as_i64()
            .and_then(|id| lookups.records.get(t).and_then(|m| m.get(&id)))
            .map(|(r, name)| format!("{r} {name}"))
            .unwrap_or_else(|| n.to_string()),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// The value written into a CSV cell: keys for enums (so the file imports back), e-mails, references.
fn csv_value(f: &FieldSpec, v: Option<&Value>, lookups: &Lookups) -> String {
    match (f.kind, v) {
        (FieldKind::Multi(_), Some(Value::Array(a))) => a
            .iter()
            .filter_map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join(";"),
        (FieldKind::Enum(_), Some(Value::String(s))) => s.clone(),
        (FieldKind::Ref(t), Some(Value::Number(n))) => n
            .as_i64()
            .and_then(|id| lookups.records.get(t).and_then(|m| m.get(&id)))
            .map(|(r, _)| r.clone())
            .unwrap_or_default(),
        _ => display(f, v, lookups),
    }
}

/// The columns of CSV and XLSX files: the reference, then every field.
pub fn columns(spec: &RegisterSpec) -> Vec<&'static str> {
    let mut c = vec!["reference"];
    c.extend(spec.fields.iter().map(|f| f.name));
    c
}

pub fn csv_header(spec: &RegisterSpec) -> Result<Vec<u8>, AppError> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(columns(spec)).map_err(internal)?;
    w.into_inner().map_err(internal)
}

pub fn csv_rows(
    spec: &RegisterSpec,
    rows: &[Record],
    lookups: &Lookups,
) -> Result<Vec<u8>, AppError> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(vec![]);
    for r in rows {
        let mut cells = vec![r
            .get("reference")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()];
        cells.extend(
            spec.fields
                .iter()
                .map(|f| csv_value(f, r.get(f.name), lookups)),
        );
        w.write_record(&cells).map_err(internal)?;
    }
    w.into_inner().map_err(internal)
}

fn internal<E: std::fmt::Display>(e: E) -> AppError {
    AppError::internal(format!("export failed: {e}"))
}

/// Every row of the filtered list, in pages (an XLSX file is built whole).
pub async fn all_rows(
    store: &Store,
    org_id: i64,
    spec: &'static RegisterSpec,
    q: &ListQuery,
) -> Result<Vec<Record>, AppError> {
    let mut q = ListQuery {
        limit: 500,
        cursor: None,
        ..q.clone()
    };
    let mut out = vec![];
    loop {
        let (rows, next) = list_page(store, org_id, spec, &q).await?;
        out.extend(rows);
        match next {
            Some(c) => q.cursor = decode_cursor(&c),
            None => return Ok(out),
        }
    }
}

/// The filtered register as CSV, streamed a keyset page (500 rows) at a time, so the server's
/// memory stays flat however many rows the register holds. The first page is read before the
/// response starts, so a bad query still answers with a clear 4xx; a failure later ends the body
/// early (the client sees a truncated download, not a wrong file with a 200 footer).
pub async fn csv_body(
    store: &Store,
    org_id: i64,
    spec: &'static RegisterSpec,
    q: &ListQuery,
    lookups: Lookups,
) -> Result<futures_util::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>, AppError> {
    use futures_util::StreamExt;
    let q = ListQuery {
        limit: 500,
        cursor: None,
        ..q.clone()
    };
    let (rows, next) = list_page(store, org_id, spec, &q).await?;
    let mut head = csv_header(spec)?;
    head.extend(csv_rows(spec, &rows, &lookups)?);
    let ctx = std::sync::Arc::new((store.clone(), lookups, q));
    let tail = futures_util::stream::try_unfold(next, move |cursor| {
        let ctx = ctx.clone();
        async move {
            let Some(cursor) = cursor else {
                return Ok::<_, std::io::Error>(None);
            };
            let (store, lookups, q) = &*ctx;
            let q = ListQuery {
                cursor: decode_cursor(&cursor),
                ..q.clone()
            };
            let page = async {
                let (rows, next) = list_page(store, org_id, spec, &q).await?;
                Ok::<_, AppError>((csv_rows(spec, &rows, lookups)?, next))
            };
            let (bytes, next) = page.await.map_err(|p| {
                tracing::error!(register = spec.path, "CSV export stopped: {}", p.detail);
                std::io::Error::other(p.detail)
            })?;
            Ok(Some((bytes::Bytes::from(bytes), next)))
        }
    });
    let body =
        futures_util::stream::once(
            async move { Ok::<_, std::io::Error>(bytes::Bytes::from(head)) },
        )
        .chain(tail);
    Ok(body.boxed())
}

/// The filtered register as an XLSX file. Rows are read a keyset page (500) at a time and
/// written to a constant-memory worksheet, which flushes each finished row to a temporary file:
/// memory holds one page and the compressed result, however many rows the register has.
pub async fn xlsx(
    store: &Store,
    org_id: i64,
    spec: &'static RegisterSpec,
    q: &ListQuery,
    lookups: &Lookups,
) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory();
    // Excel refuses sheet names over 31 characters ("Requirements of interested parties").
    let sheet: String = spec.plural.chars().take(31).collect();
    ws.set_name(sheet.trim_end()).map_err(internal)?;
    let head = Format::new()
        .set_bold()
        .set_background_color("#E7EEFB")
        .set_align(FormatAlign::Top);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let mut labels = vec!["Reference"];
    labels.extend(spec.fields.iter().map(|f| f.label));
    for (c, l) in labels.iter().enumerate() {
        let width = match spec.fields.get(c.wrapping_sub(1)).map(|f| f.kind) {
            Some(FieldKind::LongText) => 50.0,
            Some(FieldKind::Bool) | Some(FieldKind::Date) => 12.0,
            _ => 22.0,
        };
        ws.set_column_width(c as u16, width).map_err(internal)?;
        ws.write_with_format(0, c as u16, *l, &head)
            .map_err(internal)?;
    }
    let mut q = ListQuery {
        limit: 500,
        cursor: None,
        ..q.clone()
    };
    let mut row = 0u32;
    loop {
        let (rows, next) = list_page(store, org_id, spec, &q).await?;
        for r in &rows {
            row += 1;
            ws.write_with_format(
                row,
                0,
                r.get("reference").and_then(|v| v.as_str()).unwrap_or(""),
                &wrap,
            )
            .map_err(internal)?;
            for (c, f) in spec.fields.iter().enumerate() {
                ws.write_with_format(
                    row,
                    (c + 1) as u16,
                    display(f, r.get(f.name), lookups),
                    &wrap,
                )
                .map_err(internal)?;
            }
        }
        match next {
            Some(c) => q.cursor = decode_cursor(&c),
            None => break,
        }
    }
    ws.set_freeze_panes(1, 0).map_err(internal)?;
    ws.autofilter(0, 0, row, spec.fields.len() as u16)
        .map_err(internal)?;
    wb.save_to_buffer().map_err(internal)
}

/// The outcome of reading a CSV file: the rows that passed, and every problem by line.
pub struct CsvReport {
    pub rows: Vec<(usize, RecordInput)>,
    pub errors: Vec<FieldError>,
    pub total: usize,
}

/// Reads a CSV file for a register. The header names fields (or their labels); `reference`
/// is ignored; members are given by e-mail, records by reference (SUP-3) or name.
pub fn read_csv(
    spec: &'static RegisterSpec,
    text: &str,
    lookups: &Lookups,
) -> Result<CsvReport, AppError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| {
            AppError::field(
                ErrorKind::Invalid,
                "line 1",
                format!("the header row cannot be read: {e}"),
            )
        })?
        .clone();
    let mut fields: Vec<Option<&'static FieldSpec>> = vec![];
    let mut inv = Invalid::default();
    for h in headers.iter() {
        let h = h.trim_start_matches('\u{feff}');
        if h.eq_ignore_ascii_case("reference") || h.is_empty() {
            fields.push(None);
            continue;
        }
        match spec.fields.iter().find(|f| {
            !f.computed && (f.name.eq_ignore_ascii_case(h) || f.label.eq_ignore_ascii_case(h))
        }) {
            Some(f) => fields.push(Some(f)),
            None => {
                inv.push(
                    "line 1",
                    format!(
                        "column `{h}` is not a field of {}",
                        spec.plural.to_lowercase()
                    ),
                );
                fields.push(None);
            }
        }
    }
    if !inv.is_empty() {
        return Err(AppError::invalid(inv));
    }
    let mut report = CsvReport {
        rows: vec![],
        errors: vec![],
        total: 0,
    };
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        report.total += 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                report.errors.push(FieldError {
                    field: format!("line {line}"),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let mut obj = Map::new();
        let mut row_errors = vec![];
        for (cell, f) in rec.iter().zip(&fields) {
            let Some(f) = f else { continue };
            let v = match f.kind {
                FieldKind::Member if !cell.is_empty() && cell.parse::<i64>().is_err() => {
                    match lookups.member_by_email(cell) {
                        Some(id) => Value::from(id),
                        None => {
                            row_errors.push(FieldError {
                                field: format!("line {line}: {}", f.name),
                                message: format!("`{cell}` is not a member of this organization"),
                            });
                            continue;
                        }
                    }
                }
                FieldKind::Ref(t) if !cell.is_empty() && cell.parse::<i64>().is_err() => {
                    match lookups.record_by_reference(t, cell) {
                        Some(id) => Value::from(id),
                        None => {
                            row_errors.push(FieldError {
                                field: format!("line {line}: {}", f.name),
                                message: format!("`{cell}` is not a record of this organization"),
                            });
                            continue;
                        }
                    }
                }
                _ => Value::String(cell.to_string()),
            };
            obj.insert(f.name.to_string(), v);
        }
        match check_input(spec, &obj, false) {
            Ok(input) if row_errors.is_empty() => report.rows.push((line, input)),
            Ok(_) => report.errors.extend(row_errors),
            Err(inv) => {
                report.errors.extend(row_errors);
                report.errors.extend(inv.0.into_iter().map(|e| FieldError {
                    field: format!("line {line}: {}", e.field),
                    message: e.message,
                }));
            }
        }
    }
    if report.total == 0 {
        return Err(AppError::field(
            ErrorKind::Invalid,
            "file",
            "has a header but no rows",
        ));
    }
    Ok(report)
}

/// The filtered list as CSV or XLSX (shared by the API and the pages).
pub async fn export(
    cx: &Cx,
    scope: &Scope,
    spec: &'static RegisterSpec,
    lq: &ListQuery,
    format: &str,
) -> AppResult<FileOut> {
    scope.require(aims_domain::Permission::Read)?;
    let (store, org_id) = (&cx.store, scope.org_id);
    let lookups = Lookups::load(store, org_id, spec).await?;
    let name = spec.path;
    match format {
        "csv" => {
            let out = csv_body(store, org_id, spec, lq, lookups).await?;
            Ok(FileOut::stream(CSV, &format!("{name}.csv"), out))
        }
        "xlsx" => {
            let out = xlsx(store, org_id, spec, lq, &lookups).await?;
            Ok(FileOut::new(XLSX, &format!("{name}.xlsx"), out))
        }
        _ => Err(AppError::field(
            ErrorKind::BadRequest,
            "format",
            "must be csv or xlsx",
        )),
    }
}
