//! `GET /healthz` for load balancers: 200 while the database answers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use crate::server::{db, state::AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(health))
}

async fn health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match db::ping(&state.pool).await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(err) => {
            tracing::warn!(error = %err, "health check: the database did not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "The database does not answer.\n",
            )
        }
    }
}
