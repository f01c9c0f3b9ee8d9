//! Organization single sign-on in Settings (owners only).

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::sso::{SsoConnectionRequest, SsoSettings};

#[server(endpoint = "sso_settings")]
pub async fn single_sign_on(slug: String) -> Result<SsoSettings, AppError> {
    use crate::server::sso::settings;
    super::ssr::reply(
        async {
            let (state, actor) = super::ssr::member_of(&slug).await?;
            settings::load(&state, &actor).await
        }
        .await,
    )
}

#[server(endpoint = "connect_sso")]
pub async fn connect_sso(slug: String, request: SsoConnectionRequest) -> Result<(), AppError> {
    use crate::server::sso::settings;
    super::ssr::reply(
        async {
            let (state, actor) = super::ssr::member_of(&slug).await?;
            settings::connect(&state, &actor, request).await
        }
        .await,
    )
}

#[server(endpoint = "disconnect_sso")]
pub async fn disconnect_sso(slug: String) -> Result<(), AppError> {
    use crate::server::sso::settings;
    super::ssr::reply(
        async {
            let (state, actor) = super::ssr::member_of(&slug).await?;
            settings::disconnect(&state.pool, &actor).await
        }
        .await,
    )
}

#[server(endpoint = "claim_domain")]
pub async fn claim_domain(slug: String, domain: String) -> Result<String, AppError> {
    use crate::server::sso::settings;
    super::ssr::reply(
        async {
            let (state, actor) = super::ssr::member_of(&slug).await?;
            settings::claim_domain(&state.pool, &actor, &domain).await
        }
        .await,
    )
}

#[server(endpoint = "release_domain")]
pub async fn release_domain(slug: String, domain: String) -> Result<(), AppError> {
    use crate::server::sso::settings;
    super::ssr::reply(
        async {
            let (state, actor) = super::ssr::member_of(&slug).await?;
            settings::release_domain(&state.pool, &actor, &domain).await
        }
        .await,
    )
}

#[server(endpoint = "map_group")]
pub async fn map_group(slug: String, group: String, team: Uuid) -> Result<(), AppError> {
    use crate::server::sso::settings;
    super::ssr::reply(
        async {
            let (state, actor) = super::ssr::member_of(&slug).await?;
            settings::map_group(&state.pool, &actor, &group, team).await
        }
        .await,
    )
}

#[server(endpoint = "unmap_group")]
pub async fn unmap_group(slug: String, group: String, team: Uuid) -> Result<(), AppError> {
    use crate::server::sso::settings;
    super::ssr::reply(
        async {
            let (state, actor) = super::ssr::member_of(&slug).await?;
            settings::unmap_group(&state.pool, &actor, &group, team).await
        }
        .await,
    )
}
