//! Organization roles and what each may grant.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A member's role in one organization, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    /// Every role, most powerful first (the order used in pickers).
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Member];

    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// The label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
        }
    }

    fn rank(self) -> u8 {
        match self {
            Role::Owner => 2,
            Role::Admin => 1,
            Role::Member => 0,
        }
    }

    /// Whether this role administers the organization (members, invitations, settings).
    pub fn is_admin(self) -> bool {
        self.rank() >= Role::Admin.rank()
    }

    /// Nobody grants more than they hold: owners grant any role, admins grant
    /// admin or member, members (when allowed to invite at all) only member.
    pub fn may_grant(self, granted: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => granted != Role::Owner,
            Role::Member => granted == Role::Member,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The text was not one of `owner`, `admin`, `member`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose a role: owner, admin or member.")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "member" => Ok(Role::Member),
            _ => Err(UnknownRole),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!(" Admin ".parse::<Role>(), Ok(Role::Admin));
        assert_eq!("root".parse::<Role>(), Err(UnknownRole));
    }

    #[test]
    fn grant_matrix() {
        assert!(Role::Owner.may_grant(Role::Owner));
        assert!(Role::Owner.may_grant(Role::Admin));
        assert!(!Role::Admin.may_grant(Role::Owner));
        assert!(Role::Admin.may_grant(Role::Admin));
        assert!(Role::Admin.may_grant(Role::Member));
        assert!(Role::Member.may_grant(Role::Member));
        assert!(!Role::Member.may_grant(Role::Admin));
        assert!(!Role::Member.may_grant(Role::Owner));
    }

    #[test]
    fn admin_roles() {
        assert!(Role::Owner.is_admin());
        assert!(Role::Admin.is_admin());
        assert!(!Role::Member.is_admin());
    }

    #[test]
    fn serializes_lowercase() {
        assert_eq!(serde_json::to_string(&Role::Admin).unwrap(), "\"admin\"");
    }
}
