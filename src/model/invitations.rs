//! Invitations as the administrator lists and issues them, and as the invitee sees a link.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::access::Permission;
use crate::domain::bulk::BulkLine;
use crate::domain::identity::{SignInChoice, SignInMethod};
use crate::domain::invitation::InvitationStatus;
use crate::domain::Role;

/// What the invite dialog asks for: who, in which role, and what they carry beyond it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvitationRequest {
    pub email: String,
    pub role: Role,
    /// Why access is needed; empty for none.
    pub note: String,
    /// Another address to send the mail to; empty for the invited one.
    pub notify_email: String,
    /// Teams to join on accepting.
    pub teams: Vec<Uuid>,
    /// Permissions granted org-wide on accepting.
    pub permissions: Vec<Permission>,
    /// Admin defaults to hold back (Admin invitations only).
    #[serde(default)]
    pub withheld: Vec<Permission>,
    /// The identity provider the invitee must sign in with (seed 004).
    #[serde(default)]
    pub sign_in: SignInChoice,
    /// For Microsoft Entra ID: only accounts of this tenant (a GUID); empty for any.
    #[serde(default)]
    pub tenant_id: String,
}

impl InvitationRequest {
    /// Only an address and a role: no note, other address, teams or permissions.
    pub fn plain(email: &str, role: Role) -> Self {
        Self {
            email: email.to_owned(),
            role,
            note: String::new(),
            notify_email: String::new(),
            teams: Vec::new(),
            permissions: Vec::new(),
            withheld: Vec::new(),
            sign_in: SignInChoice::Any,
            tenant_id: String::new(),
        }
    }
}

/// A link just issued by create or resend: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Delivery {
    Queued,
    Retrying { reason: String },
    Delivered,
    Failed { reason: String },
}

/// One row of the Invitations tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    /// How the invitee must sign in to accept.
    pub sign_in: SignInMethod,
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
    /// How the invitee must sign in to accept.
    pub sign_in: SignInMethod,
    /// The one provider that redeems it: the required one, or the
    /// organization's single sign-on for an address in a domain it claims.
    pub sign_in_with: Option<crate::model::auth::ProviderButton>,
    /// Whether that provider is the organization's single sign-on.
    pub single_sign_on: bool,
}

/// Invitations per page of the Invitations tab.
pub const INVITATIONS_PAGE: usize = 50;

/// The newest invitations of one status (or all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvitationList {
    pub items: Vec<InvitationItem>,
    /// Older ones exist beyond this page.
    pub more: bool,
    /// The cursor of the next (older) page, when there is one.
    #[serde(default)]
    pub next: Option<String>,
}

/// A batch of people to invite at once (Members → "Invite many").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkRequest {
    /// The people, as read by [`crate::domain::bulk::parse_bulk`]; at most
    /// [`crate::domain::bulk::MAX_BULK_ROWS`].
    pub rows: Vec<BulkLine>,
    /// The role of rows that name none.
    pub role: Role,
    /// Teams every row joins (besides the row's own).
    pub teams: Vec<Uuid>,
    /// Only check: report what would happen and change nothing.
    pub dry_run: bool,
}

/// What happened (or, in a dry run, would happen) to one row of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum BulkOutcome {
    /// Dry run: this row would be invited.
    WillInvite,
    /// The invitation was created and its mail queued.
    Invited { invitation_id: Uuid },
    /// The address belongs to an active member already.
    AlreadyMember,
    /// A pending invitation to this address exists; it can be resent.
    AlreadyInvited { invitation_id: Uuid },
    /// The address (or the row's note or a team it names) is not valid.
    Invalid { reason: String },
    /// The address appeared earlier in this list (1-based row number).
    Repeated { first_row: usize },
    /// Every seat is taken by earlier rows, members and pending invitations.
    NoSeatLeft,
    /// A role or permission beyond the inviter's own.
    NotAllowed { reason: String },
}

impl BulkOutcome {
    /// Whether the row is (or would be) invited.
    pub fn invites(&self) -> bool {
        matches!(self, Self::WillInvite | Self::Invited { .. })
    }

    /// The outcome in the inviter's words.
    pub fn describe(&self) -> String {
        match self {
            Self::WillInvite => "Will invite".into(),
            Self::Invited { .. } => "Invited".into(),
            Self::AlreadyMember => "Already a member".into(),
            Self::AlreadyInvited { .. } => "Already invited".into(),
            Self::Invalid { reason } => format!("Invalid: {reason}"),
            Self::Repeated { first_row } => format!("Repeated in this list (row {first_row})"),
            Self::NoSeatLeft => "No seat left: raise the seat limit in Settings".into(),
            Self::NotAllowed { reason } => format!("Not allowed: {reason}"),
        }
    }
}

/// One row's address and outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkRowResult {
    pub email: String,
    pub outcome: BulkOutcome,
}

/// The answer to a batch: one result per row, in the request's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkReport {
    pub dry_run: bool,
    pub rows: Vec<BulkRowResult>,
}

impl BulkReport {
    /// How many rows are (or would be) invited.
    pub fn invited(&self) -> usize {
        self.rows.iter().filter(|r| r.outcome.invites()).count()
    }
}
