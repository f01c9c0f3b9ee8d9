//! The audit trail: one row per state change, written in the change's transaction.

use chrono::Utc;
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::organizations::Member;

/// Records a member doing `action` to `target` in their organization.
pub async fn by(
    conn: &mut SqliteConnection,
    actor: &Member,
    action: &str,
    target: &str,
    details: &str,
) -> Result<(), sqlx::Error> {
    record(
        conn,
        Some(actor.org.id),
        Some(actor.user.id),
        action,
        target,
        details,
    )
    .await
}

/// Records `actor` doing `action` to `target` in `org`.
pub async fn record(
    conn: &mut SqliteConnection,
    org: Option<Uuid>,
    actor: Option<Uuid>,
    action: &str,
    target: &str,
    details: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_events (org_id, actor_id, action, target, details, at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(org)
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(details)
        .bind(Utc::now())
        .execute(conn)
        .await?;
    Ok(())
}
