//! Dialogs of the Members page: change role (and transfer ownership),
//! remove a member, leave the organization.

use leptos::prelude::*;

use crate::api::members::{change_role, leave_organization, remove_member, transfer_ownership};
use crate::domain::Role;
use crate::error::AppError;
use crate::model::members::MemberItem;
use crate::ui::dialog::{Confirm, Modal};
use crate::ui::form::{submit, toggle, FormAlert, ScopeSelect};
use crate::ui::org_context::{OrgContext, OrgRefresh};
use crate::ui::toast::{navigate_with_toast, use_toasts};

/// An open flag that follows `item` being set, and clears it when closed.
/// Each opening starts clean: `error` from an earlier person is cleared.
fn open_while_some<T: Clone + Send + Sync + 'static>(
    item: RwSignal<Option<T>>,
    error: RwSignal<Option<String>>,
) -> RwSignal<bool> {
    let open = RwSignal::new(false);
    Effect::new(move |_| {
        let want = item.with(Option::is_some);
        if want {
            error.set(None);
        }
        if open.get_untracked() != want {
            open.set(want);
        }
    });
    Effect::new(move |_| {
        if !open.get() && item.with_untracked(Option::is_some) {
            item.set(None);
        }
    });
    open
}

/// Runs a membership change; on success the dialog closes, the lists reload
/// and `done` is announced.
fn run_change<F>(
    error: RwSignal<Option<String>>,
    open: RwSignal<bool>,
    done: String,
    change: impl FnOnce() -> F + 'static,
) where
    F: std::future::Future<Output = Result<(), AppError>> + 'static,
{
    let refresh = expect_context::<OrgRefresh>();
    let toasts = use_toasts();
    submit(error, async move {
        change().await?;
        open.try_set(false);
        refresh.bump();
        toasts.show(done);
        Ok(())
    });
}

/// "Change role" for one member; owners may also hand over ownership, after
/// a confirmation of its own that names the organization and the new owner.
#[component]
pub fn EditMember(editing: RwSignal<Option<MemberItem>>) -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let role = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let open = open_while_some(editing, error);
    let confirm_transfer = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(m) = editing.get() {
            role.set(m.role.as_str().to_owned());
        }
    });
    let slug = StoredValue::new(org.slug.clone());
    let org_name = StoredValue::new(org.name.clone());
    let me = org.role;
    let title = Signal::derive(move || {
        editing
            .get()
            .map(|m| format!("Change role of {}", m.entry.name))
            .unwrap_or_else(|| "Change role".into())
    });
    let save = move |_| {
        let Some(m) = editing.get_untracked() else {
            return;
        };
        let Ok(new) = role.get_untracked().parse::<Role>() else {
            return;
        };
        let done = format!("{} is now {}.", m.entry.name, new.label());
        run_change(error, open, done, move || {
            change_role(slug.get_value(), m.entry.user_id, new, m.role)
        });
    };
    let transfer = Callback::new(move |()| {
        let Some(m) = editing.get_untracked() else {
            return;
        };
        submit(error, async move {
            transfer_ownership(slug.get_value(), m.entry.user_id).await?;
            navigate_with_toast(
                &format!("/orgs/{}/members", slug.get_value()),
                &format!(
                    "{} is now the owner of {}. You are an admin.",
                    m.entry.name,
                    org_name.get_value()
                ),
            );
            Ok(())
        });
    });
    let transfer_title = Signal::derive(move || {
        editing
            .get()
            .map(|m| {
                format!(
                    "Make {} the owner of {}?",
                    m.entry.name,
                    org_name.get_value()
                )
            })
            .unwrap_or_default()
    });
    let transfer_message = Signal::derive(move || {
        editing
            .get()
            .map(|m| {
                format!(
                    "{} becomes the owner of {}. You become an admin at once and can no longer manage owners; only the new owner can make you owner again.",
                    m.entry.name,
                    org_name.get_value()
                )
            })
            .unwrap_or_default()
    });
    let grantable: Vec<Role> = Role::ALL.into_iter().filter(|r| me.may_grant(*r)).collect();
    view! {
        <Modal open title>
            <div class="stack">
                <FormAlert message=error/>
                <div class="field">
                    <label for="edit-role">"Role"</label>
                    <select id="edit-role" bind:value=role>
                        {grantable.iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                    </select>
                    <p class="hint">"Takes effect on their next request."</p>
                </div>
                {(me == Role::Owner).then(|| view! {
                    <p class="hint">"Handing over the organization? Make them the owner and become an admin yourself."</p>
                    <button type="button" class="button button-danger-quiet" on:click=move |_| confirm_transfer.set(true)>"Transfer ownership…"</button>
                })}
                <div class="dialog-actions">
                    <button type="button" class="button" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="button" class="button button-primary" on:click=save>"Save role"</button>
                </div>
            </div>
        </Modal>
        <Confirm
            open=confirm_transfer
            title=transfer_title
            message=transfer_message
            confirm_label="Transfer ownership"
            on_confirm=transfer
        />
    }
}

/// "Remove member": names the person and offers the cascades.
#[component]
pub fn RemoveMember(removing: RwSignal<Option<MemberItem>>) -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let error = RwSignal::new(None::<String>);
    let open = open_while_some(removing, error);
    let from_projects = RwSignal::new(false);
    let revoke_invites = RwSignal::new(false);
    // Each person starts with the cascades off.
    Effect::new(move |_| {
        if removing.with(Option::is_some) {
            from_projects.set(false);
            revoke_invites.set(false);
        }
    });
    let slug = StoredValue::new(org.slug.clone());
    let org_name = StoredValue::new(org.name.clone());
    let title = Signal::derive(move || {
        removing
            .get()
            .map(|m| format!("Remove {}?", m.entry.name))
            .unwrap_or_else(|| "Remove member".into())
    });
    let remove = move |_| {
        let Some(m) = removing.get_untracked() else {
            return;
        };
        let (projects, invites) = (
            from_projects.get_untracked(),
            revoke_invites.get_untracked(),
        );
        let done = format!(
            "{} was removed from {}.",
            m.entry.name,
            org_name.get_value()
        );
        run_change(error, open, done, move || {
            remove_member(slug.get_value(), m.entry.user_id, m.role, projects, invites)
        });
    };
    view! {
        <Modal open title>
            <div class="stack">
                <FormAlert message=error/>
                <p>{move || removing.get().map(|m| format!(
                    "{} ({}) will lose access to {} on their next request and will be emailed about it.", m.entry.name, m.email, org_name.get_value()
                ))}</p>
                <label class="check"><input type="checkbox" bind:checked=from_projects/>" Also remove them from all projects in this organization"</label>
                <label class="check"><input type="checkbox" bind:checked=revoke_invites/>" Also revoke the pending invitations they sent"</label>
                <div class="dialog-actions">
                    <button type="button" class="button" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="button" class="button button-danger" on:click=remove>"Remove member"</button>
                </div>
            </div>
        </Modal>
    }
}

/// "Leave organization" with a confirmation.
#[component]
pub fn LeaveButton() -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let slug = StoredValue::new(org.slug.clone());
    let left = format!("You left {}.", org.name);
    let leave = Callback::new(move |()| {
        let left = left.clone();
        leptos::task::spawn_local(async move {
            match leave_organization(slug.get_value()).await {
                Ok(()) => navigate_with_toast("/", &left),
                Err(err) => {
                    error.try_set(Some(err.to_string()));
                }
            }
        });
    });
    view! {
        <div class="leave">
            <FormAlert message=error/>
            <button type="button" class="button button-quiet" on:click=move |_| open.set(true)>"Leave organization"</button>
            <Confirm
                open
                title=format!("Leave {}?", org.name)
                message="You will lose access at once. To come back you need a new invitation."
                confirm_label="Leave organization"
                on_confirm=leave
            />
        </div>
    }
}

/// The per-member permission editor, org-wide or for one project. A
/// permission held for a reason the editor does not change (a team, a wider
/// grant) is shown checked but locked, with that reason; so is one the
/// editor does not hold themselves.
#[component]
pub fn EditPermissions(editing: RwSignal<Option<MemberItem>>) -> impl IntoView {
    use crate::api::access::{list_projects, member_permissions, set_member_permissions};
    use crate::domain::access::{Permission, Switch};
    let OrgContext(org) = expect_context::<OrgContext>();
    let slug = StoredValue::new(org.slug.clone());
    let error = RwSignal::new(None::<String>);
    let open = open_while_some(editing, error);
    // "" is the whole organization, else a project id.
    let scope = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<Permission>::new());
    let shown = move || (editing.get().map(|m| m.entry.user_id), scope.get());
    // Rows come back with the (member, place) they are for, so a slow answer
    // for an earlier choice can never be saved as this one.
    let rows = Resource::new(shown, move |(user, scope)| async move {
        let rows = match user {
            Some(id) => member_permissions(slug.get_value(), id, scope.clone()).await,
            None => Ok(Vec::new()),
        };
        ((user, scope), rows)
    });
    let ready = RwSignal::new(false);
    let projects = Resource::new(
        move || open.get(),
        move |open| async move {
            if open {
                list_projects(slug.get_value()).await.map(|l| l.items)
            } else {
                Ok(Vec::new())
            }
        },
    );
    Effect::new(move |_| {
        let now = shown();
        match rows.get() {
            Some((of, Ok(rows))) if of == now => {
                chosen.set(
                    rows.iter()
                        .filter(|r| r.switch != Switch::Off)
                        .map(|r| r.permission)
                        .collect(),
                );
                ready.set(true);
            }
            _ => ready.set(false),
        }
    });
    Effect::new(move |_| {
        if !open.get() {
            scope.set(String::new());
            error.set(None);
        }
    });
    let title = Signal::derive(move || {
        editing
            .get()
            .map(|m| format!("Permissions of {}", m.entry.name))
            .unwrap_or_else(|| "Permissions".into())
    });
    let save = move |_| {
        let Some(m) = editing.get_untracked() else {
            return;
        };
        let permissions = chosen.get_untracked();
        let scope = scope.get_untracked();
        let done = format!("Permissions of {} saved.", m.entry.name);
        run_change(error, open, done, move || {
            set_member_permissions(slug.get_value(), m.entry.user_id, scope, permissions)
        });
    };
    view! {
        <Modal open title>
            <div class="stack">
                <FormAlert message=error/>
                <Transition fallback=|| view! { <p class="loading">"Loading projects…"</p> }>
                    {move || Suspend::new(async move {
                        let projects = projects.await.unwrap_or_default();
                        view! { <ScopeSelect id="permission-scope" value=scope projects/> }
                    })}
                </Transition>
                <p class="hint">"You can only change permissions you hold yourself. Billing and members apply to the whole organization."</p>
                <Transition fallback=|| view! { <p class="loading">"Loading permissions…"</p> }>
                    {move || Suspend::new(async move {
                        match rows.await.1 {
                            Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                            Ok(rows) => rows.into_iter().map(|row| {
                                let permission = row.permission;
                                let why = match row.switch {
                                    Switch::Fixed(why) => format!(" ({why})"),
                                    _ => String::new(),
                                };
                                view! {
                                    <label class="check">
                                        <input type="checkbox" disabled=!row.yours
                                            prop:checked=move || chosen.with(|c| c.contains(&permission))
                                            on:change=move |ev| toggle(chosen, permission, event_target_checked(&ev))/>
                                        {row.permission.label()}
                                        <span class="hint">{why}</span>
                                    </label>
                                }
                            }).collect_view().into_any(),
                        }
                    })}
                </Transition>
                <div class="dialog-actions">
                    <button type="button" class="button" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="button" class="button button-primary" disabled=move || !ready.get() on:click=save>"Save permissions"</button>
                </div>
            </div>
        </Modal>
    }
}

/// Adds a member to teams or takes them out, from their row.
#[component]
pub fn EditTeams(editing: RwSignal<Option<MemberItem>>) -> impl IntoView {
    use crate::api::access::{add_team_member, list_teams, remove_team_member};
    let OrgContext(org) = expect_context::<OrgContext>();
    let refresh = expect_context::<OrgRefresh>();
    let slug = StoredValue::new(org.slug.clone());
    let error = RwSignal::new(None::<String>);
    let open = open_while_some(editing, error);
    let version = RwSignal::new(0u32);
    let teams = Resource::new(
        move || (open.get(), version.get()),
        move |(open, _)| async move {
            if open {
                list_teams(slug.get_value()).await
            } else {
                Ok(Vec::new())
            }
        },
    );
    let title = Signal::derive(move || {
        editing
            .get()
            .map(|m| format!("Teams of {}", m.entry.name))
            .unwrap_or_else(|| "Teams".into())
    });
    view! {
        <Modal open title>
            <div class="stack">
                <FormAlert message=error/>
                <Transition fallback=|| view! { <p class="loading">"Loading teams…"</p> }>
                    {move || Suspend::new(async move {
                        let Some(m) = editing.get_untracked() else { return ().into_any() };
                        match teams.await {
                            Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                            Ok(list) if list.is_empty() => view! { <p class="empty">"No teams yet. Create one on the Teams page."</p> }.into_any(),
                            Ok(list) => list.into_iter().map(|t| {
                                let in_team = t.members.iter().any(|x| x.user_id == m.entry.user_id);
                                let (team, user, email) = (t.id, m.entry.user_id, m.email.clone());
                                view! {
                                    <label class="check">
                                        <input type="checkbox" prop:checked=in_team on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            let email = email.clone();
                                            leptos::task::spawn_local(async move {
                                                let result = if on {
                                                    add_team_member(slug.get_value(), team, email).await
                                                } else {
                                                    remove_team_member(slug.get_value(), team, user).await
                                                };
                                                match result {
                                                    Ok(()) => { error.try_set(None); refresh.bump(); }
                                                    Err(e) => { error.try_set(Some(e.to_string())); }
                                                }
                                                version.try_update(|v| *v += 1);
                                            });
                                        }/>
                                        {t.name}
                                    </label>
                                }
                            }).collect_view().into_any(),
                        }
                    })}
                </Transition>
                <div class="dialog-actions">
                    <button type="button" class="button button-primary" on:click=move |_| open.set(false)>"Done"</button>
                </div>
            </div>
        </Modal>
    }
}
