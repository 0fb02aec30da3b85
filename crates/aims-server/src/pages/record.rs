//! The record page shared by every register: fields, links, history, and the parts particular to a register (risk acceptance, impact assessment findings, evidence files).

use crate::pages::render;
use crate::pages::Layout;
use crate::pages::OrgCtx;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::register::FieldKind;
use aims_domain::register::RegisterSpec;
use aims_domain::register::AI_SYSTEMS;
use aims_domain::register::REGISTERS;
use aims_domain::risk::ImpactEntry;
use aims_domain::risk::DIMENSIONS;
use aims_domain::risk::PARTIES;
use aims_domain::Invalid;
use aims_domain::Permission;
use aims_service::impact;
use aims_service::registers;
use aims_service::registers::display;
use aims_service::registers::Lookups;
use aims_service::risk;
use aims_service::AppError;
use aims_store::AuditEvent;
use aims_store::AuditFilter;
use aims_store::Record;
use askama::Template;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
pub(crate) fn spec_of(path: &str) -> Result<&'static RegisterSpec, PageError> {
    registers::by_path(path).ok_or_else(|| {
        PageError::Status(StatusCode::NOT_FOUND, "There is no such register.".into())
    })
}

pub(crate) fn pairs(q: &Option<String>) -> Vec<(String, String)> {
    q.as_deref()
        .map(|s| form_urlencoded::parse(s.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

pub(crate) fn qs(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

pub(crate) fn str_of(r: &Record, k: &str) -> String {
    r.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string()
}

pub(crate) fn id_of(r: &Record) -> i64 {
    r.get("id").and_then(|v| v.as_i64()).unwrap_or(0)
}

pub(crate) struct FieldRow {
    label: &'static str,
    value: String,
    long: bool,
}

pub(crate) struct LinkGroup {
    pub(crate) label: String,
    /// (href, reference, name)
    pub(crate) items: Vec<(String, String, String)>,
}

/// A record's links both ways, grouped: what it links (requirements included) and what refers to it.
pub(crate) async fn link_groups(
    s: &AppState,
    ctx: &OrgCtx,
    spec: &'static RegisterSpec,
    id: i64,
) -> Result<Vec<LinkGroup>, PageError> {
    let slug = &ctx.org.slug;
    let mut groups = vec![];
    let (linked, referrers) =
        s.cx.store
            .register_neighbours(ctx.org.org_id, spec, id)
            .await?;
    for (field, items) in linked {
        let Some(l) = spec.link(&field) else { continue };
        let items = match REGISTERS.iter().find(|r| r.table == l.other).copied() {
            Some(other) => items
                .into_iter()
                .map(|i| {
                    (
                        format!("/o/{slug}/inventory/{}/{}", other.path, i.id),
                        other.reference(i.number),
                        i.name,
                    )
                })
                .collect(),
            // Requirements belong to the catalog, named "key:ref title".
            None => items
                .into_iter()
                .map(|i| {
                    let (reference, title, framework) = registers::read::requirement_parts(&i.name);
                    (
                        format!("/o/{slug}/requirements/{}", i.id),
                        reference,
                        format!("{title} ({framework})"),
                    )
                })
                .collect(),
        };
        groups.push(LinkGroup {
            label: l.label.to_string(),
            items,
        });
    }
    for (table, items) in referrers {
        let Some(other) = REGISTERS.iter().find(|r| r.table == table).copied() else {
            continue;
        };
        if !items.is_empty() {
            groups.push(LinkGroup {
                label: format!("{} from this {}", other.plural, spec.singular),
                items: items
                    .into_iter()
                    .map(|i| {
                        (
                            format!("/o/{slug}/inventory/{}/{}", other.path, i.id),
                            other.reference(i.number),
                            i.name,
                        )
                    })
                    .collect(),
            });
        }
    }
    for (label, other, items) in
        aims_service::trace::backlinks(&s.cx, &ctx.scope(), spec, id).await?
    {
        groups.push(LinkGroup {
            label,
            items: items
                .into_iter()
                .map(|i| {
                    (
                        format!("/o/{slug}/inventory/{}/{}", other.path, i.id),
                        other.reference(i.number),
                        i.name,
                    )
                })
                .collect(),
        });
    }
    Ok(groups)
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
    /// The stored classification came from rules other than today's.
    rules_changed: bool,
    error: Option<String>,
    extras: Extras,
    /// After a refused form on this page: the problems by field, and what was submitted.
    pub(crate) form_errors: Invalid,
    pub(crate) submitted: Vec<(String, String)>,
    /// The finding being edited (impact assessments).
    pub(crate) editing: Option<usize>,
}

impl DetailPage {
    /// How many findings an impact assessment has.
    pub(crate) fn extras_entries(&self) -> usize {
        self.extras.entries.len()
    }
    fn form_error(&self, field: &str) -> Option<&str> {
        self.form_errors.message_for(field)
    }
    /// What was submitted for `name`, else `default`.
    fn kept(&self, name: &str, default: &str) -> String {
        self.submitted
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| default.to_string())
    }
    /// A finding's value for the edit form: what was submitted, else the stored one.
    fn finding_value(&self, index: &usize, field: &str) -> String {
        let stored = self
            .extras
            .entries
            .get(*index)
            .map(|e| match field {
                "party" => e.party.clone(),
                "dimension" => e.dimension.clone(),
                "consequence" => e.consequence.clone(),
                "severity" => e.severity.to_string(),
                "likelihood" => e.likelihood.to_string(),
                "measures" => e.measures.clone(),
                "residual" => e.residual.clone(),
                _ => String::new(),
            })
            .unwrap_or_default();
        self.kept(field, &stored)
    }
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
    let links = link_groups(s, ctx, spec, id).await?;
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
        rules_changed: spec.table == "ai_systems"
            && aims_service::classification::rules_changed(&s.cx, &rec),
        error,
        extras: extras(s, ctx, spec, &rec).await?,
        form_errors: Invalid::default(),
        submitted: vec![],
        editing: None,
    })
}

pub(crate) fn need(register: &str, spec: &RegisterSpec) -> Result<(), PageError> {
    if register == spec.path {
        Ok(())
    } else {
        Err(PageError::Status(
            StatusCode::NOT_FOUND,
            "There is no such page.".into(),
        ))
    }
}

pub(crate) fn back(slug: &str, spec: &RegisterSpec, id: i64) -> Response {
    Redirect::to(&format!("/o/{slug}/inventory/{}/{id}", spec.path)).into_response()
}

/// The record page again after a refused action: field problems beside their fields (with what
/// was typed kept), anything else at the top.
pub(crate) async fn error_page(
    s: &AppState,
    ctx: &OrgCtx,
    spec: &'static RegisterSpec,
    id: i64,
    p: AppError,
    form: &[(String, String)],
) -> Result<Response, PageError> {
    let status = crate::error::status_of(p.kind);
    let (msg, errors) = if p.errors.is_empty() {
        (p.detail, Invalid::default())
    } else {
        (
            "Some fields need attention: see below.".to_string(),
            Invalid(p.errors),
        )
    };
    let mut page = detail_page(s, ctx, spec, id, Some(msg)).await?;
    page.form_errors = errors;
    page.submitted = form.to_vec();
    if let Ok(i) = form_index(form) {
        page.editing = Some(i);
    }
    Ok((status, render(&page)).into_response())
}

/// The finding a form was editing (`_finding`), if any.
fn form_index(form: &[(String, String)]) -> Result<usize, ()> {
    form.iter()
        .find(|(k, _)| k == "_finding")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or(())
}

/// A finding row: (index, party, dimension, consequence, severity, likelihood, measures, residual, high).
pub type FindingRow = (
    usize,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
    bool,
);
/// Heat map rows of (count, colour), highest impact first.
pub(crate) type HeatCells = Vec<Vec<(i64, String)>>;
/// (title, filter prefix, cells)
pub(crate) type NamedGrid = (&'static str, &'static str, HeatCells);
/// (link, label, status)
pub(crate) type TraceItem = (String, String, String);
pub(crate) type TraceSection = (String, Vec<TraceItem>);

/// The parts of a record page particular to its register.
#[derive(Default)]
pub struct Extras {
    pub can_approve: bool,
    /// Risks: (score shown, acceptance threshold, already accepted).
    pub risk: Option<(i64, i64, bool)>,
    /// Impact assessments: status and findings (index, party, dimension, consequence, severity, likelihood, measures, residual, high).
    pub ia_status: String,
    pub ia_entries: Vec<FindingRow>,
    pub parties: Vec<(&'static str, &'static str)>,
    pub dimensions: Vec<(&'static str, &'static str)>,
    pub version: i64,
    /// Evidence: whether a file is stored, and whether the evidence is past its date.
    pub has_file: bool,
    pub expired: bool,
    /// Impact assessments: why a re-assessment is due.
    pub reassessment: Vec<String>,
    /// Impact assessments: the risks findings already raised (index, risk id, reference).
    pub raised: Vec<(usize, i64, String)>,
    /// Impact assessments: the findings as stored, for their edit form.
    pub entries: Vec<ImpactEntry>,
    /// Risks: the members who may be named as top-management acceptor (id, name), and the
    /// default review date of an acceptance.
    pub members: Vec<(i64, String)>,
    pub review_default: String,
    /// Impact assessments: whether the signed-in user wrote it (an author does not approve).
    pub is_author: bool,
    /// Notices derived from other records: holds, re-assessments and reviews a change asks
    /// for, AI literacy, an incident's reporting duty; each with whether it warns.
    pub notices: Vec<(bool, String)>,
    /// The record's status, for the steps its page offers.
    pub status: String,
}

impl Extras {
    /// The risk finding `index` already raised: (id, reference).
    pub fn raised(&self, index: &usize) -> Option<(i64, &str)> {
        self.raised
            .iter()
            .find(|(i, _, _)| i == index)
            .map(|(_, id, r)| (*id, r.as_str()))
    }
}

fn warnings(lines: Vec<String>) -> Vec<(bool, String)> {
    lines.into_iter().map(|l| (true, l)).collect()
}

pub async fn extras(
    s: &AppState,
    ctx: &OrgCtx,
    spec: &RegisterSpec,
    rec: &Record,
) -> Result<Extras, PageError> {
    let mut x = Extras {
        can_approve: ctx.org.role.permissions().allows(Permission::Approve),
        version: rec.get("version").and_then(|v| v.as_i64()).unwrap_or(0),
        ..Default::default()
    };
    x.status = str_of(rec, "status");
    let org = ctx.org.org_id;
    let id = rec.get("id").and_then(|v| v.as_i64()).unwrap_or(0);
    match spec.table {
        "ai_systems" => {
            x.notices =
                warnings(aims_service::rules::hold_warnings(&s.cx.store, org, &[id]).await?);
            let lit = aims_service::competence::literacy_of(&s.cx.store, org, id).await?;
            x.notices.push((lit.recorded < lit.people, if lit.people == 0 {
                "AI literacy (EU AI Act Art. 4): nobody is recorded as operating, overseeing or being affected by this system in their work yet. Record them under AI literacy.".to_string()
            } else {
                format!(
                    "AI literacy (EU AI Act Art. 4): {} of {} people working with this system have their literacy recorded.",
                    lit.recorded, lit.people
                )
            }));
        }
        "changes" => {
            let systems: Vec<i64> =
                s.cx.store
                    .linked_ids("changes", &[id], "ai_systems")
                    .await?
                    .into_iter()
                    .map(|(_, o)| o)
                    .collect();
            x.notices =
                warnings(aims_service::rules::hold_warnings(&s.cx.store, org, &systems).await?);
        }
        "documents" => {
            let reasons = aims_service::changes::document_reasons(&s.cx.store, org, rec).await?;
            if !reasons.is_empty() {
                x.notices.push((
                    true,
                    format!(
                        "Review due: {}. Record a review or publish a new version.",
                        reasons.join("; ")
                    ),
                ));
            }
        }
        "incidents" => {
            x.notices.push(
                match aims_service::incidents::deadline_of(&s.cx, org, rec).await? {
                    Ok(d) => (false, d.summary),
                    Err(missing) => (true, missing.message.to_string()),
                },
            );
        }
        "risks" => {
            let with_links = aims_service::registers::read::get(
                &s.cx,
                &ctx.scope(),
                &aims_domain::register::RISKS,
                id,
            )
            .await?;
            let reasons =
                aims_service::changes::risk_reasons(&s.cx.store, org, &with_links).await?;
            if !reasons.is_empty() {
                x.notices.push((true, format!("Re-assessment due: {}. Review the likelihood and impact, then save the risk.", reasons.join("; "))));
            }
            let (c, _) = risk::criteria(&s.cx.store, ctx.org.org_id).await?;
            let score = rec
                .get("residual_score")
                .and_then(|v| v.as_i64())
                .or_else(|| rec.get("inherent_score").and_then(|v| v.as_i64()))
                .unwrap_or(0);
            x.risk = Some((
                score,
                c.acceptance_threshold,
                rec.get("status").and_then(|v| v.as_str()) == Some("accepted"),
            ));
            // The acceptance form's choices, only where the form is shown.
            let accepted = rec.get("status").and_then(|v| v.as_str()) == Some("accepted");
            if x.can_approve && !accepted {
                x.members =
                    s.cx.store
                        .list_members(ctx.org.org_id, None, 500)
                        .await?
                        .into_iter()
                        .map(|m| (m.user_id, format!("{} ({})", m.name, m.email)))
                        .collect();
            }
            x.review_default = (s.cx.clock.today() + chrono::Months::new(12))
                .format("%Y-%m-%d")
                .to_string();
        }
        "impact_assessments" => {
            x.ia_status = rec
                .get("status")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            let entries: Vec<ImpactEntry> = rec
                .get("entries")
                .and_then(|e| serde_json::from_value(e.clone()).ok())
                .unwrap_or_default();
            x.entries = entries.clone();
            x.is_author = rec.get("author_id").and_then(|v| v.as_i64()) == Some(ctx.user.user_id);
            let label = |list: &[(&str, &str)], k: &str| {
                list.iter()
                    .find(|(x, _)| *x == k)
                    .map(|(_, l)| l.to_string())
                    .unwrap_or_else(|| k.to_string())
            };
            x.ia_entries = entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    (
                        i,
                        label(PARTIES, &e.party),
                        label(DIMENSIONS, &e.dimension),
                        e.consequence.clone(),
                        e.severity,
                        e.likelihood,
                        e.measures.clone(),
                        e.residual.clone(),
                        e.is_high(),
                    )
                })
                .collect();
            x.raised = impact::raised_risks(
                &s.cx,
                &ctx.scope(),
                rec.get("reference").and_then(|v| v.as_str()).unwrap_or(""),
            )
            .await?;
            x.parties = PARTIES.to_vec();
            x.reassessment = impact::reassessment_reasons(&s.cx, ctx.org.org_id, rec).await?;
            x.dimensions = DIMENSIONS.to_vec();
        }
        "evidence" => {
            x.has_file = rec
                .get("file_sha256")
                .and_then(|v| v.as_str())
                .is_some_and(|s| s.len() == 64);
            let today = s.cx.today();
            x.expired = rec
                .get("valid_until")
                .and_then(|v| v.as_str())
                .is_some_and(|d| d < today.as_str());
        }
        _ => {}
    }
    Ok(x)
}

/// Pages that exist only for AI systems.
pub(crate) fn ai_systems_only(register: &str) -> Result<(), PageError> {
    if register == AI_SYSTEMS.path {
        Ok(())
    } else {
        Err(PageError::Status(
            StatusCode::NOT_FOUND,
            "Only AI systems have this page.".into(),
        ))
    }
}
