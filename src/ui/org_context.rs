//! The organization frame's shared state, provided as context: which
//! organization is in view, what the member may do there, when its lists
//! reload, and what the heartbeat last saw of the member's access.

use leptos::prelude::*;

use uuid::Uuid;

use crate::domain::access::Permission;
use crate::model::access::MyAccess;
use crate::model::orgs::OrgView;

/// The slug of the organization in the current URL, if any.
pub fn slug_in_path(path: &str) -> Option<String> {
    path.strip_prefix("/orgs/")
        .and_then(|rest| rest.split('/').next())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Context for pages inside an organization.
#[derive(Clone)]
pub struct OrgContext(pub OrgView);

/// The document title of a page inside an organization, e.g.
/// "Members · Acme Rockets · Gatehouse".
#[component]
pub fn OrgTitle(page: &'static str) -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    view! { <leptos_meta::Title text=format!("{page} · {}", org.name)/> }
}

/// Who the signed-in member is and their org-wide permissions, so pages
/// offer only what the server would allow (which checks again on every call).
#[derive(Clone)]
pub struct MyPermissions {
    me: Uuid,
    permissions: Vec<Permission>,
}

impl MyPermissions {
    /// The member's access as the server reported it.
    pub fn new(access: &MyAccess) -> Self {
        Self {
            me: access.user_id,
            permissions: access.permissions.clone(),
        }
    }

    /// Whether the member holds `permission` org-wide.
    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// Whether `user` is the signed-in member.
    pub fn is_me(&self, user: Uuid) -> bool {
        self.me == user
    }
}

/// Bumped after a change so the organization's lists load again.
#[derive(Clone, Copy)]
pub struct OrgRefresh(RwSignal<u32>);

impl OrgRefresh {
    /// Provided by each organization frame for the pages inside it.
    pub fn provide() {
        provide_context(Self(RwSignal::new(0)));
    }

    /// Asks every list that tracks this to reload; a no-op once the frame is
    /// gone (it is called when a request started by a closed page answers).
    pub fn bump(self) {
        self.0.try_update(|v| *v += 1);
    }

    /// The current version; read it inside a resource's source to track it.
    pub fn version(self) -> u32 {
        self.0.get()
    }
}

/// The signed-in member's access version in the organization in view, as the
/// heartbeat last saw it. It moves when their role, grants or teams change;
/// the organization frame then checks what it offers against the server.
#[derive(Clone, Copy)]
pub struct AccessPulse(RwSignal<Option<(String, i64)>>);

impl AccessPulse {
    /// Provided once for the whole app: the bell reports, the frame listens.
    pub fn provide() {
        provide_context(Self(RwSignal::new(None)));
    }

    /// Records the version the heartbeat saw for `org`.
    pub fn report(self, org: String, version: i64) {
        let seen = Some((org, version));
        if self.0.with_untracked(|now| *now != seen) {
            self.0.set(seen);
        }
    }

    /// The organization and version last reported; tracked.
    pub fn seen(self) -> Option<(String, i64)> {
        self.0.get()
    }
}

#[cfg(test)]
mod tests {
    use super::slug_in_path;

    #[test]
    fn slugs_from_paths() {
        assert_eq!(slug_in_path("/orgs/acme/members").as_deref(), Some("acme"));
        assert_eq!(slug_in_path("/orgs/acme").as_deref(), Some("acme"));
        assert_eq!(slug_in_path("/sign-in"), None);
    }
}
