//! Invitations: the administrator's side (create, list, resend, revoke) and
//! the invitee's side (look at, accept or decline a link).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::invitations::{
    BulkReport, BulkRequest, InvitationDetails, InvitationList, InvitationRequest, IssuedInvitation,
};
use crate::model::orgs::OrgSummary;

/// Invites `request.email` into the organization at `slug`; JSON-encoded,
/// since the request carries lists.
#[server(endpoint = "create_invitation", input = Json)]
pub async fn create_invitation(
    slug: String,
    request: InvitationRequest,
) -> Result<IssuedInvitation, AppError> {
    use crate::server::invitations;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            invitations::create(&state, &member, request).await
        }
        .await,
    )
}

/// Checks (dry run) or sends a batch of invitations into the organization at
/// `slug`, one outcome per row; JSON-encoded.
#[server(endpoint = "bulk_invite", input = Json)]
pub async fn bulk_invite(slug: String, request: BulkRequest) -> Result<BulkReport, AppError> {
    use crate::server::invitations::bulk;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            bulk::bulk_invite(&state, &member, request).await
        }
        .await,
    )
}

/// A page of the organization's invitations, newest first, optionally one
/// status only; `after` is the previous page's `next` (empty for the first).
#[server(endpoint = "list_invitations")]
pub async fn list_invitations(
    slug: String,
    status: String,
    // A tab still running an older build sends none: its first page.
    #[server(default)] after: String,
) -> Result<InvitationList, AppError> {
    use crate::server::invitations;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            let filter = invitations::parse_status_filter(&status)?;
            invitations::list(&state.pool, &member, filter, &after).await
        }
        .await,
    )
}

/// Resends: a pending invitation gets a new link; a finished one is invited again.
#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(slug: String, id: Uuid) -> Result<IssuedInvitation, AppError> {
    use crate::server::invitations;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            invitations::resend(&state, &member, id).await
        }
        .await,
    )
}

/// Withdraws a pending invitation; its link dies at once.
#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(slug: String, id: Uuid) -> Result<(), AppError> {
    use crate::server::invitations;
    super::ssr::reply(
        async {
            let (state, member) = super::ssr::member_of(&slug).await?;
            invitations::revoke(&state, &member, id).await
        }
        .await,
    )
}

/// The invitation behind a link, for its page. Rate limited per client.
#[server(endpoint = "invitation_preview")]
pub async fn invitation_preview(token: String) -> Result<InvitationDetails, AppError> {
    use crate::server::invitations::link;
    super::ssr::reply(
        async {
            let (state, viewer) = super::ssr::maybe_signed_in().await?;
            super::ssr::limit_token_lookups(&state).await?;
            link::preview(&state.pool, &state.providers, &token, viewer.as_ref()).await
        }
        .await,
    )
}

/// Accepts the invitation behind a link as the signed-in user and opens its organization.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<OrgSummary, AppError> {
    use crate::server::{invitations::link, session};
    super::ssr::reply(
        async {
            let (state, session, user) = super::ssr::signed_in().await?;
            super::ssr::limit_token_lookups(&state).await?;
            let via = session::signed_in_via(&session).await?;
            link::accept(&state.pool, &token, &user, via.as_ref()).await
        }
        .await,
    )
}
