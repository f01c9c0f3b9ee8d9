//! Members of an organization.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use uuid::Uuid;

use super::organizations::{parse_role, Member};
use crate::api::members::MemberItem;
use crate::error::AppError;

/// The active members of `actor`'s organization, by name (every member may see them).
pub async fn list(pool: &SqlitePool, actor: &Member) -> Result<Vec<MemberItem>, AppError> {
    let rows: Vec<(Uuid, String, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = ? AND m.status = 'active' ORDER BY u.name COLLATE NOCASE, u.email LIMIT 500",
    )
    .bind(actor.org.id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(user_id, name, email, role, joined_at)| {
            Ok(MemberItem { user_id, name, email, role: parse_role(&role)?, joined_at })
        })
        .collect()
}
