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

/// A local path to come back to after signing in, or `/`. Only same-site
/// paths are accepted so the parameter cannot send people elsewhere.
pub fn safe_next(next: Option<String>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p,
        _ => "/".to_owned(),
    }
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_paths_stay_on_site() {
        assert_eq!(safe_next(Some("/invite/abc".into())), "/invite/abc");
        assert_eq!(safe_next(Some("//evil.example".into())), "/");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/");
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/");
        assert_eq!(safe_next(None), "/");
    }
}
