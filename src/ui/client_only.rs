//! Renders its children only in the browser, after hydration.
//!
//! For per-user widgets that load their own data (the dashboard prompt): the
//! server and the hydrating browser both render nothing, so their markup
//! always agrees, and the widget appears a moment later.

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
thread_local! {
    static PAGE_HYDRATED: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Called once the whole page, its lazily loaded route included, has
/// hydrated. An effect is not enough: effects run while the browser waits
/// for the page's code, and a widget mounted then would take the page's
/// serialized data as its own.
#[cfg(feature = "hydrate")]
pub fn page_hydrated() {
    PAGE_HYDRATED.with(|hydrated| hydrated.set(true));
}

/// Whether the page has hydrated: false on the server and until the WASM
/// has taken over the whole page, then true.
pub fn hydrated() -> Signal<bool> {
    #[cfg(feature = "hydrate")]
    {
        let page = PAGE_HYDRATED.with(ArcRwSignal::clone);
        Signal::derive(move || page.get())
    }
    #[cfg(not(feature = "hydrate"))]
    Signal::stored(false)
}

/// Children shown once the page has hydrated.
#[component]
pub fn ClientOnly(children: ChildrenFn) -> impl IntoView {
    let mounted = hydrated();
    move || mounted.get().then(|| children())
}

/// A form's submit button, disabled until the page has hydrated (pressing
/// Enter earlier would post the form natively and lose its answer) and while
/// `busy`, when it shows `busy_label`.
#[component]
pub fn SubmitButton(
    label: &'static str,
    busy_label: &'static str,
    #[prop(into)] busy: Signal<bool>,
) -> impl IntoView {
    let ready = hydrated();
    view! {
        <button type="submit" class="button button-primary" disabled=move || !ready.get() || busy.get()>
            {move || if busy.get() { busy_label } else { label }}
        </button>
    }
}
