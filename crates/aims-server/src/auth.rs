//! Credentials: password hashing (argon2id, at sign-in only), random secrets, and the
//! cheap per-request look-ups (bearer tokens and session cookies are found by SHA-256).

use crate::error::Problem;
use crate::AppState;
use aims_domain::{Permission, Permissions, Role};
use aims_store::Actor;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "aims_session";
pub const FORM_CSRF_COOKIE: &str = "aims_csrf";
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
pub async fn hash_password(password: String) -> Result<String, Problem> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .ok()
    .and_then(Result::ok)
    .ok_or_else(|| {
        Problem::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "password hashing failed",
        )
    })
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

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Lax always, Secure when served over HTTPS.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

/// The caller of the JSON API, resolved from its bearer token. Its rights are the token's
/// role intersected with the user's current role in the organization.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub org_id: i64,
    pub user_id: i64,
    pub token_id: i64,
    pub email: String,
    pub token_role: Role,
    pub perms: Permissions,
}

impl ApiCaller {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user_id),
            token_id: Some(self.token_id),
            label: self.email.clone(),
        }
    }

    /// The scope service operations run in for this caller.
    pub fn scope(&self) -> aims_service::Scope {
        aims_service::Scope {
            org_id: self.org_id,
            actor: self.actor(),
            perms: self.perms,
        }
    }

    pub fn require(&self, p: Permission) -> Result<(), Problem> {
        if self.perms.allows(p) {
            Ok(())
        } else {
            Err(Problem::forbidden(format!(
                "this token's role does not allow that ({p:?} is needed)"
            )))
        }
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Problem::unauthorized("send an API token as `Authorization: Bearer aims_...`")
            })?;
        let token = value
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| t.starts_with(TOKEN_PREFIX))
            .ok_or_else(|| {
                Problem::unauthorized("the Authorization header must be `Bearer aims_...`")
            })?;
        let grant = state
            .cx
            .store
            .token_grant(&sha256_hex(token), state.cx.now())
            .await?
            .ok_or_else(|| Problem::unauthorized("the token is unknown, revoked or expired"))?;
        Ok(ApiCaller {
            org_id: grant.org_id,
            user_id: grant.user_id,
            token_id: grant.token_id,
            email: grant.email,
            token_role: grant.token_role,
            perms: grant
                .token_role
                .permissions()
                .intersect(grant.member_role.permissions()),
        })
    }
}
