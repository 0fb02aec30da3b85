//! SQL of the store: members.

use super::*;

pub async fn list_members(
    p: &Pools,
    org_id: i64,
    after_user_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Member>> {
    Ok(sqlx::query_as(&format!(
        "{MEMBER_SELECT} WHERE m.org_id = $1 AND m.user_id > $2 ORDER BY m.user_id LIMIT $3"
    ))
    .bind(org_id)
    .bind(after_user_id.unwrap_or(0))
    .bind(limit)
    .fetch_all(&p.read)
    .await?)
}

pub async fn get_member(p: &Pools, org_id: i64, user_id: i64) -> Result<Option<Member>> {
    Ok(sqlx::query_as(&format!(
        "{MEMBER_SELECT} WHERE m.org_id = $1 AND m.user_id = $2"
    ))
    .bind(org_id)
    .bind(user_id)
    .fetch_optional(&p.read)
    .await?)
}

pub async fn add_member(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    new: &NewMember,
    now: DateTime<Utc>,
) -> Result<Member> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let existing: Option<User> =
        sqlx::query_as("SELECT id, email, name, created_at FROM users WHERE email = $1")
            .bind(&new.email)
            .fetch_optional(&mut *tx)
            .await?;
    let user = match (existing, &new.password_hash) {
        (Some(u), _) => u,
        (None, Some(hash)) => {
            let u = insert_user(&mut tx, &new.email, &new.name, hash, now).await?;
            append_event(
                &mut tx,
                &mut chain,
                actor,
                action::CREATE,
                "user",
                &u.id.to_string(),
                None::<&()>,
                Some(&u),
                now,
            )
            .await?;
            u
        }
        (None, None) => {
            return Err(StoreError::Invalid(aims_domain::Invalid::field(
                "password",
                "is required for a person who has no account yet",
            )))
        }
    };
    let m = insert_membership(&mut tx, &mut chain, actor, org_id, &user, new.role, now).await?;
    commit(tx, chain).await?;
    Ok(m)
}

pub(crate) async fn admin_count(tx: &mut Tx<'_>, org_id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = 'admin'")
            .bind(org_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

pub(crate) async fn update_role_in(
    tx: &mut Tx<'_>,
    chain: &mut Chain,
    actor: &Actor,
    org_id: i64,
    before: Member,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Member> {
    if before.role == Role::Admin && role != Role::Admin && admin_count(tx, org_id).await? <= 1 {
        return Err(StoreError::Invalid(aims_domain::Invalid::field(
            "role",
            "the organization needs at least one admin: make someone else admin first",
        )));
    }
    let n = sqlx::query(
        "UPDATE memberships SET role = $3, updated_at = $4, version = version + 1 \
         WHERE org_id = $1 AND user_id = $2 AND version = $5",
    )
    .bind(org_id)
    .bind(before.user_id)
    .bind(role.as_str())
    .bind(micros(now))
    .bind(before.version)
    .execute(&mut **tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(StoreError::stale(before.version));
    }
    let after = fetch_member(tx, org_id, before.user_id)
        .await?
        .ok_or_else(|| StoreError::NotFound("member".into()))?;
    append_event(
        tx,
        chain,
        actor,
        action::UPDATE,
        "member",
        &before.user_id.to_string(),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    Ok(after)
}

pub async fn update_member_role(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    user_id: i64,
    role: Role,
    version: i64,
    now: DateTime<Utc>,
) -> Result<Member> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = fetch_member(&mut tx, org_id, user_id)
        .await?
        .ok_or_else(|| StoreError::NotFound("member".into()))?;
    if before.version != version {
        return Err(StoreError::stale(before.version));
    }
    let after = update_role_in(&mut tx, &mut chain, actor, org_id, before, role, now).await?;
    commit(tx, chain).await?;
    Ok(after)
}

/// Removes a membership and the person's tokens for this organization (the account stays).
pub async fn remove_member(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before = fetch_member(&mut tx, org_id, user_id)
        .await?
        .ok_or_else(|| StoreError::NotFound("member".into()))?;
    if before.role == Role::Admin && admin_count(&mut tx, org_id).await? <= 1 {
        return Err(StoreError::Invalid(aims_domain::Invalid::field(
            "user_id",
            "the organization needs at least one admin: make someone else admin first",
        )));
    }
    sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL")
        .bind(org_id)
        .bind(user_id)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        action::DELETE,
        "member",
        &user_id.to_string(),
        Some(&before),
        None::<&()>,
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(())
}
