//! The bell in the top bar: a badge of open items that updates by polling,
//! and a panel with invitations (Accept / Decline) and notices. The same poll
//! follows the user's access to the organization in view: a removed member's
//! open console is sent away at once, and a changed one reloads their access.

use leptos::prelude::*;

use crate::api::inbox::{heartbeat, load_inbox, mark_notices_read};
use crate::domain::dates::moment;
use crate::error::AppError;
use crate::model::inbox::Pulse;
use crate::ui::invitation_actions::InvitationActions;
use crate::ui::org_context::{slug_in_path, AccessPulse};
use crate::ui::popover::{close_on_outside_click, escape_closes, BellIcon};
use crate::ui::session::{hard_navigate, use_session};
use crate::ui::toast::navigate_with_toast;

/// How often the page asks the server for the badge and its membership.
const POLL_SECONDS: u64 = 3;

/// The bell button, its badge and its panel.
#[component]
pub fn NotificationBell() -> impl IntoView {
    let open = RwSignal::new(false);
    let wrap = NodeRef::<leptos::html::Div>::new();
    let button = NodeRef::<leptos::html::Button>::new();
    close_on_outside_click(wrap, open);
    let session = use_session();
    let tick = RwSignal::new(0u32);
    let version = RwSignal::new(0u32);
    let location = leptos_router::hooks::use_location();
    // A memo, so moving between one organization's pages does not refetch.
    let org = Memo::new(move |_| slug_in_path(&location.pathname.get()).unwrap_or_default());
    // The bell exists only in the browser (it is in a `ClientOnly`), so its
    // data is never serialized by the server.
    let beat = LocalResource::new(move || {
        let _ = (tick.get(), version.get());
        let org = org.get();
        async move { (org.clone(), heartbeat(org).await) }
    });
    // Leave an organization's pages once membership ends while they are open
    // (one never belonged to keeps its "not found" page); pass the member's
    // access version on to the organization frame.
    let pulse = expect_context::<AccessPulse>();
    let member_of = StoredValue::new(None::<String>);
    Effect::new(move |_| match beat.get() {
        Some((
            org,
            Ok(Pulse {
                access: Some(version),
                ..
            }),
        )) => {
            member_of.set_value(Some(org.clone()));
            pulse.report(org, version);
        }
        Some((org, Ok(_))) if member_of.with_value(|m| m.as_ref() == Some(&org)) => {
            let name = session
                .user
                .get_untracked()
                .and_then(|u| u.ok().flatten())
                .and_then(|u| u.organizations.into_iter().find(|o| o.slug == org))
                .map_or(org, |o| o.name);
            navigate_with_toast("/", &format!("You were removed from {name}."))
        }
        Some((_, Err(AppError::SignedOut))) => hard_navigate("/"),
        _ => {}
    });
    let count = move || beat.get().and_then(|(_, p)| p.ok()).map_or(0, |p| p.open);
    let items = LocalResource::new(move || {
        let open = open.get();
        let _ = version.get();
        async move {
            if open {
                load_inbox().await.map(Some)
            } else {
                Ok(None)
            }
        }
    });
    poll(tick);
    let changed = Callback::new(move |()| version.update(|v| *v += 1));
    let mark_read = move |_| {
        leptos::task::spawn_local(async move {
            let _ = mark_notices_read().await;
            version.try_update(|v| *v += 1);
        });
    };
    view! {
        <div class="bell-wrap" node_ref=wrap on:keydown=escape_closes(open, button)>
            <button type="button" class="bell" node_ref=button aria-expanded=move || open.get().to_string() aria-controls="bell-panel"
                aria-label=move || match count() { 0 => "Notifications".to_owned(), n => format!("Notifications ({n} open)") }
                on:click=move |_| open.update(|o| *o = !*o)>
                <BellIcon/>
                {move || match count() {
                    0 => None,
                    n => Some(view! { <span class="badge" data-testid="bell-badge">{n}</span> }),
                }}
            </button>
            <Show when=move || open.get()>
                <div id="bell-panel" class="menu bell-panel" role="region" aria-label="Notifications panel">
                    <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            match items.await {
                                Err(err) => view! { <p class="alert alert-error" role="alert">{err.to_string()}</p> }.into_any(),
                                Ok(None) => ().into_any(),
                                Ok(Some(inbox)) => view! {
                                    <h2>"Invitations"</h2>
                                    {if inbox.invitations.is_empty() {
                                        view! { <p class="empty">"No open invitations."</p> }.into_any()
                                    } else {
                                        inbox.invitations.into_iter().map(|i| view! { <InvitationActions invitation=i on_change=changed/> }).collect_view().into_any()
                                    }}
                                    <h2>"Notices"</h2>
                                    {if inbox.notices.is_empty() {
                                        view! { <p class="empty">"Nothing new."</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="notices">
                                                {inbox.notices.iter().map(|n| view! {
                                                    <li class:unread=!n.read>{n.message.clone()}<br/><span class="hint">{moment(n.at)}</span></li>
                                                }).collect_view()}
                                            </ul>
                                            {inbox.notices.iter().any(|n| !n.read).then(|| view! {
                                                <button type="button" class="button button-quiet" on:click=mark_read>"Mark all as read"</button>
                                            })}
                                        }.into_any()
                                    }}
                                }.into_any(),
                            }
                        })}
                    </Transition>
                </div>
            </Show>
        </div>
    }
}

/// Bumps `tick` every few seconds in the browser so the badge refreshes.
fn poll(tick: RwSignal<u32>) {
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(
            move || tick.update(|t| *t = t.wrapping_add(1)),
            std::time::Duration::from_secs(POLL_SECONDS),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (tick, POLL_SECONDS);
}
