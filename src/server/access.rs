//! Loads a member's effective access (role + own grants + team grants).

use sqlx::SqliteConnection;
use uuid::Uuid;

use super::organizations::Member;
use crate::domain::access::{Access, Grant, Permission, Scope};
use crate::domain::Role;
use crate::error::AppError;

fn grant(permission: &str, project: Option<Uuid>) -> Option<Grant> {
    let permission = Permission::parse(permission)?;
    Some(Grant {
        permission,
        scope: project.map_or(Scope::Organization, Scope::Project),
    })
}

/// The access `user` (with `role`) has in `org`, read inside the caller's transaction.
pub async fn load(
    conn: &mut SqliteConnection,
    org: Uuid,
    user: Uuid,
    role: Role,
) -> Result<Access, AppError> {
    let direct: Vec<(String, Option<Uuid>)> = sqlx::query_as(
        "SELECT permission, project_id FROM grants WHERE org_id = ? AND user_id = ?",
    )
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
    let narrowed: Vec<String> = sqlx::query_scalar(
        "SELECT permission FROM role_exclusions WHERE org_id = ? AND user_id = ?",
    )
    .bind(org)
    .bind(user)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Access::new(
        role,
        direct.iter().filter_map(|(p, project)| grant(p, *project)),
        teams
            .iter()
            .filter_map(|(team, p, project)| grant(p, *project).map(|g| (team.clone(), g))),
    )
    .narrowed(narrowed.iter().filter_map(|p| Permission::parse(p))))
}

/// Sets the org-wide permissions `user` holds to exactly `wanted`: admin
/// defaults are narrowed or restored, other permissions granted or taken
/// directly. `actor` changes only permissions they hold themselves.
pub async fn set_member_permissions(
    conn: &mut SqliteConnection,
    org: Uuid,
    actor: &Access,
    user: Uuid,
    role: Role,
    wanted: &[Permission],
) -> Result<(), AppError> {
    use crate::domain::access::{admin_default, CATALOGUE};
    if role == Role::Owner {
        return Err(AppError::Conflict(
            "Owners hold every permission; change their role to narrow them.".into(),
        ));
    }
    for permission in CATALOGUE {
        let on = wanted.contains(&permission);
        let org_grant = Grant {
            permission,
            scope: Scope::Organization,
        };
        let current = load(conn, org, user, role)
            .await?
            .allows(permission, Scope::Organization);
        if on == current {
            continue;
        }
        if !actor.may_grant(&org_grant) {
            return Err(AppError::Forbidden(
                crate::domain::policy::PolicyError::BeyondOwnAccess(permission.label()).to_string(),
            ));
        }
        let key = permission.key();
        if role == Role::Admin && admin_default(permission) {
            let sql = if on {
                "DELETE FROM role_exclusions WHERE org_id = ?1 AND user_id = ?2 AND permission = ?3"
            } else {
                "INSERT OR IGNORE INTO role_exclusions (org_id, user_id, permission) VALUES (?1, ?2, ?3)"
            };
            sqlx::query(sql)
                .bind(org)
                .bind(user)
                .bind(&key)
                .execute(&mut *conn)
                .await?;
        }
        if on {
            if !load(conn, org, user, role)
                .await?
                .allows(permission, Scope::Organization)
            {
                add_grant(conn, org, Holder::User(user), &org_grant).await?;
            }
        } else {
            sqlx::query("DELETE FROM grants WHERE org_id = ? AND user_id = ? AND permission = ? AND project_id IS NULL")
                .bind(org)
                .bind(user)
                .bind(&key)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// The actor's access as of now (role re-read inside the caller's
/// transaction), or a refusal naming the org-wide `permission` it lacks.
pub async fn require(
    conn: &mut SqliteConnection,
    actor: &Member,
    permission: Permission,
) -> Result<Access, AppError> {
    let actor = super::organizations::refresh(conn, actor).await?;
    let access = load(conn, actor.org.id, actor.user.id, actor.org.role).await?;
    if !access.allows(permission, Scope::Organization) {
        return Err(AppError::Forbidden(format!(
            "You need the “{}” permission for this. Ask an admin.",
            permission.label()
        )));
    }
    Ok(access)
}

/// The grants a team holds.
pub async fn team_grants(conn: &mut SqliteConnection, team: Uuid) -> Result<Vec<Grant>, AppError> {
    let rows: Vec<(String, Option<Uuid>)> =
        sqlx::query_as("SELECT permission, project_id FROM grants WHERE team_id = ?")
            .bind(team)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .iter()
        .filter_map(|(p, project)| grant(p, *project))
        .collect())
}

/// Adds a grant to a member (`user`) or a team; an existing one is kept.
pub async fn add_grant(
    conn: &mut SqliteConnection,
    org: Uuid,
    holder: Holder,
    grant: &Grant,
) -> Result<(), AppError> {
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
