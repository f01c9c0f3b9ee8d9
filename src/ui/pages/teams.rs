//! The Teams page: create, rename and delete teams, add and remove members,
//! and give a team permissions, org-wide or on one project; members inherit
//! what their teams hold. Without `members:view` a team shows its name and
//! its members' names only.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::access::{
    add_team_member, create_team, delete_team, grant_team, list_projects, list_teams,
    remove_team_member, rename_team, revoke_team_grant,
};
use crate::domain::access::{Permission, CATALOGUE};
use crate::error::AppError;
use crate::model::access::{ProjectItem, TeamGrant, TeamItem};
use crate::ui::dialog::Confirm;
use crate::ui::form::{submit, FormAlert, InlineForm, ScopeSelect};
use crate::ui::org_context::{MyPermissions, OrgContext, OrgRefresh, OrgTitle};

/// Runs a team change; on success the organization's lists reload.
fn run(
    error: RwSignal<Option<String>>,
    refresh: OrgRefresh,
    change: impl std::future::Future<Output = Result<(), AppError>> + 'static,
) {
    submit(error, async move {
        change.await?;
        refresh.bump();
        Ok(())
    });
}

/// Teams of the organization.
#[component]
pub fn Teams() -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let refresh = expect_context::<OrgRefresh>();
    let slug = StoredValue::new(org.slug.clone());
    let teams = Resource::new(
        move || (slug.get_value(), refresh.version()),
        |(s, _)| list_teams(s),
    );
    let projects = Resource::new(
        move || (slug.get_value(), refresh.version()),
        |(s, _)| async move { list_projects(s).await.map(|list| list.items) },
    );
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let create = Callback::new(move |()| {
        run(error, refresh, async move {
            create_team(slug.get_value(), name.get_untracked()).await?;
            name.set(String::new());
            Ok(())
        })
    });
    view! {
        <OrgTitle page="Teams"/>
        <section class="page">
            <h1>"Teams"</h1>
            {expect_context::<MyPermissions>().has(Permission::MEMBERS_MANAGE).then(|| view! {
                <InlineForm id="team-name" label="New team name" value=name submit_label="Create team" on_submit=create/>
            })}
            <FormAlert message=error/>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading teams…"</p> }>
                {move || Suspend::new(async move {
                    let projects = projects.await.unwrap_or_default();
                    match teams.await {
                        Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No teams yet. Teams give their members access to projects together."</p> }.into_any(),
                        Ok(list) => list.into_iter().map(|t| view! { <TeamCard team=t projects=projects.clone()/> }).collect_view().into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TeamCard(team: TeamItem, projects: Vec<ProjectItem>) -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let refresh = expect_context::<OrgRefresh>();
    let slug = StoredValue::new(org.slug.clone());
    let mine = expect_context::<MyPermissions>();
    let manage = mine.has(Permission::MEMBERS_MANAGE);
    // Who is in a team decides what they get: changing that needs everything
    // it gives. Managers always see the grants (members:manage shows them).
    let manage_people = manage && team.grants.iter().flatten().all(|g| mine.has(g.permission));
    let id = team.id;
    let email = RwSignal::new(String::new());
    // The first permission offered, so what is shown is what is sent.
    let offered: Vec<Permission> = CATALOGUE.into_iter().filter(|p| mine.has(*p)).collect();
    let permission = RwSignal::new(offered.first().map(|p| p.key()).unwrap_or_default());
    let project = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let confirm_delete = RwSignal::new(false);
    let renaming = RwSignal::new(false);
    let new_name = RwSignal::new(team.name.clone());
    let rename = Callback::new(move |()| {
        run(
            error,
            refresh,
            rename_team(slug.get_value(), id, new_name.get_untracked()),
        )
    });
    let add = Callback::new(move |()| {
        run(
            error,
            refresh,
            add_team_member(slug.get_value(), id, email.get_untracked()),
        )
    });
    let grant = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run(
            error,
            refresh,
            grant_team(
                slug.get_value(),
                id,
                permission.get_untracked(),
                project.get_untracked(),
            ),
        );
    };
    let team_name = team.name.clone();
    view! {
        <section class="card team" aria-label=format!("Team {}", team.name)>
            <div class="toolbar">
                <h2>{team.name.clone()}</h2>
                <span style="flex:1"></span>
                {manage.then(|| view! {
                    <button type="button" class="button" on:click=move |_| renaming.set(true)>"Rename team"</button>
                })}
                {manage_people.then(|| view! {
                    <button type="button" class="button button-quiet" on:click=move |_| confirm_delete.set(true)>"Delete team"</button>
                })}
            </div>
            <Show when=move || renaming.get()>
                <InlineForm id=format!("rename-team-{id}") label="Team name" value=new_name submit_label="Save name"
                    on_submit=rename on_cancel=Callback::new(move |()| renaming.set(false))/>
            </Show>
            <FormAlert message=error/>
            {team.grants.map(|grants| view! { <TeamGrants id team=team_name.clone() grants error/> })}
            <h3>"Members"</h3>
            {team.members.is_empty().then(|| view! { <p class="empty">"No members yet."</p> })}
            <ul aria-label=format!("Members of {}", team.name)>
                {team.members.into_iter().map(|m| {
                    let user = m.user_id;
                    let label = format!("Remove {} from {}", m.name, team_name);
                    view! {
                        <li>
                            {match &m.email {
                                Some(email) => format!("{} ({email})", m.name),
                                None => m.name.clone(),
                            }}
                            {manage_people.then(|| view! {
                                <button type="button" class="button button-quiet" aria-label=label
                                    on:click=move |_| run(error, refresh, async move { remove_team_member(slug.get_value(), id, user).await })>"Remove"</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {manage_people.then(|| view! {
                <InlineForm id=format!("add-{id}") label="Add member by email" kind="email" value=email
                    submit_label="Add to team" on_submit=add/>
            })}
            {manage.then(|| view! {
                <form class="toolbar" on:submit=grant>
                    <div class="field">
                        <label for=format!("grant-permission-{id}")>"Permission"</label>
                        <select id=format!("grant-permission-{id}") bind:value=permission>
                            {offered.into_iter().map(|p| view! { <option value=p.key()>{p.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <ScopeSelect id=format!("grant-where-{id}") value=project projects/>
                    <button type="submit" class="button button-primary">"Give permission"</button>
                </form>
            })}
            <Confirm open=confirm_delete title=format!("Delete team {}?", team.name)
                message="Its members lose what the team gave them; their own access stays."
                confirm_label="Delete team"
                on_confirm=Callback::new(move |()| run(error, refresh, async move { delete_team(slug.get_value(), id).await }))/>
        </section>
    }
}

/// What a team holds; each grant can be taken away by a manager who holds it.
#[component]
fn TeamGrants(
    id: Uuid,
    team: String,
    grants: Vec<TeamGrant>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let refresh = expect_context::<OrgRefresh>();
    let slug = StoredValue::new(org.slug.clone());
    let mine = expect_context::<MyPermissions>();
    let manage = mine.has(Permission::MEMBERS_MANAGE);
    view! {
        <h3>"Permissions"</h3>
        {grants.is_empty().then(|| view! { <p class="empty">"None yet: its members get nothing from this team."</p> })}
        <ul aria-label=format!("Permissions of {team}")>
            {grants.into_iter().map(|g| {
                let what = g.describe();
                // Nobody takes away what they do not hold themselves.
                let removable = manage && mine.has(g.permission);
                let label = format!("Take {what} from {team}");
                let (key, at) = (g.permission.key(), g.project.map(|p| p.id.to_string()).unwrap_or_default());
                view! {
                    <li>
                        {what}
                        {removable.then(|| view! {
                            <button type="button" class="button button-quiet" aria-label=label
                                on:click=move |_| run(error, refresh, revoke_team_grant(slug.get_value(), id, key.clone(), at.clone()))>"Remove"</button>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
