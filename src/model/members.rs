//! Members of an organization: the list, the name directory, seats and activity.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::access::Permission;
use crate::domain::Role;

/// Permissions of which one, held org-wide, shows the members list instead
/// of the name directory (managing people means seeing them).
pub const SEES_MEMBER_LIST: [Permission; 2] =
    [Permission::MEMBERS_VIEW, Permission::MEMBERS_MANAGE];

/// Order of the members list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum MemberSort {
    /// By name (case-insensitive), then id.
    #[default]
    Name,
    /// By join time, oldest first, then id.
    Joined,
}

/// What the members list shows: the console's search, role filter and sort,
/// and the `next` cursor of the previous page (empty for the first).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct MemberFilter {
    /// Name or address contains this (names only in the directory).
    pub search: String,
    /// Only members with this role.
    pub role: Option<Role>,
    pub sort: MemberSort,
    pub after: String,
}

/// A role change as a script asks for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleChange {
    pub role: Role,
    /// The role the caller believes the member has; if it changed meanwhile
    /// the answer is 409 instead of an overwrite.
    #[serde(default)]
    pub expected_role: Option<Role>,
}

/// A member as everyone in the organization sees them: the name directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DirectoryEntry {
    pub user_id: Uuid,
    pub name: String,
    /// Names of the teams they are in.
    pub teams: Vec<String>,
}

/// One row of the members list (`members:view`): the directory entry and
/// what only the list shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberItem {
    pub entry: DirectoryEntry,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub last_active_at: Option<DateTime<Utc>>,
}

/// The rows of one page, as the caller may see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum MemberRows {
    /// The members list, for those with `members:view` (or `members:manage`).
    List(Vec<MemberItem>),
    /// Names and teams only, for everyone else.
    Directory(Vec<DirectoryEntry>),
}

impl MemberRows {
    /// Whether the page has no rows.
    pub fn is_empty(&self) -> bool {
        match self {
            Self::List(items) => items.is_empty(),
            Self::Directory(entries) => entries.is_empty(),
        }
    }
}

/// One page of members and where the next one starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberPage {
    pub items: MemberRows,
    /// Opaque cursor of the next page; `None` on the last page.
    pub next: Option<String>,
    /// Members matching the search and filter, over all pages.
    pub total: i64,
}

/// Seats in use, for the line above the table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeatUsage {
    pub active: i64,
    pub pending: i64,
    pub limit: i64,
}

impl SeatUsage {
    /// "7 of 10 seats used (2 pending invitations)".
    pub fn summary(&self) -> String {
        let used = self.active + self.pending;
        let pending = match self.pending {
            0 => String::new(),
            1 => " (1 pending invitation)".to_owned(),
            n => format!(" ({n} pending invitations)"),
        };
        format!("{used} of {} seats used{pending}", self.limit)
    }
}

/// One audit event as the Activity page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActivityItem {
    pub id: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target: String,
    pub details: String,
    pub at: DateTime<Utc>,
}

/// One page of activity, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActivityPage {
    pub items: Vec<ActivityItem>,
    /// Pass as `before` to get the next (older) page.
    pub next_before: Option<i64>,
}
