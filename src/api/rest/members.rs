//! `/api/v1/orgs/{slug}/members`: the list, role changes and removal.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;

use super::problem::Problems;
use super::{acting, body, id, query, JsonResult, Problem};
use crate::domain::api_key::ApiScope;
use crate::domain::Role;
use crate::model::members::{MemberFilter, MemberPage, RoleChange};
use crate::server::members::{self, MemberQuery, Removal};
use crate::server::state::AppState;

/// One keyset page of active members, with the console's search, role filter
/// and sort (`members:read`). Pass `next` as `after` for the following page.
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{slug}/members",
    tag = "members",
    params(("slug" = String, Path, description = "The organization's slug"), MemberFilter),
    security(("api_key" = [])),
    responses((status = 200, body = MemberPage), Problems)
)]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    filter: Result<Query<MemberFilter>, QueryRejection>,
) -> JsonResult<MemberPage> {
    let member = acting(&state, &headers, &slug, ApiScope::MembersRead).await?;
    let query = MemberQuery::parse(&query(filter)?)?;
    Ok(Json(members::list(&state.pool, &member, &query).await?))
}

/// Changes a member's role (`members:write`); 204. It takes effect on their
/// next request.
#[utoipa::path(
    patch,
    path = "/api/v1/orgs/{slug}/members/{user_id}",
    tag = "members",
    params(
        ("slug" = String, Path, description = "The organization's slug"),
        ("user_id" = uuid::Uuid, Path, description = "The member's user id"),
    ),
    request_body = RoleChange,
    security(("api_key" = [])),
    responses((status = 204, description = "Changed"), Problems)
)]
pub async fn change_role(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((slug, user_id)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<StatusCode, Problem> {
    let member = acting(&state, &headers, &slug, ApiScope::MembersWrite).await?;
    let user_id = id(&user_id, "Member")?;
    let change: RoleChange = body(&bytes, "a role change ({\"role\": \"admin\"})")?;
    members::change_role(&state, &member, user_id, change.role, change.expected_role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What removing a member also does.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct RemovalParams {
    /// Also take away their access to every project of the organization.
    remove_from_projects: bool,
    /// Also revoke the pending invitations they sent.
    revoke_their_invitations: bool,
    /// The role the caller believes they have; 409 if it changed meanwhile.
    expected_role: Option<Role>,
}

/// Removes a member (`members:write`); 204. They are emailed and lose access
/// on their next request.
#[utoipa::path(
    delete,
    path = "/api/v1/orgs/{slug}/members/{user_id}",
    tag = "members",
    params(
        ("slug" = String, Path, description = "The organization's slug"),
        ("user_id" = uuid::Uuid, Path, description = "The member's user id"),
        RemovalParams,
    ),
    security(("api_key" = [])),
    responses((status = 204, description = "Removed"), Problems)
)]
pub async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((slug, user_id)): Path<(String, String)>,
    params: Result<Query<RemovalParams>, QueryRejection>,
) -> Result<StatusCode, Problem> {
    let member = acting(&state, &headers, &slug, ApiScope::MembersWrite).await?;
    let user_id = id(&user_id, "Member")?;
    let p = query(params)?;
    let removal = Removal {
        user_id,
        expected: p.expected_role,
        remove_from_projects: p.remove_from_projects,
        revoke_their_invitations: p.revoke_their_invitations,
    };
    members::remove(&state, &member, removal).await?;
    Ok(StatusCode::NO_CONTENT)
}
