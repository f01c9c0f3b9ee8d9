//! The Members page: who belongs, and the Invite member button.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::members::list_members;
use crate::ui::format::day;
use crate::ui::invite_dialog::InviteButton;
use crate::ui::layout::{OrgContext, OrgRefresh};

/// Lists the organization's active members.
#[component]
pub fn Members() -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let refresh = expect_context::<OrgRefresh>();
    let slug = org.slug.clone();
    let members = Resource::new(move || (slug.clone(), refresh.version()), |(slug, _)| list_members(slug));
    view! {
        <Title text="Members"/>
        <section class="page">
            <div class="toolbar">
                <h1>"Members"</h1>
                <span style="flex:1"></span>
                {org.role.is_admin().then(|| view! { <InviteButton/> })}
            </div>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading members…"</p> }>
                {move || Suspend::new(async move {
                    match members.await {
                        Err(err) => view! { <div class="alert alert-error" role="alert">{err.to_string()}</div> }.into_any(),
                        Ok(rows) => view! {
                            <table aria-label="Members">
                                <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Joined"</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|m| view! {
                                        <tr><td>{m.name}</td><td>{m.email}</td><td>{m.role.label()}</td><td>{day(m.joined_at)}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
