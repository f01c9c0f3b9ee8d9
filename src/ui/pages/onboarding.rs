//! `/onboarding`: name a new organization and become its owner.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::api::orgs::CreateOrganization;
use crate::ui::form::{field_error, form_error, Field, FormAlert};
use crate::ui::session::{hard_navigate, use_session};

/// Creates an organization; the first one is the end of sign-up.
#[component]
pub fn Onboarding() -> impl IntoView {
    let session = use_session();
    let action = ServerAction::<CreateOrganization>::new();
    let result = Signal::derive(move || action.value().get());
    Effect::new(move |_| {
        if let Some(Ok(org)) = result.get() {
            hard_navigate(&format!("/orgs/{}", org.slug));
        }
    });
    view! {
        <leptos_meta::Title text="Create an organization"/>
        <section class="page page-narrow">
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match session.user.await {
                        Ok(Some(user)) => {
                            let first = user.organizations.is_empty();
                            view! {
                                <crate::ui::client_only::ClientOnly><crate::ui::invitation_prompt::InvitationPrompt/></crate::ui::client_only::ClientOnly>
                                <h1>{if first { "Set up your organization" } else { "Create an organization" }}</h1>
                                <p>{if first {
                                    "Name the organization your team works in. You will be its owner and can invite people next."
                                } else {
                                    "You will be the owner of the new organization."
                                }}</p>
                                <ActionForm action=action attr:class="stack" attr:novalidate=true>
                                    <FormAlert message=form_error(result)/>
                                    <Field label="Organization name" name="name" autocomplete="organization" error=field_error(result, "name")/>
                                    <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                                        "Create organization"
                                    </button>
                                </ActionForm>
                            }.into_any()
                        }
                        _ => view! { <Redirect path="/sign-in?next=/onboarding"/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
