//! Who is signed in: the user id and active organization in the server-side session.

use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppError;

const USER_KEY: &str = "user_id";
const ACTIVE_ORG_KEY: &str = "active_org";

fn store_error(err: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %err, "session store error");
    AppError::Internal
}

/// The session of the current server function call.
pub async fn current() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|err| {
        tracing::error!(error = %err, "session layer missing");
        AppError::Internal
    })
}

/// The signed-in user's id, if any.
pub async fn user_id(session: &Session) -> Result<Option<Uuid>, AppError> {
    session.get(USER_KEY).await.map_err(store_error)
}

/// Marks `user` signed in under a fresh session id (no session fixation).
pub async fn sign_in(session: &Session, user: Uuid) -> Result<(), AppError> {
    session.cycle_id().await.map_err(store_error)?;
    session.insert(USER_KEY, user).await.map_err(store_error)
}

/// Ends the session and deletes it from the store.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(store_error)
}

/// The organization the console opens on.
pub async fn active_org(session: &Session) -> Result<Option<Uuid>, AppError> {
    session.get(ACTIVE_ORG_KEY).await.map_err(store_error)
}

/// Remembers which organization the console opens on.
pub async fn set_active_org(session: &Session, org: Uuid) -> Result<(), AppError> {
    session
        .insert(ACTIVE_ORG_KEY, org)
        .await
        .map_err(store_error)
}
