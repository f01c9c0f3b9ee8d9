//! Projects, teams and permissions as the console shows and edits them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::access::{Permission, Switch};
use crate::domain::Role;

/// A project the signed-in member can see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProjectItem {
    pub id: Uuid,
    pub name: String,
}

/// The projects the signed-in member can see, and whether they manage projects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectList {
    pub can_manage: bool,
    pub items: Vec<ProjectItem>,
}

/// One person who can see a project, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectAccessRow {
    pub name: String,
    /// Only for callers with `members:view`; the name directory shows no addresses.
    pub email: Option<String>,
    pub why: String,
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamMember {
    pub user_id: Uuid,
    pub name: String,
    /// Only for callers with `members:view`; the name directory shows no addresses.
    pub email: Option<String>,
}

/// A permission a team holds: org-wide, or on one project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamGrant {
    pub permission: Permission,
    pub project: Option<ProjectItem>,
}

impl TeamGrant {
    /// E.g. "Logs: view, whole organization" or "Projects: view on API".
    pub fn describe(&self) -> String {
        match &self.project {
            None => format!("{}, whole organization", self.permission.label()),
            Some(p) => format!("{} on {}", self.permission.label(), p.name),
        }
    }
}

/// A team with its members and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamItem {
    pub id: Uuid,
    pub name: String,
    pub members: Vec<TeamMember>,
    /// What the team holds: access information, so only for callers with
    /// `members:view`; `None` in the name directory.
    pub grants: Option<Vec<TeamGrant>>,
}

/// One row of the permission editor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionSwitch {
    pub permission: Permission,
    pub switch: Switch,
    /// Whether the editor may switch it: they hold it themselves, and the
    /// member does not hold it for another reason.
    pub yours: bool,
}

/// What the signed-in member may do in one organization, as their console
/// offers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyAccess {
    pub user_id: Uuid,
    pub role: Role,
    /// The membership's access version these were read at (see the heartbeat).
    pub version: i64,
    /// The permissions they hold org-wide.
    pub permissions: Vec<Permission>,
}
