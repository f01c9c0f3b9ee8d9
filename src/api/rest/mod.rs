//! The public JSON API under `/api/v1`, for scripts: organization API keys
//! (`Authorization: Bearer ghk_…`) in place of a session. Handlers are thin
//! like the server functions: authenticate the key, check its scope, call the
//! same `server/` service as the console, answer JSON or problem details.

mod handlers;
mod problem;

pub use problem::Problem;

use axum::http::{header, HeaderMap};
use axum::routing::{delete, get};
use axum::Router;

use crate::domain::api_key::ApiScope;
use crate::error::AppError;
use crate::server::api_keys::{self, KeyHolder};
use crate::server::organizations::Member;
use crate::server::state::AppState;

/// The `/api/v1` routes; unknown paths below it answer a 404 problem.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orgs/{slug}", get(handlers::organization))
        .route("/api/v1/orgs/{slug}/members", get(handlers::members))
        .route(
            "/api/v1/orgs/{slug}/invitations",
            get(handlers::invitations).post(handlers::invite),
        )
        .route(
            "/api/v1/orgs/{slug}/invitations/{id}",
            delete(handlers::revoke_invitation),
        )
        .route(
            "/api/v1/{*rest}",
            axum::routing::any(handlers::no_such_route),
        )
}

/// The key presented in `Authorization: Bearer …`, checked for `slug`.
async fn key_holder(
    state: &AppState,
    headers: &HeaderMap,
    slug: &str,
) -> Result<KeyHolder, Problem> {
    let secret = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            AppError::BadApiKey(
                "Send an API key as `Authorization: Bearer ghk_…` (Settings → API keys).".into(),
            )
        })?;
    Ok(api_keys::authenticate(state, secret, slug).await?)
}

/// The member a key acts as, once its scopes cover `scope`.
async fn acting(
    state: &AppState,
    headers: &HeaderMap,
    slug: &str,
    scope: ApiScope,
) -> Result<Member, Problem> {
    let holder = key_holder(state, headers, slug).await?;
    Ok(holder.with_scope(scope)?.clone())
}
