//! The Activity page: who did what to whom, newest first.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::members::list_activity;
use crate::ui::format::moment;
use crate::ui::list::ReloadingList;
use crate::ui::org_context::{OrgContext, OrgRefresh};

/// Actions the filter offers.
const ACTIONS: [&str; 17] = [
    "api_key.created",
    "api_key.revoked",
    "invitation.created",
    "invitation.bulk",
    "invitation.resent",
    "invitation.revoked",
    "invitation.accepted",
    "invitation.declined",
    "invitation.expired",
    "invitation.failed",
    "member.role_changed",
    "member.ownership_transferred",
    "member.removed",
    "member.left",
    "organization.created",
    "organization.settings_changed",
    "user.email_verified",
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
        <Title text="Activity"/>
        <section class="page">
            <div class="toolbar">
                <h1>"Activity"</h1>
                <span style="flex:1"></span>
                <div class="field">
                    <label for="activity-action">"Action"</label>
                    <select id="activity-action" bind:value=action>
                        <option value="">"All actions"</option>
                        {ACTIONS.into_iter().map(|a| view! { <option value=a>{a}</option> }).collect_view()}
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
                                <table aria-label="Activity">
                                    <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Action"</th><th scope="col">"Target"</th><th scope="col">"Details"</th></tr></thead>
                                    <tbody>
                                        {p.items.into_iter().map(|a| view! {
                                            <tr>
                                                <td>{moment(a.at)}</td>
                                                <td>{a.actor.unwrap_or_else(|| "Gatehouse".into())}</td>
                                                <td><code>{a.action}</code></td>
                                                <td>{a.target}</td>
                                                <td>{a.details}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
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
