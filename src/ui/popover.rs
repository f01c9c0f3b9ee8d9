//! Panels that drop from a button (the bell, the account menu, a row's
//! actions): Escape or a click anywhere else closes them, and Escape gives
//! focus back to the button. Opening one closes the other, since that click
//! is elsewhere.

use leptos::html::{Button, Div};
use leptos::prelude::*;

/// Closes `open` on a click outside `wrap`. A click, not a press: closing
/// moves what follows the panel, and the press's own click must still land
/// where it was aimed.
pub fn close_on_outside_click(wrap: NodeRef<Div>, open: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let handle = window_event_listener(leptos::ev::click, move |ev| {
            if !open.get_untracked() {
                return;
            }
            let inside = wrap
                .get_untracked()
                .zip(ev.target())
                .is_some_and(|(wrap, target)| {
                    target
                        .dyn_ref::<web_sys::Node>()
                        .is_some_and(|node| wrap.contains(Some(node)))
                });
            if !inside {
                open.set(false);
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (wrap, open);
}

/// A keydown handler for the wrapper: Escape closes and refocuses `button`.
pub fn escape_closes(
    open: RwSignal<bool>,
    button: NodeRef<Button>,
) -> impl Fn(leptos::ev::KeyboardEvent) + Copy {
    move |ev| {
        if ev.key() == "Escape" && open.get_untracked() {
            open.set(false);
            if let Some(button) = button.get_untracked() {
                let _ = button.focus();
            }
        }
    }
}

/// The bell, drawn as SVG so it shows without an emoji font.
#[component]
pub fn BellIcon() -> impl IntoView {
    view! {
        <svg class="icon" aria-hidden="true" viewBox="0 0 24 24" width="20" height="20" fill="none"
            stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/>
            <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/>
        </svg>
    }
}
