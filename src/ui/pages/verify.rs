//! `/verify-email/:token`: the link from the verification mail.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::auth::verify_email;

/// Confirms the address the link was sent to.
#[component]
pub fn VerifyEmail() -> impl IntoView {
    let params = use_params_map();
    let result = Resource::new(
        move || params.read().get("token").unwrap_or_default(),
        verify_email,
    );
    view! {
        <leptos_meta::Title text="Confirm your email"/>
        <section class="page page-narrow">
            <Suspense fallback=|| view! { <p class="loading" role="status">"Confirming your email…"</p> }>
                {move || Suspend::new(async move {
                    match result.await {
                        Ok(email) => view! {
                            <h1>"Email confirmed"</h1>
                            <p>{format!("{email} is verified. Thank you!")}</p>
                            <p><a class="button button-primary" href="/" rel="external">"Continue to the console"</a></p>
                        }.into_any(),
                        Err(err) => view! {
                            <h1>"This link did not work"</h1>
                            <div class="alert alert-error" role="alert">{err.to_string()}</div>
                            <p><a href="/">"Continue to the console"</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
