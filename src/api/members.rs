//! Members of an organization.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Role;
use crate::error::AppError;

/// One row of the members table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberItem {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

/// The active members of the organization at `slug`, by name.
#[server(endpoint = "list_members")]
pub async fn list_members(slug: String) -> Result<Vec<MemberItem>, AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            members::list(&state.pool, &member).await
        }
        .await,
    )
}
