//! The signed-in user, shared by every component through context.

use leptos::prelude::*;

use crate::api::auth::current_user;
use crate::error::AppError;
use crate::model::auth::SessionUser;

/// Context holding the signed-in user (or `None`).
#[derive(Clone, Copy)]
pub struct SessionContext {
    pub user: Resource<Result<Option<SessionUser>, AppError>>,
}

/// Loads the signed-in user once per page load and shares it.
pub fn provide_session() {
    let user = Resource::new(|| (), |_| current_user());
    provide_context(SessionContext { user });
}

/// The shared session context.
pub fn use_session() -> SessionContext {
    expect_context::<SessionContext>()
}

/// Loads `path` as a new page. Used after sign-in, sign-out and organization
/// switches so every resource starts from the new session.
pub fn hard_navigate(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

pub use crate::domain::text::{safe_next, urlencode};

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_paths_stay_on_site() {
        assert_eq!(safe_next(Some("/invite/abc".into())), "/invite/abc");
        assert_eq!(safe_next(Some("//evil.example".into())), "/");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/");
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/");
        assert_eq!(safe_next(Some("/\t/evil.example".into())), "/");
        assert_eq!(safe_next(Some("/ /evil.example".into())), "/");
        assert_eq!(safe_next(None), "/");
    }
}
