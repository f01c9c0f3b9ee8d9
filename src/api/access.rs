//! Projects, teams and permissions.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::domain::access::Permission;
use crate::error::AppError;
use crate::model::access::{MyAccess, PermissionSwitch, ProjectAccessRow, ProjectList, TeamItem};

/// The signed-in member's role and org-wide permissions.
#[server(endpoint = "my_permissions")]
pub async fn my_permissions(slug: String) -> Result<MyAccess, AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            members::my_permissions(&state, &member).await
        }
        .await,
    )
}

/// The organization's teams; without `members:view`, names and members' names only.
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

/// Gives a team a permission (a catalogue key): org-wide when `project` is
/// empty, else on that project.
#[server(endpoint = "grant_team")]
pub async fn grant_team(
    slug: String,
    team: Uuid,
    permission: String,
    project: String,
) -> Result<(), AppError> {
    use crate::server::teams;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            let grant = super::ssr::grant(&permission, &project)?;
            teams::grant(&state.pool, &m, team, grant).await
        }
        .await,
    )
}

/// Takes a permission (a catalogue key, at `project` or org-wide) from a team.
#[server(endpoint = "revoke_team_grant")]
pub async fn revoke_team_grant(
    slug: String,
    team: Uuid,
    permission: String,
    project: String,
) -> Result<(), AppError> {
    use crate::server::teams;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            let grant = super::ssr::grant(&permission, &project)?;
            teams::revoke(&state.pool, &m, team, grant).await
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

/// The permission editor's rows for a member, org-wide when `project` is
/// empty, else on that project.
#[server(endpoint = "member_permissions")]
pub async fn member_permissions(
    slug: String,
    user_id: Uuid,
    project: String,
) -> Result<Vec<PermissionSwitch>, AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            let scope = super::ssr::scope(&project)?;
            members::permission_switches(&state, &m, user_id, scope).await
        }
        .await,
    )
}

/// Sets what a member holds (org-wide when `project` is empty, else on that
/// project) to exactly `permissions`; JSON-encoded, since it carries a list.
#[server(endpoint = "set_member_permissions", input = Json)]
pub async fn set_member_permissions(
    slug: String,
    user_id: Uuid,
    project: String,
    permissions: Vec<Permission>,
) -> Result<(), AppError> {
    use crate::server::members;
    super::ssr::reply(
        async {
            let (state, m) = super::ssr::member_of(&slug).await?;
            let scope = super::ssr::scope(&project)?;
            members::set_permissions(&state, &m, user_id, scope, &permissions).await
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
