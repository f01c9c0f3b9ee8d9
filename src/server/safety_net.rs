//! What keeps one bad request from hurting the others: a panic anywhere in a
//! handler or a render is answered with a 500 (and logged) instead of a
//! dropped or hanging connection, and no response may stall forever.

use std::any::Any;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::{ResponseBodyTimeoutLayer, TimeoutLayer};

use crate::error::AppError;

/// How long a response may take to start, and to send its next piece.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// Until the status line and headers are ready.
    pub headers: Duration,
    /// Between two pieces of a streamed body (pages stream as they render).
    pub body_idle: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        // Long enough for a write that waits on SQLite's busy timeout (10 s).
        Self {
            headers: Duration::from_secs(30),
            body_idle: Duration::from_secs(30),
        }
    }
}

/// Marks a response made from a caught panic, so the outer guard can answer
/// server functions in their own error format.
#[derive(Debug, Clone, Copy)]
pub struct Panicked;

/// Wraps every route of `router` in the panic catcher and the deadlines.
pub fn harden<S>(router: Router<S>, deadlines: Deadlines) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(CatchPanicLayer::custom(answer_panic))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            deadlines.headers,
        ))
        .layer(ResponseBodyTimeoutLayer::new(deadlines.body_idle))
}

/// Logs the panic and answers a plain 500 page.
fn answer_panic(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = %message, "a request handler panicked; answered 500");
    let mut response = (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        ERROR_PAGE,
    )
        .into_response();
    response.extensions_mut().insert(Panicked);
    response
}

/// The answer a server function gets after a panic: the console's own
/// `Internal` error, which it shows as "Something went wrong on our side".
pub fn panic_as_server_fn_error(mut response: Response) -> Response {
    let body = serde_json::to_vec(&AppError::Internal).unwrap_or_default();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    *response.body_mut() = Body::from(body);
    response
}

const ERROR_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Something went wrong · Gatehouse</title></head><body style=\"font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem\">\
<h1>Something went wrong on our side</h1><p>The page could not be shown. It has been logged; try again in a moment.</p>\
<p><a href=\"/\">Back to Gatehouse</a></p></body></html>";
