//! Organizations as the selector, their pages and the dashboard show them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::members::SeatUsage;
use crate::domain::Role;

/// An organization in the selector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgSummary {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    /// The signed-in user's role in it.
    pub role: Role,
}

/// One organization as a member sees it on its pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OrgView {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub role: Role,
    pub seat_limit: i64,
    pub invitation_ttl_days: i64,
}

/// What the dashboard needs beyond the organization itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardInfo {
    /// Seats used and the limit.
    pub seats: SeatUsage,
    /// Projects the signed-in member can see.
    pub visible_projects: i64,
    /// Projects in the organization (not archived).
    pub total_projects: i64,
    /// Owners and admins, to ask for access: (name, email).
    pub admins: Vec<(String, String)>,
}
