//! Roles and what each may do. The server checks `Permissions::allows` on every action.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A user's role in one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Contributor,
    Auditor,
    Viewer,
}

/// One thing a caller may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Permission {
    /// Read the organization's registers.
    Read = 1,
    /// Create and edit records in the registers.
    Write = 1 << 1,
    /// Approve, accept and decide (policy approval, risk acceptance, SoA decisions).
    Approve = 1 << 2,
    /// Read the audit trail.
    ReadAuditTrail = 1 << 3,
    /// Record audit findings and audit programme records.
    Audit = 1 << 4,
    /// Manage members, roles, other people's tokens and organization settings.
    Administer = 1 << 5,
}

/// A set of permissions; effective rights are an intersection (token role ∩ membership role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permissions(u32);

impl Permissions {
    pub const NONE: Permissions = Permissions(0);

    pub fn allows(self, p: Permission) -> bool {
        self.0 & (p as u32) != 0
    }

    pub fn intersect(self, other: Permissions) -> Permissions {
        Permissions(self.0 & other.0)
    }

    /// True when every permission of `self` is also in `other`.
    pub fn within(self, other: Permissions) -> bool {
        self.0 & !other.0 == 0
    }

    fn of(ps: &[Permission]) -> Permissions {
        Permissions(ps.iter().fold(0, |acc, p| acc | *p as u32))
    }
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Manager,
        Role::Contributor,
        Role::Auditor,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Contributor => "contributor",
            Role::Auditor => "auditor",
            Role::Viewer => "viewer",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Role::Admin => "everything, including members, roles, tokens and settings",
            Role::Manager => {
                "runs the AIMS: edits every register, approves and accepts, reads the audit trail"
            }
            Role::Contributor => "creates and edits records in the registers",
            Role::Auditor => "reads everything including the audit trail, records audit findings",
            Role::Viewer => "reads the registers",
        }
    }

    pub fn permissions(self) -> Permissions {
        use Permission::*;
        match self {
            Role::Admin => {
                Permissions::of(&[Read, Write, Approve, ReadAuditTrail, Audit, Administer])
            }
            Role::Manager => Permissions::of(&[Read, Write, Approve, ReadAuditTrail, Audit]),
            Role::Contributor => Permissions::of(&[Read, Write]),
            Role::Auditor => Permissions::of(&[Read, ReadAuditTrail, Audit]),
            Role::Viewer => Permissions::of(&[Read]),
        }
    }

    /// A role may grant (to a token, or to a member when administering) only what it has itself.
    pub fn may_grant(self, other: Role) -> bool {
        other.permissions().within(self.permissions())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`: expected one of admin, manager, contributor, auditor, viewer"))
    }
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_only_what_they_hold() {
        assert!(Role::Admin.may_grant(Role::Manager));
        assert!(Role::Manager.may_grant(Role::Auditor));
        assert!(!Role::Manager.may_grant(Role::Admin));
        assert!(!Role::Contributor.may_grant(Role::Auditor));
        assert!(!Role::Auditor.may_grant(Role::Contributor));
        assert!(Role::Viewer.may_grant(Role::Viewer));
    }

    #[test]
    fn effective_rights_are_an_intersection() {
        let p = Role::Contributor
            .permissions()
            .intersect(Role::Auditor.permissions());
        assert!(p.allows(Permission::Read));
        assert!(!p.allows(Permission::Write));
        assert!(!p.allows(Permission::ReadAuditTrail));
    }

    #[test]
    fn parse_roles() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("owner".parse::<Role>().is_err());
    }
}
