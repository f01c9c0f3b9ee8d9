//! `/auth/{provider}/start` and `/auth/{provider}/callback`: the browser's
//! round trip through an identity provider. Plain redirects, not server
//! functions: the provider sends the browser back with a GET.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use tower_sessions::Session;

use crate::server::identity::oidc::{self, CallbackParams, Purpose, Refusal};
use crate::server::identity::providers::ProviderConfig;
use crate::server::identity::sign_in::complete;
use crate::server::mail::templates::escape_html;
use crate::server::session;
use crate::server::sso::connections;
use crate::server::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/{provider}/start", get(start))
        // A POST: a GET would let another site link its own account to a
        // signed-in visitor's (the session cookie is SameSite=Lax, and the
        // router refuses cross-site POSTs by their Origin).
        .route("/auth/{provider}/link", post(link))
        .route("/auth/{provider}/callback", get(callback))
}

/// What the page that sends someone to a provider wants afterwards.
#[derive(Debug, Default, Deserialize)]
struct StartParams {
    /// A path to open after signing in.
    next: Option<String>,
    /// The secret of an invitation to redeem.
    invitation: Option<String>,
    /// Ask the provider for its account picker.
    #[serde(default)]
    choose: bool,
}

async fn start(
    State(state): State<AppState>,
    session: Session,
    Path(provider): Path<String>,
    Query(params): Query<StartParams>,
) -> Response {
    let provider = match known(&state, &provider).await {
        Ok(provider) => provider,
        Err(refused) => return refused,
    };
    let provider = &provider;
    let purpose = match params.invitation {
        Some(token) => Purpose::Invitation { token },
        None => Purpose::SignIn { next: params.next },
    };
    go(&state, &session, provider, purpose, params.choose).await
}

/// Starts linking the provider to the signed-in account.
async fn link(
    State(state): State<AppState>,
    session: Session,
    Path(provider): Path<String>,
) -> Response {
    let provider = match known(&state, &provider).await {
        Ok(provider) => provider,
        Err(refused) => return refused,
    };
    go(&state, &session, &provider, Purpose::Link, false).await
}

async fn go(
    state: &AppState,
    session: &Session,
    provider: &ProviderConfig,
    purpose: Purpose,
    choose: bool,
) -> Response {
    match oidc::start(
        &state.providers,
        &state.config,
        session,
        provider,
        purpose,
        choose,
    )
    .await
    {
        Ok(url) => redirect(&url),
        Err(err) => page(
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_GATEWAY),
            &err.into(),
        ),
    }
}

async fn callback(
    State(state): State<AppState>,
    session: Session,
    Path(provider): Path<String>,
    Query(params): Query<CallbackParams>,
) -> Response {
    let provider = match known(&state, &provider).await {
        Ok(provider) => provider,
        Err(refused) => return refused,
    };
    let provider = &provider;
    let finished = async {
        let (login, purpose) =
            oidc::finish(&state.providers, &state.config, &session, provider, params).await?;
        let signed_in = session::signed_in_user(&session, &state.pool).await?;
        let landing = complete(&state, &login, &purpose, signed_in.as_ref()).await?;
        session::sign_in(&session, landing.user.id, Some(&login.account())).await?;
        Ok::<_, Refusal>(landing.to)
    };
    match finished.await {
        Ok(to) => redirect(&to),
        Err(refusal) => page(StatusCode::FORBIDDEN, &refusal),
    }
}

/// The provider named in the path (configured, or an organization's own),
/// or the page that says there is none.
async fn known(state: &AppState, name: &str) -> Result<ProviderConfig, Response> {
    match connections::provider(&state.pool, &state.providers, name).await {
        Ok(Some(provider)) => Ok(provider),
        Ok(None) => Err(page(
            StatusCode::NOT_FOUND,
            &Refusal::new(
                "No such sign-in method",
                format!("This server does not offer sign-in with {name:?}."),
            ),
        )),
        Err(err) => Err(page(StatusCode::INTERNAL_SERVER_ERROR, &err.into())),
    }
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

/// A refused sign-in as a page of the console's look: what happened and
/// the way forward. Nothing is signed in.
fn page(status: StatusCode, refusal: &Refusal) -> Response {
    let (label, href) = refusal
        .retry
        .clone()
        .unwrap_or_else(|| ("Go to sign-in".into(), "/sign-in".into()));
    let html = format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Gatehouse</title><link rel="stylesheet" href="/pkg/gatehouse.css"></head>
<body><main><section class="page page-narrow" role="alert"><h1>{title}</h1><p>{message}</p>
<p class="actions"><a class="button button-primary" href="{href}">{label}</a> <a class="button" href="/">Go to the console</a></p></section></main></body></html>"#,
        title = escape_html(&refusal.title),
        message = escape_html(&refusal.message),
        href = escape_html(&href),
        label = escape_html(&label),
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}
