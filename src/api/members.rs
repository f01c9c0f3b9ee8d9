//! Members of an organization: the table, seats, role changes, removal, leaving, activity.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::domain::Role;
use crate::error::AppError;
use crate::model::members::{ActivityPage, MemberFilter, MemberPage, SeatUsage};

/// A page of the organization's active members, as `filter` asks.
/// Without `members:view` it is the name directory: search matches names
/// only, and filtering by role or sorting by join date is refused.
#[server(endpoint = "list_members", input = Json)]
pub async fn list_members(slug: String, filter: MemberFilter) -> Result<MemberPage, AppError> {
    use crate::server::members::{self, MemberQuery};
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            members::list(&state.pool, &member, &MemberQuery::parse(&filter)?).await
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
    role: Role,
    expected_role: Role,
) -> Result<(), AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            members::change_role(&state, &member, user_id, role, Some(expected_role)).await
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
    expected_role: Role,
    remove_from_projects: bool,
    revoke_their_invitations: bool,
) -> Result<(), AppError> {
    use crate::server::members::{self, Removal};
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            let removal = Removal {
                user_id,
                expected: Some(expected_role),
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
