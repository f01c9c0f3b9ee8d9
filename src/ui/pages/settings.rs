//! Organization settings: seat limit and invitation lifetime (owners change
//! them), and API keys (owners and admins).

use leptos::prelude::*;

use crate::api::orgs::UpdateSettings;
use crate::domain::Role;
use crate::ui::api_keys::ApiKeys;
use crate::ui::form::{field_error, form_error, FormAlert};
use crate::ui::org_context::{OrgContext, OrgRefresh, OrgTitle};
use crate::ui::pages::members::SeatUsage;
use crate::ui::sso_settings::SingleSignOn;

/// The settings form.
#[component]
pub fn Settings() -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let action = ServerAction::<UpdateSettings>::new();
    let result = Signal::derive(move || action.value().get());
    let is_owner = org.role == Role::Owner;
    let seats_error = field_error(result, "seat_limit");
    let ttl_error = field_error(result, "invitation_ttl_days");
    // A saved limit changes the seat line: count again.
    let refresh = expect_context::<OrgRefresh>();
    Effect::new(move |_| {
        if matches!(result.get(), Some(Ok(_))) {
            refresh.bump();
        }
    });
    let api_keys = org
        .role
        .is_admin()
        .then(|| view! { <ApiKeys slug=org.slug.clone()/> });
    let sso = is_owner.then(|| view! { <SingleSignOn slug=org.slug.clone()/> });
    view! {
        <OrgTitle page="Settings"/>
        <section class="page">
            <h1>"Settings"</h1>
            <SeatUsage/>
            {(!is_owner).then(|| view! { <p class="alert alert-info">"Only owners can change these settings."</p> })}
            <ActionForm action=action attr:class="stack card" attr:novalidate=true attr:style="max-width:420px">
                <FormAlert message=form_error(result)/>
                {move || matches!(result.get(), Some(Ok(_))).then(|| view! { <div class="alert alert-success" role="status">"Settings saved."</div> })}
                <input type="hidden" name="slug" value=org.slug.clone()/>
                <div class="field">
                    <label for="seat-limit">"Seat limit"</label>
                    <input id="seat-limit" name="seat_limit" type="number" min="1" value=org.seat_limit disabled=!is_owner
                        aria-describedby="seat-limit-hint" aria-invalid=move || seats_error.get().is_some().to_string()/>
                    <p class="hint" id="seat-limit-hint">"Members plus pending invitations may not exceed it."</p>
                    <p class="field-error">{move || seats_error.get()}</p>
                </div>
                <div class="field">
                    <label for="ttl-days">"Invitation links valid for (days)"</label>
                    <input id="ttl-days" name="invitation_ttl_days" type="number" min="1" max="30" value=org.invitation_ttl_days disabled=!is_owner
                        aria-invalid=move || ttl_error.get().is_some().to_string()/>
                    <p class="field-error">{move || ttl_error.get()}</p>
                </div>
                {is_owner.then(|| view! { <button type="submit" class="button button-primary">"Save settings"</button> })}
            </ActionForm>
            {sso}
            {api_keys}
        </section>
    }
}
