//! Register pages (inventory): list with filters, sort and pages; detail with links and
//! history; create and edit forms with errors beside the field; CSV import with a preview;
//! CycloneDX import and export; the EU AI Act classification questionnaire.

use crate::pages::{form_value, org_ctx, render, Layout, OrgCtx, PageError};
use crate::AppState;
use aims_domain::classify::{Answers, ANNEX_III, EXCEPTIONS, PROHIBITED};
use aims_domain::register::{check_input, FieldKind, RegisterSpec, AI_SYSTEMS, REGISTERS};
use aims_domain::{Invalid, Permission};
use aims_service::classification::{self, stored_answers, ClassificationView, ClassifyRequest};
use aims_service::registers::write;
use aims_service::registers::{self, display, ListQuery, Lookups};
use aims_service::{AppError, ErrorKind};
use aims_store::{AuditEvent, AuditFilter, Record};
use askama::Template;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/o/{slug}/inventory/bom",
            get(bom_form).post(bom_import).layer(DefaultBodyLimit::max(
                crate::api_registers::MAX_UPLOAD_BYTES + 64 * 1024,
            )),
        )
        .route("/o/{slug}/inventory/{register}", get(list).post(create))
        .route("/o/{slug}/inventory/{register}/new", get(new_form))
        .route("/o/{slug}/inventory/{register}/export", get(export))
        .route(
            "/o/{slug}/inventory/{register}/import",
            get(import_form)
                .post(import_upload)
                .layer(DefaultBodyLimit::max(
                    crate::api_registers::MAX_UPLOAD_BYTES + 64 * 1024,
                )),
        )
        .route(
            "/o/{slug}/inventory/{register}/import/confirm",
            post(import_confirm).layer(DefaultBodyLimit::max(
                crate::api_registers::MAX_UPLOAD_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/o/{slug}/inventory/{register}/{id}",
            get(detail).post(update),
        )
        .route("/o/{slug}/inventory/{register}/{id}/edit", get(edit_form))
        .route("/o/{slug}/inventory/{register}/{id}/delete", post(delete))
        .route(
            "/o/{slug}/inventory/{register}/{id}/classification",
            get(classification).post(classify),
        )
        .route(
            "/o/{slug}/inventory/{register}/{id}/cyclonedx",
            get(bom_export),
        )
}

fn spec_of(path: &str) -> Result<&'static RegisterSpec, PageError> {
    registers::by_path(path).ok_or_else(|| {
        PageError::Status(StatusCode::NOT_FOUND, "There is no such register.".into())
    })
}

fn pairs(q: &Option<String>) -> Vec<(String, String)> {
    q.as_deref()
        .map(|s| form_urlencoded::parse(s.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

fn qs(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn str_of(r: &Record, k: &str) -> String {
    r.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string()
}

fn id_of(r: &Record) -> i64 {
    r.get("id").and_then(|v| v.as_i64()).unwrap_or(0)
}

// ---------------------------------------------------------------- list

/// A filter control in the list's filter bar.
struct FilterView {
    name: &'static str,
    label: &'static str,
    /// (value, label, selected); empty for a free-text filter.
    options: Vec<(String, String, bool)>,
    value: String,
}

struct ColumnView {
    label: &'static str,
    /// Link that sorts by this column (toggling direction), if sortable.
    sort_link: Option<String>,
    arrow: &'static str,
}

struct RowView {
    id: i64,
    reference: String,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "register_list.html")]
struct ListPage {
    layout: Layout,
    spec: &'static RegisterSpec,
    columns: Vec<ColumnView>,
    rows: Vec<RowView>,
    filters: Vec<FilterView>,
    search: String,
    sort: String,
    next_link: Option<String>,
    export_query: String,
    can_write: bool,
    filtered: bool,
}

fn options_for(
    f: &aims_domain::register::FieldSpec,
    lookups: &Lookups,
    current: &str,
) -> Vec<(String, String, bool)> {
    let mut out: Vec<(String, String)> = match f.kind {
        FieldKind::Enum(opts) => opts
            .iter()
            .map(|(k, l)| (k.to_string(), l.to_string()))
            .collect(),
        FieldKind::Bool => vec![("true".into(), "yes".into()), ("false".into(), "no".into())],
        FieldKind::Member => lookups
            .members
            .iter()
            .map(|m| (m.user_id.to_string(), format!("{} ({})", m.name, m.email)))
            .collect(),
        FieldKind::Ref(t) => {
            let mut v: Vec<(String, String)> = lookups
                .records
                .get(t)
                .map(|m| {
                    m.iter()
                        .map(|(id, (r, n))| (id.to_string(), format!("{r} {n}")))
                        .collect()
                })
                .unwrap_or_default();
            v.sort_by(|a, b| a.1.cmp(&b.1));
            v
        }
        _ => vec![],
    };
    if f.name == "risk_tier" {
        out.retain(|(k, _)| k != "unclassified");
    }
    out.into_iter()
        .map(|(k, l)| (k.clone(), l, k == current))
        .collect()
}

async fn list(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    let lq = ListQuery::parse(spec, &pairs(&q), 50)?;
    let (records, next) = registers::read::list(&s.cx, &ctx.scope(), spec, &lq).await?;
    // Display needs only what this page refers to; the filter selects need the full lists.
    let lookups = if spec
        .fields
        .iter()
        .any(|f| f.filter && matches!(f.kind, FieldKind::Ref(_)))
    {
        Lookups::load(&s.cx.store, ctx.org.org_id, spec).await?
    } else {
        Lookups::for_rows(&s.cx.store, ctx.org.org_id, spec, &records).await?
    };
    let base = format!("/o/{slug}/inventory/{}", spec.path);
    let keep = lq.pairs();
    let current_sort = lq
        .sort
        .map(|(f, d)| format!("{}{}", if d { "-" } else { "" }, f.name))
        .unwrap_or_default();
    let mut columns = vec![ColumnView {
        label: "Reference",
        sort_link: None,
        arrow: "",
    }];
    for f in spec.fields.iter().filter(|f| f.list) {
        let sort_link = f.sort.then(|| {
            let next_sort = if current_sort == f.name {
                format!("-{}", f.name)
            } else {
                f.name.to_string()
            };
            let mut p: Vec<(String, String)> =
                keep.iter().filter(|(k, _)| k != "sort").cloned().collect();
            p.push(("sort".into(), next_sort));
            format!("{base}?{}", qs(&p))
        });
        let arrow = if current_sort == f.name {
            " ▲"
        } else if current_sort == format!("-{}", f.name) {
            " ▼"
        } else {
            ""
        };
        columns.push(ColumnView {
            label: f.label,
            sort_link,
            arrow,
        });
    }
    let rows = records
        .iter()
        .map(|r| RowView {
            id: id_of(r),
            reference: str_of(r, "reference"),
            cells: spec
                .fields
                .iter()
                .filter(|f| f.list)
                .map(|f| display(f, r.get(f.name), &lookups))
                .collect(),
        })
        .collect();
    let filters = spec
        .fields
        .iter()
        .filter(|f| f.filter)
        .map(|f| {
            let value = lq
                .raw_filters
                .iter()
                .find(|(k, _)| k == f.name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            FilterView {
                name: f.name,
                label: f.label,
                options: options_for(f, &lookups, &value),
                value,
            }
        })
        .collect();
    let next_link = next.map(|c| {
        let mut p = keep.clone();
        p.push(("cursor".into(), c));
        format!("{base}?{}", qs(&p))
    });
    let page = ListPage {
        layout: ctx.layout(spec.plural, spec.path),
        spec,
        columns,
        rows,
        filters,
        search: lq.search.clone().unwrap_or_default(),
        sort: current_sort,
        next_link,
        export_query: qs(&keep),
        can_write: ctx.org.role.permissions().allows(Permission::Write),
        filtered: !lq.raw_filters.is_empty() || lq.search.is_some(),
    };
    Ok(render(&page))
}

async fn export(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    let mut p = pairs(&q);
    let format = p
        .iter()
        .position(|(k, _)| k == "format")
        .map(|i| p.remove(i).1)
        .unwrap_or_else(|| "csv".into());
    p.retain(|(k, _)| k != "cursor");
    let lq = ListQuery::parse(spec, &p, 500)?;
    Ok(crate::download(
        registers::export(&s.cx, &ctx.scope(), spec, &lq, &format).await?,
    ))
}

// ---------------------------------------------------------------- detail

struct FieldRow {
    label: &'static str,
    value: String,
    long: bool,
}

struct LinkGroup {
    label: String,
    path: &'static str,
    items: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "register_detail.html")]
pub(crate) struct DetailPage {
    layout: Layout,
    spec: &'static RegisterSpec,
    id: i64,
    reference: String,
    name: String,
    fields: Vec<FieldRow>,
    links: Vec<LinkGroup>,
    history: Vec<AuditEvent>,
    can_write: bool,
    can_audit: bool,
    tier: String,
    error: Option<String>,
    extras: crate::pages_risk::Extras,
}

pub(crate) async fn detail_page(
    s: &AppState,
    ctx: &OrgCtx,
    spec: &'static RegisterSpec,
    id: i64,
    error: Option<String>,
) -> Result<DetailPage, PageError> {
    let rec =
        s.cx.store
            .register_get(ctx.org.org_id, spec, id)
            .await?
            .ok_or_else(|| {
                PageError::Status(StatusCode::NOT_FOUND, format!("No such {}.", spec.singular))
            })?;
    let lookups = Lookups::for_rows(
        &s.cx.store,
        ctx.org.org_id,
        spec,
        std::slice::from_ref(&rec),
    )
    .await?;
    let fields = spec
        .fields
        .iter()
        .map(|f| FieldRow {
            label: f.label,
            value: display(f, rec.get(f.name), &lookups),
            long: f.kind == FieldKind::LongText,
        })
        .collect();
    let mut links = vec![];
    let (linked, referrers) =
        s.cx.store
            .register_neighbours(ctx.org.org_id, spec, id)
            .await?;
    for (field, items) in linked {
        let Some(l) = spec.link(&field) else { continue };
        let Some(other) = REGISTERS.iter().find(|r| r.table == l.other).copied() else {
            continue;
        };
        links.push(LinkGroup {
            label: l.label.to_string(),
            path: other.path,
            items: items
                .into_iter()
                .map(|i| (i.id, other.reference(i.number), i.name))
                .collect(),
        });
    }
    for (table, items) in referrers {
        let Some(other) = REGISTERS.iter().find(|r| r.table == table).copied() else {
            continue;
        };
        if !items.is_empty() {
            links.push(LinkGroup {
                label: format!("{} from this {}", other.plural, spec.singular),
                path: other.path,
                items: items
                    .into_iter()
                    .map(|i| (i.id, other.reference(i.number), i.name))
                    .collect(),
            });
        }
    }
    let can_audit = ctx
        .org
        .role
        .permissions()
        .allows(Permission::ReadAuditTrail);
    let history = if can_audit {
        let filter = AuditFilter {
            entity_type: Some(spec.table.into()),
            entity_id: Some(id.to_string()),
            ..Default::default()
        };
        s.cx.store
            .list_events(ctx.org.org_id, &filter, None, 20)
            .await?
    } else {
        vec![]
    };
    Ok(DetailPage {
        layout: ctx.layout(&str_of(&rec, "name"), spec.path),
        spec,
        id,
        reference: str_of(&rec, "reference"),
        name: str_of(&rec, "name"),
        fields,
        links,
        history,
        can_write: ctx.org.role.permissions().allows(Permission::Write),
        can_audit,
        tier: str_of(&rec, "risk_tier"),
        error,
        extras: crate::pages_risk::extras(s, ctx, spec, &rec).await?,
    })
}

async fn detail(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    Ok(render(&detail_page(&s, &ctx, spec, id, None).await?))
}

// ---------------------------------------------------------------- forms

struct FormField {
    name: &'static str,
    label: &'static str,
    help: &'static str,
    /// text, textarea, select, multi, checkbox, date, number
    control: &'static str,
    value: String,
    options: Vec<(String, String, bool)>,
    required: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "register_form.html")]
struct FormPage {
    layout: Layout,
    spec: &'static RegisterSpec,
    /// None for a new record.
    id: Option<i64>,
    reference: String,
    version: i64,
    fields: Vec<FormField>,
    conflict: Option<String>,
}

/// The form's fields, filled from a record (edit) or from what was submitted (after an error).
fn form_fields(
    spec: &'static RegisterSpec,
    values: &Map<String, Value>,
    lookups: &Lookups,
    errors: &Invalid,
) -> Vec<FormField> {
    let mut out = vec![];
    for f in spec.fields.iter().filter(|f| !f.computed) {
        let v = values.get(f.name);
        let as_text = match v {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => String::new(),
        };
        let selected: Vec<String> = match v {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => vec![],
        };
        let (control, options) = match f.kind {
            FieldKind::Text { .. } => ("text", vec![]),
            FieldKind::LongText => ("textarea", vec![]),
            FieldKind::Date => ("date", vec![]),
            FieldKind::Int { .. } => ("number", vec![]),
            FieldKind::Bool => ("checkbox", vec![]),
            FieldKind::Multi(opts) => (
                "multi",
                opts.iter()
                    .map(|(k, l)| {
                        (
                            k.to_string(),
                            l.to_string(),
                            selected.iter().any(|s| s == k),
                        )
                    })
                    .collect(),
            ),
            FieldKind::Enum(_) | FieldKind::Member | FieldKind::Ref(_) => {
                ("select", options_for(f, lookups, &as_text))
            }
        };
        out.push(FormField {
            name: f.name,
            label: f.label,
            help: f.help,
            control,
            value: as_text,
            options,
            required: f.required,
            error: errors.message_for(f.name).map(str::to_string),
        });
    }
    for l in spec.links {
        let value = match values.get(l.field) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| {
                    x.get("reference")
                        .and_then(|r| r.as_str())
                        .map(str::to_string)
                        .or_else(|| x.as_str().map(str::to_string))
                })
                .collect::<Vec<_>>()
                .join(", "),
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let prefix = REGISTERS
            .iter()
            .find(|r| r.table == l.other)
            .map(|r| r.prefix)
            .unwrap_or("");
        out.push(FormField {
            name: l.field,
            label: l.label,
            help: if prefix.is_empty() {
                ""
            } else {
                "References separated by commas"
            },
            control: "links",
            value,
            options: vec![(prefix.to_string(), String::new(), false)],
            required: false,
            error: errors.message_for(l.field).map(str::to_string),
        });
    }
    out
}

async fn record_with_link_refs(
    s: &AppState,
    spec: &'static RegisterSpec,
    rec: Record,
) -> Result<Record, PageError> {
    let mut rec = rec;
    let id = id_of(&rec);
    for (field, items) in s.cx.store.register_links(spec, id).await? {
        let other = spec
            .link(&field)
            .and_then(|l| REGISTERS.iter().find(|r| r.table == l.other))
            .copied();
        let refs: Vec<Value> = items
            .iter()
            .map(|i| Value::String(other.map(|o| o.reference(i.number)).unwrap_or_default()))
            .collect();
        rec.insert(field, Value::Array(refs));
    }
    Ok(rec)
}

async fn new_form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.require(Permission::Write)?;
    let spec = spec_of(&register)?;
    let lookups = Lookups::load(&s.cx.store, ctx.org.org_id, spec).await?;
    let mut defaults = Map::new();
    if spec.table == "ai_systems" {
        defaults.insert("lifecycle_stage".into(), "inception".into());
        defaults.insert("in_scope".into(), true.into());
        defaults.insert("owner_id".into(), ctx.user.user_id.into());
    }
    let page = FormPage {
        layout: ctx.layout(&format!("New {}", spec.singular), spec.path),
        spec,
        id: None,
        reference: String::new(),
        version: 0,
        fields: form_fields(spec, &defaults, &lookups, &Invalid::default()),
        conflict: None,
    };
    Ok(render(&page))
}

async fn edit_form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.require(Permission::Write)?;
    let spec = spec_of(&register)?;
    let rec =
        s.cx.store
            .register_get(ctx.org.org_id, spec, id)
            .await?
            .ok_or_else(|| {
                PageError::Status(StatusCode::NOT_FOUND, format!("No such {}.", spec.singular))
            })?;
    let rec = record_with_link_refs(&s, spec, rec).await?;
    let lookups = Lookups::load(&s.cx.store, ctx.org.org_id, spec).await?;
    let page = FormPage {
        layout: ctx.layout(&format!("Edit {}", str_of(&rec, "reference")), spec.path),
        spec,
        id: Some(id),
        reference: str_of(&rec, "reference"),
        version: rec.get("version").and_then(|v| v.as_i64()).unwrap_or(0),
        fields: form_fields(spec, &rec, &lookups, &Invalid::default()),
        conflict: None,
    };
    Ok(render(&page))
}

/// Turns submitted form pairs into the JSON object the register checks; link references
/// (`MDL-1, MDL-3`) become ids, unknown ones are named.
async fn form_to_json(
    s: &AppState,
    ctx: &OrgCtx,
    spec: &'static RegisterSpec,
    form: &[(String, String)],
) -> Result<(Map<String, Value>, Map<String, Value>, Invalid), PageError> {
    let mut obj = Map::new();
    let mut shown = Map::new();
    let mut inv = Invalid::default();
    for f in spec.fields.iter().filter(|f| !f.computed) {
        let vals: Vec<&str> = form
            .iter()
            .filter(|(k, _)| k == f.name)
            .map(|(_, v)| v.as_str())
            .collect();
        let v = match f.kind {
            FieldKind::Multi(_) => {
                Value::Array(vals.iter().map(|v| Value::String(v.to_string())).collect())
            }
            FieldKind::Bool => Value::Bool(vals.iter().any(|v| *v == "true" || *v == "on")),
            _ => Value::String(vals.first().map(|v| v.to_string()).unwrap_or_default()),
        };
        shown.insert(f.name.into(), v.clone());
        obj.insert(f.name.into(), v);
    }
    for l in spec.links {
        let raw = form
            .iter()
            .find(|(k, _)| k == l.field)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        shown.insert(l.field.into(), Value::String(raw.clone()));
        let Some(other) = REGISTERS.iter().find(|r| r.table == l.other).copied() else {
            continue;
        };
        let refs: Vec<&str> = raw
            .split([',', ';', ' '])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .collect();
        let mut numbers = vec![];
        for r in &refs {
            match other.parse_reference(r) {
                Some(n) => numbers.push(n),
                None => inv.push(
                    l.field,
                    format!("`{r}` is not a reference like {}-1", other.prefix),
                ),
            }
        }
        let found =
            s.cx.store
                .register_ids_by_numbers(ctx.org.org_id, other, &numbers)
                .await?;
        for n in &numbers {
            if !found.iter().any(|(num, _)| num == n) {
                inv.push(l.field, format!("{} does not exist", other.reference(*n)));
            }
        }
        obj.insert(
            l.field.into(),
            Value::Array(found.iter().map(|(_, id)| Value::from(*id)).collect()),
        );
    }
    Ok((obj, shown, inv))
}

async fn save(
    s: &AppState,
    ctx: &OrgCtx,
    spec: &'static RegisterSpec,
    id: Option<i64>,
    form: Vec<(String, String)>,
) -> Result<Response, PageError> {
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Write)?;
    let version: i64 = form_value(&form, "version").parse().unwrap_or(0);
    let (obj, shown, mut inv) = form_to_json(s, ctx, spec, &form).await?;
    let checked = check_input(spec, &obj, false);
    let lookups = Lookups::load(&s.cx.store, ctx.org.org_id, spec).await?;
    let page = |inv: &Invalid, conflict: Option<String>, version: i64| FormPage {
        layout: ctx.layout(spec.singular, spec.path),
        spec,
        id,
        reference: String::new(),
        version,
        fields: form_fields(spec, &shown, &lookups, inv),
        conflict,
    };
    let input = match checked {
        Ok(i) if inv.is_empty() => i,
        Ok(_) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&page(&inv, None, version)),
            )
                .into_response())
        }
        Err(e) => {
            inv.0.extend(e.0);
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&page(&inv, None, version)),
            )
                .into_response());
        }
    };
    let result = match id {
        None => write::create(&s.cx, &ctx.scope(), spec, &input).await,
        Some(id) => write::update(&s.cx, &ctx.scope(), spec, id, version, &input).await,
    };
    match result {
        Ok(rec) => Ok(Redirect::to(&format!(
            "/o/{}/inventory/{}/{}",
            ctx.org.slug,
            spec.path,
            id_of(&rec)
        ))
        .into_response()),
        Err(e) if e.kind == ErrorKind::Invalid && !e.errors.is_empty() => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&page(&Invalid(e.errors), None, version)),
        )
            .into_response()),
        Err(AppError {
            kind: ErrorKind::Stale,
            current_version: Some(current),
            ..
        }) => {
            let msg = format!("Someone else changed this {} while you were editing (it is now at version {current}). Your input is kept below: check the record in another tab, then save again to overwrite.", spec.singular);
            Ok((
                StatusCode::CONFLICT,
                render(&page(&Invalid::default(), Some(msg), current)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    save(&s, &ctx, spec, None, form).await
}

async fn update(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    save(&s, &ctx, spec, Some(id), form).await
}

async fn delete(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Write)?;
    match write::delete(&s.cx, &ctx.scope(), spec, id).await {
        Ok(()) => Ok(Redirect::to(&format!("/o/{slug}/inventory/{}", spec.path)).into_response()),
        Err(AppError {
            kind: ErrorKind::Conflict,
            detail: m,
            ..
        }) => Ok((
            StatusCode::CONFLICT,
            render(&detail_page(&s, &ctx, spec, id, Some(m)).await?),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- CSV import with preview

#[derive(Template)]
#[template(path = "register_import.html")]
struct ImportPage {
    layout: Layout,
    spec: &'static RegisterSpec,
    columns: Vec<&'static str>,
    /// After an upload: rows read, valid rows, problems, and the file to confirm.
    total: usize,
    valid: usize,
    errors: Vec<aims_domain::FieldError>,
    csv: Option<String>,
    message: Option<String>,
}

async fn import_form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.require(Permission::Write)?;
    let spec = spec_of(&register)?;
    Ok(render(&ImportPage {
        layout: ctx.layout("Import", spec.path),
        spec,
        columns: registers::columns(spec),
        total: 0,
        valid: 0,
        errors: vec![],
        csv: None,
        message: None,
    }))
}

async fn multipart_fields(mut form: Multipart) -> Result<Vec<(String, String)>, PageError> {
    let bad = |m: String| PageError::Status(StatusCode::BAD_REQUEST, m);
    let mut out = vec![];
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        let name = field.name().unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(|e| bad(e.body_text()))?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
            PageError::Status(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{name}: the file is not UTF-8 text"),
            )
        })?;
        out.push((name, text));
    }
    Ok(out)
}

async fn import_upload(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register)): Path<(String, String)>,
    form: Multipart,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    let fields = multipart_fields(form).await?;
    ctx.check_csrf(form_value(&fields, "_csrf"))?;
    ctx.require(Permission::Write)?;
    let text = form_value(&fields, "file").to_string();
    let mut page = ImportPage {
        layout: ctx.layout("Import", spec.path),
        spec,
        columns: registers::columns(spec),
        total: 0,
        valid: 0,
        errors: vec![],
        csv: None,
        message: None,
    };
    if text.trim().is_empty() {
        page.message = Some("Choose a CSV file to import.".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    let lookups = Lookups::load(&s.cx.store, ctx.org.org_id, spec).await?;
    match registers::read_csv(spec, &text, &lookups) {
        Ok(report) => {
            page.total = report.total;
            page.valid = report.rows.len();
            page.errors = report.errors;
            if page.errors.is_empty() {
                page.csv = Some(text);
            }
            Ok(render(&page))
        }
        Err(p) => {
            page.errors = p.errors;
            page.message = Some(p.detail);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

async fn import_confirm(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Write)?;
    let text = form_value(&form, "csv").to_string();
    match registers::import_csv(&s.cx, &ctx.scope(), spec, &text).await {
        Ok(recs) => Ok(Redirect::to(&format!(
            "/o/{slug}/inventory/{}?imported={}",
            spec.path,
            recs.len()
        ))
        .into_response()),
        Err(p) => {
            let page = ImportPage {
                layout: ctx.layout("Import", spec.path),
                spec,
                columns: registers::columns(spec),
                total: 0,
                valid: 0,
                errors: p.errors,
                csv: None,
                message: Some(p.detail),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

// ---------------------------------------------------------------- CycloneDX

#[derive(Template)]
#[template(path = "bom_import.html")]
struct BomPage {
    layout: Layout,
    systems: Vec<(i64, String)>,
    report: Option<aims_store::InventoryImportReport>,
    errors: Vec<aims_domain::FieldError>,
}

async fn systems_for_select(s: &AppState, ctx: &OrgCtx) -> Result<Vec<(i64, String)>, PageError> {
    let rows = registers::all_rows(
        &s.cx.store,
        ctx.org.org_id,
        &AI_SYSTEMS,
        &ListQuery {
            limit: 500,
            ..Default::default()
        },
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                id_of(r),
                format!("{} {}", str_of(r, "reference"), str_of(r, "name")),
            )
        })
        .collect())
}

async fn bom_form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.require(Permission::Write)?;
    Ok(render(&BomPage {
        layout: ctx.layout("Import a CycloneDX BOM", "ai-systems"),
        systems: systems_for_select(&s, &ctx).await?,
        report: None,
        errors: vec![],
    }))
}

async fn bom_import(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    form: Multipart,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let fields = multipart_fields(form).await?;
    ctx.check_csrf(form_value(&fields, "_csrf"))?;
    ctx.require(Permission::Write)?;
    let text = form_value(&fields, "file").to_string();
    let system_id = form_value(&fields, "system_id").parse::<i64>().ok();
    let systems = systems_for_select(&s, &ctx).await?;
    let fail = |errors: Vec<aims_domain::FieldError>| BomPage {
        layout: ctx.layout("Import a CycloneDX BOM", "ai-systems"),
        systems: systems.clone(),
        report: None,
        errors,
    };
    let doc: Value = match serde_json::from_str(&text) {
        Ok(d) => d,
        Err(e) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&fail(vec![aims_domain::FieldError {
                    field: "file".into(),
                    message: format!("is not JSON: {e}"),
                }])),
            )
                .into_response())
        }
    };
    match aims_service::cyclonedx::import(&s.cx, &ctx.scope(), &doc, system_id).await {
        Ok(report) => Ok(render(&BomPage {
            layout: ctx.layout("Import a CycloneDX BOM", "ai-systems"),
            systems,
            report: Some(report),
            errors: vec![],
        })),
        Err(e) if e.kind == ErrorKind::Invalid => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&fail(e.errors))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn ai_systems_only(register: &str) -> Result<(), PageError> {
    if register == AI_SYSTEMS.path {
        Ok(())
    } else {
        Err(PageError::Status(
            StatusCode::NOT_FOUND,
            "Only AI systems have this page.".into(),
        ))
    }
}

async fn bom_export(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    ai_systems_only(&register)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let bom = aims_service::cyclonedx::export(&s.cx, &ctx.scope(), id).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.cyclonedx+json; version=1.6".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ais-{id}.cdx.json\""),
            ),
        ],
        axum::Json(bom),
    )
        .into_response())
}

// ---------------------------------------------------------------- classification

#[derive(Template)]
#[template(path = "classification.html")]
struct ClassificationPage {
    layout: Layout,
    id: i64,
    reference: String,
    name: String,
    roles: String,
    view: ClassificationView,
    classified: bool,
    can_write: bool,
    errors: Invalid,
    conflict: Option<String>,
    prohibited: Vec<(&'static str, &'static str, bool)>,
    annex_iii: Vec<(&'static str, &'static str, bool)>,
    exceptions: Vec<(&'static str, &'static str, bool)>,
}

impl ClassificationPage {
    fn article_id(&self, article: &str) -> i64 {
        self.view
            .articles
            .get(article)
            .and_then(|v| v.as_i64())
            .unwrap_or(0)
    }
}

async fn classification_page(
    s: &AppState,
    ctx: &OrgCtx,
    id: i64,
    answers: Option<Answers>,
    errors: Invalid,
    conflict: Option<String>,
) -> Result<ClassificationPage, PageError> {
    let rec =
        s.cx.store
            .register_get(ctx.org.org_id, &AI_SYSTEMS, id)
            .await?
            .ok_or_else(|| PageError::Status(StatusCode::NOT_FOUND, "No such AI system.".into()))?;
    let classified = rec.get("classification").is_some_and(|c| !c.is_null());
    let answers = answers.unwrap_or_else(|| stored_answers(&rec));
    let view = classification::preview(&s.cx, &ctx.scope(), &rec, answers).await?;
    let roles_field = AI_SYSTEMS.field("roles");
    let roles = roles_field
        .map(|f| display(f, rec.get("roles"), &Lookups::default()))
        .unwrap_or_default();
    let a = &view.answers;
    Ok(ClassificationPage {
        layout: ctx.layout("EU AI Act classification", "ai-systems"),
        id,
        reference: str_of(&rec, "reference"),
        name: str_of(&rec, "name"),
        roles,
        prohibited: PROHIBITED
            .iter()
            .map(|(k, l)| (*k, *l, a.prohibited_practices.iter().any(|p| p == k)))
            .collect(),
        annex_iii: ANNEX_III
            .iter()
            .map(|(k, l)| (*k, *l, a.annex_iii_use_cases.iter().any(|p| p == k)))
            .collect(),
        exceptions: EXCEPTIONS
            .iter()
            .map(|(k, l)| (*k, *l, a.annex_iii_exception.as_deref() == Some(*k)))
            .collect(),
        view,
        classified,
        can_write: ctx.org.role.permissions().allows(Permission::Write),
        errors,
        conflict,
    })
}

async fn classification(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    ai_systems_only(&register)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(
        &classification_page(&s, &ctx, id, None, Invalid::default(), None).await?,
    ))
}

async fn classify(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ai_systems_only(&register)?;
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    ctx.require(Permission::Write)?;
    let all = |k: &str| {
        form.iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let on = |k: &str| {
        form.iter()
            .any(|(n, v)| n == k && (v == "true" || v == "on"))
    };
    let answers = Answers {
        prohibited_practices: all("prohibited_practices"),
        annex_i_safety_component: on("annex_i_safety_component"),
        annex_iii_use_cases: all("annex_iii_use_cases"),
        annex_iii_exception: all("annex_iii_exception")
            .into_iter()
            .find(|v| !v.is_empty()),
        profiles_natural_persons: on("profiles_natural_persons"),
        interacts_with_people: on("interacts_with_people"),
        generates_synthetic_content: on("generates_synthetic_content"),
        emotion_or_biometric_categorisation: on("emotion_or_biometric_categorisation"),
        deep_fakes_or_public_text: on("deep_fakes_or_public_text"),
        general_purpose_model: on("general_purpose_model"),
        systemic_risk: on("systemic_risk"),
        rationale: all("rationale").into_iter().next().unwrap_or_default(),
    };
    let version = form_value(&form, "version").parse().unwrap_or(0);
    match classification::classify_system(
        &s.cx,
        &ctx.scope(),
        id,
        ClassifyRequest {
            answers: answers.clone(),
            version,
        },
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/o/{slug}/inventory/ai-systems/{id}/classification"
        ))
        .into_response()),
        Err(p) if crate::error::status_of(p.kind) == StatusCode::CONFLICT => {
            let page = classification_page(
                &s,
                &ctx,
                id,
                Some(answers),
                Invalid::default(),
                Some(p.detail),
            )
            .await?;
            Ok((StatusCode::CONFLICT, render(&page)).into_response())
        }
        Err(p) if !p.errors.is_empty() => {
            let inv = Invalid(
                p.errors
                    .into_iter()
                    .map(|e| aims_domain::FieldError {
                        field: e.field.trim_start_matches("answers.").to_string(),
                        message: e.message,
                    })
                    .collect(),
            );
            let page = classification_page(&s, &ctx, id, Some(answers), inv, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(p) => Err(p.into()),
    }
}
