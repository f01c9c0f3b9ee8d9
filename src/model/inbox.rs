//! The bell's content: invitations to the signed-in user, notices, and the heartbeat's answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Role;

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
