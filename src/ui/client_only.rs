//! Renders its children only in the browser, after hydration.
//!
//! For per-user widgets that load their own data (the dashboard prompt): the
//! server and the hydrating browser both render nothing, so their markup
//! always agrees, and the widget appears a moment later.

use leptos::prelude::*;

/// Children shown once the page has hydrated.
#[component]
pub fn ClientOnly(children: ChildrenFn) -> impl IntoView {
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    move || mounted.get().then(|| children())
}
