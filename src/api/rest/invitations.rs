//! `/api/v1/orgs/{slug}/invitations`: list, invite one or many, resend, revoke.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::problem::Problems;
use super::{acting, body, id, query, JsonResult, Problem};
use crate::domain::api_key::ApiScope;
use crate::error::AppError;
use crate::model::invitations::{
    BulkReport, BulkRequest, InvitationList, InvitationRequest, IssuedInvitation,
};
use crate::server::idempotency::{self, Idempotent};
use crate::server::invitations::{self, bulk, InvitationQuery};
use crate::server::state::AppState;

/// Rows per page of invitations unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 50;
/// Most rows one page of invitations may ask for.
const MAX_LIMIT: usize = 200;

/// The invitations list's controls.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ListParams {
    /// `pending`, `accepted`, `declined`, `revoked`, `expired`, `failed`; empty for all.
    status: String,
    /// The `next` cursor of the previous page.
    after: String,
    /// Rows per page, 1 to 200 (default 50).
    limit: Option<usize>,
}

/// Invitations, newest first, keyset-paged: pass `next` as `after` for the
/// following page (`invitations:read`).
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{slug}/invitations",
    tag = "invitations",
    params(("slug" = String, Path, description = "The organization's slug"), ListParams),
    security(("api_key" = [])),
    responses((status = 200, body = InvitationList), Problems)
)]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> JsonResult<InvitationList> {
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

/// Invites one address with a role, teams and permissions
/// (`invitations:write`); 201 with the link, which is also mailed.
#[utoipa::path(
    post,
    path = "/api/v1/orgs/{slug}/invitations",
    tag = "invitations",
    params(("slug" = String, Path, description = "The organization's slug")),
    request_body = InvitationRequest,
    security(("api_key" = [])),
    responses((status = 201, body = IssuedInvitation), Problems)
)]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<IssuedInvitation>), Problem> {
    let member = acting(&state, &headers, &slug, ApiScope::InvitationsWrite).await?;
    let request: InvitationRequest = body(&bytes, "an invitation request")?;
    let issued = invitations::create(&state, &member, request).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// Checks (`dry_run`) or sends up to 500 invitations in one transaction,
/// with one outcome per row (`invitations:write`). With an
/// `Idempotency-Key` header, a retry of the same request within a day gets
/// the first answer (marked `Idempotent-Replayed: true`) and invites nobody
/// twice.
#[utoipa::path(
    post,
    path = "/api/v1/orgs/{slug}/invitations/bulk",
    tag = "invitations",
    params(
        ("slug" = String, Path, description = "The organization's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Any unique value, such as a UUID, to make retries safe"),
    ),
    request_body = BulkRequest,
    security(("api_key" = [])),
    responses((status = 200, body = BulkReport), Problems)
)]
pub async fn bulk(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    OriginalUri(uri): OriginalUri,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let member = acting(&state, &headers, &slug, ApiScope::InvitationsWrite).await?;
    let request: BulkRequest = body(&bytes, "a bulk invitation request")?;
    let Some(key) = headers.get("idempotency-key") else {
        return Ok(Json(bulk::bulk_invite(&state, &member, request).await?).into_response());
    };
    let key = key.to_str().unwrap_or_default();
    let api_key = member
        .api_key
        .as_ref()
        .map(|k| k.id)
        .ok_or(AppError::Internal)?;
    let once = Idempotent::new(api_key, key, uri.path(), &bytes)?;
    let pool = state.pool.clone();
    let answer = idempotency::once(pool, once, move || async move {
        bulk::bulk_invite(&state, &member, request).await
    })
    .await?;
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        answer.json,
    )
        .into_response();
    if answer.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Sends a pending, expired or undelivered invitation again with a new link
/// (`invitations:write`); the old link stops working.
#[utoipa::path(
    post,
    path = "/api/v1/orgs/{slug}/invitations/{id}/resend",
    tag = "invitations",
    params(
        ("slug" = String, Path, description = "The organization's slug"),
        ("id" = uuid::Uuid, Path, description = "The invitation's id"),
    ),
    security(("api_key" = [])),
    responses((status = 200, body = IssuedInvitation), Problems)
)]
pub async fn resend(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((slug, invitation)): Path<(String, String)>,
) -> JsonResult<IssuedInvitation> {
    let member = acting(&state, &headers, &slug, ApiScope::InvitationsWrite).await?;
    let invitation = id(&invitation, "Invitation")?;
    Ok(Json(
        invitations::resend(&state, &member, invitation).await?,
    ))
}

/// Revokes a pending invitation (`invitations:write`); 204.
#[utoipa::path(
    delete,
    path = "/api/v1/orgs/{slug}/invitations/{id}",
    tag = "invitations",
    params(
        ("slug" = String, Path, description = "The organization's slug"),
        ("id" = uuid::Uuid, Path, description = "The invitation's id"),
    ),
    security(("api_key" = [])),
    responses((status = 204, description = "Revoked"), Problems)
)]
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((slug, invitation)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    let member = acting(&state, &headers, &slug, ApiScope::InvitationsWrite).await?;
    let invitation = id(&invitation, "Invitation")?;
    invitations::revoke(&state, &member, invitation).await?;
    Ok(StatusCode::NO_CONTENT)
}
