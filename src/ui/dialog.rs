//! A modal dialog on the native `<dialog>` element: focus moves in when it
//! opens and back to the opener when it closes; Escape closes it.

use leptos::html::Dialog;
use leptos::prelude::*;

/// Opens or closes the `<dialog>` behind `node` as `open` changes.
pub fn sync_dialog(node: NodeRef<Dialog>, open: RwSignal<bool>) {
    Effect::new(move |_| {
        let want = open.get();
        if let Some(dialog) = node.get() {
            if want && !dialog.open() {
                let _ = dialog.show_modal();
            } else if !want && dialog.open() {
                dialog.close();
            }
        }
    });
}

/// A titled modal dialog; `open` shows and hides it.
#[component]
pub fn Modal(
    open: RwSignal<bool>,
    /// Heading, also the dialog's accessible name.
    #[prop(into)]
    title: Signal<String>,
    children: ChildrenFn,
) -> impl IntoView {
    let node = NodeRef::<Dialog>::new();
    sync_dialog(node, open);
    // Named by its title directly: an id made from the title would be shared
    // by every dialog whose title starts out alike.
    view! {
        <dialog node_ref=node aria-label=move || title.get() on:close=move |_| open.set(false)>
            <h2>{move || title.get()}</h2>
            {move || open.get().then(|| children())}
        </dialog>
    }
}

/// Asks before a destructive action. `on_confirm` runs when the person agrees.
#[component]
pub fn Confirm(
    open: RwSignal<bool>,
    #[prop(into)] title: Signal<String>,
    #[prop(into)] message: Signal<String>,
    confirm_label: &'static str,
    on_confirm: Callback<()>,
) -> impl IntoView {
    view! {
        <Modal open title>
            <p>{move || message.get()}</p>
            <div class="dialog-actions">
                <button type="button" class="button" on:click=move |_| open.set(false)>"Cancel"</button>
                <button type="button" class="button button-danger" on:click=move |_| {
                    open.set(false);
                    on_confirm.run(());
                }>{confirm_label}</button>
            </div>
        </Modal>
    }
}
