//! Register pages: lists with filters, sort and pages; create and edit forms with errors beside the field; CSV/XLSX export.

use super::record::detail_page;
use super::record::id_of;
use super::record::pairs;
use super::record::qs;
use super::record::spec_of;
use super::record::str_of;
use crate::pages::flash_redirect;
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
use aims_service::registers::read::PickOption;
use aims_service::registers::write;
use aims_service::registers::ListQuery;
use aims_service::registers::Lookups;
use aims_service::AppError;
use aims_service::ErrorKind;
use askama::Template;
use axum::extract::Form;
use axum::extract::Path;
use axum::extract::RawQuery;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Map;
use serde_json::Value;
use std::collections::HashMap;
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
        .route("/o/{slug}/inventory/{register}/pick/{field}", get(pick))
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
    cells: Vec<CellView>,
}

/// One table cell: its text, a status chip's tone when it shows a status, whether it is a date.
pub(crate) struct CellView {
    pub(crate) text: String,
    pub(crate) chip: Option<&'static str>,
    pub(crate) date: bool,
}

/// The tone of a status chip (its colour; the word is always shown too).
pub(crate) fn chip_tone(value: &str) -> &'static str {
    match value {
        "implemented"
        | "approved"
        | "done"
        | "completed"
        | "accepted"
        | "closed"
        | "low"
        | "minimal"
        | "effective"
        | "published"
        | "operation_monitoring" => "good",
        "in_progress"
        | "in_review"
        | "planned"
        | "in_treatment"
        | "assessed"
        | "medium"
        | "limited"
        | "partially_effective"
        | "open" => "warn",
        "high" | "critical" | "prohibited" | "high_risk" | "not_effective" | "identified"
        | "not_started" | "draft" | "overdue" => "bad",
        _ => "plain",
    }
}

pub(crate) fn cell(
    f: &aims_domain::register::FieldSpec,
    r: &aims_store::Record,
    lookups: &Lookups,
) -> CellView {
    let text = display(f, r.get(f.name), lookups);
    let chip = matches!(f.kind, FieldKind::Enum(_))
        .then(|| r.get(f.name).and_then(|v| v.as_str()).map(chip_tone))
        .flatten()
        .filter(|_| !text.is_empty());
    CellView {
        text,
        chip,
        date: f.kind == FieldKind::Date,
    }
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
    /// The named view shown (`view=overdue`): its words and raw value.
    view: Option<(String, String)>,
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
    let lq = ListQuery::parse(spec, &pairs(&q), 50, &s.cx)?;
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
                .map(|f| cell(f, r, &lookups))
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
        filtered: !lq.raw_filters.is_empty() || lq.search.is_some() || lq.view.is_some(),
        view: lq
            .view
            .as_ref()
            .map(|(_, raw)| (registers::view_label(spec, raw), raw.clone())),
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
    let lq = ListQuery::parse(spec, &p, 500, &s.cx)?;
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
    /// text, textarea, select, multi, checkbox, date, number, picker
    control: &'static str,
    value: String,
    options: Vec<(String, String, bool)>,
    required: bool,
    error: Option<String>,
    /// A picker's chosen records, and what its last search found (not yet chosen).
    picked: Vec<PickOption>,
    found: Vec<PickOption>,
    /// A picker's search words, and whether a search was made.
    query: String,
    searched: bool,
    /// What the picker searches, for its hint ("AI systems", "requirements").
    other: &'static str,
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

/// What a form's pickers show: the chosen records per link field, and one search's results.
#[derive(Default)]
pub(crate) struct Pickers {
    pub chosen: HashMap<&'static str, Vec<PickOption>>,
    /// (field, words, results) of the search the user asked for.
    pub search: Option<(String, String, Vec<PickOption>)>,
}

/// The form's fields, filled from a record (edit) or from what was submitted (after an error).
pub(crate) fn form_fields(
    spec: &'static RegisterSpec,
    values: &Map<String, Value>,
    lookups: &Lookups,
    pickers: &Pickers,
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
            // A decimal: a text box, so that 0.95 and 95,5 are typed as people write them.
            FieldKind::Number => ("text", vec![]),
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
        // A risk becomes "accepted" only through its acceptance, by a named approver.
        let (options, help) = if spec.table == "risks" && f.name == "status" {
            (
                options
                    .into_iter()
                    .filter(|o| o.0 != "accepted" || as_text == "accepted")
                    .collect(),
                "To accept a risk, use “Accept the risk” on its page: it records who, why and until when.",
            )
        } else {
            (options, f.help)
        };
        out.push(FormField {
            name: f.name,
            label: f.label,
            help,
            control,
            value: as_text,
            options,
            required: f.required,
            error: errors.message_for(f.name).map(str::to_string),
            picked: vec![],
            found: vec![],
            query: String::new(),
            searched: false,
            other: "",
        });
    }
    for l in spec.links {
        let picked = pickers.chosen.get(l.field).cloned().unwrap_or_default();
        let (query, found, searched) = match &pickers.search {
            Some((field, q, found)) if field == l.field => (
                q.clone(),
                found
                    .iter()
                    .filter(|o| !picked.iter().any(|p| p.id == o.id))
                    .cloned()
                    .collect(),
                true,
            ),
            _ => (String::new(), vec![], false),
        };
        let other = REGISTERS
            .iter()
            .find(|r| r.table == l.other)
            .map(|r| r.plural)
            .unwrap_or("requirements");
        out.push(FormField {
            name: l.field,
            label: l.label,
            help: "",
            control: "picker",
            value: String::new(),
            options: vec![],
            required: false,
            error: errors.message_for(l.field).map(str::to_string),
            picked,
            found,
            query,
            searched,
            other,
        });
    }
    out
}

#[derive(serde::Deserialize)]
pub(crate) struct PickQuery {
    #[serde(default)]
    q: String,
}

/// The live search of a form's picker (its JavaScript asks; without it, "Search" submits the form).
pub(crate) async fn pick(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, register, field)): Path<(String, String, String)>,
    axum::extract::Query(q): axum::extract::Query<PickQuery>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let spec = spec_of(&register)?;
    let found = registers::read::pick(&s.cx, &ctx.scope(), spec, &field, &q.q).await?;
    Ok(axum::Json(found).into_response())
}

/// The chosen records of every link of a stored record, for its edit form.
async fn stored_pickers(
    s: &AppState,
    spec: &'static RegisterSpec,
    id: i64,
) -> Result<Pickers, PageError> {
    let mut p = Pickers::default();
    for (field, items) in s.cx.store.register_links(spec, id).await? {
        let Some(l) = spec.link(&field) else { continue };
        p.chosen
            .insert(l.field, registers::read::labelled(l.other, items));
    }
    Ok(p)
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
        fields: form_fields(
            spec,
            &defaults,
            &lookups,
            &Pickers::default(),
            &Invalid::default(),
        ),
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
    let pickers = stored_pickers(&s, spec, id).await?;
    let lookups = Lookups::load(&s.cx.store, ctx.org.org_id, spec).await?;
    let page = FormPage {
        layout: ctx.layout(&format!("Edit {}", str_of(&rec, "reference")), spec.path),
        spec,
        id: Some(id),
        reference: str_of(&rec, "reference"),
        version: rec.get("version").and_then(|v| v.as_i64()).unwrap_or(0),
        fields: form_fields(spec, &rec, &lookups, &pickers, &Invalid::default()),
        conflict: None,
    };
    Ok(render(&page))
}

/// The name a form gives the marker that says it showed a field whose absence means "none"
/// (checkboxes, multi-choices, pickers): without the marker, the field is not touched.
const SHOWN: &str = "_shown";

/// Turns submitted form pairs into the JSON object the register checks. On an edit only the
/// fields the form showed are carried, so a save never clears a field the form did not show.
/// Picker values are record ids; a typed reference (`MDL-1`) is taken too.
pub(crate) async fn form_to_json(
    s: &AppState,
    ctx: &OrgCtx,
    spec: &'static RegisterSpec,
    form: &[(String, String)],
    editing: bool,
) -> Result<(Map<String, Value>, Map<String, Value>, Pickers, Invalid), PageError> {
    let mut obj = Map::new();
    let mut shown = Map::new();
    let mut pickers = Pickers::default();
    let mut inv = Invalid::default();
    let marked = |name: &str| form.iter().any(|(k, v)| k == SHOWN && v == name);
    for f in spec.fields.iter().filter(|f| !f.computed) {
        let vals: Vec<&str> = form
            .iter()
            .filter(|(k, _)| k == f.name)
            .map(|(_, v)| v.as_str())
            .collect();
        let absent_means_none = matches!(f.kind, FieldKind::Multi(_) | FieldKind::Bool);
        let on_form = if absent_means_none {
            marked(f.name)
        } else {
            !vals.is_empty()
        };
        if editing && !on_form {
            continue;
        }
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
        if editing && !marked(l.field) {
            continue;
        }
        let other = REGISTERS.iter().find(|r| r.table == l.other).copied();
        let mut ids = vec![];
        let mut numbers = vec![];
        for raw in form.iter().filter(|(k, _)| k == l.field).map(|(_, v)| v) {
            for token in raw
                .split([',', ';', ' '])
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                if let Ok(id) = token.parse::<i64>() {
                    ids.push(id);
                    continue;
                }
                match other.and_then(|o| o.parse_reference(token).map(|n| (o, n))) {
                    Some((_, n)) => numbers.push(n),
                    None => inv.push(
                        l.field,
                        match other {
                            Some(o) => format!("`{token}` is not a reference like {}-1", o.prefix),
                            None => format!("`{token}`: pick the requirement from the search"),
                        },
                    ),
                }
            }
        }
        if let (Some(other), false) = (other, numbers.is_empty()) {
            let found =
                s.cx.store
                    .register_ids_by_numbers(ctx.org.org_id, other, &numbers)
                    .await?;
            for n in &numbers {
                match found.iter().find(|(num, _)| num == n) {
                    Some((_, id)) => ids.push(*id),
                    None => inv.push(l.field, format!("{} does not exist", other.reference(*n))),
                }
            }
        }
        ids.dedup();
        let labels = registers::read::link_labels(&s.cx, &ctx.scope(), spec, l.field, &ids).await?;
        if labels.len() < ids.len() {
            inv.push(l.field, "names a record that does not exist");
        }
        pickers.chosen.insert(l.field, labels);
        obj.insert(
            l.field.into(),
            Value::Array(ids.iter().map(|id| Value::from(*id)).collect()),
        );
    }
    if let Some(field) = spec
        .links
        .iter()
        .find(|l| form_value(form, "_pick") == l.field)
        .map(|l| l.field)
    {
        let q = form_value(form, &format!("_q_{field}")).to_string();
        let found = registers::read::pick(&s.cx, &ctx.scope(), spec, field, &q).await?;
        pickers.search = Some((field.to_string(), q, found));
    }
    Ok((obj, shown, pickers, inv))
}

/// What a refused or searching form needs to show itself again.
struct Shown<'a> {
    ctx: &'a OrgCtx,
    spec: &'static RegisterSpec,
    id: Option<i64>,
    values: Map<String, Value>,
    pickers: Pickers,
}

impl Shown<'_> {
    /// The form again, with `status`: what was typed, the stored values of the fields an edit did
    /// not carry, the errors beside their fields. Loaded only when a form is shown again, not on
    /// a successful save.
    async fn page(
        mut self,
        s: &AppState,
        status: StatusCode,
        inv: &Invalid,
        conflict: Option<String>,
        version: i64,
    ) -> Result<Response, PageError> {
        let (ctx, spec) = (self.ctx, self.spec);
        let lookups = Lookups::load(&s.cx.store, ctx.org.org_id, spec).await?;
        if let Some(id) = self.id {
            if let Some(rec) = s.cx.store.register_get(ctx.org.org_id, spec, id).await? {
                for (k, v) in rec {
                    self.values.entry(k).or_insert(v);
                }
            }
        }
        let page = FormPage {
            layout: ctx.layout(spec.singular, spec.path),
            spec,
            id: self.id,
            reference: self
                .values
                .get("reference")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
            version,
            fields: form_fields(spec, &self.values, &lookups, &self.pickers, inv),
            conflict,
        };
        Ok((status, render(&page)).into_response())
    }
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
    let editing = id.is_some();
    let (obj, values, pickers, mut inv) = form_to_json(s, ctx, spec, &form, editing).await?;
    let shown = Shown {
        ctx,
        spec,
        id,
        values,
        pickers,
    };
    // "Search" in a picker shows what it found; nothing is saved until "Save".
    if shown.pickers.search.is_some() {
        return shown
            .page(s, StatusCode::OK, &Invalid::default(), None, version)
            .await;
    }
    let input = match check_input(spec, &obj, editing) {
        Ok(i) if inv.is_empty() => i,
        checked => {
            if let Err(e) = checked {
                inv.0.extend(e.0);
            }
            return shown
                .page(s, StatusCode::UNPROCESSABLE_ENTITY, &inv, None, version)
                .await;
        }
    };
    let result = match id {
        None => write::create(&s.cx, &ctx.scope(), spec, &input).await,
        Some(id) => write::update(&s.cx, &ctx.scope(), spec, id, version, &input).await,
    };
    match result {
        Ok(rec) => {
            let verb = if editing { "saved" } else { "created" };
            Ok(flash_redirect(
                &format!(
                    "/o/{}/inventory/{}/{}",
                    ctx.org.slug,
                    spec.path,
                    id_of(&rec)
                ),
                &format!("{} {verb}.{}", str_of(&rec, "reference"), warnings_of(&rec)),
            ))
        }
        Err(e) if e.kind == ErrorKind::Invalid && !e.errors.is_empty() => {
            shown
                .page(
                    s,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &Invalid(e.errors),
                    None,
                    version,
                )
                .await
        }
        Err(AppError {
            kind: ErrorKind::Stale,
            current_version: Some(current),
            ..
        }) => {
            let msg = format!("Someone else changed this {} while you were editing (it is now at version {current}). Your input is kept below: check the record in another tab, then save again to overwrite.", spec.singular);
            shown
                .page(
                    s,
                    StatusCode::CONFLICT,
                    &Invalid::default(),
                    Some(msg),
                    current,
                )
                .await
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

/// The warnings a save answered with (an incident's hold on a system, Art. 73(6)), for the
/// success message.
fn warnings_of(rec: &aims_store::Record) -> String {
    rec.get("warnings")
        .and_then(|w| w.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str())
                .map(|w| format!(" Warning: {w}."))
                .collect()
        })
        .unwrap_or_default()
}
