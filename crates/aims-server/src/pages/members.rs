//! Members and their roles.

use super::org_ctx;
use super::render;
use super::CsrfOnly;
use super::CursorQuery;
use super::Layout;
use super::OrgCtx;
use super::PageError;
use crate::AppState;
use aims_domain::Invalid;
use aims_domain::Permission;
use aims_domain::Role;
use aims_service::access;
use aims_service::ErrorKind;
use aims_store::Member;
use askama::Template;
use axum::extract::Form;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/members", get(members).post(member_add))
        .route("/o/{slug}/members/{user_id}/role", post(member_role))
        .route(
            "/o/{slug}/members/{user_id}/remove",
            get(member_remove_confirm).post(member_remove),
        )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct MemberForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    email: String,
    name: String,
    role: String,
    password: String,
}

#[derive(Template)]
#[template(path = "members.html")]
pub(crate) struct MembersPage {
    layout: Layout,
    members: Vec<Member>,
    next_cursor: Option<i64>,
    form: MemberForm,
    errors: Invalid,
    notice: Option<String>,
    roles: Vec<Role>,
}

pub(crate) async fn members_page(
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

pub(crate) async fn members(
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

pub(crate) async fn member_add(
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
pub(crate) struct RoleForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    role: String,
    version: i64,
}

pub(crate) async fn member_role(
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
    let m = access::change_role(&s.cx, &ctx.scope(), user_id, role, f.version).await?;
    Ok(crate::pages::flash_redirect(
        &format!("/o/{slug}/members"),
        &format!("{} is now {}.", m.email, m.role),
    ))
}

/// Asks before a member loses access to the organization.
pub(crate) async fn member_remove_confirm(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, user_id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.require(Permission::Administer)?;
    let m =
        s.cx.store
            .get_member(ctx.org.org_id, user_id)
            .await?
            .ok_or_else(|| PageError::Status(StatusCode::NOT_FOUND, "No such member.".into()))?;
    Ok(render(&crate::pages::ConfirmPage {
        layout: ctx.layout("Remove a member", "members"),
        heading: format!("Remove {} from {}?", m.email, ctx.org.name),
        message: format!(
            "{} ({}) loses access to this organization and their API tokens for it stop working. Their past changes stay in the audit trail. An admin can add them again.",
            m.name, m.role
        ),
        action: format!("/o/{slug}/members/{user_id}/remove"),
        cancel: format!("/o/{slug}/members"),
        button: format!("Remove {}", m.email),
    }))
}

pub(crate) async fn member_remove(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    ctx.check_csrf(&f.csrf)?;
    access::remove_member(&s.cx, &ctx.scope(), user_id).await?;
    Ok(crate::pages::flash_redirect(
        &format!("/o/{slug}/members"),
        "The member was removed from the organization.",
    ))
}
