//! The top bar (organization selector, bell, user menu) and the organization frame.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::{use_location, use_params_map};

use crate::api::access::{my_permissions, MyAccess};
use crate::api::auth::{sign_out, SessionUser};
use crate::api::orgs::{organization, switch_organization, OrgView};
use crate::domain::access::Permission;
use crate::error::AppError;
use crate::ui::session::{hard_navigate, use_session};

/// The slug of the organization in the current URL, if any.
pub(crate) fn slug_in_path(path: &str) -> Option<String> {
    path.strip_prefix("/orgs/")
        .and_then(|rest| rest.split('/').next())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The bar across the top of every page.
#[component]
pub fn TopBar() -> impl IntoView {
    let session = use_session();
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Gatehouse"</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match session.user.await {
                        Ok(Some(user)) => view! { <SignedInBar user/> }.into_any(),
                        _ => view! {
                            <nav class="topbar-actions" aria-label="Account">
                                <a href="/sign-in">"Sign in"</a>
                                <a class="button" href="/sign-up">"Sign up"</a>
                            </nav>
                        }.into_any(),
                    }
                })}
            </Transition>
        </header>
    }
}

#[component]
fn SignedInBar(user: SessionUser) -> impl IntoView {
    let location = use_location();
    let active = user.active_org.clone();
    let selected =
        Signal::derive(move || slug_in_path(&location.pathname.get()).or_else(|| active.clone()));
    let switch = Action::new(|slug: &String| {
        let slug = slug.clone();
        async move {
            let result = switch_organization(slug.clone()).await;
            if result.is_ok() {
                hard_navigate(&format!("/orgs/{slug}"));
            }
            result
        }
    });
    let sign_out = Action::new(|_: &()| async {
        let result = sign_out().await;
        if result.is_ok() {
            hard_navigate("/sign-in");
        }
        result
    });
    let orgs = user.organizations.clone();
    let has_orgs = !orgs.is_empty();
    view! {
        <div class="topbar-org">
            {has_orgs.then(|| view! {
                <label class="visually-hidden" for="org-selector">"Organization"</label>
                <select
                    id="org-selector"
                    on:change=move |ev| { switch.dispatch(event_target_value(&ev)); }
                    prop:value=move || selected.get().unwrap_or_default()
                >
                    {orgs.iter().map(|o| {
                        let slug = o.slug.clone();
                        let is_selected = {
                            let slug = slug.clone();
                            move || selected.get().as_deref() == Some(slug.as_str())
                        };
                        view! { <option value=slug selected=is_selected>{o.name.clone()}</option> }
                    }).collect_view()}
                </select>
            })}
            <a class="button button-quiet" href="/onboarding">"New organization"</a>
        </div>
        <nav class="topbar-actions" aria-label="Account">
            <crate::ui::client_only::ClientOnly><crate::ui::notification_bell::NotificationBell/></crate::ui::client_only::ClientOnly>
            <details class="user-menu">
                <summary aria-label=format!("Account menu for {}", user.name)>{user.name.clone()}</summary>
                <div class="menu">
                    <p class="menu-email">{user.email.clone()}</p>
                    <button type="button" on:click=move |_| { sign_out.dispatch(()); }>"Sign out"</button>
                </div>
            </details>
        </nav>
    }
}

/// Bumped after a change so the organization's lists load again.
#[derive(Clone, Copy)]
pub struct OrgRefresh(RwSignal<u32>);

impl OrgRefresh {
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

    pub fn report(self, org: String, version: i64) {
        let seen = Some((org, version));
        if self.0.with_untracked(|now| *now != seen) {
            self.0.set(seen);
        }
    }
}

/// Context for pages inside an organization.
#[derive(Clone)]
pub struct OrgContext(pub OrgView);

/// The org-wide permissions of the signed-in member, so pages offer only
/// what the server would allow (which checks again on every call).
#[derive(Clone)]
pub struct MyPermissions(Vec<Permission>);

impl MyPermissions {
    pub fn has(&self, permission: Permission) -> bool {
        self.0.contains(&permission)
    }
}

/// The frame of every organization page: loads the organization (or says it
/// was not found) and shows the navigation.
#[component]
pub fn OrgLayout() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    // Bumped when the member's access changed: the frame and its page load again.
    let generation = RwSignal::new(0u32);
    let org = Resource::new(
        move || (slug(), generation.get()),
        |(slug, _)| organization(slug),
    );
    let mine = Resource::new(
        move || (slug(), generation.get()),
        |(slug, _)| my_permissions(slug),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match org.await {
                    Ok(org) => match mine.await {
                        Ok(mine) => view! { <OrgFrame org mine generation/> }.into_any(),
                        Err(err) => view! { <section class="page"><div class="alert alert-error" role="alert">{err.to_string()}</div></section> }.into_any(),
                    },
                    Err(AppError::SignedOut) => view! { <leptos_router::components::Redirect path="/sign-in"/> }.into_any(),
                    Err(AppError::NotFound(_)) => view! {
                        <section class="page">
                            <h1>"Organization not found"</h1>
                            <p>"It does not exist, or you are not a member of it. Ask one of its admins to invite you."</p>
                            <p><a href="/">"Go to your console"</a></p>
                        </section>
                    }.into_any(),
                    Err(err) => view! { <section class="page"><div class="alert alert-error" role="alert">{err.to_string()}</div></section> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn OrgFrame(org: OrgView, mine: MyAccess, generation: RwSignal<u32>) -> impl IntoView {
    follow_access(org.slug.clone(), mine.clone(), generation);
    let base = format!("/orgs/{}", org.slug);
    let links = [
        ("Dashboard", base.clone()),
        ("Members", format!("{base}/members")),
        ("Invitations", format!("{base}/invitations")),
        ("Teams", format!("{base}/teams")),
        ("Projects", format!("{base}/projects")),
        ("Settings", format!("{base}/settings")),
    ];
    let admin_links = org
        .role
        .is_admin()
        .then(|| view! { <li><A href=format!("{base}/activity") exact=true>"Activity"</A></li> });
    provide_context(OrgContext(org.clone()));
    provide_context(MyPermissions(mine.permissions));
    provide_context(OrgRefresh(RwSignal::new(0)));
    view! {
        <div class="org-frame">
            <nav class="sidenav" aria-label="Organization pages">
                <p class="sidenav-org">{org.name.clone()}</p>
                <ul>
                    {links.into_iter().map(|(label, href)| view! {
                        <li><A href=href exact=true>{label}</A></li>
                    }).collect_view()}
                    {admin_links}
                </ul>
            </nav>
            <div class="org-content">
                <Outlet/>
            </div>
        </div>
    }
}

/// When the heartbeat reports that the member's access moved since `shown`
/// was loaded, reads it again; only if the role or permissions differ does
/// the frame load again (and its page with it), so changes that offer
/// nothing new, like a project grant, leave open dialogs alone.
fn follow_access(slug: String, shown: MyAccess, generation: RwSignal<u32>) {
    let pulse = expect_context::<AccessPulse>();
    let loaded = StoredValue::new(shown.version);
    let (slug, shown) = (StoredValue::new(slug), StoredValue::new(shown));
    Effect::new(move |_| {
        let Some((seen, version)) = pulse.0.get() else {
            return;
        };
        if slug.with_value(|s| *s != seen) || loaded.get_value() == version {
            return;
        }
        loaded.set_value(version);
        // Owned copies: the frame may be gone by the time the answer comes.
        let (slug, shown) = (slug.get_value(), shown.get_value());
        leptos::task::spawn_local(async move {
            let Ok(now) = my_permissions(slug).await else {
                return;
            };
            if shown.role != now.role || shown.permissions != now.permissions {
                generation.try_update(|g| *g += 1);
            }
        });
    });
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
