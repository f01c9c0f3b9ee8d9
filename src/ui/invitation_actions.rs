//! Accept and Decline for an invitation in the signed-in user's inbox, used
//! by the bell and by the dashboard prompt.

use leptos::prelude::*;

use crate::api::inbox::{accept_invitation_by_id, decline_invitation_by_id};
use crate::domain::dates::day;
use crate::model::inbox::InboxInvitation;
use crate::ui::toast::{navigate_with_toast, use_toasts};

/// One pending invitation with its buttons; `on_change` runs after a decline.
#[component]
pub fn InvitationActions(invitation: InboxInvitation, on_change: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let id = invitation.id;
    let org = invitation.org_name.clone();
    let accept = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match accept_invitation_by_id(id).await {
                Ok(org) => navigate_with_toast(
                    &format!("/orgs/{}", org.slug),
                    &format!("You joined {}.", org.name),
                ),
                Err(err) => {
                    error.try_set(Some(err.to_string()));
                    busy.try_set(false);
                }
            }
        });
    };
    let toasts = use_toasts();
    let declined = StoredValue::new(format!("You declined the invitation to {org}."));
    let decline = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match decline_invitation_by_id(id).await {
                Ok(()) => {
                    // The panel may have closed meanwhile.
                    if let Some(message) = declined.try_get_value() {
                        toasts.show(message);
                        on_change.run(());
                    }
                }
                Err(err) => {
                    error.try_set(Some(err.to_string()));
                }
            }
            busy.try_set(false);
        });
    };
    view! {
        <div class="inbox-invitation">
            <p>
                <strong>{invitation.inviter_name.clone()}</strong>
                {format!(" invited you to join {} as {}.", invitation.org_name, invitation.role.label())}
                <span class="hint">{format!(" Expires {}.", day(invitation.expires_at))}</span>
            </p>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="dialog-actions">
                <Show when=move || confirming.get() fallback={
                    let org = org.clone();
                    move || view! {
                        <button type="button" class="button" aria-label=format!("Decline invitation to {org}")
                            disabled=move || busy.get() on:click=move |_| confirming.set(true)>"Decline"</button>
                    }
                }>
                    <button type="button" class="button button-danger" disabled=move || busy.get() on:click=decline>"Yes, decline"</button>
                    <button type="button" class="button" on:click=move |_| confirming.set(false)>"Keep"</button>
                </Show>
                <button type="button" class="button button-primary" aria-label=format!("Accept invitation to {}", invitation.org_name)
                    disabled=move || busy.get() on:click=accept>"Accept"</button>
            </div>
        </div>
    }
}
