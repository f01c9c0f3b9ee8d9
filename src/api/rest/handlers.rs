//! The `/api/v1` handlers: key and scope, then the console's own services.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

use super::{acting, key_holder, Problem};
use crate::domain::api_key::ApiScope;
use crate::error::AppError;
use crate::model::invitations::{InvitationList, InvitationRequest, IssuedInvitation};
use crate::model::members::MemberPage;
use crate::model::orgs::OrgView;
use crate::server::invitations::{self, InvitationQuery};
use crate::server::members::{self, MemberQuery};
use crate::server::state::AppState;

/// Rows per page of invitations unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 50;
/// Most rows one page of invitations may ask for.
const MAX_LIMIT: usize = 200;

/// Query parameters that did not parse are bad input, not a plain-text 400.
fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, Problem> {
    query
        .map(|Query(q)| q)
        .map_err(|e| Problem(AppError::invalid("query", e.body_text())))
}

/// `GET /api/v1/orgs/{slug}`: the organization (any scope); `role` is the
/// key creator's.
pub async fn organization(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Json<OrgView>, Problem> {
    let holder = key_holder(&state, &headers, &slug).await?;
    Ok(Json(holder.member.org))
}

/// The members list's controls, as the console's table sends them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MembersParams {
    /// Name or address contains this.
    pub search: String,
    /// `owner`, `admin` or `member`; empty for all.
    pub role: String,
    /// `name` (default) or `joined`.
    pub sort: String,
    /// The `next` cursor of the previous page.
    pub after: String,
}

/// `GET /api/v1/orgs/{slug}/members` (`members:read`): one keyset page.
pub async fn members(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    params: Result<Query<MembersParams>, QueryRejection>,
) -> Result<Json<MemberPage>, Problem> {
    let member = acting(&state, &headers, &slug, ApiScope::MembersRead).await?;
    let p = query(params)?;
    let query = MemberQuery::parse(&p.search, &p.role, &p.sort, &p.after)?;
    Ok(Json(members::list(&state.pool, &member, &query).await?))
}

/// The invitations list's controls.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InvitationsParams {
    /// `pending`, `accepted`, `declined`, `revoked`, `expired`, `failed`; empty for all.
    pub status: String,
    /// The `next` cursor of the previous page.
    pub after: String,
    /// Rows per page, 1 to 200 (default 50).
    pub limit: Option<usize>,
}

/// `GET /api/v1/orgs/{slug}/invitations` (`invitations:read`): newest first,
/// keyset-paged (`next` is the following page's `after`).
pub async fn invitations(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    params: Result<Query<InvitationsParams>, QueryRejection>,
) -> Result<Json<InvitationList>, Problem> {
    let member = acting(&state, &headers, &slug, ApiScope::InvitationsRead).await?;
    let p = query(params)?;
    let limit = match p.limit.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => n,
        _ => {
            return Err(AppError::invalid(
                "limit",
                format!("Ask for 1 to {MAX_LIMIT} rows per page."),
            )
            .into())
        }
    };
    let query = InvitationQuery {
        status: invitations::parse_status_filter(&p.status)?,
        after: crate::server::db::parse_cursor(&p.after)?,
        limit,
    };
    Ok(Json(invitations::page(&state.pool, &member, &query).await?))
}

/// `POST /api/v1/orgs/{slug}/invitations` (`invitations:write`): invites one
/// address with teams and permissions; 201 with the link.
pub async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<IssuedInvitation>), Problem> {
    let member = acting(&state, &headers, &slug, ApiScope::InvitationsWrite).await?;
    let request: InvitationRequest = serde_json::from_slice(&body).map_err(|e| {
        AppError::invalid(
            "body",
            format!("The body is not an invitation request: {e}"),
        )
    })?;
    let issued = invitations::create(&state, &member, request).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// `DELETE /api/v1/orgs/{slug}/invitations/{id}` (`invitations:write`):
/// revokes a pending invitation; 204.
pub async fn revoke_invitation(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    let member = acting(&state, &headers, &slug, ApiScope::InvitationsWrite).await?;
    let id: Uuid = id
        .parse()
        .map_err(|_| AppError::NotFound("Invitation".into()))?;
    invitations::revoke(&state, &member, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Any other path or method under `/api/v1`: a 404 problem.
pub async fn no_such_route() -> Response {
    Problem(AppError::NotFound("API route".into())).into_response()
}
