//! `/api/v1/orgs/{slug}/activity`: the audit trail.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;

use super::problem::Problems;
use super::{acting, query, JsonResult};
use crate::domain::api_key::ApiScope;
use crate::model::members::ActivityPage;
use crate::server::members;
use crate::server::state::AppState;

/// Which events to list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ActivityParams {
    /// Only this action, e.g. `invitation.created` or `member.removed`.
    action: String,
    /// The `next_before` of the previous page.
    before: Option<i64>,
}

/// Audit events, newest first, 50 a page (`activity:read`; the key's creator
/// must be an owner or admin).
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{slug}/activity",
    tag = "activity",
    params(("slug" = String, Path, description = "The organization's slug"), ActivityParams),
    security(("api_key" = [])),
    responses((status = 200, body = ActivityPage), Problems)
)]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    params: Result<Query<ActivityParams>, QueryRejection>,
) -> JsonResult<ActivityPage> {
    let member = acting(&state, &headers, &slug, ApiScope::ActivityRead).await?;
    let p = query(params)?;
    let page = members::activity(&state.pool, &member, p.action.trim(), p.before).await?;
    Ok(Json(page))
}
