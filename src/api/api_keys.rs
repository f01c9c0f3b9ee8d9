//! Organization API keys in Settings: create (secret shown once), list, revoke.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::api_keys::{ApiKeyItem, ApiKeyRequest, IssuedApiKey};

/// Creates an API key in the organization at `slug` (owners and admins);
/// JSON-encoded, since the request carries a list of scopes.
#[server(endpoint = "create_api_key", input = Json)]
pub async fn create_api_key(
    slug: String,
    request: ApiKeyRequest,
) -> Result<IssuedApiKey, AppError> {
    use crate::server::api_keys;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            api_keys::create(&state.pool, &member, request).await
        }
        .await,
    )
}

/// The organization's API keys, newest first, revoked ones included.
#[server(endpoint = "list_api_keys")]
pub async fn list_api_keys(slug: String) -> Result<Vec<ApiKeyItem>, AppError> {
    use crate::server::api_keys;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            api_keys::list(&state.pool, &member).await
        }
        .await,
    )
}

/// Revokes an API key; requests made with it fail at once.
#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(slug: String, id: Uuid) -> Result<(), AppError> {
    use crate::server::api_keys;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            api_keys::revoke(&state.pool, &member, id).await
        }
        .await,
    )
}
