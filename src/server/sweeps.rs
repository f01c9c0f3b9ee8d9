//! Periodic clean-ups. Each is one statement over rows whose time has
//! passed, so every replica may run them at once without harm.

use std::time::Duration;

use super::{rate_limit, session};
use crate::server::db::Pool;

/// Once an hour: deletes expired sessions and ended rate-limit windows, so
/// neither piles up in the database.
pub async fn run(pool: Pool) {
    let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        if let Err(err) = session::delete_expired(&pool).await {
            tracing::warn!("could not delete expired sessions: {err}");
        }
        if let Err(err) = rate_limit::purge_ended(&pool).await {
            tracing::warn!("could not delete ended rate-limit windows: {err}");
        }
    }
}
