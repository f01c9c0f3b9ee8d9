//! Projects, teams and permissions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// A project the signed-in member can see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectItem {
    pub id: Uuid,
    pub name: String,
}

/// The projects the signed-in member can see, and whether they manage projects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectList {
    pub can_manage: bool,
    pub items: Vec<ProjectItem>,
}

/// One person who can see a project, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectAccessRow {
    pub name: String,
    pub email: String,
    pub why: String,
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamMember {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
}

/// A team with its members and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamItem {
    pub id: Uuid,
    pub name: String,
    pub members: Vec<TeamMember>,
    /// Labels of org-wide permissions.
    pub grants: Vec<String>,
    /// Projects the team can see.
    pub projects: Vec<String>,
}

/// Keys of the org-wide permissions the signed-in member holds (what they may hand out).
#[server(endpoint = "my_permissions")]
pub async fn my_permissions(slug: String) -> Result<Vec<String>, AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            members::permissions_of(&state, &member, member.user.id).await
        }
        .await,
    )
}

/// The organization's teams.
#[server(endpoint = "list_teams")]
pub async fn list_teams(slug: String) -> Result<Vec<TeamItem>, AppError> {
    use crate::server::teams;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            teams::list(&state.pool, &m).await
        }
        .await,
    )
}

/// Creates a team.
#[server(endpoint = "create_team")]
pub async fn create_team(slug: String, name: String) -> Result<Uuid, AppError> {
    use crate::server::teams;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            teams::create(&state.pool, &m, &name).await
        }
        .await,
    )
}

/// Renames a team.
#[server(endpoint = "rename_team")]
pub async fn rename_team(slug: String, team: Uuid, name: String) -> Result<(), AppError> {
    use crate::server::teams;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            teams::rename(&state.pool, &m, team, &name).await
        }
        .await,
    )
}

/// Deletes a team.
#[server(endpoint = "delete_team")]
pub async fn delete_team(slug: String, team: Uuid) -> Result<(), AppError> {
    use crate::server::teams;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            teams::delete(&state.pool, &m, team).await
        }
        .await,
    )
}

/// Adds a member, by email, to a team.
#[server(endpoint = "add_team_member")]
pub async fn add_team_member(slug: String, team: Uuid, email: String) -> Result<(), AppError> {
    use crate::server::teams;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            teams::add_member(&state.pool, &m, team, &email).await
        }
        .await,
    )
}

/// Takes a member out of a team.
#[server(endpoint = "remove_team_member")]
pub async fn remove_team_member(slug: String, team: Uuid, user_id: Uuid) -> Result<(), AppError> {
    use crate::server::teams;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            teams::remove_member(&state.pool, &m, team, user_id).await
        }
        .await,
    )
}

/// Gives a team a permission: org-wide when `project` is empty, else on that project.
#[server(endpoint = "grant_team")]
pub async fn grant_team(
    slug: String,
    team: Uuid,
    permission: String,
    project: String,
) -> Result<(), AppError> {
    use crate::domain::access::{Grant, Permission, Scope};
    use crate::server::teams;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            let permission = Permission::parse(&permission).ok_or_else(|| {
                AppError::invalid("permission", "Choose a permission from the list.")
            })?;
            let scope = match project.trim() {
                "" => Scope::Organization,
                id => Scope::Project(id.parse().map_err(|_| {
                    AppError::invalid("project", "Choose a project from the list.")
                })?),
            };
            teams::grant(&state.pool, &m, team, Grant { permission, scope }).await
        }
        .await,
    )
}

/// Projects the signed-in member can see.
#[server(endpoint = "list_projects")]
pub async fn list_projects(slug: String) -> Result<ProjectList, AppError> {
    use crate::server::projects;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            projects::list(&state.pool, &m).await
        }
        .await,
    )
}

/// Creates a project.
#[server(endpoint = "create_project")]
pub async fn create_project(slug: String, name: String) -> Result<Uuid, AppError> {
    use crate::server::projects;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            projects::create(&state.pool, &m, &name).await
        }
        .await,
    )
}

/// Renames (non-empty `name`) and/or archives a project.
#[server(endpoint = "update_project")]
pub async fn update_project(
    slug: String,
    project: Uuid,
    name: String,
    archive: bool,
) -> Result<(), AppError> {
    use crate::server::projects;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            let name = Some(name.as_str()).filter(|n| !n.trim().is_empty());
            projects::update(&state.pool, &m, project, name, archive).await
        }
        .await,
    )
}

/// Who can see a project, and why.
#[server(endpoint = "project_access")]
pub async fn project_access(
    slug: String,
    project: Uuid,
) -> Result<Vec<ProjectAccessRow>, AppError> {
    use crate::server::projects;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            projects::who_has_access(&state.pool, &m, project).await
        }
        .await,
    )
}

/// Keys of the org-wide permissions a member holds.
#[server(endpoint = "member_permissions")]
pub async fn member_permissions(slug: String, user_id: Uuid) -> Result<Vec<String>, AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            members::permissions_of(&state, &m, user_id).await
        }
        .await,
    )
}

/// Sets a member's org-wide permissions to exactly `permissions` (comma-separated keys).
#[server(endpoint = "set_member_permissions")]
pub async fn set_member_permissions(
    slug: String,
    user_id: Uuid,
    permissions: String,
) -> Result<(), AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            members::set_permissions(&state, &m, user_id, &permissions).await
        }
        .await,
    )
}

/// Gives a member (by email) direct access to a project.
#[server(endpoint = "add_project_member")]
pub async fn add_project_member(
    slug: String,
    project: Uuid,
    email: String,
) -> Result<(), AppError> {
    use crate::server::projects;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            projects::add_member(&state.pool, &m, project, &email).await
        }
        .await,
    )
}
