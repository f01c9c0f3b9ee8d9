//! Members of an organization: the table, seats, role changes, removal, leaving, activity.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::access::Permission;
use crate::domain::Role;
use crate::error::AppError;

/// Permissions of which one, held org-wide, shows the members list instead
/// of the name directory (managing people means seeing them).
pub const SEES_MEMBER_LIST: [Permission; 2] =
    [Permission::MEMBERS_VIEW, Permission::MEMBERS_MANAGE];

/// A member as everyone in the organization sees them: the name directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub user_id: Uuid,
    pub name: String,
    /// Names of the teams they are in.
    pub teams: Vec<String>,
}

/// One row of the members list (`members:view`): the directory entry and
/// what only the list shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberItem {
    pub entry: DirectoryEntry,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub last_active_at: Option<DateTime<Utc>>,
}

/// The rows of one page, as the caller may see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub struct ActivityPage {
    pub items: Vec<ActivityItem>,
    /// Pass as `before` to get the next (older) page.
    pub next_before: Option<i64>,
}

/// A page of the organization's active members. `sort` is `name` or `joined`,
/// `role` empty for all, `after` the cursor of the previous page or empty.
/// Without `members:view` it is the name directory: search matches names
/// only, and filtering by role or sorting by join date is refused.
#[server(endpoint = "list_members")]
pub async fn list_members(
    slug: String,
    search: String,
    role: String,
    sort: String,
    after: String,
) -> Result<MemberPage, AppError> {
    use crate::server::members::{self, MemberQuery};
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            let query = MemberQuery::parse(&search, &role, &sort, &after)?;
            members::list(&state.pool, &member, &query).await
        }
        .await,
    )
}

/// Seats used and the limit.
#[server(endpoint = "seats")]
pub async fn seats(slug: String) -> Result<SeatUsage, AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            members::seat_usage(&state.pool, &member).await
        }
        .await,
    )
}

/// Changes a member's role; `expected_role` is what the caller saw, so a
/// change made meanwhile by someone else is reported instead of overwritten.
#[server(endpoint = "change_role")]
pub async fn change_role(
    slug: String,
    user_id: Uuid,
    role: String,
    expected_role: String,
) -> Result<(), AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            let role: Role = role.parse().map_err(|e| AppError::invalid("role", e))?;
            let expected: Role = expected_role
                .parse()
                .map_err(|e| AppError::invalid("expected_role", e))?;
            members::change_role(&state, &member, user_id, role, expected).await
        }
        .await,
    )
}

/// Makes another member owner; the caller (an owner) becomes an admin.
#[server(endpoint = "transfer_ownership")]
pub async fn transfer_ownership(slug: String, user_id: Uuid) -> Result<(), AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            members::transfer_ownership(&state, &member, user_id).await
        }
        .await,
    )
}

/// Removes a member, optionally from all projects and revoking the invitations they sent.
#[server(endpoint = "remove_member")]
pub async fn remove_member(
    slug: String,
    user_id: Uuid,
    expected_role: String,
    remove_from_projects: bool,
    revoke_their_invitations: bool,
) -> Result<(), AppError> {
    use crate::server::members::{self, Removal};
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            let expected: Role = expected_role
                .parse()
                .map_err(|e| AppError::invalid("expected_role", e))?;
            let removal = Removal {
                user_id,
                expected,
                remove_from_projects,
                revoke_their_invitations,
            };
            members::remove(&state, &member, removal).await
        }
        .await,
    )
}

/// Leaves the organization (the last owner cannot).
#[server(endpoint = "leave_organization")]
pub async fn leave_organization(slug: String) -> Result<(), AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            members::leave(&state, &member).await
        }
        .await,
    )
}

/// The organization's audit events, newest first (owners and admins).
#[server(endpoint = "list_activity")]
pub async fn list_activity(
    slug: String,
    action: String,
    before: Option<i64>,
) -> Result<ActivityPage, AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            members::activity(&state.pool, &member, action.trim(), before).await
        }
        .await,
    )
}
