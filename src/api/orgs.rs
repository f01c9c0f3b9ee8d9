//! Organizations: create, list, switch, and one organization's header data.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::orgs::{DashboardInfo, OrgSummary, OrgView};

/// Creates an organization owned by the signed-in user and makes it active.
#[server(endpoint = "create_organization")]
pub async fn create_organization(name: String) -> Result<OrgSummary, AppError> {
    use crate::server::organizations;
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            crate::server::rate_limit::hit(
                &state.pool,
                &format!("create-org:{}", user.id),
                20,
                state.config.rate_window,
            )
            .await?;
            organizations::create(&state.pool, user.id, &name).await
        }
        .await,
    )
}

/// Makes the organization at `slug` the one the console opens on.
#[server(endpoint = "switch_organization")]
pub async fn switch_organization(slug: String) -> Result<OrgView, AppError> {
    use crate::server::{accounts, organizations};
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            let org = organizations::view(&state.pool, user.id, &slug).await?;
            accounts::switch_to(&state.pool, &user, org.id).await?;
            Ok(org)
        }
        .await,
    )
}

/// The organization at `slug`, if the signed-in user is a member (and, where
/// it requires single sign-on, signed in through it).
#[server(endpoint = "organization")]
pub async fn organization(slug: String) -> Result<OrgView, AppError> {
    super::ssr::reply(
        super::ssr::member_of(&slug)
            .await
            .map(|(_, member)| member.org),
    )
}

/// Owners change the seat limit and how long invitation links stay valid.
#[server(endpoint = "update_settings")]
pub async fn update_settings(
    slug: String,
    seat_limit: String,
    invitation_ttl_days: String,
) -> Result<OrgView, AppError> {
    use crate::server::organizations;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            organizations::update_settings(&state.pool, &member, &seat_limit, &invitation_ttl_days)
                .await
        }
        .await,
    )
}

/// The dashboard's project counts and who the admins are.
#[server(endpoint = "dashboard")]
pub async fn dashboard(slug: String) -> Result<DashboardInfo, AppError> {
    use crate::server::organizations;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            organizations::dashboard(&state.pool, &member).await
        }
        .await,
    )
}
