//! Projects of an organization and who can see them, and why.

use chrono::Utc;
use uuid::Uuid;

use super::actor::{active_member_by_email, parse_role, Member};
use super::{access, audit, db};
use crate::domain::access::{Permission, Scope, Source};
use crate::domain::text::Name;
use crate::error::AppError;
use crate::model::access::{ProjectAccessRow, ProjectItem, ProjectList};
use crate::server::db::{Conn, Pool};

/// Projects the actor can see (not archived), by name.
pub async fn list(pool: &Pool, actor: &Member) -> Result<ProjectList, AppError> {
    let mut conn = pool.acquire().await?;
    let access = access::load(&mut conn, actor.org.id, actor.user.id, actor.org.role).await?;
    let rows: Vec<(Uuid, String)> = sqlx::query_as("SELECT id, name FROM projects WHERE org_id = $1 AND archived_at IS NULL ORDER BY lower(name)")
        .bind(actor.org.id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(ProjectList {
        can_manage: access.allows(Permission::PROJECTS_MANAGE, Scope::Organization),
        items: rows
            .into_iter()
            .filter(|(id, _)| access.sees_project(*id))
            .map(|(id, name)| ProjectItem { id, name })
            .collect(),
    })
}

/// Creates a project (needs `projects:manage`).
pub async fn create(pool: &Pool, actor: &Member, name: &str) -> Result<Uuid, AppError> {
    let name = Name::parse(name).map_err(|e| AppError::invalid("name", e))?;
    let mut tx = db::begin_write(pool).await?;
    access::require(&mut tx, actor, Permission::PROJECTS_MANAGE).await?;
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO projects (id, org_id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(actor.org.id)
        .bind(name.as_str())
        .bind(Utc::now())
        .execute(&mut *tx)
        .await?;
    audit::by(&mut tx, actor, "project.created", name.as_str(), "").await?;
    tx.commit().await?;
    Ok(id)
}

/// Renames a project, or archives it when `archive` is set.
pub async fn update(
    pool: &Pool,
    actor: &Member,
    project: Uuid,
    name: Option<&str>,
    archive: bool,
) -> Result<(), AppError> {
    let mut tx = db::begin_write(pool).await?;
    access::require(&mut tx, actor, Permission::PROJECTS_MANAGE).await?;
    let current = live_name(&mut tx, actor.org.id, project).await?;
    if let Some(name) = name {
        let name = Name::parse(name).map_err(|e| AppError::invalid("name", e))?;
        sqlx::query("UPDATE projects SET name = $1 WHERE id = $2")
            .bind(name.as_str())
            .bind(project)
            .execute(&mut *tx)
            .await?;
        audit::by(
            &mut tx,
            actor,
            "project.renamed",
            name.as_str(),
            &format!("was {current}"),
        )
        .await?;
    }
    if archive {
        sqlx::query("UPDATE projects SET archived_at = $1 WHERE id = $2")
            .bind(Utc::now())
            .bind(project)
            .execute(&mut *tx)
            .await?;
        audit::by(&mut tx, actor, "project.archived", &current, "").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Who can see a project and why (role, own grant, or team).
pub async fn who_has_access(
    pool: &Pool,
    actor: &Member,
    project: Uuid,
) -> Result<Vec<ProjectAccessRow>, AppError> {
    let mut conn = pool.acquire().await?;
    // The viewer's own access first (three indexed queries): someone who
    // cannot see the project is refused before everyone's grants are read.
    let mine = access::load(&mut conn, actor.org.id, actor.user.id, actor.org.role).await?;
    let exists: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE id = $1 AND org_id = $2")
            .bind(project)
            .bind(actor.org.id)
            .fetch_one(&mut *conn)
            .await?;
    if exists == 0 || !mine.sees_project(project) {
        return Err(AppError::NotFound("Project".into()));
    }
    // Who and why is the point of this list; addresses only for those who see the members list.
    let sight = access::Sight::of(&mine);
    let members: Vec<(Uuid, String, String, String)> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = $1 AND m.status = 'active' ORDER BY lower(u.name) LIMIT 1000",
    )
    .bind(actor.org.id)
    .fetch_all(&mut *conn)
    .await?;
    let roles = members
        .iter()
        .map(|(id, _, _, role)| Ok((*id, parse_role(role)?)))
        .collect::<Result<Vec<_>, AppError>>()?;
    let accesses = access::load_many(&mut conn, actor.org.id, &roles).await?;
    let mut rows = Vec::new();
    for ((_, name, email, _), access) in members.into_iter().zip(accesses) {
        if let Some(source) = access.reason(Permission::PROJECTS_VIEW, Scope::Project(project)) {
            let why = match source {
                Source::Role(role) => format!("{} of the organization", role.label()),
                Source::Direct => "Granted directly".to_owned(),
                Source::Team(team) => format!("Team {team}"),
            };
            rows.push(ProjectAccessRow {
                name,
                email: sight.reveal(email),
                why,
            });
        }
    }
    Ok(rows)
}

/// The name of the unarchived project `project` of `org`, or "not found".
pub async fn live_name(conn: &mut Conn, org: Uuid, project: Uuid) -> Result<String, AppError> {
    sqlx::query_scalar(
        "SELECT name FROM projects WHERE id = $1 AND org_id = $2 AND archived_at IS NULL",
    )
    .bind(project)
    .bind(org)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::NotFound("Project".into()))
}

/// Gives one member direct access to a project (needs `projects:manage`).
pub async fn add_member(
    pool: &Pool,
    actor: &Member,
    project: Uuid,
    email: &str,
) -> Result<(), AppError> {
    let mut tx = db::begin_write(pool).await?;
    let mine = access::require(&mut tx, actor, Permission::PROJECTS_MANAGE).await?;
    let name = live_name(&mut tx, actor.org.id, project).await?;
    let (user, email) = active_member_by_email(&mut tx, &actor.org, email).await?;
    let grant =
        crate::domain::access::Grant::new(Permission::PROJECTS_VIEW, Scope::Project(project))
            .expect("projects:view applies to one project");
    crate::domain::policy::may_grant(&mine, &grant)?;
    access::add_grant(&mut tx, actor.org.id, access::Holder::User(user), &grant).await?;
    audit::by(
        &mut tx,
        actor,
        "project.member_added",
        email.as_str(),
        &name,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
