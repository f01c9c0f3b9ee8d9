//! "Continue with ..." buttons, one per configured identity provider.

use leptos::prelude::*;

use crate::api::auth::sign_in_providers;
use crate::model::auth::ProviderButton;

/// One provider's button; `then` is the start URL's query (`next=...` or
/// `invitation=...`). `rel="external"`: a server route, not one of the
/// router's pages.
#[component]
pub fn ProviderLink(provider: ProviderButton, #[prop(into)] then: String) -> impl IntoView {
    view! {
        <a class="button button-provider" rel="external" href=provider.href(&then)>{format!("Continue with {}", provider.label)}</a>
    }
}

/// A button per configured provider.
#[component]
pub fn ProviderButtons(#[prop(into)] then: String) -> impl IntoView {
    let providers = Resource::new(|| (), |_| sign_in_providers());
    let then = StoredValue::new(then);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let offered = providers.await.unwrap_or_default();
                (!offered.is_empty()).then(|| view! {
                    <div class="provider-buttons">
                        {offered.into_iter().map(|provider| view! {
                            <ProviderLink provider then=then.get_value()/>
                        }).collect_view()}
                    </div>
                })
            })}
        </Transition>
    }
}
