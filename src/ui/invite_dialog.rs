//! The "Invite member" dialog: email, role, note, notification address; then
//! the link with a Copy button, or a clear error with what to do next.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::access::list_teams;
use crate::api::auth::sign_in_providers;
use crate::api::invitations::{create_invitation, resend_invitation, revoke_invitation};
use crate::domain::access::{preset, Permission, CATALOGUE};
use crate::domain::dates::moment;
use crate::domain::identity::SignInChoice;
use crate::domain::Role;
use crate::error::AppError;
use crate::model::invitations::{InvitationRequest, IssuedInvitation};
use crate::ui::copy_link::CopyLink;
use crate::ui::dialog::Modal;
use crate::ui::form::{self, toggle, TeamChecks};
use crate::ui::org_context::{MyPermissions, OrgContext, OrgRefresh};

/// The Invite button, shown only to those holding `members:invite`.
#[component]
pub fn InviteIfAllowed() -> impl IntoView {
    expect_context::<MyPermissions>()
        .has(Permission::MEMBERS_INVITE)
        .then(|| view! { <InviteButton/> })
}

/// The button that opens the dialog, and the dialog.
#[component]
pub fn InviteButton() -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let open = RwSignal::new(false);
    let title = Signal::derive({
        let name = org.name.clone();
        move || format!("Invite member to {name}")
    });
    view! {
        <button type="button" class="button button-primary" on:click=move |_| open.set(true)>"Invite member"</button>
        <Modal open title>
            <InviteForm org_slug=org.slug.clone() inviter=org.role open/>
        </Modal>
    }
}

#[component]
fn InviteForm(org_slug: String, inviter: Role, open: RwSignal<bool>) -> impl IntoView {
    let refresh = expect_context::<OrgRefresh>();
    let email = RwSignal::new(String::new());
    let role = RwSignal::new("member".to_owned());
    let note = RwSignal::new(String::new());
    let notify = RwSignal::new(String::new());
    let sign_in = RwSignal::new(SignInChoice::Any.as_str().to_owned());
    let tenant = RwSignal::new(String::new());
    let providers = Resource::new(|| (), |_| sign_in_providers());
    let chosen_teams = RwSignal::new(Vec::<Uuid>::new());
    let chosen_permissions = RwSignal::new(Vec::<Permission>::new());
    let outcome = RwSignal::new(None::<Result<IssuedInvitation, AppError>>);
    let pending = RwSignal::new(false);
    let slug = StoredValue::new(org_slug);
    let teams = Resource::new(move || slug.get_value(), list_teams);
    let mine = StoredValue::new(expect_context::<MyPermissions>());
    let chosen_role = move || role.get().parse::<Role>().unwrap_or(Role::Member);
    // The picker starts from the role's preset, limited to what the inviter holds.
    Effect::new(move |_| {
        let role = chosen_role();
        let preset = preset(role)
            .into_iter()
            .filter(|p| mine.with_value(|m| m.has(*p)))
            .collect();
        chosen_permissions.set(preset);
    });

    let notice = RwSignal::new(None::<String>);
    let finish = move |result: Result<IssuedInvitation, AppError>| {
        if result.is_ok() {
            refresh.bump();
        }
        outcome.try_set(Some(result));
    };
    let run = move |call: Call| {
        pending.set(true);
        notice.set(None);
        leptos::task::spawn_local(async move {
            let slug = slug.get_value();
            match call {
                Call::Create => {
                    let role = role.get_untracked().parse().unwrap_or(Role::Member);
                    let permissions = chosen_permissions.get_untracked();
                    let request = InvitationRequest {
                        email: email.get_untracked(),
                        role,
                        note: note.get_untracked(),
                        notify_email: notify.get_untracked(),
                        teams: chosen_teams.get_untracked(),
                        withheld: withheld(role, &permissions),
                        permissions,
                        sign_in: SignInChoice::from_str_or_any(&sign_in.get_untracked()),
                        tenant_id: tenant.get_untracked(),
                    };
                    finish(create_invitation(slug, request).await)
                }
                Call::Resend(id) => finish(resend_invitation(slug, id).await),
                Call::Revoke(id) => match revoke_invitation(slug, id).await {
                    Ok(()) => {
                        outcome.try_set(None);
                        refresh.bump();
                        notice.try_set(Some("The pending invitation was revoked and its link no longer works. You can send a new one now.".into()));
                    }
                    Err(err) => {
                        outcome.try_set(Some(Err(err)));
                    }
                },
            }
            pending.try_set(false);
        });
    };

    let field_error = move |field: &'static str| form::field_error(outcome.into(), field);
    // Whatever the answer, focus goes where the person must look next: the
    // address when it is wrong, the problem beside Send, or the sent link.
    let email_input = NodeRef::<leptos::html::Input>::new();
    let note_input = NodeRef::<leptos::html::Textarea>::new();
    let notify_input = NodeRef::<leptos::html::Input>::new();
    let tenant_input = NodeRef::<leptos::html::Input>::new();
    let problem = NodeRef::<leptos::html::Div>::new();
    let sent = NodeRef::<leptos::html::Div>::new();
    let customize = RwSignal::new(false);
    Effect::new(move |_| {
        let answer = outcome.get();
        let told = notice.get().is_some();
        request_animation_frame(move || {
            let focus = |el: Option<leptos::web_sys::HtmlElement>| el.map(|el| el.focus());
            let field =
                |name: &str| matches!(&answer, Some(Err(err)) if err.field_message(name).is_some());
            // The dialog may have closed before the frame.
            let _ = match &answer {
                Some(Ok(_)) => focus(sent.try_get_untracked().flatten().map(Into::into)),
                Some(Err(_)) if field("email") => {
                    focus(email_input.try_get_untracked().flatten().map(Into::into))
                }
                Some(Err(_)) if field("note") => {
                    focus(note_input.try_get_untracked().flatten().map(Into::into))
                }
                Some(Err(_)) if field("tenant_id") => {
                    focus(tenant_input.try_get_untracked().flatten().map(Into::into))
                }
                Some(Err(_)) if field("notify_email") => {
                    focus(notify_input.try_get_untracked().flatten().map(Into::into))
                }
                Some(Err(_)) => focus(problem.try_get_untracked().flatten().map(Into::into)),
                None if told => focus(problem.try_get_untracked().flatten().map(Into::into)),
                None => None,
            };
        });
    });
    let roles: Vec<Role> = [Role::Member, Role::Admin, Role::Owner]
        .into_iter()
        .filter(|r| inviter.may_grant(*r))
        .collect();

    view! {
        {move || match outcome.get() {
            Some(Ok(issued)) => view! {
                <div class="stack">
                    <div class="alert alert-success" role="status" tabindex="-1" node_ref=sent>
                        {format!("Invitation sent to {}. The email is on its way to {}.", issued.email, issued.mailed_to)}
                    </div>
                    <p>{format!("The link works until {}.", moment(issued.expires_at))}</p>
                    <CopyLink link=issued.link.clone()/>
                    <div class="dialog-actions">
                        <button type="button" class="button" on:click=move |_| {
                            email.set(String::new());
                            note.set(String::new());
                            notify.set(String::new());
                            outcome.set(None);
                        }>"Invite someone else"</button>
                        <button type="button" class="button button-primary" on:click=move |_| open.set(false)>"Done"</button>
                    </div>
                </div>
            }.into_any(),
            _ => view! {
                <form class="stack" novalidate on:submit=move |ev| { ev.prevent_default(); run(Call::Create); }>
                    <div class="field">
                        <label for="invite-email">"Email address"</label>
                        <input id="invite-email" type="email" autocomplete="off" autofocus maxlength="254" bind:value=email node_ref=email_input
                            aria-invalid=move || field_error("email").get().is_some().to_string()
                            aria-describedby="invite-email-error"/>
                        <p class="field-error" id="invite-email-error">{move || field_error("email").get()}</p>
                    </div>
                    // Side by side: the dialog fits a laptop screen without scrolling.
                    <div class="field-pair">
                        <div class="field">
                            <label for="invite-role">"Role"</label>
                            <select id="invite-role" bind:value=role>
                                {roles.iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                            </select>
                            <p class="field-error">{move || field_error("role").get()}</p>
                        </div>
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                let offered: Vec<SignInChoice> = match providers.await {
                                    Ok(configured) => SignInChoice::ALL
                                        .into_iter()
                                        .filter(|c| c.provider().is_none_or(|kind| configured.iter().any(|p| p.kind == kind)))
                                        .collect(),
                                    Err(_) => vec![SignInChoice::Any],
                                };
                                (offered.len() > 1).then(|| view! {
                                    <div class="field">
                                        <label for="invite-sign-in">"Sign-in method"</label>
                                        <select id="invite-sign-in" bind:value=sign_in>
                                            {offered.into_iter().map(|c| view! { <option value=c.as_str()>{c.label()}</option> }).collect_view()}
                                        </select>
                                        <p class="field-error">{move || field_error("sign_in").get()}</p>
                                    </div>
                                })
                            })}
                        </Transition>
                    </div>
                    <div class="field" hidden=move || SignInChoice::from_str_or_any(&sign_in.get()) != SignInChoice::Entra>
                        <label for="invite-tenant">"Tenant ID (optional)"</label>
                        <input id="invite-tenant" type="text" autocomplete="off" spellcheck="false" bind:value=tenant node_ref=tenant_input
                            placeholder="00000000-0000-0000-0000-000000000000"
                            aria-invalid=move || field_error("tenant_id").get().is_some().to_string()
                            aria-describedby="invite-tenant-hint invite-tenant-error"/>
                        <p class="hint" id="invite-tenant-hint">"Only accounts of this Microsoft Entra tenant may accept. Empty for any tenant."</p>
                        <p class="field-error" id="invite-tenant-error">{move || field_error("tenant_id").get()}</p>
                    </div>
                    <div class="field">
                        <label for="invite-note">"Why do they need access? (optional)"</label>
                        <textarea id="invite-note" rows="2" maxlength="500" bind:value=note node_ref=note_input
                            placeholder="Shown to the invitee in the email"></textarea>
                        <p class="field-error">{move || field_error("note").get()}</p>
                    </div>
                    <div class="field">
                        <label for="invite-notify">"Send the email to another address (optional)"</label>
                        <input id="invite-notify" type="email" maxlength="254" bind:value=notify node_ref=notify_input aria-describedby="invite-notify-hint"/>
                        <p class="hint" id="invite-notify-hint">"They still sign in with the invited address to accept."</p>
                        <p class="field-error">{move || field_error("notify_email").get()}</p>
                    </div>
                    <Transition fallback=|| view! { <p class="loading">"Loading teams and permissions…"</p> }>
                        {move || Suspend::new(async move {
                            let teams = teams.await.unwrap_or_default();
                            view! {
                                <TeamChecks teams chosen=chosen_teams legend="Teams (optional)" error=field_error("teams")/>
                                <fieldset class="picker">
                                    <legend>"Permissions"</legend>
                                    <p class="hint" id="invite-permissions-hint">{move || match chosen_role() {
                                        Role::Owner => "Owners hold every permission.",
                                        Role::Admin => "The Admin preset: untick what they should not hold. You can only give permissions you hold.",
                                        Role::Member => "Preset for the role. You can only give permissions you hold.",
                                    }}</p>
                                    <button type="button" class="button button-quiet" aria-controls="invite-permissions"
                                        aria-expanded=move || customize.get().to_string()
                                        on:click=move |_| customize.update(|c| *c = !*c)>
                                        {move || if customize.get() { "Hide permissions" } else { "Customize permissions" }}
                                    </button>
                                    <span class="hint">{move || match (chosen_role(), chosen_permissions.with(Vec::len)) {
                                        (Role::Owner, _) => String::new(),
                                        (_, 1) => " 1 permission chosen.".to_owned(),
                                        (_, n) => format!(" {n} permissions chosen."),
                                    }}</span>
                                    <div id="invite-permissions" class="stack" hidden=move || !customize.get()>
                                    {CATALOGUE.into_iter().filter(|p| mine.with_value(|m| m.has(*p))).map(|p| {
                                            let owner = move || chosen_role() == Role::Owner;
                                            view! {
                                                <label class="check">
                                                    <input type="checkbox" prop:checked=move || owner() || chosen_permissions.with(|c| c.contains(&p))
                                                        disabled=owner
                                                        on:change=move |ev| toggle(chosen_permissions, p, event_target_checked(&ev))/>
                                                    {p.label()}
                                                </label>
                                            }
                                        }).collect_view()}
                                    </div>
                                    <p class="field-error">{move || field_error("permissions").get()}</p>
                                </fieldset>
                            }
                        })}
                    </Transition>
                    // Beside Send, where the person is looking when it answers.
                    <div class="form-problem" tabindex="-1" node_ref=problem>
                    {move || notice.get().map(|n| view! { <div class="alert alert-info" role="status">{n}</div> })}
                        {move || match outcome.get() {
                            Some(Err(AppError::PendingInvitationExists { invitation_id, email: who, sent_on })) => Some(view! {
                                <div class="alert alert-error" role="alert">
                                    <p>{format!("{who} already has a pending invitation (sent {sent_on}).")}</p>
                                    <div class="dialog-actions">
                                        <button type="button" class="button" on:click=move |_| run(Call::Resend(invitation_id))>"Resend invitation"</button>
                                        <button type="button" class="button button-danger" on:click=move |_| run(Call::Revoke(invitation_id))>"Revoke invitation"</button>
                                    </div>
                                </div>
                            }.into_any()),
                            Some(Err(err @ AppError::Invalid { .. })) if err.field_message("email").is_none()
                                && err.field_message("role").is_none() && err.field_message("note").is_none()
                                && err.field_message("notify_email").is_none() && err.field_message("teams").is_none()
                                && err.field_message("permissions").is_none() && err.field_message("sign_in").is_none()
                                && err.field_message("tenant_id").is_none() => Some(view! {
                                <div class="alert alert-error" role="alert">{err.to_string()}</div>
                            }.into_any()),
                            Some(Err(AppError::Invalid { .. })) | None | Some(Ok(_)) => None,
                            Some(Err(err)) => Some(view! { <div class="alert alert-error" role="alert">{err.to_string()}</div> }.into_any()),
                        }}
                    </div>
                    <div class="dialog-actions">
                        <button type="button" class="button" on:click=move |_| open.set(false)>"Cancel"</button>
                        <button type="submit" class="button button-primary" disabled=move || pending.get()>
                            {move || if pending.get() { "Sending…" } else { "Send invitation" }}
                        </button>
                    </div>
                </form>
            }.into_any(),
        }}
    }
}

/// The Admin defaults left unticked: held back from the invitee. (Inviting an
/// Admin needs every Admin default, so the picker shows them all.) Other
/// roles hold nothing back.
fn withheld(role: Role, chosen: &[Permission]) -> Vec<Permission> {
    if role != Role::Admin {
        return Vec::new();
    }
    preset(Role::Admin)
        .into_iter()
        .filter(|p| !chosen.contains(p))
        .collect()
}

/// What a button in the dialog asks for.
#[derive(Clone, Copy)]
enum Call {
    Create,
    Resend(Uuid),
    Revoke(Uuid),
}
