//! A list that reloads in place: the previous page stays on screen while the
//! next one loads, marked busy so people (and screen readers) know it is stale.

use leptos::prelude::*;

#[component]
pub fn ReloadingList(
    /// What shows before the first page has arrived, e.g. "Loading members…".
    loading: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let pending = RwSignal::new(false);
    // A streamed page can render this attribute after the list's owner is
    // gone (a frame rebuilt while the response streams): read, never panic.
    let busy = move || pending.try_get().unwrap_or(false).to_string();
    let fallback = move || view! { <p class="loading" role="status">{loading}</p> }.into_any();
    view! {
        <div class="reloading-list" aria-busy=busy>
            {transition(fallback, pending, children)}
        </div>
    }
}

/// In the browser, the transition reports when it is reloading; its setter
/// tolerates a list that is already gone (a page navigated away from).
#[cfg(feature = "hydrate")]
fn transition(
    fallback: impl Fn() -> AnyView + Send + Sync + 'static,
    pending: RwSignal<bool>,
    children: ChildrenFn,
) -> impl IntoView {
    let set_pending = SignalSetter::map(move |busy| {
        pending.try_set(busy);
    });
    view! { <Transition fallback=fallback set_pending=set_pending>{children()}</Transition> }
}

/// On the server nothing reloads, so nothing reports: `set_pending` runs an
/// effect that writes one signal while holding the reactive arena's lock,
/// which under concurrent renders deadlocked the whole server (and, once
/// the list was gone, panicked).
#[cfg(not(feature = "hydrate"))]
fn transition(
    fallback: impl Fn() -> AnyView + Send + Sync + 'static,
    _pending: RwSignal<bool>,
    children: ChildrenFn,
) -> impl IntoView {
    view! { <Transition fallback=fallback>{children()}</Transition> }
}

/// A table's box: on a narrow screen the table scrolls sideways inside it
/// instead of making the page wider than the screen. A named region that
/// takes focus, so the keyboard can scroll it too.
#[component]
pub fn TableBox(
    /// What the region holds, e.g. "Members table".
    label: &'static str,
    children: Children,
) -> impl IntoView {
    view! { <div class="table-box" role="region" aria-label=label tabindex="0">{children()}</div> }
}
