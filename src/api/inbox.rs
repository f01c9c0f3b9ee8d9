//! The notification bell and the dashboard prompt: the signed-in user's
//! invitations and notices, and accepting or declining from there.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::orgs::OrgSummary;
use crate::domain::Role;
use crate::error::AppError;

/// A pending invitation to the signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxInvitation {
    pub id: Uuid,
    pub org_name: String,
    pub inviter_name: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// Something that happened that the user should know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Notice {
    pub id: i64,
    pub message: String,
    pub at: DateTime<Utc>,
    pub read: bool,
}

/// The answer to the periodic check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pulse {
    /// Pending invitations plus unread notices: the badge.
    pub open: i64,
    /// The user's access version in the organization asked about: it moves
    /// whenever their role, grants or teams change. `None` when they are not
    /// an active member of it, or no organization was asked about.
    pub access: Option<i64>,
}

/// The bell's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    pub invitations: Vec<InboxInvitation>,
    pub notices: Vec<Notice>,
    /// Pending invitations plus unread notices: the badge.
    pub open: i64,
}

/// What every open page asks every few seconds, in one request and one
/// statement: the badge, and whether the user still belongs to `org` (the
/// organization in view; empty for none).
#[server(endpoint = "heartbeat")]
pub async fn heartbeat(org: String) -> Result<Pulse, AppError> {
    use crate::server::notifications;
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            let org = Some(org.as_str()).filter(|o| !o.is_empty());
            notifications::pulse(&state.pool, &user, org).await
        }
        .await,
    )
}

/// Invitations and notices of the signed-in user.
#[server(endpoint = "inbox")]
pub async fn load_inbox() -> Result<Inbox, AppError> {
    use crate::server::notifications;
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            notifications::inbox(&state.pool, &user).await
        }
        .await,
    )
}

/// Marks all notices read.
#[server(endpoint = "mark_notices_read")]
pub async fn mark_notices_read() -> Result<(), AppError> {
    use crate::server::notifications;
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            notifications::mark_all_read(&state.pool, &user).await
        }
        .await,
    )
}

/// Accepts an invitation addressed to the signed-in user's verified email,
/// by the same rules as the emailed link, and opens its organization.
#[server(endpoint = "accept_invitation_by_id")]
pub async fn accept_invitation_by_id(id: Uuid) -> Result<OrgSummary, AppError> {
    use crate::server::invitations::link::{self, LinkKey};
    use crate::server::session;
    super::ssr::reply(
        async {
            let (state, session, user) = super::ssr::signed_in().await?;
            let org = link::accept(&state.pool, LinkKey::Inbox(id), &user).await?;
            session::set_active_org(&session, org.id).await?;
            Ok(org)
        }
        .await,
    )
}

/// Declines an invitation addressed to the signed-in user's verified email.
#[server(endpoint = "decline_invitation_by_id")]
pub async fn decline_invitation_by_id(id: Uuid) -> Result<(), AppError> {
    use crate::server::invitations::link::{self, LinkKey};
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            link::decline(&state.pool, LinkKey::Inbox(id), Some(&user)).await
        }
        .await,
    )
}
