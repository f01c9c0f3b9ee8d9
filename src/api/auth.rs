//! Sign-up, sign-in, sign-out, email verification, password reset and "who am I".

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::auth::{ProviderButton, SessionUser, SignInMethods};

/// The signed-in user, or `None` when signed out.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    use crate::server::{organizations, session, state::AppState};
    super::ssr::reply(
        async {
            let state = AppState::current()?;
            let session = session::current().await?;
            let Some(user) = session::signed_in_user(&session, &state.pool).await? else {
                return Ok(None);
            };
            let organizations = organizations::list_for_user(&state.pool, user.id).await?;
            let active_org = organizations
                .iter()
                .find(|o| Some(o.id) == user.active_org_id)
                .or(organizations.first())
                .map(|o| o.slug.clone());
            Ok(Some(SessionUser {
                id: user.id,
                name: user.name,
                email: user.email,
                email_verified: user.email_verified_at.is_some(),
                organizations,
                active_org,
            }))
        }
        .await,
    )
}

/// Creates an account, signs it in and sends the verification mail.
#[server(endpoint = "sign_up")]
pub async fn sign_up(name: String, email: String, password: String) -> Result<(), AppError> {
    use crate::server::{accounts, session, state::AppState};
    super::ssr::reply(
        async {
            let state = AppState::current()?;
            let session = session::current().await?;
            crate::server::rate_limit::hit(
                &state.pool,
                &format!("sign-up:{}", super::ssr::client_key().await),
                state.config.sign_in_limit.saturating_mul(5),
                state.config.rate_window,
            )
            .await?;
            let user = accounts::sign_up(
                &state,
                accounts::SignUp {
                    name: &name,
                    email: &email,
                    password: &password,
                },
            )
            .await?;
            session::sign_in(&session, user.id, None).await
        }
        .await,
    )
}

/// Ends the session.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::session;
    super::ssr::reply(async { session::sign_out(&session::current().await?).await }.await)
}

/// Follows an emailed verification link; returns the verified address.
#[server(endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<String, AppError> {
    use crate::server::{accounts, state::AppState};
    super::ssr::reply(
        async {
            let state = AppState::current()?;
            crate::server::rate_limit::hit(
                &state.pool,
                &format!("token:{}", super::ssr::client_key().await),
                state.config.token_lookup_limit,
                state.config.rate_window,
            )
            .await?;
            Ok(accounts::verify_email(&state.pool, &token)
                .await?
                .to_string())
        }
        .await,
    )
}

/// Sends a new verification link to the signed-in user.
#[server(endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    use crate::server::accounts;
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            accounts::resend_verification(&state, &user).await
        }
        .await,
    )
}

/// Mails a password reset link if the address has an account; the answer is
/// the same either way.
#[server(endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::server::{password_reset, state::AppState};
    super::ssr::reply(
        async {
            let state = AppState::current()?;
            let client = super::ssr::client_key().await;
            password_reset::request(&state, &email, &client).await
        }
        .await,
    )
}

/// The address a password reset link is for, or why the link no longer works.
#[server(endpoint = "password_reset_preview")]
pub async fn password_reset_preview(token: String) -> Result<String, AppError> {
    use crate::server::{password_reset, state::AppState};
    super::ssr::reply(
        async {
            let state = AppState::current()?;
            super::ssr::limit_token_lookups(&state).await?;
            password_reset::preview(&state.pool, &token).await
        }
        .await,
    )
}

/// Sets a new password through a reset link and signs in; every other session
/// of the account ends.
#[server(endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use crate::server::{password_reset, session, state::AppState};
    super::ssr::reply(
        async {
            let state = AppState::current()?;
            let session = session::current().await?;
            super::ssr::limit_token_lookups(&state).await?;
            let user = password_reset::complete(&state.pool, &token, &password).await?;
            session::sign_in(&session, user.id, None).await
        }
        .await,
    )
}

/// The identity providers this server offers, for "Continue with ..." buttons.
#[server(endpoint = "sign_in_providers")]
pub async fn sign_in_providers() -> Result<Vec<ProviderButton>, AppError> {
    use crate::server::identity::providers::ProviderConfig;
    use crate::server::state::AppState;
    super::ssr::reply(AppState::current().map(|state| {
        state
            .providers
            .all()
            .iter()
            .map(ProviderConfig::button)
            .collect()
    }))
}

/// How the signed-in person can sign in: password and linked providers.
#[server(endpoint = "my_sign_in_methods")]
pub async fn my_sign_in_methods() -> Result<SignInMethods, AppError> {
    use crate::server::identity::identities;
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            let label = |id: &str| {
                state
                    .providers
                    .get(id)
                    .map(|p| p.label.clone())
                    .unwrap_or_else(|| id.to_owned())
            };
            identities::methods(&state.pool, &user, label).await
        }
        .await,
    )
}

/// Unlinks one of the signed-in person's provider accounts (never the last way in).
#[server(endpoint = "unlink_identity")]
pub async fn unlink_identity(id: uuid::Uuid) -> Result<(), AppError> {
    use crate::server::identity::identities;
    super::ssr::reply(
        async {
            let (state, _, user) = super::ssr::signed_in().await?;
            identities::remove(&state.pool, &user, id).await
        }
        .await,
    )
}
