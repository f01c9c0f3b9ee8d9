//! The dashboard prompt: pending invitations to accept or decline, one by one.

use leptos::prelude::*;

use crate::api::inbox::load_inbox;
use crate::ui::invitation_actions::InvitationActions;

/// Shows the signed-in user's pending invitations, if any.
#[component]
pub fn InvitationPrompt() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let inbox = Resource::new(move || version.get(), |_| load_inbox());
    let changed = Callback::new(move |()| version.update(|v| *v += 1));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                inbox.await.ok().filter(|i| !i.invitations.is_empty()).map(|i| view! {
                    <section class="card prompt" aria-labelledby="prompt-title">
                        <h2 id="prompt-title">"You have invitations"</h2>
                        {i.invitations.into_iter().map(|inv| view! { <InvitationActions invitation=inv on_change=changed/> }).collect_view()}
                    </section>
                })
            })}
        </Transition>
    }
}
