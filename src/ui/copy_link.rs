//! A read-only link with a Copy button.

use leptos::prelude::*;

/// Shows `link` (or another secret) in a labelled read-only field with a Copy button.
#[component]
pub fn CopyLink(
    link: String,
    #[prop(default = "Invitation link")] label: &'static str,
    /// What the hint says until the Copy button is pressed.
    #[prop(default = "Anyone with this link can see the invitation. It is shown only now.")]
    hint: &'static str,
    #[prop(default = "Copy link")] button: &'static str,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let id = format!("copy-{}", link.len());
    let to_copy = link.clone();
    let copy = move |_| {
        let text = to_copy.clone();
        leptos::task::spawn_local(async move {
            copied.try_set(Some(write_clipboard(&text).await));
        });
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <div class="copy-row">
                <input id=id readonly value=link on:focus=|ev| select_all(&ev)/>
                <button type="button" class="button" on:click=copy>{button}</button>
            </div>
            <p class="hint" role="status">{move || match copied.get() {
                Some(true) => "Copied to the clipboard.",
                Some(false) => "Copying is blocked here: select the link and copy it by hand.",
                None => hint,
            }}</p>
        </div>
    }
}

fn select_all(ev: &leptos::ev::FocusEvent) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.select();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

async fn write_clipboard(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let promise = window().navigator().clipboard().write_text(text);
        wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}
