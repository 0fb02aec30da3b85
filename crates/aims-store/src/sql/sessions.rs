//! SQL of the store: sign-in and sessions.

use super::*;

pub async fn login_user(p: &Pools, email: &str) -> Result<Option<LoginUser>> {
    Ok(
        sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&p.read)
            .await?,
    )
}

pub async fn count_login_failures(p: &Pools, email: &str, since: DateTime<Utc>) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at > $2")
            .bind(email)
            .bind(micros(since))
            .fetch_one(&p.read)
            .await?,
    )
}

pub async fn record_login_failure(
    p: &Pools,
    email: &str,
    now: DateTime<Utc>,
    forget_before: DateTime<Utc>,
) -> Result<()> {
    let mut tx = p.write.begin().await?;
    sqlx::query("DELETE FROM login_failures WHERE email = $1 AND at < $2")
        .bind(email)
        .bind(micros(forget_before))
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO login_failures (email, at) VALUES ($1, $2)")
        .bind(email)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn create_session(
    p: &Pools,
    token_hash: &str,
    user_id: i64,
    email: &str,
    csrf: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let mut tx = p.write.begin().await?;
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(micros(now))
        .bind(micros(expires_at))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn session_user(
    p: &Pools,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionUser>> {
    Ok(sqlx::query_as(
        "SELECT s.user_id, u.email, u.name, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(micros(now))
    .fetch_optional(&p.read)
    .await?)
}

pub async fn delete_session(p: &Pools, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&p.write)
        .await?;
    Ok(())
}

pub async fn user_orgs(p: &Pools, user_id: i64) -> Result<Vec<OrgMembership>> {
    Ok(sqlx::query_as(
        "SELECT o.id AS org_id, o.slug, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id \
         WHERE m.user_id = $1 ORDER BY o.name, o.id",
    )
    .bind(user_id)
    .fetch_all(&p.read)
    .await?)
}

pub async fn membership_by_slug(
    p: &Pools,
    user_id: i64,
    slug: &str,
) -> Result<Option<OrgMembership>> {
    Ok(sqlx::query_as(
        "SELECT o.id AS org_id, o.slug, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id \
         WHERE m.user_id = $1 AND o.slug = $2",
    )
    .bind(user_id)
    .bind(slug)
    .fetch_optional(&p.read)
    .await?)
}
