//! `/api/v1/orgs/{slug}/teams`: teams and their members.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;

use super::problem::Problems;
use super::{acting, id, JsonResult};
use crate::domain::api_key::ApiScope;
use crate::error::AppError;
use crate::model::access::{TeamItem, TeamMember};
use crate::server::state::AppState;
use crate::server::teams;

/// Every team with its members, and what it holds when the key's creator
/// may see access (`members:read`).
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{slug}/teams",
    tag = "teams",
    params(("slug" = String, Path, description = "The organization's slug")),
    security(("api_key" = [])),
    responses((status = 200, body = Vec<TeamItem>), Problems)
)]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> JsonResult<Vec<TeamItem>> {
    let member = acting(&state, &headers, &slug, ApiScope::MembersRead).await?;
    Ok(Json(teams::list(&state.pool, &member).await?))
}

/// The members of one team (`members:read`).
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{slug}/teams/{team_id}/members",
    tag = "teams",
    params(
        ("slug" = String, Path, description = "The organization's slug"),
        ("team_id" = uuid::Uuid, Path, description = "The team's id"),
    ),
    security(("api_key" = [])),
    responses((status = 200, body = Vec<TeamMember>), Problems)
)]
pub async fn members(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((slug, team)): Path<(String, String)>,
) -> JsonResult<Vec<TeamMember>> {
    let member = acting(&state, &headers, &slug, ApiScope::MembersRead).await?;
    let team = id(&team, "Team")?;
    teams::list(&state.pool, &member)
        .await?
        .into_iter()
        .find(|t| t.id == team)
        .map(|t| Json(t.members))
        .ok_or_else(|| AppError::NotFound("Team".into()).into())
}
