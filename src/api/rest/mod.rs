//! The public JSON API under `/api/v1`, for scripts: organization API keys
//! (`Authorization: Bearer ghk_…`) in place of a session. Handlers are thin
//! like the server functions: authenticate the key, check its scope, call the
//! same `server/` service as the console, answer JSON or problem details.
//! Every route is registered through its OpenAPI description, so the
//! document at `/api/v1/openapi.json` lists exactly the routes there are.

mod activity;
mod invitations;
mod members;
mod orgs;
mod problem;
mod teams;

pub use problem::Problem;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::domain::api_key::ApiScope;
use crate::error::AppError;
use crate::server::actor::Member;
use crate::server::api_keys::{self, KeyHolder};
use crate::server::state::AppState;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// What the document holds besides the routes.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(problem::ProblemBody)))]
struct Described;

/// The documented routes, and the document that describes them.
fn documented() -> (Router<AppState>, OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(<Described as utoipa::OpenApi>::openapi())
        .routes(routes!(orgs::organization))
        .routes(routes!(members::list))
        .routes(routes!(members::change_role, members::remove))
        .routes(routes!(invitations::list, invitations::create))
        .routes(routes!(invitations::bulk))
        .routes(routes!(invitations::resend))
        .routes(routes!(invitations::revoke))
        .routes(routes!(teams::list))
        .routes(routes!(teams::members))
        .routes(routes!(activity::list))
        .split_for_parts();
    doc.info.title = "Gatehouse API".into();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc.info.description = Some(
        "Members and invitations of one organization, for scripts. Authenticate with an \
         organization API key (Settings → API keys) as `Authorization: Bearer ghk_…`. \
         Errors are RFC 9457 problem details."
            .into(),
    );
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("ghk_…")
                    .build(),
            ),
        );
    (router, doc)
}

/// The OpenAPI 3.1 document of `/api/v1`.
pub fn openapi() -> OpenApi {
    documented().1
}

/// The `/api/v1` routes and their document; unknown paths below it answer a
/// 404 problem.
pub fn routes() -> Router<AppState> {
    let (router, doc) = documented();
    let doc = doc.to_json().expect("the OpenAPI document serializes");
    router
        .route(
            OPENAPI_PATH,
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], doc) }),
        )
        .route("/api/v1/{*rest}", axum::routing::any(no_such_route))
        .method_not_allowed_fallback(no_such_route)
}

/// Any other path or method under `/api/v1`: a 404 problem.
async fn no_such_route() -> Response {
    Problem(AppError::NotFound("API route".into())).into_response()
}

/// The key presented in `Authorization: Bearer …`, checked for `slug`.
async fn key_holder(
    state: &AppState,
    headers: &HeaderMap,
    slug: &str,
) -> Result<KeyHolder, Problem> {
    let secret = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            AppError::BadApiKey(
                "Send an API key as `Authorization: Bearer ghk_…` (Settings → API keys).".into(),
            )
        })?;
    Ok(api_keys::authenticate(state, secret, slug).await?)
}

/// The member a key acts as, once its scopes cover `scope`.
async fn acting(
    state: &AppState,
    headers: &HeaderMap,
    slug: &str,
    scope: ApiScope,
) -> Result<Member, Problem> {
    let holder = key_holder(state, headers, slug).await?;
    Ok(holder.with_scope(scope)?.clone())
}

/// Query parameters that did not parse are bad input about the parameter
/// named in the message (`query` when none is), not a plain-text 400.
fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, Problem> {
    query.map(|Query(q)| q).map_err(|e| {
        let text = e.body_text();
        let message = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text);
        let field = message
            .split_once(": ")
            .map(|(name, _)| name)
            .filter(|name| name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .unwrap_or("query");
        Problem(AppError::invalid(field, message))
    })
}

/// A JSON body that did not parse is bad input saying what was expected.
fn body<T: DeserializeOwned>(bytes: &Bytes, what: &str) -> Result<T, Problem> {
    serde_json::from_slice(bytes).map_err(|e| {
        Problem(AppError::invalid(
            "body",
            format!("The body is not {what}: {e}"),
        ))
    })
}

/// An id in the path; one that is not a UUID names nothing there is.
fn id(text: &str, what: &str) -> Result<Uuid, Problem> {
    text.parse()
        .map_err(|_| Problem(AppError::NotFound(what.into())))
}

/// A JSON answer.
type JsonResult<T> = Result<Json<T>, Problem>;
