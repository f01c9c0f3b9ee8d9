//! The state every handler and server function shares.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::use_context;
use std::sync::Arc;

use super::config::Config;
use super::identity::providers::Providers;
use super::mail::MailWaker;
use crate::error::AppError;
use crate::server::db::Pool;

/// Shared by the router, the server functions (through Leptos context) and the mail worker.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: Pool,
    pub config: Arc<Config>,
    pub mail: MailWaker,
    pub providers: Arc<Providers>,
}

impl AppState {
    /// The state of the current server function call.
    pub fn current() -> Result<Self, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function context");
            AppError::Internal
        })
    }
}
