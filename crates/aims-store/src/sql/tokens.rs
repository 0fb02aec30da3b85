//! SQL of the store: API tokens.

use super::*;

/// Resolves a bearer token: live, not revoked, not expired, and its user still a member.
pub async fn token_grant(
    p: &Pools,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<TokenGrant>> {
    Ok(sqlx::query_as(
        "SELECT t.id AS token_id, t.name AS token_name, t.role AS token_role, t.user_id, u.email, \
                t.org_id, o.slug AS org_slug, m.role AS member_role \
         FROM api_tokens t \
         JOIN users u ON u.id = t.user_id \
         JOIN organizations o ON o.id = t.org_id \
         JOIN memberships m ON m.org_id = t.org_id AND m.user_id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)",
    )
    .bind(token_hash)
    .bind(micros(now))
    .fetch_optional(&p.read)
    .await?)
}

pub(crate) const TOKEN_SELECT: &str = "SELECT t.id, t.org_id, t.user_id, u.email AS user_email, t.name, t.role, t.created_at, t.expires_at, t.revoked_at \
     FROM api_tokens t JOIN users u ON u.id = t.user_id";

pub async fn create_token(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    new: &NewToken,
    now: DateTime<Utc>,
) -> Result<ApiToken> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (org_id, user_id, name, token_hash, role, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(org_id)
    .bind(new.user_id)
    .bind(&new.name)
    .bind(&new.token_hash)
    .bind(new.role.as_str())
    .bind(micros(now))
    .bind(new.expires_at.map(micros))
    .fetch_one(&mut *tx)
    .await?;
    let token: ApiToken = sqlx::query_as(&format!("{TOKEN_SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        action::CREATE,
        "api_token",
        &id.to_string(),
        None::<&()>,
        Some(&token),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(token)
}

/// Tokens of the organization, newest first; `user_id` limits the list to one person's.
pub async fn list_tokens(
    p: &Pools,
    org_id: i64,
    user_id: Option<i64>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<ApiToken>> {
    let mut q: QueryBuilder<DB> = QueryBuilder::new(TOKEN_SELECT);
    q.push(" WHERE t.org_id = ").push_bind(org_id);
    if let Some(u) = user_id {
        q.push(" AND t.user_id = ").push_bind(u);
    }
    if let Some(b) = before_id {
        q.push(" AND t.id < ").push_bind(b);
    }
    q.push(" ORDER BY t.id DESC LIMIT ").push_bind(limit);
    Ok(q.build_query_as().fetch_all(&p.read).await?)
}

pub async fn get_token(p: &Pools, org_id: i64, id: i64) -> Result<Option<ApiToken>> {
    Ok(
        sqlx::query_as(&format!("{TOKEN_SELECT} WHERE t.org_id = $1 AND t.id = $2"))
            .bind(org_id)
            .bind(id)
            .fetch_optional(&p.read)
            .await?,
    )
}

pub async fn revoke_token(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<ApiToken> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before: ApiToken =
        sqlx::query_as(&format!("{TOKEN_SELECT} WHERE t.org_id = $1 AND t.id = $2"))
            .bind(org_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound("token".into()))?;
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(id)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
    let after = ApiToken {
        revoked_at: Some(micros(now)),
        ..before.clone()
    };
    append_event(
        &mut tx,
        &mut chain,
        actor,
        action::DELETE,
        "api_token",
        &id.to_string(),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(after)
}
