//! The Projects page: the projects you can see; managers create, rename and
//! archive them and see who has access and why.

use leptos::prelude::*;

use crate::ui::list::TableBox;
use uuid::Uuid;

use crate::api::access::{
    add_project_member, create_project, list_projects, project_access, update_project,
};
use crate::model::access::ProjectItem;
use crate::ui::dialog::Confirm;
use crate::ui::form::{submit, FormAlert, InlineForm};
use crate::ui::org_context::{OrgContext, OrgRefresh, OrgTitle};

/// Projects of the organization visible to the signed-in member.
#[component]
pub fn Projects() -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let refresh = expect_context::<OrgRefresh>();
    let slug = StoredValue::new(org.slug.clone());
    let projects = Resource::new(
        move || (slug.get_value(), refresh.version()),
        |(s, _)| list_projects(s),
    );
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let create = Callback::new(move |()| {
        submit(error, async move {
            create_project(slug.get_value(), name.get_untracked()).await?;
            name.set(String::new());
            refresh.bump();
            Ok(())
        })
    });
    view! {
        <OrgTitle page="Projects"/>
        <section class="page">
            <h1>"Projects"</h1>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading projects…"</p> }>
                {move || Suspend::new(async move {
                    match projects.await {
                        Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                        Ok(list) => {
                            let can_manage = list.can_manage;
                            view! {
                                {can_manage.then(|| view! {
                                    <InlineForm id="project-name" label="New project name" value=name submit_label="Create project" on_submit=create/>
                                    <FormAlert message=error/>
                                })}
                                {if list.items.is_empty() {
                                    view! {
                                        <p class="empty">"No projects to show: the organization has none yet, or nobody has given you access to one."</p>
                                    }.into_any()
                                } else {
                                    view! {
                                        <ul class="project-list">
                                            {list.items.into_iter().map(|p| view! { <ProjectRow project=p can_manage/> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ProjectRow(project: ProjectItem, can_manage: bool) -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let refresh = expect_context::<OrgRefresh>();
    let slug = StoredValue::new(org.slug.clone());
    let id: Uuid = project.id;
    let show_access = RwSignal::new(false);
    let granted = RwSignal::new(0u32);
    let access = Resource::new(
        move || (show_access.get(), granted.get()),
        move |(show, _)| async move {
            if show {
                project_access(slug.get_value(), id).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    let renaming = RwSignal::new(false);
    let new_name = RwSignal::new(project.name.clone());
    let confirm_archive = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let save = move |archive: bool| {
        let name = if archive {
            String::new()
        } else {
            new_name.get_untracked()
        };
        submit(error, async move {
            update_project(slug.get_value(), id, name, archive).await?;
            renaming.set(false);
            refresh.bump();
            Ok(())
        })
    };
    let member_email = RwSignal::new(String::new());
    let add_member = Callback::new(move |()| {
        submit(error, async move {
            add_project_member(slug.get_value(), id, member_email.get_untracked()).await?;
            member_email.set(String::new());
            show_access.set(true);
            granted.update(|g| *g += 1);
            Ok(())
        })
    });
    let name = project.name.clone();
    let table_label = StoredValue::new(format!("Access to {}", project.name));
    view! {
        <li class="card project">
            <div class="toolbar">
                <h2>{project.name.clone()}</h2>
                <span style="flex:1"></span>
                <button type="button" class="button" aria-expanded=move || show_access.get().to_string()
                    on:click=move |_| show_access.update(|s| *s = !*s)>{format!("Who has access to {name}")}</button>
                {can_manage.then(|| view! {
                    <button type="button" class="button" on:click=move |_| renaming.set(true)>"Rename"</button>
                    <button type="button" class="button button-quiet" on:click=move |_| confirm_archive.set(true)>"Archive"</button>
                })}
            </div>
            <FormAlert message=error/>
            {can_manage.then(|| view! {
                <InlineForm id=format!("project-member-{id}") label="Give a member access (email)" kind="email"
                    value=member_email submit_label="Give access" on_submit=add_member/>
            })}
            <Show when=move || renaming.get()>
                <InlineForm id=format!("rename-{id}") label="Project name" value=new_name submit_label="Save name"
                    on_submit=Callback::new(move |()| save(false)) on_cancel=Callback::new(move |()| renaming.set(false))/>
            </Show>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match access.await {
                        Ok(Some(rows)) => Some({
                            // Addresses come only to those who see the members list.
                            let emails = rows.iter().any(|r| r.email.is_some());
                            view! {
                                <TableBox label="Access table"><table aria-label=table_label.get_value()>
                                    <thead><tr><th scope="col">"Name"</th>{emails.then(|| view! { <th scope="col">"Email"</th> })}<th scope="col">"Why"</th></tr></thead>
                                    <tbody>{rows.into_iter().map(|r| view! { <tr><td>{r.name}</td>{emails.then(|| view! { <td>{r.email}</td> })}<td>{r.why}</td></tr> }).collect_view()}</tbody>
                                </table></TableBox>
                            }.into_any()
                        }),
                        Ok(None) => None,
                        Err(e) => Some(view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any()),
                    }
                })}
            </Transition>
            <Confirm open=confirm_archive title="Archive project?"
                message="Archived projects disappear for everyone. Access grants on it stop mattering."
                confirm_label="Archive project" on_confirm=Callback::new(move |()| save(true))/>
        </li>
    }
}
