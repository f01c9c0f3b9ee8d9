//! The top bar (organization selector, bell, user menu) and the organization frame.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::{use_location, use_params_map};

use crate::api::access::my_permissions;
use crate::api::auth::sign_out;
use crate::api::orgs::{organization, switch_organization};
use crate::domain::access::Permission;
use crate::error::AppError;
use crate::model::access::MyAccess;
use crate::model::auth::SessionUser;
use crate::model::orgs::OrgView;
use crate::ui::org_context::{slug_in_path, AccessPulse, MyPermissions, OrgContext, OrgRefresh};
use crate::ui::popover::{close_on_outside_click, escape_closes};
use crate::ui::session::{hard_navigate, urlencode, use_session};

/// The bar across the top of every page.
#[component]
pub fn TopBar() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    // Signing in or up from a page (an invitation, say) comes back to it.
    let back_to = move |page: &str| {
        let here = location.pathname.get();
        if here == "/" || here.starts_with("/sign-") {
            page.to_owned()
        } else {
            format!("{page}?next={}", urlencode(&here))
        }
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Gatehouse"</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match session.user.await {
                        Ok(Some(user)) => view! { <SignedInBar user/> }.into_any(),
                        _ => view! {
                            <nav class="topbar-actions" aria-label="Account">
                                <a href=move || back_to("/sign-in")>"Sign in"</a>
                                <a class="button" href=move || back_to("/sign-up")>"Sign up"</a>
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
    let email = StoredValue::new(user.email.clone());
    let menu_open = RwSignal::new(false);
    let menu_wrap = NodeRef::<leptos::html::Div>::new();
    let menu_button = NodeRef::<leptos::html::Button>::new();
    close_on_outside_click(menu_wrap, menu_open);
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
            <div class="user-menu" node_ref=menu_wrap on:keydown=escape_closes(menu_open, menu_button)>
                <button type="button" class="user-menu-button" node_ref=menu_button
                    aria-expanded=move || menu_open.get().to_string() aria-controls="account-menu"
                    aria-label=format!("Account menu for {}", user.name)
                    on:click=move |_| menu_open.update(|o| *o = !*o)>{user.name.clone()}</button>
                <div class="menu" id="account-menu" hidden=move || !menu_open.get()>
                    <p class="menu-email">{email.get_value()}</p>
                    <a href="/account">"Your account"</a>
                    <button type="button" on:click=move |_| { sign_out.dispatch(()); }>"Sign out"</button>
                </div>
            </div>
        </nav>
    }
}

/// The organization in view and the member's access there, loaded once by
/// the frame for its navigation and the page inside it.
#[derive(Clone, Copy)]
struct OrgData {
    org: Resource<Result<OrgView, AppError>>,
    mine: Resource<Result<MyAccess, AppError>>,
}

impl OrgData {
    async fn load(self) -> Result<(OrgView, MyAccess), AppError> {
        Ok((self.org.await?, self.mine.await?))
    }
}

/// The frame of every organization page: the navigation beside the page.
///
/// The page's route is rendered at once, outside any suspense, and waits for
/// the organization itself (`OrgPage`): so the server sees which page's code
/// the browser needs and lists it for preloading in the page's head.
#[component]
pub fn OrgLayout() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    // Bumped when the member's access changed: the frame and its page load again.
    let generation = RwSignal::new(0u32);
    let data = OrgData {
        org: Resource::new(
            move || (slug(), generation.get()),
            |(slug, _)| organization(slug),
        ),
        mine: Resource::new(
            move || (slug(), generation.get()),
            |(slug, _)| my_permissions(slug),
        ),
    };
    provide_context(data);
    view! {
        <div class="org-frame">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    data.load().await.ok().map(|(org, mine)| view! { <OrgNav org mine generation/> })
                })}
            </Transition>
            <div class="org-content">
                <Outlet/>
            </div>
        </div>
    }
}

/// A page inside an organization: shown once the organization has loaded,
/// with it (and the member's access) as context; otherwise says why not.
#[component]
pub fn OrgPage(children: ChildrenFn) -> impl IntoView {
    let data = expect_context::<OrgData>();
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.load().await {
                    Ok((org, mine)) => view! { <OrgScope org mine>{children.read_value()()}</OrgScope> }.into_any(),
                    Err(AppError::SignedOut) => view! { <leptos_router::components::Redirect path="/sign-in"/> }.into_any(),
                    Err(AppError::SsoRequired { org, provider, start }) => view! {
                        <section class="page page-narrow">
                            <h1>"Sign in with SSO to continue"</h1>
                            <p>{format!("{org} requires its members to sign in through single sign-on ({provider}). You signed in another way.")}</p>
                            <p><a class="button button-primary" rel="external" href=start>"Sign in with SSO"</a></p>
                        </section>
                    }.into_any(),
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

/// Provides the organization's context to the page inside it.
#[component]
fn OrgScope(org: OrgView, mine: MyAccess, children: Children) -> impl IntoView {
    provide_context(OrgContext(org));
    provide_context(MyPermissions::new(&mine));
    OrgRefresh::provide();
    children()
}

/// The organization's pages, as far as the member may open them.
#[component]
fn OrgNav(org: OrgView, mine: MyAccess, generation: RwSignal<u32>) -> impl IntoView {
    follow_access(org.slug.clone(), mine.clone(), generation);
    let base = format!("/orgs/{}", org.slug);
    let permissions = MyPermissions::new(&mine);
    // Only pages that would answer rather than refuse.
    let sees_invitations = [
        Permission::MEMBERS_VIEW,
        Permission::MEMBERS_MANAGE,
        Permission::MEMBERS_INVITE,
    ]
    .into_iter()
    .any(|p| permissions.has(p));
    let links: Vec<(&str, String)> = [
        Some(("Dashboard", base.clone())),
        Some(("Members", format!("{base}/members"))),
        sees_invitations.then(|| ("Invitations", format!("{base}/invitations"))),
        Some(("Teams", format!("{base}/teams"))),
        Some(("Projects", format!("{base}/projects"))),
        Some(("Settings", format!("{base}/settings"))),
        org.role
            .is_admin()
            .then(|| ("Activity", format!("{base}/activity"))),
    ]
    .into_iter()
    .flatten()
    .collect();
    // On a phone the navigation folds into a menu behind a button.
    let menu_open = RwSignal::new(false);
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
    });
    view! {
        <nav class="sidenav" aria-label="Organization pages">
            <p class="sidenav-org">{org.name.clone()}</p>
            <button type="button" class="sidenav-toggle" aria-controls="org-pages"
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| menu_open.update(|o| *o = !*o)>"Pages"</button>
            <ul id="org-pages" class:open=move || menu_open.get()>
                {links.into_iter().map(|(label, href)| view! {
                    <li><A href=href exact=true>{label}</A></li>
                }).collect_view()}
            </ul>
        </nav>
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
        let Some((seen, version)) = pulse.seen() else {
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
