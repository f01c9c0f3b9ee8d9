//! `/invite/<token>`: the invitee's page behind the emailed link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::auth::sign_out;
use crate::api::invitations::{accept_invitation, invitation_preview};
use crate::domain::dates::moment;
use crate::error::AppError;
use crate::model::forms::Refused;
use crate::model::invitations::{InvitationDetails, LinkState};
use crate::ui::form::{refusal_of_this_page, FormAlert, PostButton};
use crate::ui::provider_buttons::{ProviderButtons, ProviderLink};
use crate::ui::session::hard_navigate;
use crate::ui::session::urlencode;
use crate::ui::toast::navigate_with_toast;

/// Shows the invitation and lets the invitee accept or decline it.
#[component]
pub fn Invite() -> impl IntoView {
    let refused = StoredValue::new(match refusal_of_this_page() {
        Some(Refused::Decline { error }) => Some(error.to_string()),
        _ => None,
    });
    // Set by the decline form's redirect: this visitor just declined it.
    let declined_now = use_query_map().read_untracked().get("declined").is_some();
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let details = Resource::new(token, invitation_preview);
    view! {
        <Title text="Invitation"/>
        <section class="page page-narrow">
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the invitation…"</p> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok(d) if d.state == LinkState::Open => view! { <OpenInvitation details=d token=token() refused=refused.get_value()/> }.into_any(),
                        Ok(d) => view! {
                            <h1>{d.state.title()}</h1>
                            {(declined_now && d.state == LinkState::Declined).then(|| view! {
                                <p role="status">{format!("You declined the invitation to {}. We let them know nothing else about you.", d.org_name)}</p>
                            })}
                            <p>{d.state.explain(&d.org_name)}</p>
                            <p><a href="/">"Go to the console"</a></p>
                        }.into_any(),
                        // The preview refuses only a link that shows nothing any more: one
                        // used by an account that has since left the organization.
                        Err(AppError::Conflict(message)) => view! {
                            <h1>"Invitation already used"</h1>
                            <p>{message}</p>
                            <p><a href="/">"Go to the console"</a></p>
                        }.into_any(),
                        Err(AppError::NotFound(_)) => view! {
                            <h1>"This invitation link is not valid"</h1>
                            <p>"Check that you opened the whole link from the email, or ask the person who invited you to resend it."</p>
                        }.into_any(),
                        Err(err) => view! {
                            <h1>"The invitation could not be loaded"</h1>
                            <div class="alert alert-error" role="alert">{err.to_string()}</div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// "Decline" asks first, on the same page opened with `?decline`: a GET
/// form, so it works without the console's code.
#[component]
fn DeclineButton(here: String) -> impl IntoView {
    view! {
        <form method="get" action=here class="inline-form">
            <input type="hidden" name="decline" value="ask"/>
            <button type="submit" class="button">"Decline"</button>
        </form>
    }
}

/// An open invitation. Everything a visitor who is not signed in can do
/// here (decline, or go on to sign in or sign up) works without the
/// console's code; accepting needs a signed-in browser, which has it.
#[component]
fn OpenInvitation(
    details: InvitationDetails,
    token: String,
    /// Why "Yes, decline" was refused, when this page answers that.
    refused: Option<String>,
) -> impl IntoView {
    let here = format!("/invite/{token}");
    let query = use_query_map();
    let confirming_decline = move || query.read().get("decline").is_some();
    let token = StoredValue::new(token);
    let error = RwSignal::new(refused);
    let busy = RwSignal::new(false);
    let accept = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match accept_invitation(token.get_value()).await {
                Ok(org) => navigate_with_toast(
                    &format!("/orgs/{}", org.slug),
                    &format!("You joined {}.", org.name),
                ),
                Err(err) => {
                    error.try_set(Some(err.to_string()));
                }
            }
            busy.try_set(false);
        });
    };
    let switch_account = {
        let next = here.clone();
        move |_| {
            let next = next.clone();
            leptos::task::spawn_local(async move {
                let _ = sign_out().await;
                hard_navigate(&format!("/sign-in?next={}", urlencode(&next)));
            });
        }
    };
    let matches = details.signed_in_as.as_deref() == Some(details.email.as_str());
    let summary = format!(
        "{} invited {} to join {} as {}.",
        details.inviter_name,
        details.email,
        details.org_name,
        details.role.label()
    );
    view! {
        <h1>{format!("Join {}", details.org_name)}</h1>
        <p>{summary}</p>
        {details.note.clone().map(|n| view! { <blockquote class="card">{format!("“{n}”")}</blockquote> })}
        {(!details.teams.is_empty() || !details.permissions.is_empty() || !details.withheld.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="you-will-get">
                <h2 id="you-will-get">"What you will get"</h2>
                {(!details.teams.is_empty()).then(|| view! { <p>{format!("Teams: {}", details.teams.join(", "))}</p> })}
                {(!details.permissions.is_empty()).then(|| view! { <p>{format!("Permissions: {}", details.permissions.join(", "))}</p> })}
                {(!details.withheld.is_empty()).then(|| view! { <p>{format!("Not included with the role: {}", details.withheld.join(", "))}</p> })}
            </section>
        })}
        <p class="hint">{format!("This invitation expires on {}.", moment(details.expires_at))}</p>
        <FormAlert message=error/>
        {match (details.sign_in_with.clone(), &details.signed_in_as, matches) {
            (Some(provider), _, _) => view! {
                <p>{if details.single_sign_on {
                    format!("{} signs in {} through single sign-on ({}). Signing in accepts the invitation.", details.org_name, details.email, provider.label)
                } else {
                    format!("{} asks you to sign in with {} as {}. Signing in accepts the invitation.", details.org_name, details.sign_in.label(), details.email)
                }}</p>
                <div class="dialog-actions">
                    <DeclineButton here=here.clone()/>
                    <ProviderLink provider then=format!("invitation={}", urlencode(&token.get_value()))/>
                </div>
            }.into_any(),
            (None, Some(_), true) => view! {
                <div class="dialog-actions">
                    <DeclineButton here=here.clone()/>
                    <button type="button" class="button button-primary" disabled=move || busy.get() on:click=accept>"Accept invitation"</button>
                </div>
            }.into_any(),
            (None, Some(current), false) => view! {
                <div class="alert alert-error" role="alert">
                    {format!("This invitation is for {}, you are signed in as {current}.", details.email)}
                </div>
                <div class="dialog-actions">
                    <DeclineButton here=here.clone()/>
                    <button type="button" class="button button-primary" on:click=switch_account.clone()>{format!("Switch to {}", details.email)}</button>
                </div>
            }.into_any(),
            (None, None, _) => view! {
                <p>{format!("Sign in or create an account as {} to accept.", details.email)}</p>
                <div class="dialog-actions">
                    <DeclineButton here=here.clone()/>
                    <a class="button" href=format!("/sign-in?next={}", urlencode(&here))>"Sign in to accept"</a>
                    <a class="button button-primary" href=format!("/sign-up?email={}&next={}", urlencode(&details.email), urlencode(&here))>"Create an account"</a>
                </div>
                <ProviderButtons then=format!("invitation={}", urlencode(&token.get_value()))/>
            }.into_any(),
        }}
        <Show when=confirming_decline>
            <div class="alert alert-info" role="alert">
                <p>"Decline this invitation? The link stops working; to join later you need a new invitation."</p>
                <form method="post" action=format!("{here}/decline") class="dialog-actions">
                    <a class="button" href=here.clone()>"Keep it"</a>
                    <PostButton label="Yes, decline" busy_label="Declining…" class="button button-danger"/>
                </form>
            </div>
        </Show>
    }
}
