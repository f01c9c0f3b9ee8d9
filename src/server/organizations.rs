//! Organizations and the signed-in user's place in them.

use chrono::Utc;
use uuid::Uuid;

use super::actor::{parse_role, refresh, Member};
use super::{accounts, audit, db};
use crate::domain::text::{slugify, Name};
use crate::domain::Role;
use crate::error::AppError;
use crate::model::orgs::{OrgSummary, OrgView};
use crate::server::db::{Batch, Pool};

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: Uuid,
    name: String,
    slug: String,
    role: String,
}

impl OrgRow {
    fn into_summary(self) -> Result<OrgSummary, AppError> {
        Ok(OrgSummary {
            id: self.id,
            name: self.name,
            slug: self.slug,
            role: parse_role(&self.role)?,
        })
    }
}

/// Creates an organization with `owner` as its first member and owner, and
/// opens their console on it.
pub async fn create(pool: &Pool, owner: Uuid, name: &str) -> Result<OrgSummary, AppError> {
    let name = Name::parse(name).map_err(|e| AppError::invalid("name", e))?;
    let base = slugify(name.as_str());
    let mut tx = db::begin_write(pool).await?;
    let mut slug = base.clone();
    let mut n = 1;
    while sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM organizations WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&mut *tx)
        .await?
        > 0
    {
        n += 1;
        slug = format!("{base}-{n}");
    }
    let id = Uuid::new_v4();
    let now = Utc::now();
    sqlx::query("INSERT INTO organizations (id, name, slug, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(name.as_str())
        .bind(&slug)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, joined_at) VALUES ($1, $2, 'owner', $3)",
    )
    .bind(id)
    .bind(owner)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let mut batch = Batch::default();
    audit::record_in(
        &mut batch,
        Some(id),
        Some(owner),
        "organization.created",
        name.as_str(),
        "",
    );
    accounts::open_on(&mut batch, owner, id);
    batch.run(&mut tx).await?;
    tx.commit().await?;
    Ok(OrgSummary {
        id,
        name: name.as_str().to_owned(),
        slug,
        role: Role::Owner,
    })
}

/// The organizations `user` is an active member of, by name.
pub async fn list_for_user(pool: &Pool, user: Uuid) -> Result<Vec<OrgSummary>, AppError> {
    let rows: Vec<OrgRow> = sqlx::query_as(
        "SELECT o.id, o.name, o.slug, m.role FROM organizations o
         JOIN memberships m ON m.org_id = o.id
         WHERE m.user_id = $1 AND m.status = 'active' ORDER BY lower(o.name), o.slug",
    )
    .bind(user)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(OrgRow::into_summary).collect()
}

/// The organization at `slug` as `user` sees it. Non-members get "not found",
/// never a hint that it exists.
pub async fn view(pool: &Pool, user: Uuid, slug: &str) -> Result<OrgView, AppError> {
    let row: Option<(Uuid, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT o.id, o.name, o.slug, m.role, o.seat_limit, o.invitation_ttl_days FROM organizations o
         JOIN memberships m ON m.org_id = o.id AND m.user_id = $1 AND m.status = 'active'
         WHERE o.slug = $2",
    )
    .bind(user)
    .bind(slug)
    .fetch_optional(pool)
    .await?;
    let (id, name, slug, role, seat_limit, invitation_ttl_days) =
        row.ok_or_else(|| AppError::NotFound("Organization".into()))?;
    Ok(OrgView {
        id,
        name,
        slug,
        role: parse_role(&role)?,
        seat_limit,
        invitation_ttl_days,
    })
}

/// Most seats an organization may have.
pub const MAX_SEATS: i64 = 1_000_000;

/// Changes seat limit and invitation lifetime (owners only). The seat limit
/// cannot go below the seats in use, checked inside the write transaction.
pub async fn update_settings(
    pool: &Pool,
    actor: &Member,
    seat_limit: &str,
    ttl_days: &str,
) -> Result<OrgView, AppError> {
    let seats: i64 = seat_limit
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=MAX_SEATS).contains(n))
        .ok_or_else(|| {
            AppError::invalid(
                "seat_limit",
                format!("Enter a whole number of seats from 1 to {MAX_SEATS}."),
            )
        })?;
    let ttl: i64 = ttl_days
        .trim()
        .parse()
        .ok()
        .filter(|n| crate::domain::invitation::TTL_DAYS.contains(n))
        .ok_or_else(|| {
            AppError::invalid(
                "invitation_ttl_days",
                "Enter a number of days from 1 to 30.",
            )
        })?;
    let mut tx = db::begin_write(pool).await?;
    let actor = &refresh(&mut tx, actor).await?;
    crate::domain::policy::may_change_settings(actor.org.role)?;
    let used =
        crate::server::invitations::store::seats_used(&mut tx, actor.org.id, Utc::now(), None)
            .await?;
    if seats < used {
        return Err(AppError::invalid(
            "seat_limit",
            format!("{used} seats are in use (members and pending invitations); the limit cannot be lower."),
        ));
    }
    sqlx::query("UPDATE organizations SET seat_limit = $1, invitation_ttl_days = $2 WHERE id = $3")
        .bind(seats)
        .bind(ttl)
        .bind(actor.org.id)
        .execute(&mut *tx)
        .await?;
    let details = format!("seat_limit={seats} invitation_ttl_days={ttl}");
    audit::by(
        &mut tx,
        actor,
        "organization.settings_changed",
        &actor.org.name,
        &details,
    )
    .await?;
    tx.commit().await?;
    view(pool, actor.user.id, &actor.org.slug).await
}

/// Project counts for the member's dashboard and the other admins to ask for
/// access (never the member themselves).
/// Visibility is the member's effective access (role, own grants, teams).
pub async fn dashboard(
    pool: &Pool,
    actor: &Member,
) -> Result<crate::model::orgs::DashboardInfo, AppError> {
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM projects WHERE org_id = $1 AND archived_at IS NULL",
    )
    .bind(actor.org.id)
    .fetch_one(pool)
    .await?;
    let visible = crate::server::projects::list(pool, actor)
        .await?
        .items
        .len() as i64;
    let admins: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.name, u.email FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = $1 AND m.status = 'active' AND m.role IN ('owner', 'admin') AND m.user_id != $2
         ORDER BY m.role DESC, lower(u.name) LIMIT 10",
    )
    .bind(actor.org.id)
    .bind(actor.user.id)
    .fetch_all(pool)
    .await?;
    Ok(crate::model::orgs::DashboardInfo {
        seats: crate::server::members::seat_usage(pool, actor).await?,
        visible_projects: visible,
        total_projects: total,
        admins,
    })
}
