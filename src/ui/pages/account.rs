//! `/account`: the signed-in person's ways to sign in: their password and
//! linked identity providers, which they can add and remove.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::auth::{my_sign_in_methods, sign_in_providers, unlink_identity};
use crate::error::AppError;
use crate::model::auth::LinkedIdentity;
use crate::ui::dialog::Confirm;
use crate::ui::form::FormAlert;
use crate::ui::toast::use_toasts;

fn describe(identity: &LinkedIdentity) -> String {
    match &identity.email {
        Some(email) => format!("{} ({email})", identity.provider),
        None => identity.provider.clone(),
    }
}

/// A form per configured provider that starts linking it (a POST, see
/// `api::provider_sign_in`).
#[component]
fn LinkProviders() -> impl IntoView {
    let providers = Resource::new(|| (), |_| sign_in_providers());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let offered = providers.await.unwrap_or_default();
                (!offered.is_empty()).then(|| view! {
                    <h2>"Link another provider"</h2>
                    <div class="provider-buttons">
                        {offered.into_iter().map(|p| view! {
                            <form method="post" action=format!("/auth/{}/link", p.id)>
                                <button type="submit" class="button button-provider">{format!("Link {}", p.label)}</button>
                            </form>
                        }).collect_view()}
                    </div>
                })
            })}
        </Transition>
    }
}

#[component]
pub fn Account() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let methods = Resource::new(move || version.get(), |_| my_sign_in_methods());
    let toasts = use_toasts();
    let error = RwSignal::new(None::<String>);
    let removing = RwSignal::new(None::<LinkedIdentity>);
    let confirm_open = RwSignal::new(false);
    let remove = Callback::new(move |()| {
        let Some(identity) = removing.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match unlink_identity(identity.id).await {
                Ok(()) => {
                    error.try_set(None);
                    toasts.show(format!("{} no longer signs you in.", describe(&identity)));
                    version.try_update(|v| *v += 1);
                }
                Err(err) => {
                    error.try_set(Some(err.to_string()));
                }
            }
        });
    });
    view! {
        <Title text="Your account"/>
        <section class="page page-narrow">
            <h1>"Your account"</h1>
            <h2>"Ways to sign in"</h2>
            <FormAlert message=error/>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading your sign-in methods…"</p> }>
                {move || Suspend::new(async move {
                    match methods.await {
                        Err(AppError::SignedOut) => view! {
                            <p><a href="/sign-in?next=/account">"Sign in"</a>" to see your account."</p>
                        }.into_any(),
                        Err(err) => view! { <div class="alert alert-error" role="alert">{err.to_string()}</div> }.into_any(),
                        Ok(methods) => {
                            let may_remove = methods.may_remove_identity();
                            view! {
                                <ul class="list-plain stack" aria-label="Ways to sign in">
                                    <li>{if methods.has_password { "Password" } else { "No password (Forgot password on the sign-in page sets one)" }}</li>
                                    {methods.identities.into_iter().map(|identity| {
                                        let name = describe(&identity);
                                        view! {
                                            <li class="row-between">
                                                <span>{name.clone()}</span>
                                                <button type="button" class="button button-quiet" aria-label=format!("Remove {name}")
                                                    disabled=!may_remove
                                                    on:click=move |_| { removing.set(Some(identity.clone())); confirm_open.set(true); }>"Remove"</button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                {(!may_remove).then(|| view! {
                                    <p class="hint">"Your only way to sign in cannot be removed. Link another provider or set a password first."</p>
                                })}
                            }.into_any()
                        }
                    }
                })}
            </Transition>
            <LinkProviders/>
            <Confirm open=confirm_open title="Remove this sign-in method?"
                message=Signal::derive(move || removing.get().map(|i| format!("{} will no longer sign you in to this account.", describe(&i))).unwrap_or_default())
                confirm_label="Remove" on_confirm=remove/>
        </section>
    }
}
