//! Renders its children only in the browser, after hydration.
//!
//! For per-user widgets that load their own data (the dashboard prompt): the
//! server and the hydrating browser both render nothing, so their markup
//! always agrees, and the widget appears a moment later.

use leptos::prelude::*;

/// Whether the page has hydrated: false on the server and until the WASM
/// has taken over the page, then true.
pub fn hydrated() -> RwSignal<bool> {
    let mounted = RwSignal::new(false);
    // Effects run only in the browser, once hydrated.
    Effect::new(move |_| mounted.set(true));
    mounted
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
