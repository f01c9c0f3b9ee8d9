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

/// Rows per page of the members list.
pub const MEMBERS_PER_PAGE: usize = 50;

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
    /// Only members with this role; empty or `all` for every role.
    #[serde(deserialize_with = "role_or_all")]
    pub role: Option<Role>,
    pub sort: MemberSort,
    /// Z to A, or newest first.
    pub descending: bool,
    pub after: String,
}

/// A role filter as scripts write it: a role, or empty or `all` for none.
fn role_or_all<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Role>, D::Error> {
    match Option::<String>::deserialize(d)?.as_deref().map(str::trim) {
        None | Some("") | Some("all") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(serde::de::Error::custom),
    }
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
    /// The name of the person `target` addresses, when it is someone's address.
    #[serde(default)]
    pub target_name: Option<String>,
    pub details: String,
    pub at: DateTime<Utc>,
}

impl ActivityItem {
    /// The event as a sentence, e.g. "Olivia changed Bob's role from Member
    /// to Admin."; an action without a sentence of its own reads as its code.
    pub fn sentence(&self) -> String {
        let actor = self.actor.as_deref().unwrap_or("Gatehouse");
        let who = self.target_name.as_deref().unwrap_or(&self.target);
        let target = &self.target;
        let details = self.details.as_str();
        let with = |text: String| {
            if details.is_empty() {
                format!("{text}.")
            } else {
                format!("{text} ({details}).")
            }
        };
        match self.action.as_str() {
            "member.role_changed" => match details.split_once(" -> ") {
                Some((from, to)) => format!(
                    "{actor} changed {who}'s role from {} to {}.",
                    role_label(from),
                    role_label(to)
                ),
                None => with(format!("{actor} changed {who}'s role")),
            },
            "member.ownership_transferred" => format!("{actor} made {who} the owner."),
            "member.removed" => with(format!("{actor} removed {who}")),
            "member.left" => format!("{who} left the organization."),
            "member.permissions_changed" => with(format!("{actor} changed {who}'s permissions")),
            "invitation.created" => format!("{actor} invited {target}."),
            "invitation.bulk" => with(format!("{actor} sent a batch of invitations")),
            "invitation.resent" => format!("{actor} sent the invitation to {target} again."),
            "invitation.revoked" => format!("{actor} revoked the invitation to {target}."),
            "invitation.accepted" => format!("{who} accepted the invitation and joined."),
            "invitation.declined" => format!("{target} declined the invitation."),
            "invitation.expired" => format!("The invitation to {target} expired."),
            "invitation.failed" => {
                with(format!("The invitation to {target} could not be delivered"))
            }
            "team.created" => format!("{actor} created team {target}."),
            "team.renamed" => with(format!("{actor} renamed team {target}")),
            "team.deleted" => format!("{actor} deleted team {target}."),
            "team.member_added" => format!("{actor} added {who} to team {details}."),
            "team.member_removed" => format!("{actor} removed a member from team {details}."),
            "team.granted" => format!("{actor} gave team {target} {details}."),
            "team.revoked" => format!("{actor} took {details} from team {target}."),
            "project.created" => format!("{actor} created project {target}."),
            "project.renamed" => with(format!("{actor} renamed project {target}")),
            "project.archived" => format!("{actor} archived project {target}."),
            "project.member_added" => with(format!("{actor} gave {who} access to a project")),
            "organization.created" => format!("{actor} created the organization."),
            "organization.settings_changed" => with(format!("{actor} changed the settings")),
            "api_key.created" => with(format!("{actor} created API key {target}")),
            "api_key.revoked" => format!("{actor} revoked API key {target}."),
            "user.email_verified" => format!("{who} confirmed their email address."),
            other => with(format!("{actor}: {other} {target}")),
        }
    }
}

/// A stored role name as people read it; unknown text as it is.
fn role_label(stored: &str) -> String {
    stored
        .parse::<Role>()
        .map(|r| r.label().to_owned())
        .unwrap_or_else(|_| stored.to_owned())
}

/// One page of activity, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActivityPage {
    pub items: Vec<ActivityItem>,
    /// Pass as `before` to get the next (older) page.
    pub next_before: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::ActivityItem;

    fn event(action: &str, target: &str, name: Option<&str>, details: &str) -> ActivityItem {
        ActivityItem {
            id: 1,
            actor: Some("Olivia".into()),
            action: action.into(),
            target: target.into(),
            target_name: name.map(Into::into),
            details: details.into(),
            at: chrono::Utc::now(),
        }
    }

    #[test]
    fn pages_say_where_they_are() {
        use super::page_range;
        assert_eq!(page_range(0, 1, 1, false), "1 member");
        assert_eq!(page_range(0, 12, 12, false), "12 members");
        assert_eq!(page_range(0, 50, 65, true), "1–50 of 65");
        assert_eq!(page_range(1, 15, 65, false), "51–65 of 65");
    }

    #[test]
    fn events_read_as_sentences_naming_people() {
        let bob = Some("Bob");
        assert_eq!(
            event(
                "member.role_changed",
                "bob@example.com",
                bob,
                "member -> admin"
            )
            .sentence(),
            "Olivia changed Bob's role from Member to Admin."
        );
        assert_eq!(
            event("member.removed", "bob@example.com", bob, "").sentence(),
            "Olivia removed Bob."
        );
        assert_eq!(
            event("invitation.created", "dana@example.com", None, "admin").sentence(),
            "Olivia invited dana@example.com."
        );
        let mut expired = event("invitation.expired", "dana@example.com", None, "");
        expired.actor = None;
        assert_eq!(
            expired.sentence(),
            "The invitation to dana@example.com expired."
        );
        assert_eq!(
            event("something.new", "x", None, "").sentence(),
            "Olivia: something.new x."
        );
    }
}

/// Where a page of the members list is, e.g. "51–65 of 65", or "1 member"
/// when everything fits on one page.
pub fn page_range(pages_before: usize, shown: usize, total: i64, more: bool) -> String {
    if pages_before == 0 && !more {
        return match total {
            1 => "1 member".to_owned(),
            n => format!("{n} members"),
        };
    }
    let first = pages_before * MEMBERS_PER_PAGE + 1;
    format!("{first}–{} of {total}", first + shown.saturating_sub(1))
}
