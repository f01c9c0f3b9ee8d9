//! The Activity page: an organization's audit events, newest first.

use sqlx::QueryBuilder;

use crate::domain::policy;
use crate::error::AppError;
use crate::model::members::{ActivityItem, ActivityPage};
use crate::server::actor::Member;
use crate::server::db::{Db, Pool};

const PAGE: i64 = 50;

/// A page of audit events older than `before`, optionally of one action.
pub async fn activity(
    pool: &Pool,
    actor: &Member,
    action: &str,
    before: Option<i64>,
) -> Result<ActivityPage, AppError> {
    policy::may_administer(actor.org.role)?;
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT a.id,
                CASE WHEN k.id IS NULL THEN u.name
                     ELSE 'API key ' || k.name || ' (created by ' || u.name || ')' END AS actor,
                a.action, a.target, t.name AS target_name, a.details, a.at
         FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id
         LEFT JOIN users t ON t.email = a.target
              AND EXISTS (SELECT 1 FROM memberships tm WHERE tm.user_id = t.id AND tm.org_id = a.org_id)
         LEFT JOIN api_keys k ON k.id = a.api_key_id WHERE a.org_id = ",
    );
    qb.push_bind(actor.org.id);
    if !action.is_empty() {
        qb.push(" AND a.action = ").push_bind(action.to_owned());
    }
    if let Some(before) = before {
        qb.push(" AND a.id < ").push_bind(before);
    }
    qb.push(" ORDER BY a.id DESC LIMIT ").push_bind(PAGE + 1);
    let mut items: Vec<ActivityItem> = qb.build_query_as().fetch_all(pool).await?;
    let next_before = if items.len() as i64 > PAGE {
        items.truncate(PAGE as usize);
        items.last().map(|a| a.id)
    } else {
        None
    };
    Ok(ActivityPage { items, next_before })
}
