//! "Continue with ..." buttons, one per configured identity provider.

use leptos::prelude::*;

use crate::api::auth::sign_in_providers;
use crate::domain::identity::ProviderKind;

/// The buttons; `then` is the start URL's query (`next=...`,
/// `invitation=...` or `link=true`), `only` keeps one kind of provider and
/// `verb` starts each label ("Continue with", "Link").
#[component]
pub fn ProviderButtons(
    #[prop(into)] then: String,
    #[prop(optional)] only: Option<ProviderKind>,
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
                let offered: Vec<_> = providers
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|p| only.is_none_or(|kind| p.kind == kind))
                    .collect();
                (!offered.is_empty()).then(|| view! {
                    {heading.map(|h| view! { <h2>{h}</h2> })}
                    <div class="provider-buttons">
                        {offered.into_iter().map(|p| view! {
                            <a class="button button-provider" rel="external" href=then.with_value(|q| p.href(q))>{format!("{verb} {}", p.label)}</a>
                        }).collect_view()}
                    </div>
                })
            })}
        </Transition>
    }
}
