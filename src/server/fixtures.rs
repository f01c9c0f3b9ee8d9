//! Bulk data for tests and `make bench`: many members in one organization.

use crate::server::db::Pool;
use chrono::{Duration, Utc};
use uuid::Uuid;

/// Adds `n` active members named "`prefix` NNNN" (scrambled order) to `org`,
/// with emails `prefix<i>@example.com` and staggered join times, in one transaction.
pub async fn seed_members(
    pool: &Pool,
    org: Uuid,
    n: usize,
    prefix: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let now = Utc::now();
    for i in 0..n {
        let id = Uuid::new_v4();
        sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(format!("{}{i}@example.com", prefix.to_lowercase()))
            .bind(format!("{prefix} {:06}", (i * 7919) % 1_000_000))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO memberships (org_id, user_id, role, joined_at) VALUES ($1, $2, 'member', $3)",
        )
        .bind(org)
        .bind(id)
        .bind(now - Duration::seconds(i as i64))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
