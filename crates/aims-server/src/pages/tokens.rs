//! API tokens.

use super::org_ctx;
use super::render;
use super::CsrfOnly;
use super::Layout;
use super::OrgCtx;
use super::PageError;
use crate::AppState;
use aims_domain::Invalid;
use aims_domain::Permission;
use aims_domain::Role;
use aims_service::access;
use aims_store::ApiToken;
use askama::Template;
use axum::extract::Form;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use chrono::NaiveDate;
use serde::Deserialize;
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{slug}/tokens", get(tokens).post(token_create))
        .route("/o/{slug}/tokens/{id}/revoke", post(token_revoke))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct TokenForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    name: String,
    role: String,
    expires_on: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub(crate) struct TokensPage {
    layout: Layout,
    tokens: Vec<ApiToken>,
    form: TokenForm,
    errors: Invalid,
    created: Option<String>,
    grantable: Vec<Role>,
}

pub(crate) async fn tokens_page(
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

pub(crate) async fn tokens(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let ctx = org_ctx(&s, &headers, &slug).await?;
    // A new token starts with the least it could do: the lowest role, raised on purpose.
    let form = TokenForm {
        role: Role::ALL
            .into_iter()
            .rev()
            .find(|r| ctx.org.role.may_grant(*r))
            .unwrap_or(ctx.org.role)
            .to_string(),
        ..Default::default()
    };
    Ok(render(
        &tokens_page(&s, &ctx, form, Invalid::default(), None).await?,
    ))
}

pub(crate) async fn token_create(
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

pub(crate) async fn token_revoke(
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
