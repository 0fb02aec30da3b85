//! The HTML pages: errors shown as pages, the layout, the signed-in organization context, and the routes of every page area.

use crate::auth::cookie;
use crate::auth::random_secret;
use crate::auth::set_cookie;
use crate::auth::sha256_hex;
use crate::auth::FORM_CSRF_COOKIE;
use crate::auth::SESSION_COOKIE;
use crate::AppState;
use aims_domain::Permission;
use aims_domain::Permissions;
use aims_service::AppError;
use aims_service::ErrorKind;
use aims_service::Scope;
use aims_store::Actor;
use aims_store::OrgMembership;
use aims_store::SessionUser;
use aims_store::StoreError;
use askama::Template;
use axum::http::header;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Html;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Duration;
use serde::Deserialize;
mod audit;
mod catalog;
mod classification;
mod competence;
mod criteria;
mod documents;
mod home;
mod imports;
mod incidents;
mod leadership;
mod maturity;
mod members;
mod objectives;
mod record;
mod registers;
mod removal;
mod risks;
mod settings;
mod sign_in;
mod soa;
mod tokens;
mod trace;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .merge(sign_in::routes())
        .merge(home::routes())
        .merge(members::routes())
        .merge(tokens::routes())
        .merge(audit::routes())
        .merge(settings::routes())
        .merge(imports::routes())
        .merge(registers::routes())
        .merge(removal::routes())
        .merge(classification::routes())
        .merge(documents::routes())
        .merge(leadership::routes())
        .merge(objectives::routes())
        .merge(incidents::routes())
        .merge(competence::routes())
        .merge(risks::routes())
        .merge(criteria::routes())
        .merge(soa::routes())
        .merge(trace::routes())
        .merge(catalog::routes())
        .merge(maturity::routes())
        .fallback(|| async {
            PageError::Status(StatusCode::NOT_FOUND, "There is no page here.".into())
        })
        .layer(axum::middleware::from_fn(clear_shown_flash))
}

/// The cookie that carries a success message across the redirect after a save.
const FLASH_COOKIE: &str = "aims_flash";

/// A success message shown once, on the page a redirect leads to, with an optional link.
#[derive(Clone, Debug, PartialEq)]
pub struct Flash {
    pub text: String,
    /// (href, label) of a next step, such as "Restore it".
    pub link: Option<(String, String)>,
}

/// A redirect after a successful action that shows `message` on the page it leads to.
pub(crate) fn flash_redirect(to: &str, message: &str) -> Response {
    flash_response(to, message, None)
}

/// Like `flash_redirect`, with a link in the message (a path on this site).
pub(crate) fn flash_redirect_with_link(
    to: &str,
    message: &str,
    href: &str,
    label: &str,
) -> Response {
    flash_response(to, message, Some((href, label)))
}

const FLASH_SEPARATOR: char = '\u{1f}';

fn flash_response(to: &str, message: &str, link: Option<(&str, &str)>) -> Response {
    let mut res = Redirect::to(to).into_response();
    let raw = match link {
        Some((href, label)) => format!("{message}{FLASH_SEPARATOR}{href}{FLASH_SEPARATOR}{label}"),
        None => message.to_string(),
    };
    let value: String = form_urlencoded::byte_serialize(raw.as_bytes()).collect();
    if let Ok(h) =
        format!("{FLASH_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60").parse()
    {
        res.headers_mut().append(header::SET_COOKIE, h);
    }
    res
}

/// The success message waiting for this request, if any.
pub(crate) fn flash_of(headers: &HeaderMap) -> Option<Flash> {
    let raw = cookie(headers, FLASH_COOKIE)?;
    let text: String = form_urlencoded::parse(format!("m={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    let mut parts = text.splitn(3, FLASH_SEPARATOR);
    let message: String = parts.next()?.chars().take(300).collect();
    // Only a path on this site becomes a link.
    let link = match (parts.next(), parts.next()) {
        (Some(href), Some(label)) if href.starts_with('/') && !href.starts_with("//") => {
            Some((href.to_string(), label.chars().take(60).collect()))
        }
        _ => None,
    };
    Some(Flash {
        text: message,
        link,
    })
    .filter(|f| !f.text.is_empty())
}

/// Once a page has shown the message (any answer that is not a redirect), it is cleared.
async fn clear_shown_flash(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let had = cookie(req.headers(), FLASH_COOKIE).is_some();
    let mut res = next.run(req).await;
    if had && !res.status().is_redirection() {
        if let Ok(h) = format!("{FLASH_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0").parse()
        {
            res.headers_mut().append(header::SET_COOKIE, h);
        }
    }
    res
}

pub(crate) const SESSION_HOURS: i64 = 12;

pub(crate) async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}

pub(crate) async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
}

/// What a page handler answers instead of its page.
pub(crate) enum PageError {
    Redirect(String),
    Status(StatusCode, String),
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        let status = crate::error::status_of(e.kind);
        if e.kind == ErrorKind::Internal {
            return PageError::Status(
                status,
                "Something went wrong on our side; the server log has the details.".into(),
            );
        }
        PageError::Status(status, e.detail)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

impl From<crate::error::Problem> for PageError {
    fn from(p: crate::error::Problem) -> Self {
        PageError::Status(p.status, p.detail)
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    layout: Layout,
    heading: String,
    message: String,
    /// What to do next, in words, and where to go.
    next: Vec<(String, String)>,
}

/// The shared confirmation before something that cannot be undone from the page itself.
#[derive(Template)]
#[template(path = "confirm.html")]
pub(crate) struct ConfirmPage {
    pub(crate) layout: Layout,
    pub(crate) heading: String,
    pub(crate) message: String,
    /// Where the confirming form posts, and where "Cancel" goes.
    pub(crate) action: String,
    pub(crate) cancel: String,
    pub(crate) button: String,
}

/// What an error page says, kept on the response so the layout can be added around it.
#[derive(Clone)]
struct ShownError {
    status: StatusCode,
    message: String,
}

fn error_heading(status: StatusCode) -> &'static str {
    match status {
        StatusCode::OK => "Welcome to aims",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::CONFLICT => "Changed in the meantime",
        StatusCode::UNPROCESSABLE_ENTITY => "Cannot be done as asked",
        s => s.canonical_reason().unwrap_or("Error"),
    }
}

/// The next steps an error page offers, by its status.
fn next_steps(status: StatusCode, slug: &str) -> Vec<(String, String)> {
    let home = if slug.is_empty() {
        "/".to_string()
    } else {
        format!("/o/{slug}")
    };
    let mut out = match status {
        StatusCode::NOT_FOUND => vec![(
            "It may have been deleted: the audit trail keeps what it held.".to_string(),
            format!("{home}/audit"),
        )],
        StatusCode::FORBIDDEN => vec![(
            "Ask an admin of the organization for a role that allows it.".to_string(),
            format!("{home}/members"),
        )],
        StatusCode::CONFLICT => vec![(
            "Go back, reload the page to see the current state, and try again.".to_string(),
            String::new(),
        )],
        _ => vec![],
    };
    if slug.is_empty() {
        out.retain(|(_, href)| href.is_empty());
    }
    out.push(("Back to the dashboard".to_string(), home));
    out
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Redirect(to) => Redirect::to(&to).into_response(),
            PageError::Status(status, message) => {
                let heading = error_heading(status);
                let page = MessagePage {
                    layout: Layout::bare(heading),
                    heading: heading.to_string(),
                    message: message.clone(),
                    next: next_steps(status, ""),
                };
                let mut res = (status, render(&page)).into_response();
                res.extensions_mut().insert(ShownError { status, message });
                res
            }
        }
    }
}

/// An error page inside an organization keeps the layout and navigation of that organization
/// (the handler that failed may not have got so far as to build them).
pub(crate) async fn error_pages_in_layout(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = req.headers().clone();
    let slug = req
        .uri()
        .path()
        .strip_prefix("/o/")
        .and_then(|rest| rest.split('/').next())
        .map(str::to_string);
    let res = next.run(req).await;
    let (Some(shown), Some(slug)) = (res.extensions().get::<ShownError>().cloned(), slug) else {
        return res;
    };
    let Ok(ctx) = org_ctx(&s, &headers, &slug).await else {
        return res;
    };
    let heading = error_heading(shown.status);
    let page = MessagePage {
        layout: ctx.layout(heading, ""),
        heading: heading.to_string(),
        message: shown.message,
        next: next_steps(shown.status, &ctx.org.slug),
    };
    let mut out = (shown.status, render(&page)).into_response();
    for v in res.headers().get_all(header::SET_COOKIE) {
        out.headers_mut().append(header::SET_COOKIE, v.clone());
    }
    out
}

pub(crate) fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// What every page's frame needs: who is signed in, in which organization, the nav.
pub struct Layout {
    pub title: String,
    pub user: Option<SessionUser>,
    pub org: Option<OrgMembership>,
    pub orgs: Vec<OrgMembership>,
    pub csrf: String,
    pub active: &'static str,
    /// The success message of the action that led here.
    pub flash: Option<Flash>,
}

impl Layout {
    pub(crate) fn bare(title: &str) -> Layout {
        Layout {
            title: title.to_string(),
            user: None,
            org: None,
            orgs: vec![],
            csrf: String::new(),
            active: "",
            flash: None,
        }
    }

    pub fn perms(&self) -> Permissions {
        self.org
            .as_ref()
            .map(|o| o.role.permissions())
            .unwrap_or(Permissions::NONE)
    }
    pub fn can_admin(&self) -> bool {
        self.perms().allows(Permission::Administer)
    }
    pub fn can_read_audit(&self) -> bool {
        self.perms().allows(Permission::ReadAuditTrail)
    }
    /// The signed-in user's name (their e-mail when they have none).
    pub fn user_name(&self) -> String {
        self.user
            .as_ref()
            .map(|u| {
                if u.name.trim().is_empty() {
                    u.email.clone()
                } else {
                    format!("{} ({})", u.name, u.email)
                }
            })
            .unwrap_or_default()
    }
    pub fn slug(&self) -> &str {
        self.org.as_ref().map(|o| o.slug.as_str()).unwrap_or("")
    }
}

/// A signed-in user's context within one organization.
pub(crate) struct OrgCtx {
    pub(crate) user: SessionUser,
    pub(crate) org: OrgMembership,
    pub(crate) orgs: Vec<OrgMembership>,
    pub(crate) flash: Option<Flash>,
}

impl OrgCtx {
    pub(crate) fn layout(&self, title: &str, active: &'static str) -> Layout {
        Layout {
            title: title.to_string(),
            user: Some(self.user.clone()),
            org: Some(self.org.clone()),
            orgs: self.orgs.clone(),
            csrf: self.user.csrf_token.clone(),
            active,
            flash: self.flash.clone(),
        }
    }
    pub(crate) fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.user_id),
            token_id: None,
            label: self.user.email.clone(),
        }
    }
    /// The scope service operations run in for this page's user.
    pub(crate) fn scope(&self) -> Scope {
        Scope {
            org_id: self.org.org_id,
            actor: self.actor(),
            perms: self.org.role.permissions(),
        }
    }
    pub(crate) fn require(&self, p: Permission) -> Result<(), PageError> {
        if self.org.role.permissions().allows(p) {
            Ok(())
        } else {
            Err(PageError::Status(
                StatusCode::FORBIDDEN,
                format!("Your role ({}) does not allow this.", self.org.role),
            ))
        }
    }
    pub(crate) fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        check_csrf(&self.user.csrf_token, sent)
    }
}

pub(crate) fn check_csrf(expected: &str, sent: &str) -> Result<(), PageError> {
    // Compare hashes so the comparison time does not depend on how much of the token matched.
    if !expected.is_empty() && sha256_hex(expected) == sha256_hex(sent) {
        Ok(())
    } else {
        Err(PageError::Status(StatusCode::FORBIDDEN, "The form has expired or did not come from this site. Go back, reload the page and try again.".into()))
    }
}

pub(crate) async fn session(
    s: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SessionUser>, PageError> {
    match cookie(headers, SESSION_COOKIE) {
        Some(v) => Ok(s.cx.store.session_user(&sha256_hex(v), s.cx.now()).await?),
        None => Ok(None),
    }
}

pub(crate) async fn require_session(
    s: &AppState,
    headers: &HeaderMap,
) -> Result<SessionUser, PageError> {
    session(s, headers)
        .await?
        .ok_or_else(|| PageError::Redirect("/login".into()))
}

pub(crate) async fn org_ctx(
    s: &AppState,
    headers: &HeaderMap,
    slug: &str,
) -> Result<OrgCtx, PageError> {
    let user = require_session(s, headers).await?;
    let orgs = s.cx.store.user_orgs(user.user_id).await?;
    // Not a member reads the same as no such organization: nothing leaks about other tenants.
    let org = orgs
        .iter()
        .find(|o| o.slug == slug)
        .cloned()
        .ok_or_else(|| {
            PageError::Status(
                StatusCode::NOT_FOUND,
                "No such organization, or you are not a member of it.".into(),
            )
        })?;
    Ok(OrgCtx {
        user,
        org,
        orgs,
        flash: flash_of(headers),
    })
}

/// A submitted form field's value ("" when absent).
pub(crate) fn form_value<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// A CSRF token for forms shown before sign-in (setup, login): double-submit cookie.
pub(crate) fn form_csrf(headers: &HeaderMap) -> (String, Option<String>) {
    match cookie(headers, FORM_CSRF_COOKIE) {
        Some(v) if v.len() == 64 => (v.to_string(), None),
        _ => {
            let v = random_secret();
            (v.clone(), Some(v))
        }
    }
}

pub(crate) fn with_cookie(s: &AppState, page: Response, new_csrf: Option<String>) -> Response {
    let mut res = page;
    if let Some(v) = new_csrf {
        if let Ok(h) = set_cookie(s, FORM_CSRF_COOKIE, &v, 3600).parse() {
            res.headers_mut().append(header::SET_COOKIE, h);
        }
    }
    res
}

pub(crate) async fn start_session(
    s: &AppState,
    user_id: i64,
    email: &str,
    to: &str,
) -> Result<Response, PageError> {
    let secret = random_secret();
    let now = s.cx.now();
    s.cx.store
        .create_session(
            &sha256_hex(&secret),
            user_id,
            email,
            &random_secret(),
            now,
            now + Duration::hours(SESSION_HOURS),
        )
        .await?;
    let mut res = Redirect::to(to).into_response();
    if let Ok(h) = set_cookie(s, SESSION_COOKIE, &secret, SESSION_HOURS * 3600).parse() {
        res.headers_mut().append(header::SET_COOKIE, h);
    }
    Ok(res)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CsrfOnly {
    #[serde(rename = "_csrf")]
    csrf: String,
}

#[derive(Deserialize)]
pub(crate) struct CursorQuery {
    after: Option<i64>,
}
