//! The Activity page: who did what to whom, newest first.

use leptos::prelude::*;

use crate::api::members::list_activity;
use crate::domain::dates::moment;
use crate::ui::list::{ReloadingList, TableBox};
use crate::ui::org_context::{OrgContext, OrgRefresh, OrgTitle};

/// Actions the filter offers, as people name them.
const ACTIONS: [(&str, &str); 29] = [
    ("invitation.created", "Invitation sent"),
    ("invitation.bulk", "Invitations sent in a batch"),
    ("invitation.resent", "Invitation sent again"),
    ("invitation.revoked", "Invitation revoked"),
    ("invitation.accepted", "Invitation accepted"),
    ("invitation.declined", "Invitation declined"),
    ("invitation.expired", "Invitation expired"),
    ("invitation.failed", "Invitation undeliverable"),
    ("member.role_changed", "Role changed"),
    ("member.ownership_transferred", "Ownership transferred"),
    ("member.removed", "Member removed"),
    ("member.left", "Member left"),
    ("api_key.created", "API key created"),
    ("api_key.revoked", "API key revoked"),
    ("organization.created", "Organization created"),
    ("organization.settings_changed", "Settings changed"),
    ("member.permissions_changed", "Permissions changed"),
    ("team.created", "Team created"),
    ("team.renamed", "Team renamed"),
    ("team.deleted", "Team deleted"),
    ("team.member_added", "Added to a team"),
    ("team.member_removed", "Removed from a team"),
    ("team.granted", "Team given a permission"),
    ("team.revoked", "Team permission taken away"),
    ("project.created", "Project created"),
    ("project.renamed", "Project renamed"),
    ("project.archived", "Project archived"),
    ("project.member_added", "Project access given"),
    ("user.email_verified", "Email confirmed"),
];

/// Audit events of the organization (owners and admins).
#[component]
pub fn Activity() -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let refresh = expect_context::<OrgRefresh>();
    let slug = StoredValue::new(org.slug.clone());
    let action = RwSignal::new(String::new());
    let befores = RwSignal::new(Vec::<i64>::new());
    Effect::new(move |_| {
        action.track();
        befores.set(Vec::new());
    });
    let page = Resource::new(
        move || {
            (
                slug.get_value(),
                action.get(),
                befores.get().last().copied(),
                refresh.version(),
            )
        },
        |(slug, action, before, _)| list_activity(slug, action, before),
    );
    view! {
        <OrgTitle page="Activity"/>
        <section class="page">
            <div class="toolbar">
                <h1>"Activity"</h1>
                <span style="flex:1"></span>
                <div class="field">
                    <label for="activity-action">"Action"</label>
                    <select id="activity-action" bind:value=action>
                        <option value="">"All actions"</option>
                        {ACTIONS.into_iter().map(|(code, label)| view! { <option value=code>{label}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <ReloadingList loading="Loading activity…">
                {move || Suspend::new(async move {
                    match page.await {
                        Err(err) => view! { <div class="alert alert-error" role="alert">{err.to_string()}</div> }.into_any(),
                        Ok(p) if p.items.is_empty() => view! { <p class="empty">"Nothing has happened yet."</p> }.into_any(),
                        Ok(p) => {
                            let next = p.next_before;
                            let first = befores.with_untracked(Vec::is_empty);
                            view! {
                                <TableBox label="Activity table"><table aria-label="Activity">
                                    <thead><tr><th scope="col">"When"</th><th scope="col">"What happened"</th></tr></thead>
                                    <tbody>
                                        {p.items.into_iter().map(|a| view! {
                                            <tr>
                                                <td class="nowrap">{moment(a.at)}</td>
                                                <td>{a.sentence()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table></TableBox>
                                <nav class="toolbar pager" aria-label="Pages">
                                    <span style="flex:1"></span>
                                    <button type="button" class="button" disabled=first on:click=move |_| befores.update(|b| { b.pop(); })>"Newer"</button>
                                    <button type="button" class="button" disabled=next.is_none() on:click=move |_| {
                                        if let Some(n) = next { befores.update(|b| b.push(n)); }
                                    }>"Older"</button>
                                </nav>
                            }.into_any()
                        }
                    }
                })}
            </ReloadingList>
        </section>
    }
}
