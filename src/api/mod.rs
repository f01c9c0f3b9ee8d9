//! Server functions, one file per area. Each is thin: authenticate, check
//! the input and the caller's rights, call the plain async function in
//! `server/` that does the work, and answer with a typed error.

pub mod auth;
pub mod orgs;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use leptos::prelude::use_context;
    use tower_sessions::Session;

    use crate::error::AppError;
    use crate::server::accounts::{self, User};
    use crate::server::{session, state::AppState};

    /// Sets the HTTP status of an error answer so expected failures are 4xx, never 500.
    pub fn reply<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(err) = &result {
            if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
                options.set_status(
                    axum::http::StatusCode::from_u16(err.status())
                        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
                );
            }
        }
        result
    }

    /// The state, the session and the signed-in user, or `SignedOut`.
    pub async fn signed_in() -> Result<(AppState, Session, User), AppError> {
        let state = AppState::current()?;
        let session = session::current().await?;
        let id = session::user_id(&session).await?.ok_or(AppError::SignedOut)?;
        let user = accounts::find(&state.pool, id).await?.ok_or(AppError::SignedOut)?;
        Ok((state, session, user))
    }

    /// Identifies the client for rate limits: its IP address when known.
    pub async fn client_key() -> String {
        leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .await
            .map(|info| info.0.ip().to_string())
            .unwrap_or_else(|_| "unknown".into())
    }
}
