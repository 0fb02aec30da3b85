//! Access: credentials, the organization's own record, its members and their API tokens.

use crate::cx::{Cx, Scope};
use crate::error::{AppError, AppResult};
use aims_domain::{validate, Invalid, Permission, Role};
use aims_store::{Actor, ApiToken, Member, NewMember, NewToken, Organization};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every API token starts with this, so a leaked one is easy to recognise.
pub const TOKEN_PREFIX: &str = "aims_";

/// 32 random bytes as hex.
pub fn random_secret() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Hashes a password off the async runtime (argon2 is slow on purpose).
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .ok()
    .and_then(Result::ok)
    .ok_or_else(|| AppError::internal("password hashing failed"))
}

/// A hash of a throw-away password, verified against when the e-mail is unknown, so that
/// the answer takes as long for unknown accounts as for known ones.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CiWcoh2dzZf1wkAJgEZ6fqYH6V/8Gm8XOJpm9mHqVPw";

pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && known
    })
    .await
    .unwrap_or(false)
}

// ---------------------------------------------------------------- organization

pub async fn organization(cx: &Cx, scope: &Scope) -> AppResult<Organization> {
    scope.require(Permission::Read)?;
    Ok(cx.store.get_org(scope.org_id).await?)
}

/// Renames the organization (administrators).
pub async fn rename_organization(
    cx: &Cx,
    scope: &Scope,
    name: &str,
    version: i64,
) -> AppResult<Organization> {
    scope.require(Permission::Administer)?;
    let name =
        validate::text(name, 200).map_err(|m| AppError::invalid(Invalid::field("name", m)))?;
    Ok(cx
        .store
        .update_org(&scope.actor, scope.org_id, &name, version, cx.now())
        .await?)
}

// ---------------------------------------------------------------- members

/// Checks the fields of a new member; the password is needed only for a person without an account.
pub async fn validate_new_member(
    email: &str,
    name: Option<&str>,
    role: Role,
    password: Option<&str>,
) -> Result<NewMember, Invalid> {
    let mut inv = Invalid::default();
    let email = inv.check("email", validate::email(email));
    let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => inv.check("name", validate::text(n, 200)),
        None => email
            .as_deref()
            .map(|e| e.split('@').next().unwrap_or(e).to_string()),
    };
    let password = match password.filter(|p| !p.is_empty()) {
        Some(p) => inv.check("password", validate::password(p)),
        None => None,
    };
    inv.into_result()?;
    let password_hash = match password {
        Some(p) => Some(
            hash_password(p)
                .await
                .map_err(|_| Invalid::field("password", "could not be hashed"))?,
        ),
        None => None,
    };
    Ok(NewMember {
        email: email.unwrap_or_default(),
        name: name.unwrap_or_default(),
        role,
        password_hash,
    })
}

/// Adds a member (administrators); a person without an account gets one.
pub async fn add_member(
    cx: &Cx,
    scope: &Scope,
    email: &str,
    name: Option<&str>,
    role: Role,
    password: Option<&str>,
) -> AppResult<Member> {
    scope.require(Permission::Administer)?;
    let new = validate_new_member(email, name, role, password)
        .await
        .map_err(AppError::invalid)?;
    Ok(cx
        .store
        .add_member(&scope.actor, scope.org_id, &new, cx.now())
        .await?)
}

pub async fn change_role(
    cx: &Cx,
    scope: &Scope,
    user_id: i64,
    role: Role,
    version: i64,
) -> AppResult<Member> {
    scope.require(Permission::Administer)?;
    Ok(cx
        .store
        .update_member_role(&scope.actor, scope.org_id, user_id, role, version, cx.now())
        .await?)
}

pub async fn remove_member(cx: &Cx, scope: &Scope, user_id: i64) -> AppResult<()> {
    scope.require(Permission::Administer)?;
    Ok(cx
        .store
        .remove_member(&scope.actor, scope.org_id, user_id, cx.now())
        .await?)
}

// ---------------------------------------------------------------- tokens

/// What a new token is for: its holder, the role that grants it, and its own settings.
pub struct TokenRequest<'a> {
    pub user_id: i64,
    /// The role of whoever grants it (a token's own role for the API, the membership for pages
    /// and the CLI): a token never carries more.
    pub granting_role: Role,
    pub name: &'a str,
    pub role: Option<Role>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Validates and creates a token; answers the secret (shown once) and the token.
pub async fn issue_token(
    cx: &Cx,
    actor: &Actor,
    org_id: i64,
    req: TokenRequest<'_>,
) -> AppResult<(String, ApiToken)> {
    let mut inv = Invalid::default();
    let name = inv.check("name", validate::text(req.name, 100));
    let role = req.role.unwrap_or(req.granting_role);
    if !req.granting_role.may_grant(role) {
        inv.push(
            "role",
            format!(
                "a token cannot have more rights than your role ({})",
                req.granting_role
            ),
        );
    }
    if let Some(t) = req.expires_at {
        if t <= cx.now() {
            inv.push("expires_at", "must be in the future");
        }
    }
    inv.into_result().map_err(AppError::invalid)?;
    let secret = format!("{TOKEN_PREFIX}{}", random_secret());
    let new = NewToken {
        user_id: req.user_id,
        name: name.unwrap_or_default(),
        role,
        token_hash: sha256_hex(&secret),
        expires_at: req.expires_at,
    };
    let info = cx.store.create_token(actor, org_id, &new, cx.now()).await?;
    Ok((secret, info))
}

/// A token the caller may see: their own, or any of the organization's for administrators.
pub async fn visible_token(cx: &Cx, scope: &Scope, user_id: i64, id: i64) -> AppResult<ApiToken> {
    match cx.store.get_token(scope.org_id, id).await? {
        Some(t) if t.user_id == user_id || scope.perms.allows(Permission::Administer) => Ok(t),
        _ => Err(AppError::not_found("token")),
    }
}

/// Revokes a token the caller may see.
pub async fn revoke_token(cx: &Cx, scope: &Scope, user_id: i64, id: i64) -> AppResult<ApiToken> {
    visible_token(cx, scope, user_id, id).await?;
    Ok(cx
        .store
        .revoke_token(&scope.actor, scope.org_id, id, cx.now())
        .await?)
}
