//! Server-rendered HTML pages. Plain forms that work without JavaScript; every POST carries
//! a CSRF token; every page under `/o/{slug}` checks membership and role on the server.

use crate::api::AuditParams;
use crate::auth::{
    self, cookie, random_secret, set_cookie, sha256_hex, FORM_CSRF_COOKIE, SESSION_COOKIE,
};
use crate::extract::QueryParams;
use crate::AppState;
use aims_domain::{validate, Invalid, Permission, Permissions, Role};
use aims_service::access;
use aims_service::{AppError, ErrorKind, Scope};
use aims_store::{
    Actor, ApiToken, AuditEvent, Member, OrgMembership, SessionUser, SetupInput, StoreError,
};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

const SESSION_HOURS: i64 = 12;
const LOGIN_WINDOW_MINUTES: i64 = 15;
const LOGIN_MAX_FAILURES: i64 = 5;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/static/app.css", get(css))
        .route("/setup", get(setup_form).post(setup_submit))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/o/{slug}", get(home))
        .route("/o/{slug}/members", get(members).post(member_add))
        .route("/o/{slug}/members/{user_id}/role", post(member_role))
        .route("/o/{slug}/members/{user_id}/remove", post(member_remove))
        .route("/o/{slug}/tokens", get(tokens).post(token_create))
        .route("/o/{slug}/tokens/{id}/revoke", post(token_revoke))
        .route("/o/{slug}/audit", get(audit))
        .route("/o/{slug}/settings", get(settings).post(settings_save))
        .merge(crate::pages_catalog::routes())
        .merge(crate::pages_registers::routes())
        .merge(crate::pages_risk::routes())
        .merge(crate::pages_maturity::routes())
        .fallback(|| async {
            PageError::Status(StatusCode::NOT_FOUND, "There is no page here.".into())
        })
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
}

// ---------------------------------------------------------------- errors and layout

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
struct MessagePage {
    layout: Layout,
    heading: String,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Redirect(to) => Redirect::to(&to).into_response(),
            PageError::Status(status, message) => {
                let heading = match status {
                    StatusCode::OK => "Welcome to aims",
                    s => s.canonical_reason().unwrap_or("Error"),
                };
                let page = MessagePage {
                    layout: Layout::bare(heading),
                    heading: heading.to_string(),
                    message,
                };
                (status, render(&page)).into_response()
            }
        }
    }
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
}

impl Layout {
    fn bare(title: &str) -> Layout {
        Layout {
            title: title.to_string(),
            user: None,
            org: None,
            orgs: vec![],
            csrf: String::new(),
            active: "",
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
    pub fn slug(&self) -> &str {
        self.org.as_ref().map(|o| o.slug.as_str()).unwrap_or("")
    }
}

/// A signed-in user's context within one organization.
pub(crate) struct OrgCtx {
    pub(crate) user: SessionUser,
    pub(crate) org: OrgMembership,
    pub(crate) orgs: Vec<OrgMembership>,
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

fn check_csrf(expected: &str, sent: &str) -> Result<(), PageError> {
    // Compare hashes so the comparison time does not depend on how much of the token matched.
    if !expected.is_empty() && sha256_hex(expected) == sha256_hex(sent) {
        Ok(())
    } else {
        Err(PageError::Status(StatusCode::FORBIDDEN, "The form has expired or did not come from this site. Go back, reload the page and try again.".into()))
    }
}

async fn session(s: &AppState, headers: &HeaderMap) -> Result<Option<SessionUser>, PageError> {
    match cookie(headers, SESSION_COOKIE) {
        Some(v) => Ok(s.cx.store.session_user(&sha256_hex(v), s.cx.now()).await?),
        None => Ok(None),
    }
}

async fn require_session(s: &AppState, headers: &HeaderMap) -> Result<SessionUser, PageError> {
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
    Ok(OrgCtx { user, org, orgs })
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
fn form_csrf(headers: &HeaderMap) -> (String, Option<String>) {
    match cookie(headers, FORM_CSRF_COOKIE) {
        Some(v) if v.len() == 64 => (v.to_string(), None),
        _ => {
            let v = random_secret();
            (v.clone(), Some(v))
        }
    }
}

fn with_cookie(s: &AppState, page: Response, new_csrf: Option<String>) -> Response {
    let mut res = page;
    if let Some(v) = new_csrf {
        if let Ok(h) = set_cookie(s, FORM_CSRF_COOKIE, &v, 3600).parse() {
            res.headers_mut().append(header::SET_COOKIE, h);
        }
    }
    res
}

async fn start_session(
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

// ---------------------------------------------------------------- index, setup, login

async fn index(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    if let Some(user) = session(&s, &headers).await? {
        let orgs = s.cx.store.user_orgs(user.user_id).await?;
        return match orgs.first() {
            Some(o) => Ok(Redirect::to(&format!("/o/{}", o.slug)).into_response()),
            None => Err(PageError::Status(
                StatusCode::OK,
                "You are signed in but belong to no organization yet. Ask an admin to add you."
                    .into(),
            )),
        };
    }
    if s.cx.store.user_count().await? == 0 {
        return Err(PageError::Status(
            StatusCode::OK,
            "aims is not set up yet. Open the one-time setup link that `aims serve` printed in its console to create the first organization and its admin.".into(),
        ));
    }
    Ok(Redirect::to("/login").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SetupForm {
    token: String,
    #[serde(rename = "_csrf")]
    csrf: String,
    org_name: String,
    org_slug: String,
    name: String,
    email: String,
    password: String,
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    layout: Layout,
    form: SetupForm,
    errors: Invalid,
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn setup_form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let token = q.token.unwrap_or_default();
    if !s
        .cx
        .store
        .setup_token_valid(&sha256_hex(&token), s.cx.now())
        .await?
    {
        return Err(PageError::Status(StatusCode::GONE, "This setup link is invalid, expired or already used. Restart `aims serve` on an empty database for a new one, or sign in.".into()));
    }
    let (csrf, new) = form_csrf(&headers);
    let mut layout = Layout::bare("Set up aims");
    layout.csrf = csrf;
    let page = SetupPage {
        layout,
        form: SetupForm {
            token,
            ..Default::default()
        },
        errors: Invalid::default(),
    };
    Ok(with_cookie(&s, render(&page), new))
}

async fn setup_submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<SetupForm>,
) -> Result<Response, PageError> {
    let (csrf, _) = form_csrf(&headers);
    check_csrf(&csrf, &f.csrf)?;
    let mut inv = Invalid::default();
    let org_name = inv.check("org_name", validate::text(&f.org_name, 200));
    let org_slug = inv.check("org_slug", validate::slug(&f.org_slug));
    let name = inv.check("name", validate::text(&f.name, 200));
    let email = inv.check("email", validate::email(&f.email));
    let password = inv.check("password", validate::password(&f.password));
    if !inv.is_empty() {
        let mut layout = Layout::bare("Set up aims");
        layout.csrf = csrf;
        let page = SetupPage {
            layout,
            form: SetupForm {
                password: String::new(),
                ..f
            },
            errors: inv,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    let input = SetupInput {
        org_slug: org_slug.unwrap_or_default(),
        org_name: org_name.unwrap_or_default(),
        email: email.unwrap_or_default(),
        name: name.unwrap_or_default(),
        password_hash: auth::hash_password(password.unwrap_or_default()).await?,
    };
    let (org, user) =
        s.cx.store
            .complete_setup(&sha256_hex(&f.token), &input, s.cx.now())
            .await
            .map_err(|e| match e {
                StoreError::Gone(m) => PageError::Status(StatusCode::GONE, m),
                e => e.into(),
            })?;
    start_session(&s, user.id, &user.email, &format!("/o/{}", org.slug)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    email: String,
    password: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    error: Option<String>,
}

async fn login_form(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    if session(&s, &headers).await?.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let (csrf, new) = form_csrf(&headers);
    let mut layout = Layout::bare("Sign in");
    layout.csrf = csrf;
    Ok(with_cookie(
        &s,
        render(&LoginPage {
            layout,
            email: String::new(),
            error: None,
        }),
        new,
    ))
}

async fn login_submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let (csrf, _) = form_csrf(&headers);
    check_csrf(&csrf, &f.csrf)?;
    let email = f.email.trim().to_lowercase();
    let now = s.cx.now();
    let fail = |status: StatusCode, msg: &str| {
        let mut layout = Layout::bare("Sign in");
        layout.csrf = csrf.clone();
        (
            status,
            render(&LoginPage {
                layout,
                email: email.clone(),
                error: Some(msg.to_string()),
            }),
        )
            .into_response()
    };
    // The limit lives in the database, so it holds across every node behind a load balancer.
    let window_start = now - Duration::minutes(LOGIN_WINDOW_MINUTES);
    if s.cx
        .store
        .count_login_failures(&email, window_start)
        .await?
        >= LOGIN_MAX_FAILURES
    {
        let mut res = fail(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-ins for this account. Wait 15 minutes and try again.",
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("900"));
        return Ok(res);
    }
    let user = s.cx.store.login_user(&email).await?;
    let ok = auth::verify_password(
        f.password.clone(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    match (ok, user) {
        (true, Some(u)) => start_session(&s, u.id, &email, "/").await,
        _ => {
            s.cx.store
                .record_login_failure(&email, now, window_start)
                .await?;
            Ok(fail(
                StatusCode::UNAUTHORIZED,
                "The e-mail or the password is wrong.",
            ))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfOnly {
    #[serde(rename = "_csrf")]
    csrf: String,
}

async fn logout(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    if let Some(user) = session(&s, &headers).await? {
        check_csrf(&user.csrf_token, &f.csrf)?;
    }
    if let Some(v) = cookie(&headers, SESSION_COOKIE) {
        s.cx.store.delete_session(&sha256_hex(v)).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    if let Ok(h) = set_cookie(&s, SESSION_COOKIE, "", 0).parse() {
        res.headers_mut().append(header::SET_COOKIE, h);
    }
    Ok(res)
}

// ---------------------------------------------------------------- organization home

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    v: std::sync::Arc<aims_service::maturity::MaturityView>,
    /// (level, count, colour) of assessed risks by their current score.
    bands: Vec<(String, i64, String)>,
    /// (link, text) of the next things to do.
    next: Vec<(String, String)>,
}

async fn home(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let v = aims_service::maturity::maturity_view(&s.cx, ctx.org.org_id).await?;
    let (criteria, _) = aims_service::risk::criteria(&s.cx.store, ctx.org.org_id).await?;
    let mut bands: Vec<(String, i64, String)> = criteria
        .bands
        .iter()
        .map(|b| (b.level.clone(), 0, b.colour.clone()))
        .collect();
    for &(l, i, n) in s.cx.store.risk_heatmap(ctx.org.org_id, false).await?.iter() {
        if let Some(b) = criteria.band(l * i) {
            if let Some(x) = bands.iter_mut().find(|x| x.0 == b.level) {
                x.1 += n;
            }
        }
    }
    if bands.iter().all(|b| b.1 == 0) {
        bands.clear();
    }
    let mut next = vec![];
    if v.latest.is_none() {
        next.push((
            format!("/o/{slug}/maturity/new"),
            "Take the maturity self-assessment (42 questions)".to_string(),
        ));
    }
    if v.facts.systems == 0 {
        next.push((
            format!("/o/{slug}/inventory/ai-systems/new"),
            "Register your first AI system".to_string(),
        ));
    }
    if v.soa_decided < v.soa_total {
        next.push((
            format!("/o/{slug}/soa"),
            format!(
                "Decide the {} open Annex A controls in the SoA",
                v.soa_total - v.soa_decided
            ),
        ));
    }
    for g in &v.gaps {
        next.push((format!("/o/{slug}/maturity#roadmap"), g.text.clone()));
    }
    next.truncate(3);
    Ok(render(&HomePage {
        layout: ctx.layout(&ctx.org.name, "home"),
        v,
        bands,
        next,
    }))
}

// ---------------------------------------------------------------- members

#[derive(Deserialize, Default)]
#[serde(default)]
struct MemberForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    email: String,
    name: String,
    role: String,
    password: String,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    layout: Layout,
    members: Vec<Member>,
    next_cursor: Option<i64>,
    form: MemberForm,
    errors: Invalid,
    notice: Option<String>,
    roles: Vec<Role>,
}

#[derive(Deserialize)]
struct CursorQuery {
    after: Option<i64>,
}

async fn members_page(
    s: &AppState,
    ctx: &OrgCtx,
    after: Option<i64>,
    form: MemberForm,
    errors: Invalid,
    notice: Option<String>,
) -> Result<MembersPage, PageError> {
    let mut members = s.cx.store.list_members(ctx.org.org_id, after, 101).await?;
    let next_cursor = if members.len() > 100 {
        members.truncate(100);
        members.last().map(|m| m.user_id)
    } else {
        None
    };
    Ok(MembersPage {
        layout: ctx.layout("Members", "members"),
        members,
        next_cursor,
        form,
        errors,
        notice,
        roles: Role::ALL.to_vec(),
    })
}

async fn members(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<CursorQuery>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let form = MemberForm {
        role: "contributor".into(),
        ..Default::default()
    };
    Ok(render(
        &members_page(&s, &ctx, q.after, form, Invalid::default(), None).await?,
    ))
}

async fn member_add(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(f): Form<MemberForm>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(&f.csrf)?;
    ctx.require(Permission::Administer)?;
    let role = f.role.parse::<Role>();
    let outcome = match &role {
        Err(m) => Err(Invalid::field("role", m.clone())),
        Ok(r) => {
            let added = access::add_member(
                &s.cx,
                &ctx.scope(),
                &f.email,
                Some(&f.name),
                *r,
                Some(&f.password),
            )
            .await;
            match added {
                Ok(m) => Ok(m),
                Err(e) if e.kind == ErrorKind::Invalid => Err(Invalid(e.errors)),
                Err(e) => return Err(e.into()),
            }
        }
    };
    match outcome {
        Ok(m) => {
            let notice = Some(format!("{} is now a member ({}).", m.email, m.role));
            let form = MemberForm {
                role: "contributor".into(),
                ..Default::default()
            };
            Ok(render(
                &members_page(&s, &ctx, None, form, Invalid::default(), notice).await?,
            ))
        }
        Err(inv) => {
            let form = MemberForm {
                password: String::new(),
                ..f
            };
            let page = members_page(&s, &ctx, None, form, inv, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RoleForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    role: String,
    version: i64,
}

async fn member_role(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<RoleForm>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(&f.csrf)?;
    ctx.require(Permission::Administer)?;
    let role = f
        .role
        .parse::<Role>()
        .map_err(|m| PageError::Status(StatusCode::UNPROCESSABLE_ENTITY, m))?;
    access::change_role(&s.cx, &ctx.scope(), user_id, role, f.version).await?;
    Ok(Redirect::to(&format!("/o/{slug}/members")).into_response())
}

async fn member_remove(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(&f.csrf)?;
    access::remove_member(&s.cx, &ctx.scope(), user_id).await?;
    Ok(Redirect::to(&format!("/o/{slug}/members")).into_response())
}

// ---------------------------------------------------------------- tokens

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    name: String,
    role: String,
    expires_on: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<ApiToken>,
    form: TokenForm,
    errors: Invalid,
    created: Option<String>,
    grantable: Vec<Role>,
}

async fn tokens_page(
    s: &AppState,
    ctx: &OrgCtx,
    form: TokenForm,
    errors: Invalid,
    created: Option<String>,
) -> Result<TokensPage, PageError> {
    let only =
        (!ctx.org.role.permissions().allows(Permission::Administer)).then_some(ctx.user.user_id);
    let tokens =
        s.cx.store
            .list_tokens(ctx.org.org_id, only, None, 200)
            .await?;
    let grantable = Role::ALL
        .into_iter()
        .filter(|r| ctx.org.role.may_grant(*r))
        .collect();
    Ok(TokensPage {
        layout: ctx.layout("API tokens", "tokens"),
        tokens,
        form,
        errors,
        created,
        grantable,
    })
}

async fn tokens(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let form = TokenForm {
        role: ctx.org.role.to_string(),
        ..Default::default()
    };
    Ok(render(
        &tokens_page(&s, &ctx, form, Invalid::default(), None).await?,
    ))
}

async fn token_create(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(&f.csrf)?;
    let mut inv = Invalid::default();
    let role = inv.check("role", f.role.parse::<Role>());
    let expires_at = match f.expires_on.trim() {
        "" => None,
        d => inv
            .check(
                "expires_on",
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| "use a date such as 2027-01-31".to_string()),
            )
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc()),
    };
    let result = match inv.into_result() {
        Err(inv) => Err(inv),
        Ok(()) => match access::issue_token(
            &s.cx,
            &ctx.actor(),
            ctx.org.org_id,
            access::TokenRequest {
                user_id: ctx.user.user_id,
                granting_role: ctx.org.role,
                name: &f.name,
                role,
                expires_at,
            },
        )
        .await
        {
            Ok(created) => Ok(created),
            Err(p) if !p.errors.is_empty() => Err(Invalid(p.errors)),
            Err(p) => return Err(p.into()),
        },
    };
    match result {
        Ok((secret, _)) => {
            let form = TokenForm {
                role: ctx.org.role.to_string(),
                ..Default::default()
            };
            Ok(render(
                &tokens_page(&s, &ctx, form, Invalid::default(), Some(secret)).await?,
            ))
        }
        Err(mut inv) => {
            // The API names the field `expires_at`; this form calls it `expires_on`.
            for e in inv.0.iter_mut().filter(|e| e.field == "expires_at") {
                e.field = "expires_on".into();
            }
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&tokens_page(&s, &ctx, f, inv, None).await?),
            )
                .into_response())
        }
    }
}

async fn token_revoke(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(&f.csrf)?;
    access::revoke_token(&s.cx, &ctx.scope(), ctx.user.user_id, id).await?;
    Ok(Redirect::to(&format!("/o/{slug}/tokens")).into_response())
}

// ---------------------------------------------------------------- audit trail

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    events: Vec<AuditEvent>,
    entity_type: String,
    entity_id: String,
    actor: String,
    next_query: Option<String>,
    entity_types: &'static [&'static str],
}

/// The record types the audit trail knows, offered in its filter.
const ENTITY_TYPES: &[&str] = &["organization", "user", "member", "api_token"];

async fn audit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    QueryParams(p): QueryParams<AuditParams>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.require(Permission::ReadAuditTrail)?;
    let before = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            PageError::Status(StatusCode::BAD_REQUEST, "cursor: not a valid cursor".into())
        })?),
        None => None,
    };
    let filter = p.filter();
    let mut events =
        s.cx.store
            .list_events(ctx.org.org_id, &filter, before, 51)
            .await?;
    let next_query = if events.len() > 50 {
        events.truncate(50);
        events.last().map(|e| {
            let pairs = [
                (
                    "entity_type",
                    filter.entity_type.clone().unwrap_or_default(),
                ),
                ("entity_id", filter.entity_id.clone().unwrap_or_default()),
                ("actor", filter.actor.clone().unwrap_or_default()),
                ("cursor", e.id.to_string()),
            ];
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        })
    } else {
        None
    };
    Ok(render(&AuditPage {
        layout: ctx.layout("Audit trail", "audit"),
        events,
        entity_type: filter.entity_type.unwrap_or_default(),
        entity_id: filter.entity_id.unwrap_or_default(),
        actor: filter.actor.unwrap_or_default(),
        next_query,
        entity_types: ENTITY_TYPES,
    }))
}

// ---------------------------------------------------------------- settings

#[derive(Deserialize, Default)]
#[serde(default)]
struct SettingsForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    name: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    name: String,
    version: i64,
    errors: Invalid,
    conflict: Option<String>,
    saved: bool,
    gates: bool,
    gates_version: i64,
}

async fn settings(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    let (gates, gates_version) = s.cx.store.org_settings(ctx.org.org_id).await?;
    let org = s.cx.store.get_org(ctx.org.org_id).await?;
    Ok(render(&SettingsPage {
        layout: ctx.layout("Settings", "settings"),
        name: org.name,
        version: org.version,
        errors: Invalid::default(),
        conflict: None,
        saved: false,
        gates,
        gates_version,
    }))
}

async fn settings_save(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let mut ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(&f.csrf)?;
    ctx.require(Permission::Administer)?;
    let (gates, gates_version) = s.cx.store.org_settings(ctx.org.org_id).await?;
    match access::rename_organization(&s.cx, &ctx.scope(), &f.name, f.version).await {
        Err(e) if e.kind == ErrorKind::Invalid => {
            let page = SettingsPage {
                layout: ctx.layout("Settings", "settings"),
                name: f.name,
                version: f.version,
                errors: Invalid(e.errors),
                conflict: None,
                saved: false,
                gates,
                gates_version,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Ok(org) => {
            ctx.org.name = org.name.clone();
            Ok(render(&SettingsPage {
                layout: ctx.layout("Settings", "settings"),
                name: org.name,
                version: org.version,
                errors: Invalid::default(),
                conflict: None,
                saved: true,
                gates,
                gates_version,
            }))
        }
        Err(AppError {
            kind: ErrorKind::Stale,
            current_version: Some(current),
            ..
        }) => {
            // Keep what the user typed; show what changed underneath.
            let org = s.cx.store.get_org(ctx.org.org_id).await?;
            let page = SettingsPage {
                layout: ctx.layout("Settings", "settings"),
                name: f.name,
                version: current,
                errors: Invalid::default(),
                conflict: Some(format!("Someone else changed these settings while you were editing (the name is now “{}”). Your text is kept below: save again to overwrite.", org.name)),
                saved: false,
                gates,
                gates_version,
            };
            Ok((StatusCode::CONFLICT, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
