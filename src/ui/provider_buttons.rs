//! "Continue with ..." buttons, one per configured identity provider.

use leptos::prelude::*;

use crate::api::auth::sign_in_providers;
use crate::model::auth::ProviderButton;

/// One provider's button; `then` is the start URL's query (`next=...`,
/// `invitation=...` or `link=true`). `rel="external"`: a server route, not
/// one of the router's pages.
#[component]
pub fn ProviderLink(
    provider: ProviderButton,
    #[prop(into)] then: String,
    #[prop(default = "Continue with")] verb: &'static str,
) -> impl IntoView {
    view! {
        <a class="button button-provider" rel="external" href=provider.href(&then)>{format!("{verb} {}", provider.label)}</a>
    }
}

/// A button per configured provider; `verb` starts each label ("Continue
/// with", "Link").
#[component]
pub fn ProviderButtons(
    #[prop(into)] then: String,
    #[prop(default = "Continue with")] verb: &'static str,
    /// A heading shown above the buttons when there are any.
    #[prop(optional)]
    heading: Option<&'static str>,
) -> impl IntoView {
    let providers = Resource::new(|| (), |_| sign_in_providers());
    let then = StoredValue::new(then);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let offered = providers.await.unwrap_or_default();
                (!offered.is_empty()).then(|| view! {
                    {heading.map(|h| view! { <h2>{h}</h2> })}
                    <div class="provider-buttons">
                        {offered.into_iter().map(|provider| view! {
                            <ProviderLink provider then=then.get_value() verb/>
                        }).collect_view()}
                    </div>
                })
            })}
        </Transition>
    }
}
