//! Short, polite confirmations ("Bob Baker is now an admin."): announced by
//! a live region, gone after a few seconds. One that must outlive a full page
//! load (after joining or leaving an organization) waits in session storage.

use leptos::prelude::*;

/// How long a toast stays, in milliseconds.
const SHOWN_MS: u64 = 6000;
/// The session-storage key of a toast waiting for the next page.
#[cfg(feature = "hydrate")]
const WAITING: &str = "gatehouse.toast";

/// The toasts on screen, provided once for the whole console.
#[derive(Clone, Copy)]
pub struct Toasts(RwSignal<Vec<(u64, String)>>);

impl Toasts {
    /// Provides the toasts to everything below the caller (the app root).
    pub fn provide() {
        provide_context(Self(RwSignal::new(Vec::new())));
    }

    /// Shows `message`; a no-op once the page is gone.
    pub fn show(self, message: impl Into<String>) {
        let message = message.into();
        let id = self
            .0
            .try_update(|list| {
                let id = list.last().map_or(0, |(id, _)| id + 1);
                list.push((id, message));
                id
            })
            .unwrap_or_default();
        let list = self.0;
        set_timeout(
            move || {
                list.try_update(|l| l.retain(|(i, _)| *i != id));
            },
            std::time::Duration::from_millis(SHOWN_MS),
        );
    }
}

/// The toasts of the current page.
pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

/// Loads `path` as a new page that opens with `message`.
pub fn navigate_with_toast(path: &str, message: &str) {
    #[cfg(feature = "hydrate")]
    if let Ok(Some(storage)) = window().session_storage() {
        let _ = storage.set_item(WAITING, message);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = message;
    crate::ui::session::hard_navigate(path);
}

/// The live region the toasts appear in; also shows one left by the page
/// before.
#[component]
pub fn Toaster() -> impl IntoView {
    let toasts = use_toasts();
    // Effects run in the browser only, after hydration.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Ok(Some(storage)) = window().session_storage() {
            if let Ok(Some(message)) = storage.get_item(WAITING) {
                let _ = storage.remove_item(WAITING);
                toasts.show(message);
            }
        }
    });
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.0.get() key=|(id, _)| *id let((_, message))>
                <p class="toast">{message}</p>
            </For>
        </div>
    }
}
