//! The audit trail: one row per state change, written in the change's transaction.

use chrono::Utc;
use uuid::Uuid;

use super::actor::Member;
use crate::server::db::{Batch, Conn};

/// Records a member doing `action` to `target` in their organization, with
/// the API key they used when they acted through one.
pub async fn by(
    conn: &mut Conn,
    actor: &Member,
    action: &str,
    target: &str,
    details: &str,
) -> Result<(), sqlx::Error> {
    let mut batch = Batch::default();
    by_in(&mut batch, actor, action, target, details);
    batch.run(conn).await
}

/// [`by`] as a statement of `batch`, written with the rest of its change.
pub fn by_in(batch: &mut Batch, actor: &Member, action: &str, target: &str, details: &str) {
    let key = actor.api_key.as_ref().map(|key| key.id);
    insert(
        batch,
        Some(actor.org.id),
        Some(actor.user.id),
        key,
        [action, target, details],
    );
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
    let mut batch = Batch::default();
    record_in(&mut batch, org, actor, action, target, details);
    batch.run(conn).await
}

/// [`record`] as a statement of `batch`, written with the rest of its change.
pub fn record_in(
    batch: &mut Batch,
    org: Option<Uuid>,
    actor: Option<Uuid>,
    action: &str,
    target: &str,
    details: &str,
) {
    insert(batch, org, actor, None, [action, target, details]);
}

/// The start of every statement recording events, with the columns in the
/// order [`insert`] and [`for_each_row_of`] give them. A macro, so the
/// statements are literals: audit events are recorded in write turns,
/// whose statements are built while every writer behind waits.
macro_rules! insert_into {
    () => {
        "INSERT INTO audit_events (org_id, actor_id, api_key_id, action, target, details, at)"
    };
}

/// The statement recording one event for each row of `select`, which
/// yields them in the order of [`insert_into!`]'s columns.
pub fn for_each_row_of(select: &str) -> String {
    format!("{} {select}", insert_into!())
}

/// The one INSERT of an audit event: action, target and details as text.
fn insert(
    batch: &mut Batch,
    org: Option<Uuid>,
    actor: Option<Uuid>,
    api_key: Option<Uuid>,
    [action, target, details]: [&str; 3],
) {
    batch
        .push(concat!(
            insert_into!(),
            " VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(org)
        .bind(actor)
        .bind(api_key)
        .bind(action.to_owned())
        .bind(target.to_owned())
        .bind(details.to_owned())
        .bind(Utc::now());
}
