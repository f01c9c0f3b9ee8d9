//! The axum router, where the console meets the server: Leptos pages and
//! server functions, sessions, and the cross-site request check.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::OnceLock;
use tower::ServiceBuilder;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::api::page_forms::{self, Again};
use crate::app::{shell, App};
use crate::error::AppError;
use crate::server::safety_net::{self, Deadlines, Panicked};
use crate::server::session;
use crate::server::state::AppState;

/// Builds the whole HTTP application over `state`.
pub async fn build(state: AppState) -> Result<Router, sqlx::Error> {
    build_with(state, Router::new(), Deadlines::default()).await
}

/// The console's pages, listed once per process. Listing them renders the
/// app with its data loads switched off for the whole process (Leptos's
/// `SuppressResourceLoad`): a page whose load first ran meanwhile, served by
/// another router of the same process (each test builds one), waited for
/// good.
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The application with `extra` routes beside the console's (tests add
/// misbehaving ones) and the given deadlines.
pub async fn build_with(
    state: AppState,
    extra: Router<AppState>,
    deadlines: Deadlines,
) -> Result<Router, sqlx::Error> {
    let store = session::Store::new(state.pool.clone());
    store.migrate().await?;
    let sessions = SessionManagerLayer::new(store)
        .with_name(crate::model::auth::SESSION_COOKIE)
        .with_secure(state.config.is_https())
        .with_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(14)));
    let routes = routes();
    let options = state.leptos_options.clone();
    let pkg_path = format!("/{}", options.site_pkg_dir);
    let pkg_dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let context_state = state.clone();
    let app = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(options.clone()),
        )
        // The built JS, WASM and CSS are served here rather than by the
        // fallback below: its static-file branch takes response options from
        // whatever reactive owner its worker thread ran last, and so once sent
        // the WASM with another page's redirect (302 to /onboarding), which
        // left that page unhydrated.
        .nest_service(
            &pkg_path,
            ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    built_files_caching(state.leptos_options.hash_files),
                ))
                // The .br and .gz copies answer the same URL.
                .layer(SetResponseHeaderLayer::appending(
                    header::VARY,
                    HeaderValue::from_static("accept-encoding"),
                ))
                // `make run` builds .br and .gz copies; served as they are.
                .service(
                    ServeDir::new(pkg_dir)
                        .precompressed_br()
                        .precompressed_gzip(),
                ),
        )
        .merge(
            page_forms::routes()
                .route_layer(middleware::from_fn_with_state(state.clone(), render_again)),
        )
        .merge(crate::api::rest::routes())
        .merge(crate::api::provider_sign_in::routes())
        .merge(crate::api::health::routes())
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .merge(extra);
    Ok(safety_net::harden(app, deadlines)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(sessions)
        // Outermost, so the guard reads answers uncompressed. Streamed HTML
        // is left alone: the encoder would hold back the early chunks. The
        // fastest level: a debug WASM is 16 MB, compressed per request.
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                .compress_when(
                    DefaultPredicate::new().and(NotForContentType::const_new("text/html")),
                ),
        )
        .with_state(state))
}

/// Refuses state-changing requests from other sites (the session cookie is
/// SameSite=Lax, this is the second lock) and sets headers that keep link
/// tokens out of Referer and content types honest.
async fn guard(State(state): State<AppState>, request: Request<Body>, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe {
        if let Some(origin) = request
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
        {
            let host = request
                .headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok());
            if !origin_allowed(origin, &state.config.base_url, host) {
                return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
            }
        }
    }
    let is_api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if is_api && response.extensions().get::<Panicked>().is_some() {
        response = safety_net::panic_as_server_fn_error(response);
    } else if is_api && response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        response = status_from_error(response).await;
    }
    let headers = response.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Renders a refused plain form's page again ([`Again`]) with the refusal's
/// status, as a GET of that page with the post's headers and extensions
/// (its session): what the person typed comes back with the error. Whole,
/// as those pages' routes are rendered (`SsrMode::Async`).
async fn render_again(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let mut page = Request::from_parts(parts.clone(), Body::empty());
    let response = next.run(Request::from_parts(parts, body)).await;
    let Some(again) = response.extensions().get::<Again>().cloned() else {
        return response;
    };
    *page.method_mut() = Method::GET;
    match again.page.parse() {
        Ok(uri) => *page.uri_mut() = uri,
        Err(_) => return response,
    }
    page.headers_mut().remove(header::CONTENT_TYPE);
    page.headers_mut().remove(header::CONTENT_LENGTH);
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(state.clone());
            provide_context(again.refused.clone());
        },
        move || shell(options.clone()),
    );
    let mut answer = render(page).await;
    *answer.status_mut() = response.status();
    answer
}

/// Server functions answer errors raised before our code runs (arguments
/// they cannot decode) with a 500; give every error the status its
/// `AppError` says, as `api::ssr::reply` does for ours.
async fn status_from_error(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status()).unwrap_or(parts.status);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// How long browsers keep the built JS, WASM and CSS: for good when their
/// names carry their content's hash (a new build has new names); otherwise
/// the names are the same on every build, so they revalidate (a 304 when
/// unchanged).
/// A missing file is never kept: during a deploy its name may appear soon.
fn built_files_caching<B>(
    hashed_names: bool,
) -> impl Fn(&Response<B>) -> Option<HeaderValue> + Clone {
    move |response| {
        let found = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
        Some(HeaderValue::from_static(if hashed_names && found {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }))
    }
}

/// An Origin is ours when it is the configured base URL or the host the
/// request was sent to.
fn origin_allowed(origin: &str, base_url: &str, host: Option<&str>) -> bool {
    if origin == base_url {
        return true;
    }
    let authority = origin.split_once("://").map(|(_, rest)| rest);
    matches!((authority, host), (Some(a), Some(h)) if a == h)
}

#[cfg(test)]
mod tests {
    use super::origin_allowed;

    #[test]
    fn origins() {
        assert!(origin_allowed(
            "http://127.0.0.1:3000",
            "http://127.0.0.1:3000",
            None
        ));
        assert!(origin_allowed(
            "http://localhost:3000",
            "http://127.0.0.1:3000",
            Some("localhost:3000")
        ));
        assert!(!origin_allowed(
            "https://evil.example",
            "http://127.0.0.1:3000",
            Some("127.0.0.1:3000")
        ));
        assert!(!origin_allowed(
            "null",
            "http://127.0.0.1:3000",
            Some("127.0.0.1:3000")
        ));
    }
}
