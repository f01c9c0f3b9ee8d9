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
    // `Transition` reports through an effect that runs as a task of its own,
    // so it can fire after this list's owner is gone (a streamed response
    // that has finished, a page navigated away from): setting a disposed
    // signal panics, and a panic while rendering left the request hanging.
    let set_pending = SignalSetter::map(move |busy| {
        pending.try_set(busy);
    });
    view! {
        <div class="reloading-list" aria-busy=move || pending.get().to_string()>
            <Transition
                fallback=move || view! { <p class="loading" role="status">{loading}</p> }
                set_pending=set_pending
            >
                {children()}
            </Transition>
        </div>
    }
}
