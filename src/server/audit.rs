//! The audit trail: one row per state change, written in the change's transaction.

use chrono::Utc;
use uuid::Uuid;

use super::actor::Member;
use crate::server::db::Conn;

/// Records a member doing `action` to `target` in their organization, with
/// the API key they used when they acted through one.
pub async fn by(
    conn: &mut Conn,
    actor: &Member,
    action: &str,
    target: &str,
    details: &str,
) -> Result<(), sqlx::Error> {
    let key = actor.api_key.as_ref().map(|key| key.id);
    insert(
        conn,
        Some(actor.org.id),
        Some(actor.user.id),
        key,
        [action, target, details],
    )
    .await
}

/// Records `actor` doing `action` to `target` in `org`.
pub async fn record(
    conn: &mut Conn,
    org: Option<Uuid>,
    actor: Option<Uuid>,
    action: &str,
    target: &str,
    details: &str,
) -> Result<(), sqlx::Error> {
    insert(conn, org, actor, None, [action, target, details]).await
}

/// The one INSERT of an audit event: action, target and details as text.
async fn insert(
    conn: &mut Conn,
    org: Option<Uuid>,
    actor: Option<Uuid>,
    api_key: Option<Uuid>,
    [action, target, details]: [&str; 3],
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_events (org_id, actor_id, api_key_id, action, target, details, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(org)
        .bind(actor)
        .bind(api_key)
        .bind(action)
        .bind(target)
        .bind(details)
        .bind(Utc::now())
        .execute(conn)
        .await?;
    Ok(())
}
