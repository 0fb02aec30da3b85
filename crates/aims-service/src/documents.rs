//! Documented information (7.5): the versions of a document and their approval, the diff
//! between two versions, and the document's reviews. The documents themselves are a register
//! (`registers::write`); everything that moves a version goes through here.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult, ErrorKind};
use aims_domain::document::{check_step, line_diff, next_number, Refusal, Step, MAX_CONTENT_CHARS};
use aims_domain::register::DOCUMENTS;
use aims_domain::{Invalid, Permission};
use aims_store::{
    Acknowledgement, DocumentReview, DocumentVersion, PendingAcknowledgement, Record, VersionStep,
};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDraft {
    /// A major change (2.0 after 1.3) or a minor one (1.4); the first version is 1.0.
    #[serde(default)]
    pub major: bool,
    /// Markdown. Left out: the newest version's content, to edit from.
    pub content: Option<String>,
    #[serde(default)]
    pub change_note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftEdit {
    pub content: String,
    #[serde(default)]
    pub change_note: String,
    /// The draft's revision you read.
    pub revision: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    /// YYYY-MM-DD; today when left out.
    #[serde(default)]
    pub reviewed_on: String,
    /// `no_change` or `change_needed`.
    pub outcome: String,
    #[serde(default)]
    pub notes: String,
}

pub const REVIEW_OUTCOMES: &[(&str, &str)] = &[
    ("no_change", "No change needed"),
    ("change_needed", "Change needed"),
];

#[derive(Serialize, ToSchema)]
pub struct DiffLine {
    /// `same`, `removed` or `added`.
    pub change: &'static str,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct VersionDiff {
    pub from: String,
    pub to: String,
    pub lines: Vec<DiffLine>,
}

async fn document(cx: &Cx, scope: &Scope, id: i64) -> AppResult<Record> {
    cx.store
        .register_get(scope.org_id, &DOCUMENTS, id)
        .await?
        .ok_or_else(|| AppError::not_found("document"))
}

/// `1.2` into (1, 2), naming the parameter when it is not a version number.
pub fn parse_number(s: &str) -> AppResult<(i64, i64)> {
    s.split_once('.')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .filter(|(a, b): &(i64, i64)| *a >= 1 && *b >= 0)
        .ok_or_else(|| {
            AppError::field(
                ErrorKind::BadRequest,
                "version",
                format!("`{s}` is not a version number like 1.0"),
            )
        })
}

fn check_content(content: &str) -> AppResult<()> {
    if content.chars().count() > MAX_CONTENT_CHARS {
        return Err(AppError::invalid(Invalid::field(
            "content",
            format!("must be at most {MAX_CONTENT_CHARS} characters"),
        )));
    }
    Ok(())
}

pub(crate) fn sha256(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// A document's versions, newest first.
pub async fn versions(cx: &Cx, scope: &Scope, id: i64) -> AppResult<Vec<DocumentVersion>> {
    scope.require(Permission::Read)?;
    document(cx, scope, id).await?;
    Ok(cx.store.document_versions(scope.org_id, id).await?)
}

pub async fn version(cx: &Cx, scope: &Scope, id: i64, number: &str) -> AppResult<DocumentVersion> {
    scope.require(Permission::Read)?;
    let (a, b) = parse_number(number)?;
    cx.store
        .document_version(scope.org_id, id, a, b)
        .await?
        .ok_or_else(|| AppError::not_found("document version"))
}

/// Starts the next draft (one open version at a time).
pub async fn new_draft(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    req: NewDraft,
) -> AppResult<DocumentVersion> {
    scope.require(Permission::Write)?;
    document(cx, scope, id).await?;
    let existing = cx.store.document_versions(scope.org_id, id).await?;
    let newest = existing.first();
    let content = req
        .content
        .unwrap_or_else(|| newest.map(|v| v.content.clone()).unwrap_or_default());
    check_content(&content)?;
    let number = next_number(newest.map(|v| (v.major, v.minor)), req.major);
    Ok(cx
        .store
        .create_document_draft(
            &scope.actor,
            scope.org_id,
            id,
            number,
            &content,
            &sha256(&content),
            req.change_note.trim(),
            cx.now(),
        )
        .await?)
}

/// Changes a draft; any other version is frozen (409).
pub async fn edit_draft(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    number: &str,
    req: DraftEdit,
) -> AppResult<DocumentVersion> {
    scope.require(Permission::Write)?;
    let n = parse_number(number)?;
    check_content(&req.content)?;
    Ok(cx
        .store
        .update_document_draft(
            &scope.actor,
            scope.org_id,
            id,
            n,
            req.revision,
            &req.content,
            &sha256(&req.content),
            req.change_note.trim(),
            cx.now(),
        )
        .await?)
}

/// Moves a version one step: submit, return, approve (not by its author; the AI policy by top
/// management), publish (a major version asks its audience to acknowledge it), withdraw.
pub async fn step(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    number: &str,
    step: Step,
) -> AppResult<DocumentVersion> {
    scope.require(Permission::Write)?;
    let doc = document(cx, scope, id).await?;
    let v = version(cx, scope, id, number).await?;
    let to = check_step(
        step,
        &v.status,
        v.author_id,
        scope.actor.user_id,
        scope.perms.allows(Permission::Approve),
    )
    .map_err(|r| match r {
        Refusal::Person(m) => AppError::forbidden(m),
        Refusal::Status(m) => AppError::conflict(m),
    })?;
    let approved_as = if step == Step::Approve && is_ai_policy(cx, id).await? {
        require_top_management(
            cx,
            scope,
            "the AI policy (5.2) is approved by top management",
        )
        .await?;
        Some("top_management")
    } else {
        None
    };
    // Publishing starts the review clock: the next review falls one interval later.
    let next_review = (step == Step::Publish)
        .then(|| review_due(&doc, cx.clock.today()))
        .flatten();
    // A major version is news to its audience; a minor one (a correction) asks nobody again.
    let requests = if step == Step::Publish && v.minor == 0 {
        let named = doc
            .get("audience_people")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        cx.store
            .audience_members(
                scope.org_id,
                &audience_of(&doc),
                &aims_domain::document::email_list(named),
            )
            .await?
    } else {
        vec![]
    };
    let (from, _) = step.transition();
    Ok(cx
        .store
        .step_document_version(
            &scope.actor,
            scope.org_id,
            id,
            (v.major, v.minor),
            &VersionStep {
                step: step.as_str(),
                from,
                to,
                next_review: next_review.as_deref(),
                approved_as,
                acknowledgement_requests: &requests,
            },
            cx.now(),
        )
        .await?)
}

/// The document's audience entries: `everyone` and AIMS role keys.
fn audience_of(doc: &Record) -> Vec<String> {
    doc.get("audience_roles")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The 42001 references whose documents top management approves: the AI policy.
const TOP_MANAGEMENT_APPROVES: &[&str] = &["5.2", "A.2.2"];

/// A document is the AI policy when it addresses 5.2 or A.2.2 of ISO/IEC 42001.
pub async fn is_ai_policy(cx: &Cx, id: i64) -> AppResult<bool> {
    let links = cx.store.register_links(&DOCUMENTS, id).await?;
    Ok(links
        .iter()
        .filter(|(field, _)| field == "requirement_ids")
        .flat_map(|(_, items)| items)
        .any(|r| {
            let (key, rest) = r.name.split_once(':').unwrap_or(("", ""));
            let reference = rest.split(' ').next().unwrap_or("");
            key == "iso42001-2023" && TOP_MANAGEMENT_APPROVES.contains(&reference)
        }))
}

/// Fails unless the caller holds the top management AIMS role (5.1, 5.3).
pub async fn require_top_management(cx: &Cx, scope: &Scope, why: &str) -> AppResult<()> {
    let holders = cx
        .store
        .aims_role_holders(scope.org_id, "top_management")
        .await?;
    if holders.is_empty() {
        return Err(AppError::forbidden(format!(
            "{why}, and nobody holds that AIMS role yet: name top management on the AIMS roles page first"
        )));
    }
    match scope.actor.user_id {
        Some(u) if holders.contains(&u) => Ok(()),
        _ => Err(AppError::forbidden(format!(
            "{why}: ask a member who holds the top management AIMS role"
        ))),
    }
}

/// The documents that address a requirement: the way back from the catalog to documented
/// information.
pub async fn addressing(
    cx: &Cx,
    scope: &Scope,
    requirement_id: i64,
) -> AppResult<Vec<aims_store::DocumentRef>> {
    scope.require(Permission::Read)?;
    Ok(cx
        .store
        .documents_for_requirement(scope.org_id, requirement_id)
        .await?)
}

/// Who was asked to acknowledge which version, and when they did: the whole history.
pub async fn acknowledgements(cx: &Cx, scope: &Scope, id: i64) -> AppResult<Vec<Acknowledgement>> {
    scope.require(Permission::Read)?;
    document(cx, scope, id).await?;
    Ok(cx.store.document_acknowledgements(scope.org_id, id).await?)
}

/// The caller acknowledges having read a version they were asked to read.
pub async fn acknowledge(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    number: &str,
) -> AppResult<Acknowledgement> {
    scope.require(Permission::Read)?;
    document(cx, scope, id).await?;
    let n = parse_number(number)?;
    let user = scope.actor.user_id.ok_or_else(|| {
        AppError::forbidden("only a person acknowledges a document, not the command line")
    })?;
    Ok(cx
        .store
        .acknowledge_document(&scope.actor, scope.org_id, id, n, user, cx.now())
        .await?)
}

/// What waits for the caller to read and acknowledge.
pub async fn waiting_for_me(cx: &Cx, scope: &Scope) -> AppResult<Vec<PendingAcknowledgement>> {
    scope.require(Permission::Read)?;
    match scope.actor.user_id {
        Some(u) => Ok(cx.store.pending_acknowledgements(scope.org_id, u).await?),
        None => Ok(vec![]),
    }
}

/// Completeness of one version's acknowledgements per audience entry.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct AudienceProgress {
    pub version: String,
    /// `everyone` or an AIMS role.
    pub audience: String,
    pub requested: usize,
    pub acknowledged: usize,
}

pub fn progress(acks: &[Acknowledgement]) -> Vec<AudienceProgress> {
    let mut out: Vec<AudienceProgress> = vec![];
    for a in acks {
        let version = format!("{}.{}", a.major, a.minor);
        let i = match out
            .iter()
            .position(|p| p.version == version && p.audience == a.audience)
        {
            Some(i) => i,
            None => {
                out.push(AudienceProgress {
                    version,
                    audience: a.audience.clone(),
                    requested: 0,
                    acknowledged: 0,
                });
                out.len() - 1
            }
        };
        out[i].requested += 1;
        out[i].acknowledged += usize::from(a.acknowledged_at.is_some());
    }
    out
}

/// One review interval after `from`, when the document has an interval.
fn review_due(doc: &Record, from: NaiveDate) -> Option<String> {
    let months = doc.get("review_interval_months").and_then(|v| v.as_i64())?;
    from.checked_add_months(Months::new(u32::try_from(months).ok()?))
        .map(|d| d.to_string())
}

/// The line differences from version `from` to version `to`.
pub async fn diff(cx: &Cx, scope: &Scope, id: i64, from: &str, to: &str) -> AppResult<VersionDiff> {
    let a = version(cx, scope, id, from).await?;
    let b = version(cx, scope, id, to).await?;
    Ok(VersionDiff {
        from: a.number(),
        to: b.number(),
        lines: line_diff(&a.content, &b.content)
            .into_iter()
            .map(|(c, text)| DiffLine {
                change: match c {
                    '-' => "removed",
                    '+' => "added",
                    _ => "same",
                },
                text,
            })
            .collect(),
    })
}

pub async fn reviews(cx: &Cx, scope: &Scope, id: i64) -> AppResult<Vec<DocumentReview>> {
    scope.require(Permission::Read)?;
    document(cx, scope, id).await?;
    Ok(cx.store.document_reviews(scope.org_id, id).await?)
}

/// Records a dated review; the next review falls one interval after it.
pub async fn record_review(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    req: NewReview,
) -> AppResult<DocumentReview> {
    scope.require(Permission::Write)?;
    let doc = document(cx, scope, id).await?;
    let mut inv = Invalid::default();
    let date = if req.reviewed_on.trim().is_empty() {
        Some(cx.clock.today())
    } else {
        NaiveDate::parse_from_str(req.reviewed_on.trim(), "%Y-%m-%d").ok()
    };
    match date {
        None => inv.push("reviewed_on", "must be a date written YYYY-MM-DD"),
        Some(d) if d > cx.clock.today() => inv.push("reviewed_on", "cannot be in the future"),
        Some(_) => {}
    }
    if !REVIEW_OUTCOMES.iter().any(|(k, _)| *k == req.outcome) {
        inv.push("outcome", "must be no_change or change_needed");
    }
    if req.notes.chars().count() > 20_000 {
        inv.push("notes", "must be at most 20000 characters");
    }
    inv.into_result().map_err(AppError::invalid)?;
    let on = date.unwrap_or_else(|| cx.clock.today());
    // Without an interval the next review date stays as the owner set it.
    let next = review_due(&doc, on);
    Ok(cx
        .store
        .create_document_review(
            &scope.actor,
            scope.org_id,
            id,
            &on.to_string(),
            &req.outcome,
            req.notes.trim(),
            next.as_deref(),
            cx.now(),
        )
        .await?)
}

/// One Markdown file of a folder import.
pub struct ImportFile {
    /// The path as the user knows it, to name it in errors.
    pub path: String,
    pub content: String,
}

/// Creates one document per Markdown file, each with its content as draft 1.0, titled by its
/// first `# ` heading (else its file name). Every file is checked first; a problem in any file
/// is reported by file and nothing is written.
pub async fn import(
    cx: &Cx,
    scope: &Scope,
    files: Vec<ImportFile>,
    kind: &str,
) -> AppResult<Vec<(Record, DocumentVersion)>> {
    scope.require(Permission::Write)?;
    let mut inv = Invalid::default();
    let mut items = vec![];
    for f in files {
        let title = f
            .content
            .lines()
            .find_map(|l| l.strip_prefix("# "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| {
                std::path::Path::new(&f.path)
                    .file_stem()
                    .map(|s| s.to_string_lossy().replace(['-', '_'], " "))
                    .unwrap_or_default()
            });
        if f.content.chars().count() > MAX_CONTENT_CHARS {
            inv.push(
                &f.path,
                format!("is longer than {MAX_CONTENT_CHARS} characters"),
            );
            continue;
        }
        let body =
            serde_json::json!({"name": title, "kind": kind, "owner_id": scope.actor.user_id});
        let obj = body.as_object().cloned().unwrap_or_default();
        match aims_domain::register::check_input(&DOCUMENTS, &obj, false) {
            Err(e) => {
                for fe in e.0 {
                    inv.push(&f.path, format!("{}: {}", fe.field, fe.message));
                }
            }
            Ok(mut input) => {
                crate::rules::before_write(&cx.store, scope.org_id, &DOCUMENTS, None, &mut input)
                    .await?;
                items.push(aims_store::NewDocument {
                    input,
                    content_sha256: sha256(&f.content),
                    content: f.content,
                    change_note: format!("Imported from {}", f.path),
                })
            }
        }
    }
    if items.is_empty() && inv.is_empty() {
        inv.push("folder", "holds no Markdown (.md) file");
    }
    inv.into_result().map_err(AppError::invalid)?;
    Ok(cx
        .store
        .create_documents_with_drafts(&scope.actor, scope.org_id, &DOCUMENTS, &items, cx.now())
        .await?)
}

/// The document's attachments, by version.
pub async fn attachments(
    cx: &Cx,
    scope: &Scope,
    id: i64,
) -> AppResult<Vec<aims_store::Attachment>> {
    scope.require(Permission::Read)?;
    document(cx, scope, id).await?;
    Ok(cx.store.document_attachments(scope.org_id, id).await?)
}

/// Attaches a file to a draft, stored by its SHA-256 like evidence.
pub async fn attach(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    number: &str,
    name: &str,
    media_type: &str,
    bytes: bytes::Bytes,
) -> AppResult<aims_store::Attachment> {
    scope.require(Permission::Write)?;
    document(cx, scope, id).await?;
    let n = parse_number(number)?;
    let name = aims_domain::validate::text(name, 300)
        .map_err(|m| AppError::field(ErrorKind::Invalid, "name", m))?;
    if name.trim().is_empty() {
        return Err(AppError::field(ErrorKind::Invalid, "name", "is required"));
    }
    // Checked before the bytes are stored, so a frozen version gets nothing written; the store
    // checks again inside its transaction.
    let v = version(cx, scope, id, number).await?;
    aims_domain::document::attachments_open(&v.number(), &v.status).map_err(AppError::conflict)?;
    let (sha, size) = crate::evidence::put_bytes(cx, bytes).await?;
    Ok(cx
        .store
        .add_document_attachment(
            &scope.actor,
            scope.org_id,
            id,
            n,
            &name,
            media_type,
            (&sha, size),
            cx.now(),
        )
        .await?)
}

/// Removes an attachment from a draft.
pub async fn detach(cx: &Cx, scope: &Scope, id: i64, attachment_id: i64) -> AppResult<()> {
    scope.require(Permission::Write)?;
    document(cx, scope, id).await?;
    Ok(cx
        .store
        .remove_document_attachment(&scope.actor, scope.org_id, id, attachment_id, cx.now())
        .await?)
}

/// An attachment's file, checked against its SHA-256.
pub async fn attachment_file(
    cx: &Cx,
    scope: &Scope,
    id: i64,
    attachment_id: i64,
) -> AppResult<crate::file::FileOut> {
    scope.require(Permission::Read)?;
    let a = cx
        .store
        .document_attachment(scope.org_id, id, attachment_id)
        .await?
        .ok_or_else(|| AppError::not_found("attachment"))?;
    let bytes = crate::evidence::get_bytes(cx, &a.sha256).await?;
    let mut f =
        crate::file::FileOut::new(&a.media_type, &a.name.replace(['"', '\r', '\n'], ""), bytes);
    f.sha256 = Some(a.sha256);
    Ok(f)
}
