//! The notification bell and the dashboard prompt: the signed-in user's
//! invitations and notices, and accepting or declining from there.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::inbox::{Inbox, Pulse};
use crate::model::orgs::OrgSummary;

/// What every open page asks every few seconds, in one request and one
/// statement: the badge, and whether the user still belongs to `org` (the
/// organization in view; empty for none).
#[server(endpoint = "heartbeat")]
pub async fn heartbeat(org: String) -> Result<Pulse, AppError> {
    use crate::server::notifications;
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            let org = Some(org.as_str()).filter(|o| !o.is_empty());
            notifications::pulse(&state.pool, &user, org).await
        }
        .await,
    )
}

/// Invitations and notices of the signed-in user.
#[server(endpoint = "inbox")]
pub async fn load_inbox() -> Result<Inbox, AppError> {
    use crate::server::notifications;
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            notifications::inbox(&state.pool, &user).await
        }
        .await,
    )
}

/// Marks all notices read.
#[server(endpoint = "mark_notices_read")]
pub async fn mark_notices_read() -> Result<(), AppError> {
    use crate::server::notifications;
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            notifications::mark_all_read(&state.pool, &user).await
        }
        .await,
    )
}

/// Accepts an invitation addressed to the signed-in user's verified email,
/// by the same rules as the emailed link, and opens its organization.
#[server(endpoint = "accept_invitation_by_id")]
pub async fn accept_invitation_by_id(id: Uuid) -> Result<OrgSummary, AppError> {
    use crate::server::invitations::link::{self, LinkKey};
    use crate::server::session;
    super::ssr::reply(
        async {
            let (state, session, user) = super::ssr::signed_in().await?;
            let via = session::signed_in_via(&session).await?;
            link::accept(&state.pool, LinkKey::Inbox(id), &user, via.as_ref()).await
        }
        .await,
    )
}

/// Declines an invitation addressed to the signed-in user's verified email.
#[server(endpoint = "decline_invitation_by_id")]
pub async fn decline_invitation_by_id(id: Uuid) -> Result<(), AppError> {
    use crate::server::invitations::link::{self, LinkKey};
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            link::decline(&state.pool, LinkKey::Inbox(id), Some(&user)).await
        }
        .await,
    )
}
