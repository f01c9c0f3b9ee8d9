//! `/api/v1/orgs/{slug}`: the organization itself.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;

use super::problem::Problems;
use super::{key_holder, JsonResult};
use crate::model::orgs::OrgView;
use crate::server::state::AppState;

/// The organization; any scope may read it. `role` is the key creator's.
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{slug}",
    tag = "organizations",
    params(("slug" = String, Path, description = "The organization's slug")),
    security(("api_key" = [])),
    responses((status = 200, body = OrgView), Problems)
)]
pub async fn organization(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> JsonResult<OrgView> {
    let holder = key_holder(&state, &headers, &slug).await?;
    Ok(Json(holder.member.org))
}
