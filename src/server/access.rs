//! Loads a member's effective access (role + own grants + team grants).

use sqlx::SqliteConnection;
use uuid::Uuid;

use crate::domain::access::{Access, Grant, Permission, Scope};
use crate::domain::Role;
use crate::error::AppError;

fn grant(permission: &str, project: Option<Uuid>) -> Option<Grant> {
    let permission = Permission::parse(permission)?;
    Some(Grant { permission, scope: project.map_or(Scope::Organization, Scope::Project) })
}

/// The access `user` (with `role`) has in `org`, read inside the caller's transaction.
pub async fn load(conn: &mut SqliteConnection, org: Uuid, user: Uuid, role: Role) -> Result<Access, AppError> {
    let direct: Vec<(String, Option<Uuid>)> = sqlx::query_as(
        "SELECT permission, project_id FROM grants WHERE org_id = ? AND user_id = ?
         UNION ALL
         SELECT 'projects:view', pm.project_id FROM project_members pm JOIN projects p ON p.id = pm.project_id
         WHERE p.org_id = ? AND pm.user_id = ?",
    )
    .bind(org)
    .bind(user)
    .bind(org)
    .bind(user)
    .fetch_all(&mut *conn)
    .await?;
    let teams: Vec<(String, String, Option<Uuid>)> = sqlx::query_as(
        "SELECT t.name, g.permission, g.project_id FROM grants g
         JOIN teams t ON t.id = g.team_id JOIN team_members tm ON tm.team_id = t.id
         WHERE t.org_id = ? AND tm.user_id = ?",
    )
    .bind(org)
    .bind(user)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Access::new(
        role,
        direct.iter().filter_map(|(p, project)| grant(p, *project)),
        teams.iter().filter_map(|(team, p, project)| grant(p, *project).map(|g| (team.clone(), g))),
    ))
}

/// The grants a team holds.
pub async fn team_grants(conn: &mut SqliteConnection, team: Uuid) -> Result<Vec<Grant>, AppError> {
    let rows: Vec<(String, Option<Uuid>)> = sqlx::query_as("SELECT permission, project_id FROM grants WHERE team_id = ?")
        .bind(team)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().filter_map(|(p, project)| grant(p, *project)).collect())
}

/// Adds a grant to a member (`user`) or a team; an existing one is kept.
pub async fn add_grant(conn: &mut SqliteConnection, org: Uuid, holder: Holder, grant: &Grant) -> Result<(), AppError> {
    let (user, team) = match holder {
        Holder::User(u) => (Some(u), None),
        Holder::Team(t) => (None, Some(t)),
    };
    let project = match grant.scope {
        Scope::Organization => None,
        Scope::Project(p) => Some(p),
    };
    sqlx::query("INSERT OR IGNORE INTO grants (org_id, user_id, team_id, permission, project_id) VALUES (?, ?, ?, ?, ?)")
        .bind(org)
        .bind(user)
        .bind(team)
        .bind(grant.permission.key())
        .bind(project)
        .execute(conn)
        .await?;
    Ok(())
}

/// Who holds a grant.
#[derive(Debug, Clone, Copy)]
pub enum Holder {
    User(Uuid),
    Team(Uuid),
}
