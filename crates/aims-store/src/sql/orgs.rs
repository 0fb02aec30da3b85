//! SQL of the store: organizations and users.

use super::*;

/// Creates an organization and its audit chain; the chain is returned for the transaction's
/// further events.
pub(crate) async fn insert_org(
    tx: &mut Tx<'_>,
    actor: &Actor,
    slug: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(Organization, Chain)> {
    let now = micros(now);
    let org: Organization = sqlx::query_as(
        "INSERT INTO organizations (slug, name, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $3, 1) RETURNING *",
    )
    .bind(slug)
    .bind(name)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| StoreError::unique(e, "slug", "an organization with this slug already exists"))?;
    sqlx::query("INSERT INTO audit_heads (org_id, seq, last_hash) VALUES ($1, 0, $2)")
        .bind(org.id)
        .bind(GENESIS_HASH)
        .execute(&mut **tx)
        .await?;
    let mut chain = Chain {
        org_id: org.id,
        seq: 0,
        last_hash: GENESIS_HASH.to_string(),
        read_seq: 0,
    };
    append_event(
        tx,
        &mut chain,
        actor,
        action::CREATE,
        "organization",
        &org.id.to_string(),
        None::<&()>,
        Some(&org),
        now,
    )
    .await?;
    Ok((org, chain))
}

pub(crate) async fn insert_user(
    tx: &mut Tx<'_>,
    email: &str,
    name: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<User> {
    let now = micros(now);
    sqlx::query_as(
        "INSERT INTO users (email, name, password_hash, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $4, 1) RETURNING id, email, name, created_at",
    )
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| StoreError::unique(e, "email", "a user with this e-mail already exists"))
}

pub(crate) const MEMBER_SELECT: &str =
    "SELECT m.user_id, u.email, u.name, m.role, m.created_at, m.updated_at, m.version \
     FROM memberships m JOIN users u ON u.id = m.user_id";

pub(crate) async fn insert_membership(
    tx: &mut Tx<'_>,
    chain: &mut Chain,
    actor: &Actor,
    org_id: i64,
    user: &User,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Member> {
    let now = micros(now);
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $4, 1)",
    )
    .bind(org_id)
    .bind(user.id)
    .bind(role.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::unique(e, "email", "this person is already a member"))?;
    let member = fetch_member(tx, org_id, user.id)
        .await?
        .ok_or_else(|| StoreError::NotFound("member".into()))?;
    append_event(
        tx,
        chain,
        actor,
        action::CREATE,
        "member",
        &user.id.to_string(),
        None::<&()>,
        Some(&member),
        now,
    )
    .await?;
    Ok(member)
}

pub(crate) async fn fetch_member(
    tx: &mut Tx<'_>,
    org_id: i64,
    user_id: i64,
) -> Result<Option<Member>> {
    Ok(sqlx::query_as(&format!(
        "{MEMBER_SELECT} WHERE m.org_id = $1 AND m.user_id = $2"
    ))
    .bind(org_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?)
}

pub async fn user_count(p: &Pools) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&p.read)
        .await?)
}

pub async fn create_setup_token(
    p: &Pools,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(micros(now))
    .bind(micros(expires_at))
    .execute(&p.write)
    .await?;
    Ok(())
}

pub async fn setup_token_valid(p: &Pools, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(micros(now))
    .fetch_one(&p.read)
    .await?;
    Ok(n > 0)
}

/// First run: consumes the setup token and creates the first organization and its admin,
/// only while no user exists.
pub async fn complete_setup(
    p: &Pools,
    token_hash: &str,
    input: &SetupInput,
    now: DateTime<Utc>,
) -> Result<(Organization, User)> {
    let mut tx = p.write.begin().await?;
    let used = sqlx::query("UPDATE setup_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(token_hash)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
    if used.rows_affected() != 1 {
        return Err(StoreError::Gone(
            "this setup link is invalid, expired or already used".into(),
        ));
    }
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *tx)
        .await?;
    if users > 0 {
        return Err(StoreError::Gone(
            "aims is already set up: sign in instead".into(),
        ));
    }
    let user = insert_user(
        &mut tx,
        &input.email,
        &input.name,
        &input.password_hash,
        now,
    )
    .await?;
    let actor = Actor {
        user_id: Some(user.id),
        token_id: None,
        label: user.email.clone(),
    };
    let (org, mut chain) =
        insert_org(&mut tx, &actor, &input.org_slug, &input.org_name, now).await?;
    append_event(
        &mut tx,
        &mut chain,
        &actor,
        action::CREATE,
        "user",
        &user.id.to_string(),
        None::<&()>,
        Some(&user),
        now,
    )
    .await?;
    insert_membership(&mut tx, &mut chain, &actor, org.id, &user, Role::Admin, now).await?;
    commit(tx, chain).await?;
    Ok((org, user))
}

/// The CLI's `user create`: creates the organization and the user when missing, sets the
/// password, and gives the user the role. One transaction, audited.
pub async fn upsert_user_cli(
    p: &Pools,
    org_slug: &str,
    email: &str,
    name: &str,
    role: Role,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<(Organization, Member)> {
    let actor = Actor::cli();
    let mut tx = p.write.begin().await?;
    let org: Option<Organization> = sqlx::query_as("SELECT * FROM organizations WHERE slug = $1")
        .bind(org_slug)
        .fetch_optional(&mut *tx)
        .await?;
    let (org, mut chain) = match org {
        Some(o) => {
            let chain = lock_org(&mut tx, o.id).await?;
            (o, chain)
        }
        None => insert_org(&mut tx, &actor, org_slug, org_slug, now).await?,
    };
    let existing: Option<User> =
        sqlx::query_as("SELECT id, email, name, created_at FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?;
    let user = match existing {
        Some(u) => {
            sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3, version = version + 1 WHERE id = $1")
                .bind(u.id)
                .bind(password_hash)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            append_event(
                &mut tx,
                &mut chain,
                &actor,
                action::UPDATE,
                "user",
                &u.id.to_string(),
                Some(&u),
                Some(&serde_json::json!({"password": "changed"})),
                now,
            )
            .await?;
            u
        }
        None => {
            let u = insert_user(&mut tx, email, name, password_hash, now).await?;
            append_event(
                &mut tx,
                &mut chain,
                &actor,
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
    };
    let member = match fetch_member(&mut tx, org.id, user.id).await? {
        None => insert_membership(&mut tx, &mut chain, &actor, org.id, &user, role, now).await?,
        Some(m) if m.role == role => m,
        Some(m) => update_role_in(&mut tx, &mut chain, &actor, org.id, m, role, now).await?,
    };
    commit(tx, chain).await?;
    Ok((org, member))
}

pub async fn org_by_slug(p: &Pools, slug: &str) -> Result<Option<Organization>> {
    Ok(
        sqlx::query_as("SELECT * FROM organizations WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&p.read)
            .await?,
    )
}

pub async fn get_org(p: &Pools, org_id: i64) -> Result<Organization> {
    sqlx::query_as("SELECT * FROM organizations WHERE id = $1")
        .bind(org_id)
        .fetch_optional(&p.read)
        .await?
        .ok_or_else(|| StoreError::NotFound("organization".into()))
}

pub async fn update_org(
    p: &Pools,
    actor: &Actor,
    org_id: i64,
    name: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<Organization> {
    let mut tx = p.write.begin().await?;
    let mut chain = lock_org(&mut tx, org_id).await?;
    let before: Organization = sqlx::query_as("SELECT * FROM organizations WHERE id = $1")
        .bind(org_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound("organization".into()))?;
    let after: Organization = sqlx::query_as(
        "UPDATE organizations SET name = $2, updated_at = $3, version = version + 1 \
         WHERE id = $1 AND version = $4 RETURNING *",
    )
    .bind(org_id)
    .bind(name)
    .bind(micros(now))
    .bind(version)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::stale(before.version))?;
    append_event(
        &mut tx,
        &mut chain,
        actor,
        action::UPDATE,
        "organization",
        &org_id.to_string(),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    commit(tx, chain).await?;
    Ok(after)
}
