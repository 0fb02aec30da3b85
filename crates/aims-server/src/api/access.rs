//! The JSON API under `/api/v1`. Every handler: authenticate (bearer token), check the
//! permission, scope every query to the caller's organization, answer problem+json on error.

use crate::api_router::ApiRouter;
use crate::auth::ApiCaller;
use crate::error::{Problem, ProblemBody};
use crate::extract::{JsonBody, PathParam, QueryParams};
use crate::AppState;
use aims_domain::{Permission, Role};
use aims_service::access;
use aims_service::audit_trail::{self, AuditParams};
use aims_store::{ApiToken, AuditEvent, Member, Organization};
use axum::extract::State;
use axum::http::Method;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route("/api/v1/me", &[Method::GET], get(me))
        .route(
            "/api/v1/organization",
            &[Method::GET, Method::PATCH],
            get(get_organization).patch(update_organization),
        )
        .route(
            "/api/v1/members",
            &[Method::GET, Method::POST],
            get(list_members).post(add_member),
        )
        .route(
            "/api/v1/members/{user_id}",
            &[Method::GET, Method::PATCH, Method::DELETE],
            get(get_member).patch(update_member).delete(remove_member),
        )
        .route(
            "/api/v1/tokens",
            &[Method::GET, Method::POST],
            get(list_tokens).post(create_token),
        )
        .route(
            "/api/v1/tokens/{id}",
            &[Method::GET, Method::DELETE],
            get(get_token).delete(revoke_token),
        )
        .route(
            "/api/v1/audit-events",
            &[Method::GET],
            get(list_audit_events),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        me,
        get_organization,
        update_organization,
        list_members,
        add_member,
        get_member,
        update_member,
        remove_member,
        list_tokens,
        create_token,
        get_token,
        revoke_token,
        list_audit_events
    ),
    components(schemas(
        ProblemBody,
        Organization,
        Member,
        ApiToken,
        AuditEvent,
        Role,
        Me,
        UpdateOrganization,
        AddMember,
        UpdateMember,
        CreateToken,
        CreatedToken,
        MemberPage,
        TokenPage,
        AuditPage
    ))
)]
pub struct ApiDoc;

/// Keyset pagination: `limit` (1–200, default 50) and the `cursor` a previous page returned.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

fn page_limit(limit: Option<i64>) -> Result<i64, Problem> {
    match limit {
        None => Ok(50),
        Some(n) if (1..=200).contains(&n) => Ok(n),
        Some(_) => Err(Problem::field(
            StatusCode::BAD_REQUEST,
            "limit",
            "must be between 1 and 200",
        )),
    }
}

fn parse_cursor(cursor: &Option<String>) -> Result<Option<i64>, Problem> {
    cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                Problem::field(
                    StatusCode::BAD_REQUEST,
                    "cursor",
                    "is not a cursor this API returned",
                )
            })
        })
        .transpose()
}

/// Fetches one more than asked so the presence of a next page is known without a count.
fn paginate<T>(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> i64) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| key(r).to_string())
    } else {
        None
    };
    (rows, next)
}

// ---------------------------------------------------------------- me and organization

#[derive(Serialize, ToSchema)]
pub struct Me {
    user_id: i64,
    email: String,
    organization: Organization,
    token_role: Role,
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = ProblemBody)))]
async fn me(State(s): State<AppState>, caller: ApiCaller) -> Result<Json<Me>, Problem> {
    let organization = s.cx.store.get_org(caller.org_id).await?;
    Ok(Json(Me {
        user_id: caller.user_id,
        email: caller.email,
        organization,
        token_role: caller.token_role,
    }))
}

#[utoipa::path(get, path = "/api/v1/organization", responses((status = 200, body = Organization)))]
async fn get_organization(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Organization>, Problem> {
    Ok(Json(access::organization(&s.cx, &caller.scope()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    name: String,
    /// The version you read; a stale one answers 409.
    version: i64,
}

#[utoipa::path(patch, path = "/api/v1/organization", request_body = UpdateOrganization,
    responses((status = 200, body = Organization), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn update_organization(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<UpdateOrganization>,
) -> Result<Json<Organization>, Problem> {
    Ok(Json(
        access::rename_organization(&s.cx, &caller.scope(), &body.name, body.version).await?,
    ))
}

// ---------------------------------------------------------------- members

#[derive(Serialize, ToSchema)]
pub struct MemberPage {
    items: Vec<Member>,
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/members", params(PageParams), responses((status = 200, body = MemberPage)))]
async fn list_members(
    State(s): State<AppState>,
    caller: ApiCaller,
    QueryParams(p): QueryParams<PageParams>,
) -> Result<Json<MemberPage>, Problem> {
    caller.require(Permission::Read)?;
    let limit = page_limit(p.limit)?;
    let rows =
        s.cx.store
            .list_members(caller.org_id, parse_cursor(&p.cursor)?, limit + 1)
            .await?;
    let (items, next_cursor) = paginate(rows, limit, |m| m.user_id);
    Ok(Json(MemberPage { items, next_cursor }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    email: String,
    /// Needed only when the person has no account yet.
    name: Option<String>,
    role: Role,
    /// Needed only when the person has no account yet (12 characters or more).
    password: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/members", request_body = AddMember,
    responses((status = 201, body = Member), (status = 422, body = ProblemBody)))]
async fn add_member(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<AddMember>,
) -> Result<(StatusCode, Json<Member>), Problem> {
    let m = access::add_member(
        &s.cx,
        &caller.scope(),
        &body.email,
        body.name.as_deref(),
        body.role,
        body.password.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(m)))
}

#[utoipa::path(get, path = "/api/v1/members/{user_id}", params(("user_id" = i64, Path)), responses((status = 200, body = Member), (status = 404, body = ProblemBody)))]
async fn get_member(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(user_id): PathParam<i64>,
) -> Result<Json<Member>, Problem> {
    caller.require(Permission::Read)?;
    s.cx.store
        .get_member(caller.org_id, user_id)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found("member"))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMember {
    role: Role,
    version: i64,
}

#[utoipa::path(patch, path = "/api/v1/members/{user_id}", params(("user_id" = i64, Path)), request_body = UpdateMember,
    responses((status = 200, body = Member), (status = 409, body = ProblemBody)))]
async fn update_member(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(user_id): PathParam<i64>,
    JsonBody(body): JsonBody<UpdateMember>,
) -> Result<Json<Member>, Problem> {
    Ok(Json(
        access::change_role(&s.cx, &caller.scope(), user_id, body.role, body.version).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/members/{user_id}", params(("user_id" = i64, Path)), responses((status = 204), (status = 404, body = ProblemBody)))]
async fn remove_member(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(user_id): PathParam<i64>,
) -> Result<StatusCode, Problem> {
    access::remove_member(&s.cx, &caller.scope(), user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- tokens

#[derive(Serialize, ToSchema)]
pub struct TokenPage {
    items: Vec<ApiToken>,
    next_cursor: Option<String>,
}

/// Admins see every token of the organization; everyone else their own.
#[utoipa::path(get, path = "/api/v1/tokens", params(PageParams), responses((status = 200, body = TokenPage)))]
async fn list_tokens(
    State(s): State<AppState>,
    caller: ApiCaller,
    QueryParams(p): QueryParams<PageParams>,
) -> Result<Json<TokenPage>, Problem> {
    let limit = page_limit(p.limit)?;
    let only = (!caller.perms.allows(Permission::Administer)).then_some(caller.user_id);
    let rows =
        s.cx.store
            .list_tokens(caller.org_id, only, parse_cursor(&p.cursor)?, limit + 1)
            .await?;
    let (items, next_cursor) = paginate(rows, limit, |t| t.id);
    Ok(Json(TokenPage { items, next_cursor }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    name: String,
    /// At most the caller's own role; defaults to it.
    role: Option<Role>,
    /// RFC 3339; omit for a token that does not expire.
    expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// The secret: shown this once, stored only as a hash.
    token: String,
    #[serde(flatten)]
    info: ApiToken,
}

#[utoipa::path(post, path = "/api/v1/tokens", request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = ProblemBody)))]
async fn create_token(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), Problem> {
    // The granting role is the token's own; the rights it carries are also capped by the
    // membership at every use.
    let request = access::TokenRequest {
        user_id: caller.user_id,
        granting_role: caller.token_role,
        name: &body.name,
        role: body.role,
        expires_at: body.expires_at,
    };
    let (token, info) = access::issue_token(&s.cx, &caller.actor(), caller.org_id, request).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, info })))
}

#[utoipa::path(get, path = "/api/v1/tokens/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiToken), (status = 404, body = ProblemBody)))]
async fn get_token(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<ApiToken>, Problem> {
    Ok(Json(
        access::visible_token(&s.cx, &caller.scope(), caller.user_id, id).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", params(("id" = i64, Path)), responses((status = 200, body = ApiToken), (status = 404, body = ProblemBody)))]
async fn revoke_token(
    State(s): State<AppState>,
    caller: ApiCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Json<ApiToken>, Problem> {
    Ok(Json(
        access::revoke_token(&s.cx, &caller.scope(), caller.user_id, id).await?,
    ))
}

// ---------------------------------------------------------------- audit trail

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    items: Vec<AuditEvent>,
    next_cursor: Option<String>,
}

/// Newest first.
#[utoipa::path(get, path = "/api/v1/audit-events", params(AuditParams), responses((status = 200, body = AuditPage), (status = 403, body = ProblemBody)))]
async fn list_audit_events(
    State(s): State<AppState>,
    caller: ApiCaller,
    QueryParams(p): QueryParams<AuditParams>,
) -> Result<Json<AuditPage>, Problem> {
    let limit = page_limit(p.limit)?;
    let cursor = parse_cursor(&p.cursor)?;
    let rows = audit_trail::events(&s.cx, &caller.scope(), &p, cursor, limit + 1).await?;
    let (items, next_cursor) = paginate(rows, limit, |e| e.id);
    Ok(Json(AuditPage { items, next_cursor }))
}
