//! Invitations: the administrator's side (create, list, resend, revoke) and
//! the invitee's side (look at, accept or decline a link).

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::orgs::OrgSummary;
use crate::domain::invitation::InvitationStatus;
use crate::domain::Role;
use crate::error::AppError;

/// A link just issued by create or resend: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedInvitation {
    pub invitation_id: Uuid,
    pub email: String,
    pub link: String,
    pub expires_at: DateTime<Utc>,
    /// Where the mail goes (the notification address when one was given).
    pub mailed_to: String,
}

/// How far the invitation mail got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Delivery {
    Queued,
    Retrying { reason: String },
    Delivered,
    Failed { reason: String },
}

/// One row of the Invitations tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationItem {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    /// True as of the moment of the request (expired even before any sweep).
    pub status: InvitationStatus,
    pub invited_by: String,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub delivery: Delivery,
    pub note: Option<String>,
    /// Whether the viewer may resend or revoke it.
    pub can_manage: bool,
}

/// What an invitation link is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    Open,
    Accepted,
    Declined,
    Revoked,
    Expired,
    Failed,
    /// A resend issued a newer link; this one is dead.
    Replaced,
}

impl LinkState {
    /// What happened to a link that can no longer be used, and what to do.
    pub fn explain(self, org: &str) -> String {
        match self {
            Self::Open => format!("This invitation to {org} is open."),
            Self::Accepted => format!("This invitation was already accepted. Sign in to open {org}."),
            Self::Declined => format!("This invitation was declined. If that was a mistake, ask an admin of {org} to invite you again."),
            Self::Revoked => format!("This invitation was withdrawn by an admin of {org}. If you still need access, ask them to invite you again."),
            Self::Expired => format!("This invitation has expired. Ask an admin of {org} to resend it."),
            Self::Failed => format!("This invitation could not be delivered and was stopped. Ask an admin of {org} to resend it."),
            Self::Replaced => format!("A newer invitation to {org} was sent, so this link no longer works. Use the link in the most recent email, or ask an admin to resend it."),
        }
    }

    /// The page heading for this state.
    pub fn title(self) -> &'static str {
        match self {
            Self::Open => "You are invited",
            Self::Accepted => "Invitation already accepted",
            Self::Declined => "Invitation declined",
            Self::Revoked => "Invitation withdrawn",
            Self::Expired => "Invitation expired",
            Self::Failed => "Invitation stopped",
            Self::Replaced => "This link was replaced",
        }
    }
}

/// What the invitee sees at `/invite/<token>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationDetails {
    pub org_name: String,
    pub inviter_name: String,
    pub email: String,
    pub role: Role,
    pub note: Option<String>,
    /// Teams they will join.
    pub teams: Vec<String>,
    /// Labels of the permissions they will get beyond their role.
    pub permissions: Vec<String>,
    /// Labels of the role's permissions held back (a narrowed Admin).
    pub withheld: Vec<String>,
    pub expires_at: DateTime<Utc>,
    pub state: LinkState,
    /// Email of the signed-in account, if any.
    pub signed_in_as: Option<String>,
}

/// Invites `email` into the organization at `slug`.
#[server(endpoint = "create_invitation")]
pub async fn create_invitation(
    slug: String,
    email: String,
    role: String,
    note: String,
    notify_email: String,
    teams: String,
    permissions: String,
    #[server(default)] withheld: String,
) -> Result<IssuedInvitation, AppError> {
    use crate::server::invitations::{self, NewInvitation};
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            let input = NewInvitation {
                email: &email,
                role: &role,
                note: &note,
                notify_email: &notify_email,
                teams: &teams,
                permissions: &permissions,
                withheld: &withheld,
            };
            invitations::create(&state, &member, input).await
        }
        .await,
    )
}

/// How many invitations one list shows at most (the newest).
pub const INVITATIONS_SHOWN: usize = 1000;

/// The newest invitations of one status (or all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationList {
    pub items: Vec<InvitationItem>,
    /// Older ones exist beyond [`INVITATIONS_SHOWN`].
    pub more: bool,
}

/// Every invitation of the organization, newest first, optionally one status only.
#[server(endpoint = "list_invitations")]
pub async fn list_invitations(slug: String, status: String) -> Result<InvitationList, AppError> {
    use crate::server::invitations;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            let filter = match status.as_str() {
                "" | "all" => None,
                s => Some(
                    s.parse::<InvitationStatus>()
                        .map_err(|e| AppError::invalid("status", e))?,
                ),
            };
            invitations::list(&state.pool, &member, filter).await
        }
        .await,
    )
}

/// Resends: a pending invitation gets a new link; a finished one is invited again.
#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(slug: String, id: Uuid) -> Result<IssuedInvitation, AppError> {
    use crate::server::invitations;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            invitations::resend(&state, &member, id).await
        }
        .await,
    )
}

/// Withdraws a pending invitation; its link dies at once.
#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(slug: String, id: Uuid) -> Result<(), AppError> {
    use crate::server::invitations;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            invitations::revoke(&state, &member, id).await
        }
        .await,
    )
}

/// The invitation behind a link, for its page. Rate limited per client.
#[server(endpoint = "invitation_preview")]
pub async fn invitation_preview(token: String) -> Result<InvitationDetails, AppError> {
    use crate::server::invitations::link;
    super::ssr::reply(
        async {
            let (state, viewer) = super::ssr::maybe_signed_in().await?;
            super::ssr::limit_token_lookups(&state).await?;
            link::preview(&state.pool, &token, viewer.as_ref()).await
        }
        .await,
    )
}

/// Accepts the invitation behind a link as the signed-in user and opens its organization.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<OrgSummary, AppError> {
    use crate::server::{invitations::link, session};
    super::ssr::reply(
        async {
            let (state, session, user) = super::ssr::signed_in().await?;
            super::ssr::limit_token_lookups(&state).await?;
            let org = link::accept(&state.pool, &token, &user).await?;
            session::set_active_org(&session, org.id).await?;
            Ok(org)
        }
        .await,
    )
}

/// Declines the invitation behind a link (signing in is not needed to say no).
#[server(endpoint = "decline_invitation")]
pub async fn decline_invitation(token: String) -> Result<(), AppError> {
    use crate::server::invitations::link;
    super::ssr::reply(
        async {
            let (state, viewer) = super::ssr::maybe_signed_in().await?;
            super::ssr::limit_token_lookups(&state).await?;
            link::decline(&state.pool, &token, viewer.as_ref()).await
        }
        .await,
    )
}
