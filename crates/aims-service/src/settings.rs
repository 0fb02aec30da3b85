//! Organization settings that rules read: the life cycle gates.

use crate::cx::{Cx, Scope};
use crate::error::AppResult;
use aims_domain::Permission;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GatesBody {
    /// Whether AI systems need an approved impact assessment and assessed risks before
    /// deployment or operation.
    pub enabled: bool,
    pub version: i64,
}

pub async fn gates(cx: &Cx, scope: &Scope) -> AppResult<GatesBody> {
    scope.require(Permission::Read)?;
    let (enabled, version) = cx.store.org_settings(scope.org_id).await?;
    Ok(GatesBody { enabled, version })
}

/// Turns the life cycle gates on or off (administrators only).
pub async fn set_gates(cx: &Cx, scope: &Scope, b: GatesBody) -> AppResult<GatesBody> {
    scope.require(Permission::Administer)?;
    let version = cx
        .store
        .set_lifecycle_gates(&scope.actor, scope.org_id, b.enabled, b.version, cx.now())
        .await?;
    Ok(GatesBody {
        enabled: b.enabled,
        version,
    })
}
