//! The template pack: starting documents for the mandatory documented information, filled
//! from what the records already know; and the check that the scope statement and the
//! inventory agree on which AI systems are in scope (4.3).

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::registers::{all_rows, ListQuery};
use aims_catalog::templates::{template, DocumentTemplate, TEMPLATES};
use aims_domain::register::{
    check_input, AIMS_ROLES, AIMS_ROLE_ASSIGNMENTS, AI_SYSTEMS, DOCUMENTS,
};
use aims_domain::Permission;
use aims_store::{DocumentVersion, NewDocument, Record, ScopeAgreement};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct TemplateInfo {
    pub key: &'static str,
    pub title: &'static str,
    pub kind: &'static str,
    /// The ISO/IEC 42001 references the document addresses.
    pub clauses: Vec<&'static str>,
}

pub fn list() -> Vec<TemplateInfo> {
    TEMPLATES
        .iter()
        .map(|t| TemplateInfo {
            key: t.key,
            title: t.title,
            kind: t.kind,
            clauses: t.clauses.to_vec(),
        })
        .collect()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FromTemplate {
    /// A template key from `GET /api/v1/document-templates`.
    pub template: String,
    /// The document's title; the template's when left out.
    #[serde(default)]
    pub name: Option<String>,
    /// The owner, by user id; the caller when left out.
    #[serde(default)]
    pub owner_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    /// The new document record.
    #[schema(value_type = Object)]
    pub document: Record,
    /// Its first draft, 1.0.
    pub version: DocumentVersion,
}

/// Creates a document from a template, linked to the clauses it addresses, with its first
/// draft filled from the records. The document and its draft are written together or not at all.
pub async fn create(cx: &Cx, scope: &Scope, req: FromTemplate) -> AppResult<Created> {
    scope.require(Permission::Write)?;
    let t = template(req.template.trim()).ok_or_else(|| {
        AppError::field(
            ErrorKind::Invalid,
            "template",
            format!(
                "`{}` is not a template; choose one of {}",
                req.template,
                TEMPLATES
                    .iter()
                    .map(|t| t.key)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let requirement_ids = clause_ids(cx, t).await?;
    let name = req
        .name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| t.title.to_string());
    let mut body = json!({"name": name, "kind": t.kind, "requirement_ids": requirement_ids, "review_interval_months": 12});
    if let Some(owner) = req.owner_id.or(scope.actor.user_id) {
        body["owner_id"] = json!(owner);
    }
    if t.key == "ai-policy" {
        body["audience_roles"] = json!(["everyone"]);
    }
    // Read once: the scope statement links them, and the text lists them.
    let systems = if t.key == "scope" || t.content.contains("{{systems_in_scope}}") {
        in_scope_systems(cx, scope).await?
    } else {
        vec![]
    };
    if t.key == "scope" {
        body["system_ids"] = json!(systems.iter().map(|(id, _, _)| *id).collect::<Vec<_>>());
    }
    let obj = body.as_object().cloned().unwrap_or_default();
    let mut input = check_input(&DOCUMENTS, &obj, false).map_err(AppError::invalid)?;
    crate::rules::before_write(&cx.store, scope.org_id, &DOCUMENTS, None, &mut input).await?;
    let content = fill(cx, scope, t.content, &systems).await?;
    let item = NewDocument {
        input,
        content_sha256: crate::documents::sha256(&content),
        content,
        change_note: format!("Started from the template \"{}\"", t.title),
    };
    let mut made = cx
        .store
        .create_documents_with_drafts(&scope.actor, scope.org_id, &DOCUMENTS, &[item], cx.now())
        .await?;
    let (document, version) = made
        .pop()
        .ok_or_else(|| AppError::internal("no document was created"))?;
    Ok(Created { document, version })
}

/// The ids of the ISO/IEC 42001 requirements a template addresses.
async fn clause_ids(cx: &Cx, t: &DocumentTemplate) -> AppResult<Vec<i64>> {
    let Some(fw) = cx.store.framework_by_key(None, "iso42001-2023").await? else {
        return Ok(vec![]);
    };
    Ok(cx
        .store
        .list_requirements(fw.framework.id, None)
        .await?
        .into_iter()
        .filter(|r| t.clauses.contains(&r.reference.as_str()))
        .map(|r| r.id)
        .collect())
}

/// The AI systems marked in scope in the inventory: (id, reference, name).
async fn in_scope_systems(cx: &Cx, scope: &Scope) -> AppResult<Vec<(i64, String, String)>> {
    let q = ListQuery::parse(&AI_SYSTEMS, &[("in_scope".into(), "true".into())], 500, cx)?;
    let rows = all_rows(&cx.store, scope.org_id, &AI_SYSTEMS, &q).await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get("id").and_then(Value::as_i64).unwrap_or_default(),
                r.get("reference")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                r.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect())
}

/// A table cell: one line, with the characters Markdown gives meaning to escaped.
fn cell(s: &str) -> String {
    s.replace('\n', " ")
        .chars()
        .flat_map(|c| match c {
            '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

/// Fills the template's `{{key}}` places from the records (`systems`: those in scope).
async fn fill(
    cx: &Cx,
    scope: &Scope,
    content: &str,
    systems: &[(i64, String, String)],
) -> AppResult<String> {
    let org = cx.store.get_org(scope.org_id).await?;
    let mut out = content
        .replace("{{organization}}", &cell(&org.name))
        .replace("{{today}}", &cx.today());
    if out.contains("{{systems_in_scope}}") {
        let text = if systems.is_empty() {
            "[To complete: no AI system is marked in scope in the inventory yet.]".to_string()
        } else {
            let mut t = String::from("| Reference | AI system |\n| --- | --- |\n");
            for (_, reference, name) in systems.iter().take(200) {
                t.push_str(&format!("| {reference} | {} |\n", cell(name)));
            }
            if systems.len() > 200 {
                t.push_str(&format!(
                    "\nAnd {} more, listed in the inventory.\n",
                    systems.len() - 200
                ));
            }
            t
        };
        out = out.replace("{{systems_in_scope}}", text.trim_end());
    }
    if out.contains("{{aims_roles}}") {
        let q = ListQuery::parse(&AIMS_ROLE_ASSIGNMENTS, &[], 500, cx)?;
        let rows = all_rows(&cx.store, scope.org_id, &AIMS_ROLE_ASSIGNMENTS, &q).await?;
        let lookups = crate::registers::Lookups::for_rows(
            &cx.store,
            scope.org_id,
            &AIMS_ROLE_ASSIGNMENTS,
            &rows,
        )
        .await?;
        let text = if rows.is_empty() {
            "[To complete: no AIMS role is assigned yet; assign them on the AIMS roles page.]"
                .to_string()
        } else {
            let mut t = String::from("| AIMS role | Person | Title |\n| --- | --- | --- |\n");
            for r in &rows {
                let role = r
                    .get("aims_role")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let label = AIMS_ROLES
                    .iter()
                    .find(|(k, _)| *k == role)
                    .map(|(_, l)| *l)
                    .unwrap_or(role);
                let person = r
                    .get("member_id")
                    .and_then(Value::as_i64)
                    .and_then(|id| lookups.member_email(id))
                    .unwrap_or_default();
                let title = r.get("name").and_then(Value::as_str).unwrap_or_default();
                t.push_str(&format!(
                    "| {label} | {} | {} |\n",
                    cell(person),
                    cell(title)
                ));
            }
            t
        };
        out = out.replace("{{aims_roles}}", text.trim_end());
    }
    if out.contains("{{risk_criteria}}") {
        let (c, _) = crate::risk::criteria(&cx.store, scope.org_id).await?;
        let scale = |levels: &[aims_domain::risk::Level]| {
            levels
                .iter()
                .enumerate()
                .map(|(i, l)| format!("{} {}", i + 1, cell(&l.label)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let text = format!(
            "- Likelihood: {}.\n- Impact: {}.\n- Acceptance threshold: a score (likelihood × impact) up to {} may be accepted by a risk approver.",
            scale(&c.likelihood),
            scale(&c.impact),
            c.acceptance_threshold
        );
        out = out.replace("{{risk_criteria}}", &text);
    }
    if out.contains("{{soa_version}}") {
        let versions = cx.store.soa_versions(scope.org_id).await?;
        let text = versions
            .iter()
            .map(|v| v.number)
            .max()
            .map(|n| format!("version {n}"))
            .unwrap_or_else(|| {
                "[To complete: no Statement of Applicability is approved yet]".into()
            });
        out = out.replace("{{soa_version}}", &text);
    }
    Ok(out)
}

/// The scope statement and the AI systems on which it and the inventory disagree.
pub async fn scope_agreement(cx: &Cx, scope: &Scope) -> AppResult<ScopeAgreement> {
    scope.require(Permission::Read)?;
    Ok(cx.store.scope_agreement(scope.org_id, None).await?)
}

/// The same, when `document_id` is the scope statement; None for any other document (whose
/// page then reads no AI system).
pub async fn scope_agreement_of(
    cx: &Cx,
    scope: &Scope,
    document_id: i64,
) -> AppResult<Option<ScopeAgreement>> {
    scope.require(Permission::Read)?;
    let a = cx
        .store
        .scope_agreement(scope.org_id, Some(document_id))
        .await?;
    Ok(a.statement.is_some().then_some(a))
}
