//! Credentials: password hashing (argon2id, at sign-in only), random secrets, and the
//! cheap per-request look-ups (bearer tokens and session cookies are found by SHA-256).

use crate::error::Problem;
use crate::AppState;
use aims_domain::{Permission, Permissions, Role};
use aims_store::Actor;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};

pub const SESSION_COOKIE: &str = "aims_session";
pub const FORM_CSRF_COOKIE: &str = "aims_csrf";
pub use aims_service::access::{
    hash_password, random_secret, sha256_hex, verify_password, TOKEN_PREFIX,
};

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
