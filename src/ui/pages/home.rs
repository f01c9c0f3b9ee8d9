//! `/`: sends people where they belong.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::ui::session::use_session;

/// Signed out: sign-in. No organization yet: onboarding. Otherwise the active organization.
#[component]
pub fn Home() -> impl IntoView {
    let session = use_session();
    view! {
        <leptos_meta::Title text="Console"/>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let path = match session.user.await {
                    Ok(Some(user)) => match user.active_org {
                        Some(slug) => format!("/orgs/{slug}"),
                        None => "/onboarding".to_owned(),
                    },
                    _ => "/sign-in".to_owned(),
                };
                view! { <Redirect path/> }
            })}
        </Suspense>
    }
}
