//! `POST /sign-in` and `POST /invite/{token}/decline`: the forms of the pages
//! opened from outside the console, posted as plain HTML forms so they work
//! without the console's code (`model::forms`). Done, they redirect (303)
//! where the person goes next; refused, they answer with [`Again`], which
//! the router renders into the page once more.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use tower_sessions::Session;

use super::ssr::ClientKey;
use crate::domain::text::{safe_next, urlencode};
use crate::error::AppError;
use crate::model::forms::Refused;
use crate::server::invitations::link;
use crate::server::sso::connections;
use crate::server::state::AppState;
use crate::server::{accounts, members, session};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sign-in", post(sign_in))
        // A refused decline leaves this address in the browser's bar: opened
        // again, it is the invitation's page.
        .route("/invite/{token}/decline", get(invitation).post(decline))
}

/// A refused form: the page to render again (path and query) and what to
/// show on it, with the error's status.
#[derive(Debug, Clone)]
pub struct Again {
    pub page: String,
    pub refused: Refused,
}

impl IntoResponse for Again {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.refused.error().status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// The sign-in page's two forms: email and password, or a work address for
/// single sign-on.
#[derive(Debug, Deserialize)]
struct SignInForm {
    next: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// Set by the single sign-on form only.
    address: Option<String>,
}

async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    ClientKey(client): ClientKey,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = safe_next(form.next);
    let page = format!("/sign-in?next={}", urlencode(&next));
    if let Some(address) = form.address {
        return match single_sign_on(&state, &client, &address, &next).await {
            Ok(provider) => Redirect::to(&provider).into_response(),
            Err(error) => Again {
                page,
                refused: Refused::SingleSignOn { address, error },
            }
            .into_response(),
        };
    }
    let signed_in = async {
        let user = accounts::sign_in(&state, &form.email, &form.password, &client).await?;
        session::sign_in(&session, user.id, None).await
    };
    match signed_in.await {
        Ok(()) => Redirect::to(&next).into_response(),
        Err(error) => Again {
            page,
            refused: Refused::SignIn {
                email: form.email,
                error,
            },
        }
        .into_response(),
    }
}

/// Where single sign-on starts for a work address: the provider of the
/// organization that claims its domain. Counted like a link look-up.
async fn single_sign_on(
    state: &AppState,
    client: &str,
    address: &str,
    next: &str,
) -> Result<String, AppError> {
    super::ssr::limit_token_lookups_by(state, client).await?;
    let email =
        crate::domain::Email::parse(address).map_err(|e| AppError::invalid("address", e))?;
    connections::start_for(&state.pool, &state.providers, &email, next).await
}

/// The invitation's page.
async fn invitation(Path(token): Path<String>) -> Redirect {
    Redirect::to(&format!("/invite/{}", urlencode(&token)))
}

/// "Yes, decline": signing in is not needed to say no. Done, the link's page
/// says this visitor declined it.
async fn decline(
    State(state): State<AppState>,
    session: Session,
    ClientKey(client): ClientKey,
    Path(token): Path<String>,
) -> Response {
    let declined = async {
        let viewer = session::signed_in_user(&session, &state.pool).await?;
        if let Some(user) = &viewer {
            members::touch_last_active(&state.pool, user).await?;
        }
        super::ssr::limit_token_lookups_by(&state, &client).await?;
        link::decline(&state.pool, &token, viewer.as_ref()).await
    };
    let page = format!("/invite/{}", urlencode(&token));
    match declined.await {
        Ok(()) => Redirect::to(&format!("{page}?declined")).into_response(),
        Err(error) => Again {
            page: format!("{page}?decline=ask"),
            refused: Refused::Decline { error },
        }
        .into_response(),
    }
}
