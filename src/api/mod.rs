//! Server functions, one file per area. Each is thin: authenticate, check
//! the input and the caller's rights, call the plain async function in
//! `server/` that does the work, and answer with a typed error.

pub mod access;
pub mod api_keys;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod health;
pub mod inbox;
pub mod invitations;
pub mod members;
pub mod orgs;
#[cfg(feature = "ssr")]
pub mod page_forms;
#[cfg(feature = "ssr")]
pub mod provider_sign_in;
#[cfg(feature = "ssr")]
pub mod rest;
pub mod sso;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use leptos::prelude::use_context;
    use tower_sessions::Session;

    use crate::domain::access::{Grant, Permission, Scope};
    use crate::error::AppError;
    use crate::server::actor::Member;
    use crate::server::actor::User;
    use crate::server::organizations;
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
        let user = session::signed_in_user(&session, &state.pool)
            .await?
            .ok_or(AppError::SignedOut)?;
        crate::server::members::touch_last_active(&state.pool, &user).await?;
        Ok((state, session, user))
    }

    /// The state and the signed-in user, who may be nobody.
    pub async fn maybe_signed_in() -> Result<(AppState, Option<User>), AppError> {
        match signed_in().await {
            Ok((state, _, user)) => Ok((state, Some(user))),
            Err(AppError::SignedOut) => Ok((AppState::current()?, None)),
            Err(err) => Err(err),
        }
    }

    /// The signed-in user as an active member of the organization at `slug`
    /// (role read from the database on every request), or "not found".
    pub async fn member_of(slug: &str) -> Result<(AppState, Member), AppError> {
        let (state, session, user) = signed_in().await?;
        let org = organizations::view(&state.pool, user.id, slug).await?;
        require_sso_session(&state, &session, &user, &org).await?;
        Ok((
            state,
            Member {
                user,
                org,
                api_key: None,
            },
        ))
    }

    /// An organization that requires single sign-on of its domains opens
    /// for such a member only in a session that came through its connection.
    async fn require_sso_session(
        state: &AppState,
        session: &Session,
        user: &User,
        org: &crate::model::orgs::OrgView,
    ) -> Result<(), AppError> {
        let Ok(email) = crate::domain::Email::parse(&user.email) else {
            return Ok(());
        };
        let Some(required) =
            crate::server::sso::connections::required_for(&state.pool, org.id, &email).await?
        else {
            return Ok(());
        };
        let via = session::signed_in_via(session).await?;
        if via.is_some_and(|account| required.admits(&account, &email)) {
            return Ok(());
        }
        let label = crate::server::sso::connections::provider(
            &state.pool,
            &state.providers,
            &required.provider,
        )
        .await?
        .map_or_else(|| required.provider.clone(), |p| p.label);
        Err(AppError::SsoRequired {
            org: org.name.clone(),
            provider: label,
            start: format!(
                "/auth/{}/start?next={}",
                required.provider,
                crate::domain::text::urlencode(&format!("/orgs/{}", org.slug))
            ),
        })
    }

    /// A form's "where": empty for the whole organization, else a project id.
    pub fn scope(project: &str) -> Result<Scope, AppError> {
        Scope::from_form(project)
            .ok_or_else(|| AppError::invalid("project", "Choose a project from the list."))
    }

    /// A form's permission key at a form's "where".
    pub fn grant(permission: &str, project: &str) -> Result<Grant, AppError> {
        let permission = Permission::parse(permission)
            .ok_or_else(|| AppError::invalid("permission", "Choose a permission from the list."))?;
        Grant::new(permission, scope(project)?).map_err(|e| AppError::invalid("project", e))
    }

    /// Counts one look-up of a secret link against the client's allowance.
    pub async fn limit_token_lookups(state: &AppState) -> Result<(), AppError> {
        limit_token_lookups_by(state, &client_key().await).await
    }

    /// [`limit_token_lookups`] for a client known by its [`client_key`].
    pub async fn limit_token_lookups_by(state: &AppState, client: &str) -> Result<(), AppError> {
        let key = format!("token:{client}");
        crate::server::rate_limit::hit(
            &state.pool,
            &key,
            state.config.token_lookup_limit,
            state.config.rate_window,
        )
        .await
    }

    /// Identifies the client for rate limits: its IP address when known.
    pub async fn client_key() -> String {
        leptos_axum::extract::<ClientKey>()
            .await
            .map_or_else(|_| "unknown".into(), |ClientKey(key)| key)
    }

    /// The client of a request, for rate limits: its IP address, when the
    /// server knows it (`ConnectInfo`, or its stand-in in tests).
    pub struct ClientKey(pub String);

    impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientKey {
        type Rejection = std::convert::Infallible;

        async fn from_request_parts(
            parts: &mut axum::http::request::Parts,
            state: &S,
        ) -> Result<Self, Self::Rejection> {
            use axum::extract::ConnectInfo;
            let info = ConnectInfo::<std::net::SocketAddr>::from_request_parts(parts, state).await;
            Ok(Self(info.map_or_else(
                |_| "unknown".into(),
                |info| info.0.ip().to_string(),
            )))
        }
    }
}
