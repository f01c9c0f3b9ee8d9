//! Teams: named groups of members that hold grants their members inherit.

use chrono::Utc;
use uuid::Uuid;

use super::access::{self, Holder, Sight};
use super::actor::{active_member_by_email, Member};
use super::{audit, db};
use crate::domain::access::{Grant, Permission};
use crate::domain::policy::{self, PolicyError};
use crate::domain::text::Name;
use crate::error::AppError;
use crate::model::access::{ProjectItem, TeamGrant, TeamItem, TeamMember};
use crate::server::db::{Conn, Pool};

/// Teams of the organization with their members and grants, as `actor` may
/// see them (see [`Sight`]).
pub async fn list(pool: &Pool, actor: &Member) -> Result<Vec<TeamItem>, AppError> {
    let org = actor.org.id;
    let sight = Sight::load(&mut *pool.acquire().await?, actor).await?;
    let teams: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, name FROM teams WHERE org_id = $1 ORDER BY lower(name)")
            .bind(org)
            .fetch_all(pool)
            .await?;
    let members: Vec<(Uuid, Uuid, String, String)> = sqlx::query_as(
        "SELECT tm.team_id, u.id, u.name, u.email FROM team_members tm
         JOIN teams t ON t.id = tm.team_id AND t.org_id = $1
         JOIN users u ON u.id = tm.user_id
         JOIN memberships m ON m.user_id = u.id AND m.org_id = $1 AND m.status = 'active'
         ORDER BY lower(u.name)",
    )
    .bind(org)
    .fetch_all(pool)
    .await?;
    let grants: Vec<(Uuid, String, Option<Uuid>, Option<String>)> = sqlx::query_as(
        "SELECT g.team_id, g.permission, p.id, p.name FROM grants g
         JOIN teams t ON t.id = g.team_id AND t.org_id = $1
         LEFT JOIN projects p ON p.id = g.project_id
         ORDER BY p.name IS NOT NULL, lower(p.name), g.permission",
    )
    .bind(org)
    .fetch_all(pool)
    .await?;
    Ok(teams
        .into_iter()
        .map(|(id, name)| TeamItem {
            id,
            name,
            members: members
                .iter()
                .filter(|m| m.0 == id)
                .map(|(_, user_id, name, email)| TeamMember {
                    user_id: *user_id,
                    name: name.clone(),
                    email: sight.reveal(email.clone()),
                })
                .collect(),
            grants: sight.reveal(
                grants
                    .iter()
                    .filter(|g| g.0 == id)
                    .filter_map(|(_, key, project, name)| {
                        Some(TeamGrant {
                            permission: Permission::parse(key)?,
                            project: project
                                .zip(name.clone())
                                .map(|(id, name)| ProjectItem { id, name }),
                        })
                    })
                    .collect(),
            ),
        })
        .collect())
}

/// Creates a team (needs `members:manage`).
pub async fn create(pool: &Pool, actor: &Member, name: &str) -> Result<Uuid, AppError> {
    let name = Name::parse(name).map_err(|e| AppError::invalid("name", e))?;
    let mut tx = db::begin_write(pool).await?;
    access::require(&mut tx, actor, Permission::MEMBERS_MANAGE).await?;
    let id = Uuid::new_v4();
    let inserted =
        sqlx::query("INSERT INTO teams (id, org_id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(actor.org.id)
            .bind(name.as_str())
            .bind(Utc::now())
            .execute(&mut *tx)
            .await;
    name_free(inserted, &name)?;
    audit::by(&mut tx, actor, "team.created", name.as_str(), "").await?;
    tx.commit().await?;
    Ok(id)
}

/// A write that hit the unique team name becomes a field error.
fn name_free<T>(written: Result<T, sqlx::Error>, name: &Name) -> Result<T, AppError> {
    written.map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => AppError::invalid(
            "name",
            format!("A team named {} already exists.", name.as_str()),
        ),
        _ => e.into(),
    })
}

/// Renames a team (needs `members:manage`).
pub async fn rename(pool: &Pool, actor: &Member, team: Uuid, name: &str) -> Result<(), AppError> {
    let name = Name::parse(name).map_err(|e| AppError::invalid("name", e))?;
    let mut tx = db::begin_write(pool).await?;
    access::require(&mut tx, actor, Permission::MEMBERS_MANAGE).await?;
    let old = team_name(&mut tx, actor.org.id, team).await?;
    let renamed = sqlx::query("UPDATE teams SET name = $1 WHERE id = $2 AND org_id = $3")
        .bind(name.as_str())
        .bind(team)
        .bind(actor.org.id)
        .execute(&mut *tx)
        .await;
    name_free(renamed, &name)?;
    audit::by(
        &mut tx,
        actor,
        "team.renamed",
        name.as_str(),
        &format!("was {old}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a team; its members keep their own grants.
pub async fn delete(pool: &Pool, actor: &Member, team: Uuid) -> Result<(), AppError> {
    let mut tx = db::begin_write(pool).await?;
    let access = access::require(&mut tx, actor, Permission::MEMBERS_MANAGE).await?;
    let name = team_name(&mut tx, actor.org.id, team).await?;
    require_team_within(&mut tx, &access, team, &name).await?;
    sqlx::query("DELETE FROM teams WHERE id = $1")
        .bind(team)
        .execute(&mut *tx)
        .await?;
    audit::by(&mut tx, actor, "team.deleted", &name, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses changing who is in `team` (or deleting it) for an actor who does
/// not hold everything the team gives: that would hand out or take away
/// access beyond their own.
pub(super) async fn require_team_within(
    conn: &mut Conn,
    actor: &crate::domain::access::Access,
    team: Uuid,
    name: &str,
) -> Result<(), AppError> {
    if access::team_grants(conn, team)
        .await?
        .iter()
        .any(|g| !actor.may_grant(g))
    {
        return Err(PolicyError::BeyondOwnAccess(format!("the team {name}")).into());
    }
    Ok(())
}

pub(super) async fn team_name(conn: &mut Conn, org: Uuid, team: Uuid) -> Result<String, AppError> {
    sqlx::query_scalar("SELECT name FROM teams WHERE id = $1 AND org_id = $2")
        .bind(team)
        .bind(org)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("Team".into()))
}

/// Adds an active member (by email) to a team. Nobody hands out a team's
/// grants beyond their own access.
pub async fn add_member(
    pool: &Pool,
    actor: &Member,
    team: Uuid,
    email: &str,
) -> Result<(), AppError> {
    let mut tx = db::begin_write(pool).await?;
    let access = access::require(&mut tx, actor, Permission::MEMBERS_MANAGE).await?;
    let name = team_name(&mut tx, actor.org.id, team).await?;
    require_team_within(&mut tx, &access, team, &name).await?;
    let (user, email) = active_member_by_email(&mut tx, &actor.org, email).await?;
    sqlx::query("INSERT INTO team_members (team_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(team)
        .bind(user)
        .bind(Utc::now())
        .execute(&mut *tx)
        .await?;
    audit::by(&mut tx, actor, "team.member_added", email.as_str(), &name).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a member out of a team.
pub async fn remove_member(
    pool: &Pool,
    actor: &Member,
    team: Uuid,
    user: Uuid,
) -> Result<(), AppError> {
    let mut tx = db::begin_write(pool).await?;
    let access = access::require(&mut tx, actor, Permission::MEMBERS_MANAGE).await?;
    let name = team_name(&mut tx, actor.org.id, team).await?;
    require_team_within(&mut tx, &access, team, &name).await?;
    sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
        .bind(team)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    audit::by(
        &mut tx,
        actor,
        "team.member_removed",
        &user.to_string(),
        &name,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Gives a team a permission, org-wide or on one project (needs
/// `members:manage` and the permission itself).
pub async fn grant(pool: &Pool, actor: &Member, team: Uuid, grant: Grant) -> Result<(), AppError> {
    change_grant(pool, actor, team, grant, true).await
}

/// Takes a permission from a team (needs `members:manage` and the permission
/// itself: nobody changes access beyond their own).
pub async fn revoke(pool: &Pool, actor: &Member, team: Uuid, grant: Grant) -> Result<(), AppError> {
    change_grant(pool, actor, team, grant, false).await
}

async fn change_grant(
    pool: &Pool,
    actor: &Member,
    team: Uuid,
    grant: Grant,
    give: bool,
) -> Result<(), AppError> {
    let mut tx = db::begin_write(pool).await?;
    let access = access::require(&mut tx, actor, Permission::MEMBERS_MANAGE).await?;
    let name = team_name(&mut tx, actor.org.id, team).await?;
    policy::may_grant(&access, &grant)?;
    let place = match (grant.project(), give) {
        (None, _) => "organization".to_owned(),
        (Some(project), true) => super::projects::live_name(&mut tx, actor.org.id, project).await?,
        // A grant on an archived project can still be taken away.
        (Some(project), false) => project.to_string(),
    };
    let changed = if give {
        access::add_grant(&mut tx, actor.org.id, Holder::Team(team), &grant).await?;
        true
    } else {
        access::remove_grant(&mut tx, actor.org.id, Holder::Team(team), &grant).await?
    };
    if changed {
        audit::by(
            &mut tx,
            actor,
            if give { "team.granted" } else { "team.revoked" },
            &name,
            &format!("{place}: {}", grant.permission().key()),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The organization's team ids by lower-cased name, to read teams named in a list.
pub(super) async fn ids_by_name(
    conn: &mut Conn,
    org: Uuid,
) -> Result<std::collections::HashMap<String, Uuid>, AppError> {
    let rows: Vec<(String, Uuid)> = sqlx::query_as("SELECT name, id FROM teams WHERE org_id = $1")
        .bind(org)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(name, id)| (name.to_lowercase(), id))
        .collect())
}
