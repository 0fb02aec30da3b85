//! Document pages beyond the register: the versions with their steps, one version rendered for
//! reading and printing (with its document-control block), the draft editor, the diff, reviews.

use super::record::str_of;
use super::registers::chip_tone;
use crate::pages::flash_redirect;
use crate::pages::form_value;
use crate::pages::org_ctx;
use crate::pages::render;
use crate::pages::Layout;
use crate::pages::OrgCtx;
use crate::pages::PageError;
use crate::AppState;
use aims_domain::document::Step;
use aims_domain::register::DOCUMENTS;
use aims_domain::{Invalid, Permission};
use aims_service::documents::{
    self, AudienceProgress, DraftEdit, NewDraft, NewReview, VersionDiff,
};
use aims_service::{AppError, ErrorKind};
use aims_store::{Acknowledgement, DocumentReview, DocumentVersion, Record, ScopeAgreement};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/o/{slug}/documents/{id}/versions",
            get(versions_page).post(start_draft),
        )
        .route(
            "/o/{slug}/documents/{id}/versions/{number}",
            get(version_page).post(save_draft),
        )
        .route(
            "/o/{slug}/documents/{id}/versions/{number}/{step}",
            post(take_step),
        )
        .route(
            "/o/{slug}/documents/{id}/versions/{number}/attachments",
            post(upload_attachment).layer(axum::extract::DefaultBodyLimit::max(
                aims_service::evidence::MAX_EVIDENCE_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/o/{slug}/documents/{id}/attachments/{attachment_id}",
            get(download_attachment),
        )
        .route(
            "/o/{slug}/documents/{id}/attachments/{attachment_id}/remove",
            get(confirm_remove_attachment).post(remove_attachment),
        )
        .route("/o/{slug}/documents/templates", get(templates_page))
        .route(
            "/o/{slug}/documents/templates/{key}",
            post(create_from_template),
        )
        .route("/o/{slug}/acknowledgements", get(waiting_page))
        .route("/o/{slug}/documents/{id}/diff", get(diff_page))
        .route("/o/{slug}/documents/{id}/reviews", post(add_review))
}

/// Names of the organization's members, for "author" and "approved by".
async fn names(s: &AppState, ctx: &OrgCtx) -> Result<HashMap<i64, String>, PageError> {
    Ok(s.cx
        .store
        .list_members(ctx.org.org_id, None, 1000)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|m| {
            let name = if m.name.trim().is_empty() {
                m.email
            } else {
                m.name
            };
            (m.user_id, name)
        })
        .collect())
}

fn who(names: &HashMap<i64, String>, id: Option<i64>) -> String {
    id.and_then(|i| names.get(&i).cloned()).unwrap_or_else(|| {
        if id.is_some() {
            "a former member".into()
        } else {
            "—".into()
        }
    })
}

async fn document(s: &AppState, ctx: &OrgCtx, id: i64) -> Result<Record, PageError> {
    ctx.require(Permission::Read)?;
    s.cx.store
        .register_get(ctx.org.org_id, &DOCUMENTS, id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| PageError::Status(StatusCode::NOT_FOUND, "No such document.".into()))
}

/// Markdown to HTML with every piece of raw HTML shown as text, so nothing a user wrote runs.
pub(crate) fn markdown(md: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser};
    let events = Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(
        |e| match e {
            Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
            e => e,
        },
    );
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

#[derive(Template)]
#[template(path = "document_versions.html")]
struct VersionsPage {
    layout: Layout,
    id: i64,
    reference: String,
    name: String,
    versions: Vec<DocumentVersion>,
    reviews: Vec<DocumentReview>,
    next_review: String,
    interval: Option<i64>,
    names: HashMap<i64, String>,
    can_write: bool,
    error: Option<String>,
    review_errors: Invalid,
    acknowledgements: Vec<Acknowledgement>,
    progress: Vec<AudienceProgress>,
    /// The versions waiting for the viewer's acknowledgement.
    mine: Vec<String>,
    /// Set when this document is the scope statement.
    scope: Option<ScopeAgreement>,
    /// The AI policy: top management approves it.
    is_policy: bool,
}

impl VersionsPage {
    fn audience_label(&self, key: &str) -> String {
        if key == "named" {
            return "Named readers".into();
        }
        aims_domain::register::AUDIENCES
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| key.to_string())
    }
    /// The version still in work (draft, in review or approved), if any: one at a time.
    fn open(&self) -> Option<&DocumentVersion> {
        self.versions
            .iter()
            .find(|v| matches!(v.status.as_str(), "draft" | "in_review" | "approved"))
    }
    fn who(&self, id: &Option<i64>) -> String {
        who(&self.names, *id)
    }
    fn tone(&self, status: &str) -> &'static str {
        chip_tone(status)
    }
}

async fn versions_view(
    s: &AppState,
    ctx: &OrgCtx,
    id: i64,
    error: Option<String>,
    review_errors: Invalid,
) -> Result<VersionsPage, PageError> {
    let doc = document(s, ctx, id).await?;
    let acknowledgements = documents::acknowledgements(&s.cx, &ctx.scope(), id).await?;
    // What waits for the viewer here, by the same rule as their "waiting for you" list.
    let mine = documents::waiting_for_me(&s.cx, &ctx.scope())
        .await?
        .into_iter()
        .filter(|p| p.document_id == id)
        .map(|p| format!("{}.{}", p.major, p.minor))
        .collect();
    let scope =
        aims_service::document_templates::scope_agreement_of(&s.cx, &ctx.scope(), id).await?;
    Ok(VersionsPage {
        progress: documents::progress(&acknowledgements),
        acknowledgements,
        mine,
        scope,
        is_policy: documents::is_ai_policy(&s.cx, id).await?,
        layout: ctx.layout("Document versions", "documents"),
        id,
        reference: str_of(&doc, "reference"),
        name: str_of(&doc, "name"),
        versions: documents::versions(&s.cx, &ctx.scope(), id).await?,
        reviews: documents::reviews(&s.cx, &ctx.scope(), id).await?,
        next_review: str_of(&doc, "next_review"),
        interval: doc.get("review_interval_months").and_then(|v| v.as_i64()),
        names: names(s, ctx).await?,
        can_write: ctx.org.role.permissions().allows(Permission::Write),
        error,
        review_errors,
    })
}

async fn versions_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(
        &versions_view(&s, &ctx, id, None, Invalid::default()).await?,
    ))
}

/// A refused step or form comes back on its page with the reason, and the status it deserves.
fn status_of(e: &AppError) -> StatusCode {
    crate::error::status_of(e.kind)
}

async fn start_draft(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let req = NewDraft {
        major: form_value(&form, "major") == "true",
        content: None,
        change_note: form_value(&form, "change_note").to_string(),
    };
    match documents::new_draft(&s.cx, &ctx.scope(), id, req).await {
        Ok(v) => Ok(flash_redirect(
            &format!("/o/{slug}/documents/{id}/versions/{}", v.number()),
            &format!("Draft {} started.", v.number()),
        )),
        Err(e) if e.kind != ErrorKind::Internal => {
            let status = status_of(&e);
            let page = versions_view(&s, &ctx, id, Some(e.detail), Invalid::default()).await?;
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "document_version.html")]
struct VersionPage {
    layout: Layout,
    id: i64,
    reference: String,
    name: String,
    v: DocumentVersion,
    html: String,
    names: HashMap<i64, String>,
    /// (step, button label) the caller may take now.
    steps: Vec<(&'static str, &'static str)>,
    editing: bool,
    content: String,
    change_note: String,
    content_error: Option<String>,
    error: Option<String>,
    /// This version's attachments.
    attachments: Vec<aims_store::Attachment>,
}

impl VersionPage {
    fn who(&self, id: &Option<i64>) -> String {
        who(&self.names, *id)
    }
    fn tone(&self, status: &str) -> &'static str {
        chip_tone(status)
    }
}

async fn version_view(
    s: &AppState,
    ctx: &OrgCtx,
    id: i64,
    number: &str,
    typed: Option<(String, String)>,
    content_error: Option<String>,
    error: Option<String>,
) -> Result<VersionPage, PageError> {
    let doc = document(s, ctx, id).await?;
    let v = documents::version(&s.cx, &ctx.scope(), id, number).await?;
    let perms = ctx.org.role.permissions();
    let (write, approve) = (
        perms.allows(Permission::Write),
        perms.allows(Permission::Approve),
    );
    // Offer what the version's status allows; the service decides (the author is refused there).
    let steps: Vec<(&'static str, &'static str)> = match v.status.as_str() {
        "draft" if write => vec![("submit", "Submit for review")],
        "in_review" if approve => vec![("approve", "Approve"), ("return", "Return to draft")],
        "in_review" if write => vec![("return", "Return to draft")],
        "approved" if approve => vec![("publish", "Publish")],
        "published" if approve => vec![("withdraw", "Withdraw")],
        _ => vec![],
    };
    let editing = write && v.status == "draft";
    let attachments = documents::attachments(&s.cx, &ctx.scope(), id)
        .await?
        .into_iter()
        .filter(|a| (a.major, a.minor) == (v.major, v.minor))
        .collect();
    let (content, change_note) =
        typed.unwrap_or_else(|| (v.content.clone(), v.change_note.clone()));
    Ok(VersionPage {
        layout: ctx.layout(
            &format!("{} {}", str_of(&doc, "name"), v.number()),
            "documents",
        ),
        id,
        reference: str_of(&doc, "reference"),
        name: str_of(&doc, "name"),
        html: markdown(&v.content),
        v,
        names: names(s, ctx).await?,
        steps,
        editing,
        attachments,
        content,
        change_note,
        content_error,
        error,
    })
}

async fn version_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id, number)): Path<(String, i64, String)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(
        &version_view(&s, &ctx, id, &number, None, None, None).await?,
    ))
}

async fn save_draft(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id, number)): Path<(String, i64, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let content = form_value(&form, "content").replace("\r\n", "\n");
    let change_note = form_value(&form, "change_note").to_string();
    let req = DraftEdit {
        content: content.clone(),
        change_note: change_note.clone(),
        revision: form_value(&form, "revision").parse().unwrap_or(0),
    };
    match documents::edit_draft(&s.cx, &ctx.scope(), id, &number, req).await {
        Ok(v) => Ok(flash_redirect(
            &format!("/o/{slug}/documents/{id}/versions/{}", v.number()),
            "The draft is saved.",
        )),
        Err(e) if e.kind != ErrorKind::Internal => {
            let status = status_of(&e);
            let field = e
                .errors
                .iter()
                .find(|f| f.field == "content")
                .map(|f| f.message.clone());
            let page = version_view(
                &s,
                &ctx,
                id,
                &number,
                Some((content, change_note)),
                field.clone(),
                if field.is_some() {
                    None
                } else {
                    Some(format!("{} Your text is kept below.", e.detail))
                },
            )
            .await?;
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn take_step(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id, number, step)): Path<(String, i64, String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    if step == "acknowledge" {
        return match documents::acknowledge(&s.cx, &ctx.scope(), id, &number).await {
            Ok(_) => Ok(flash_redirect(
                &format!("/o/{slug}/documents/{id}/versions"),
                &format!("You acknowledged version {number}."),
            )),
            Err(e) if e.kind != ErrorKind::Internal => {
                let status = status_of(&e);
                let page = versions_view(&s, &ctx, id, Some(e.detail), Invalid::default()).await?;
                Ok((status, render(&page)).into_response())
            }
            Err(e) => Err(e.into()),
        };
    }
    let step = Step::parse(&step)
        .ok_or_else(|| PageError::Status(StatusCode::NOT_FOUND, "No such step.".into()))?;
    match documents::step(&s.cx, &ctx.scope(), id, &number, step).await {
        Ok(v) => Ok(flash_redirect(
            &format!("/o/{slug}/documents/{id}/versions/{}", v.number()),
            &format!(
                "Version {} is {} now.",
                v.number(),
                v.status.replace('_', " ")
            ),
        )),
        Err(e) if e.kind != ErrorKind::Internal => {
            let status = status_of(&e);
            let page = version_view(&s, &ctx, id, &number, None, None, Some(e.detail)).await?;
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "document_diff.html")]
struct DiffPage {
    layout: Layout,
    id: i64,
    reference: String,
    name: String,
    d: VersionDiff,
}

impl DiffPage {
    fn count(&self, change: &str) -> usize {
        self.d.lines.iter().filter(|l| l.change == change).count()
    }
}

#[derive(serde::Deserialize)]
struct DiffQuery {
    from: String,
    to: String,
}

async fn diff_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let doc = document(&s, &ctx, id).await?;
    let d = documents::diff(&s.cx, &ctx.scope(), id, &q.from, &q.to).await?;
    Ok(render(&DiffPage {
        layout: ctx.layout("Compare versions", "documents"),
        id,
        reference: str_of(&doc, "reference"),
        name: str_of(&doc, "name"),
        d,
    }))
}

async fn add_review(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let req = NewReview {
        reviewed_on: form_value(&form, "reviewed_on").to_string(),
        outcome: form_value(&form, "outcome").to_string(),
        notes: form_value(&form, "notes").to_string(),
    };
    match documents::record_review(&s.cx, &ctx.scope(), id, req).await {
        Ok(_) => Ok(flash_redirect(
            &format!("/o/{slug}/documents/{id}/versions#reviews"),
            "The review is recorded.",
        )),
        Err(e) if !e.errors.is_empty() => {
            let inv = Invalid(
                e.errors
                    .iter()
                    .map(|f| aims_domain::FieldError {
                        field: f.field.clone(),
                        message: f.message.clone(),
                    })
                    .collect(),
            );
            let page = versions_view(
                &s,
                &ctx,
                id,
                Some("The review was not recorded: see below.".into()),
                inv,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "document_templates.html")]
struct TemplatesPage {
    layout: Layout,
    templates: Vec<aims_service::document_templates::TemplateInfo>,
    can_write: bool,
    error: Option<String>,
}

fn templates_view(ctx: &OrgCtx, error: Option<String>) -> TemplatesPage {
    TemplatesPage {
        layout: ctx.layout("Document templates", "document-templates"),
        templates: aims_service::document_templates::list(),
        can_write: ctx.org.role.permissions().allows(Permission::Write),
        error,
    }
}

async fn templates_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.require(Permission::Read)?;
    Ok(render(&templates_view(&ctx, None)))
}

async fn create_from_template(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, key)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let req = aims_service::document_templates::FromTemplate {
        template: key,
        name: None,
        owner_id: None,
    };
    match aims_service::document_templates::create(&s.cx, &ctx.scope(), req).await {
        Ok(c) => {
            let id = c
                .document
                .get("id")
                .and_then(|v| v.as_i64())
                .unwrap_or_default();
            Ok(flash_redirect(
                &format!("/o/{slug}/documents/{id}/versions/1.0"),
                &format!(
                    "{} created as draft 1.0. Complete the marked places, then submit it for review.",
                    str_of(&c.document, "reference")
                ),
            ))
        }
        Err(e) if e.kind != ErrorKind::Internal => {
            let status = status_of(&e);
            Ok((status, render(&templates_view(&ctx, Some(e.detail)))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "acknowledgements.html")]
struct WaitingPage {
    layout: Layout,
    pending: Vec<aims_store::PendingAcknowledgement>,
}

async fn waiting_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    Ok(render(&WaitingPage {
        pending: documents::waiting_for_me(&s.cx, &ctx.scope()).await?,
        layout: ctx.layout("Waiting for you", "acknowledgements"),
    }))
}

async fn upload_attachment(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id, number)): Path<(String, i64, String)>,
    mut form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let bad = |m: String| PageError::Status(StatusCode::BAD_REQUEST, m);
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.map_err(|e| bad(e.body_text()))?,
            Some("file") => {
                let name = field.file_name().unwrap_or("attachment").to_string();
                let media = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| PageError::Status(StatusCode::PAYLOAD_TOO_LARGE, e.body_text()))?;
                file = Some((name, media, bytes));
            }
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    let result = match file {
        None => Err(AppError::field(ErrorKind::Invalid, "file", "choose a file")),
        Some((name, media, bytes)) => {
            documents::attach(&s.cx, &ctx.scope(), id, &number, &name, &media, bytes).await
        }
    };
    match result {
        Ok(a) => Ok(flash_redirect(
            &format!("/o/{slug}/documents/{id}/versions/{number}"),
            &format!("{} is attached to version {number}.", a.name),
        )),
        Err(e) if e.kind != ErrorKind::Internal => {
            let status = status_of(&e);
            let detail = e
                .errors
                .first()
                .map(|f| format!("{}: {}", f.field, f.message))
                .unwrap_or(e.detail);
            let page = version_view(&s, &ctx, id, &number, None, None, Some(detail)).await?;
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn download_attachment(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id, attachment_id)): Path<(String, i64, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let f = documents::attachment_file(&s.cx, &ctx.scope(), id, attachment_id).await?;
    Ok(crate::download(f))
}

/// The attachment and the version it belongs to, e.g. `1.1`.
async fn attachment_of(
    s: &AppState,
    ctx: &OrgCtx,
    id: i64,
    attachment_id: i64,
) -> Result<(aims_store::Attachment, String), PageError> {
    let a = documents::attachments(&s.cx, &ctx.scope(), id)
        .await?
        .into_iter()
        .find(|a| a.id == attachment_id)
        .ok_or_else(|| PageError::Status(StatusCode::NOT_FOUND, "No such attachment.".into()))?;
    let number = format!("{}.{}", a.major, a.minor);
    Ok((a, number))
}

async fn confirm_remove_attachment(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id, attachment_id)): Path<(String, i64, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let (a, number) = attachment_of(&s, &ctx, id, attachment_id).await?;
    Ok(render(&crate::pages::ConfirmPage {
        layout: ctx.layout("Remove the attachment", "documents"),
        heading: format!("Remove {} from draft {number}?", a.name),
        message:
            "The file stays in the versions it was attached to before; only this draft loses it."
                .into(),
        action: format!("/o/{slug}/documents/{id}/attachments/{attachment_id}/remove"),
        cancel: format!("/o/{slug}/documents/{id}/versions/{number}"),
        button: "Remove the attachment".into(),
    }))
}

async fn remove_attachment(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id, attachment_id)): Path<(String, i64, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(form_value(&form, "_csrf"))?;
    let (_, number) = attachment_of(&s, &ctx, id, attachment_id).await?;
    match documents::detach(&s.cx, &ctx.scope(), id, attachment_id).await {
        Ok(()) => Ok(flash_redirect(
            &format!("/o/{slug}/documents/{id}/versions/{number}"),
            "The attachment is removed from the draft.",
        )),
        Err(e) if e.kind != ErrorKind::Internal => {
            let status = status_of(&e);
            let page = version_view(&s, &ctx, id, &number, None, None, Some(e.detail)).await?;
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
