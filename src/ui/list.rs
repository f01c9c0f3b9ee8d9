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
    view! {
        <div class="reloading-list" aria-busy=move || pending.get().to_string()>
            <Transition
                fallback=move || view! { <p class="loading" role="status">{loading}</p> }
                set_pending=pending
            >
                {children()}
            </Transition>
        </div>
    }
}
