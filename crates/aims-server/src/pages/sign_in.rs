//! First run, sign-in and sign-out.

use super::check_csrf;
use super::form_csrf;
use super::render;
use super::session;
use super::start_session;
use super::with_cookie;
use super::CsrfOnly;
use super::Layout;
use super::PageError;
use crate::auth;
use crate::auth::cookie;
use crate::auth::set_cookie;
use crate::auth::sha256_hex;
use crate::auth::SESSION_COOKIE;
use crate::AppState;
use aims_domain::validate;
use aims_domain::Invalid;
use aims_store::SetupInput;
use aims_store::StoreError;
use askama::Template;
use axum::extract::Form;
use axum::extract::Query;
use axum::extract::State;
use axum::http::header;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use chrono::Duration;
use serde::Deserialize;
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/setup", get(setup_form).post(setup_submit))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
}

pub(crate) async fn index(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
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
pub(crate) struct SetupForm {
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
pub(crate) struct SetupPage {
    layout: Layout,
    form: SetupForm,
    errors: Invalid,
}

#[derive(Deserialize)]
pub(crate) struct TokenQuery {
    token: Option<String>,
}

pub(crate) async fn setup_form(
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

pub(crate) async fn setup_submit(
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
pub(crate) struct LoginForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    email: String,
    password: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    layout: Layout,
    email: String,
    error: Option<String>,
}

pub(crate) async fn login_form(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
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

pub(crate) async fn login_submit(
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

pub(crate) async fn logout(
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

/// Sign-in failures counted per e-mail over this window, and how many lock it.
const LOGIN_WINDOW_MINUTES: i64 = 15;
const LOGIN_MAX_FAILURES: i64 = 5;
