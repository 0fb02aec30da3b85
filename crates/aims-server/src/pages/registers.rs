//! Register pages: lists with filters, sort and pages; create and edit forms with errors beside the field; CSV/XLSX export.

use super::record::detail_page;
use super::record::id_of;
use super::record::pairs;
use super::record::qs;
use super::record::spec_of;
use super::record::str_of;
use crate::pages::form_value;
use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::OrgCtx;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::register::check_input;
use aims_domain::register::FieldKind;
use aims_domain::register::RegisterSpec;
use aims_domain::register::REGISTERS;
use aims_domain::Invalid;
use aims_domain::Permission;
use aims_service::registers;
use aims_service::registers::display;
use aims_service::registers::write;
use aims_service::registers::ListQuery;
use aims_service::registers::Lookups;
use aims_service::AppError;
use aims_service::ErrorKind;
use aims_store::Record;
use askama::Template;
use axum::extract::Form;
use axum::extract::Path;
use axum::extract::RawQuery;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use serde_json::Map;
use serde_json::Value;
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/inventory/{register}", get(list).post(create))
        .route("/o/{slug}/inventory/{register}/new", get(new_form))
        .route("/o/{slug}/inventory/{register}/export", get(export))
        .route(
            "/o/{slug}/inventory/{register}/{id}",
            get(detail).post(update),
        )
        .route("/o/{slug}/inventory/{register}/{id}/edit", get(edit_form))
        .route("/o/{slug}/inventory/{register}/{id}/delete", post(delete))
}

/// A filter control in the list's filter bar.
pub(crate) struct FilterView {
    name: &'static str,
    label: &'static str,
    /// (value, label, selected); empty for a free-text filter.
    options: Vec<(String, String, bool)>,
    value: String,
}

pub(crate) struct ColumnView {
    label: &'static str,
    /// Link that sorts by this column (toggling direction), if sortable.
    sort_link: Option<String>,
    arrow: &'static str,
}

pub(crate) struct RowView {
    id: i64,
    reference: String,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "register_list.html")]
pub(crate) struct ListPage {
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

pub(crate) fn options_for(
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

pub(crate) async fn list(
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

pub(crate) async fn export(
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

pub(crate) async fn detail(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    Ok(render(&detail_page(&s, &ctx, spec, id, None).await?))
}

pub(crate) struct FormField {
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
pub(crate) struct FormPage {
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
pub(crate) fn form_fields(
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

pub(crate) async fn record_with_link_refs(
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

pub(crate) async fn new_form(
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

pub(crate) async fn edit_form(
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
pub(crate) async fn form_to_json(
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

pub(crate) async fn save(
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

pub(crate) async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    save(&s, &ctx, spec, None, form).await
}

pub(crate) async fn update(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, id)): Path<(String, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    save(&s, &ctx, spec, Some(id), form).await
}

pub(crate) async fn delete(
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
