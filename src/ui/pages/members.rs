//! The Members page: seats, search, filter, sort, pages, role changes, removal.
//! Without `members:view` it is the name directory: names and teams only.

use leptos::prelude::*;

use crate::api::members::{list_members, seats};
use crate::domain::access::Permission;
use crate::domain::dates::{day, moment};
use crate::domain::policy::may_change_role;
use crate::domain::Role;
use crate::model::members::{
    page_range, DirectoryEntry, MemberFilter, MemberItem, MemberPage, MemberRows, MemberSort,
    SEES_MEMBER_LIST,
};
use crate::ui::list::{ReloadingList, TableBox};
use crate::ui::member_dialogs::{
    EditMember, EditPermissions, EditTeams, LeaveButton, RemoveMember,
};
use crate::ui::org_context::{MyPermissions, OrgContext, OrgRefresh, OrgTitle};
use crate::ui::popover::{close_on_outside_click, escape_closes};

/// The organization's active members.
#[component]
pub fn Members() -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let refresh = expect_context::<OrgRefresh>();
    let slug = StoredValue::new(org.slug.clone());
    let search = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let sort = RwSignal::new("name".to_owned());
    let descending = RwSignal::new(false);
    // Cursors of the pages before the current one; the last is the current page's.
    let cursors = RwSignal::new(Vec::<String>::new());
    // Changing what is listed starts again from the first page; the same
    // value again (typing, then leaving the field) loads nothing. A search
    // timer may fire after the page is gone: read and write with try_.
    let set_filter = move |filter: RwSignal<String>, value: String| {
        if filter.try_get_untracked().is_some_and(|v| v != value) {
            cursors.try_set(Vec::new());
            filter.try_set(value);
        }
    };
    let page = Resource::new(
        move || {
            (
                slug.get_value(),
                MemberFilter {
                    search: search.get(),
                    // The selects offer only valid values; "" is "all roles".
                    role: role.get().parse().ok(),
                    sort: if sort.get() == "joined" {
                        MemberSort::Joined
                    } else {
                        MemberSort::Name
                    },
                    descending: descending.get(),
                    after: cursors.get().last().cloned().unwrap_or_default(),
                },
                refresh.version(),
            )
        },
        |(slug, filter, _)| list_members(slug, filter),
    );
    let editing = RwSignal::new(None::<MemberItem>);
    let removing = RwSignal::new(None::<MemberItem>);
    let permissions = RwSignal::new(None::<MemberItem>);
    let teams = RwSignal::new(None::<MemberItem>);
    let actions = RowActions {
        editing,
        removing,
        permissions,
        teams,
    };
    let sorting = Sorting {
        sort,
        descending,
        cursors,
    };
    // Search follows typing, once it pauses, rather than every keystroke.
    let typing = StoredValue::new(None::<TimeoutHandle>);
    on_cleanup(move || {
        if let Some(pending) = typing.try_get_value().flatten() {
            pending.clear();
        }
    });
    let search_as_you_type = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        if let Some(pending) = typing.get_value() {
            pending.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                set_filter(search, text);
            },
            std::time::Duration::from_millis(300),
        );
        typing.set_value(handle.ok());
    };
    let mine = expect_context::<MyPermissions>();
    // The directory's search matches names only, and it has no role filter
    // or join-date order: those would reveal what it hides.
    let sees_list = SEES_MEMBER_LIST.into_iter().any(|p| mine.has(p));
    view! {
        <OrgTitle page="Members"/>
        <section class="page">
            <div class="toolbar">
                <h1>"Members"</h1>
                <span style="flex:1"></span>
                <crate::ui::bulk_invite_dialog::BulkInviteIfAllowed/>
                <crate::ui::invite_dialog::InviteIfAllowed/>
            </div>
            <SeatUsage/>
            <div class="toolbar">
                <div class="field">
                    <label for="member-search">"Search members"</label>
                    <input id="member-search" type="search" placeholder=if sees_list { "Name or email" } else { "Name" } maxlength="254"
                        prop:value=move || search.get()
                        on:input=search_as_you_type
                        on:change=move |ev| set_filter(search, event_target_value(&ev))/>
                </div>
                {sees_list.then(|| view! {
                    <div class="field">
                        <label for="member-role">"Role filter"</label>
                        <select id="member-role" prop:value=move || role.get() on:change=move |ev| set_filter(role, event_target_value(&ev))>
                            <option value="">"All roles"</option>
                            {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                        </select>
                    </div>
                })}
            </div>
            <ReloadingList loading="Loading members…">
                {move || Suspend::new(async move {
                    match page.await {
                        Err(err) => view! { <div class="alert alert-error" role="alert">{err.to_string()}</div> }.into_any(),
                        Ok(p) if p.items.is_empty() => view! { <p class="empty">"No members match this search."</p> }.into_any(),
                        Ok(p) => {
                            let pager = pager(&p, cursors);
                            view! {
                                {match p.items {
                                    MemberRows::List(items) => view! { <MemberTable items actions sorting/> }.into_any(),
                                    MemberRows::Directory(entries) => view! { <DirectoryTable entries sorting/> }.into_any(),
                                }}
                                {pager}
                            }.into_any()
                        }
                    }
                })}
            </ReloadingList>
            <EditMember editing/>
            <RemoveMember removing/>
            <EditPermissions editing=permissions/>
            <EditTeams editing=teams/>
            <LeaveButton/>
        </section>
    }
}

/// Where this page is ("1–50 of 65") and, past one page, the buttons to
/// the previous and next pages.
fn pager(page: &MemberPage, cursors: RwSignal<Vec<String>>) -> AnyView {
    let pages_before = cursors.with_untracked(Vec::len);
    let shown = match &page.items {
        MemberRows::List(items) => items.len(),
        MemberRows::Directory(entries) => entries.len(),
    };
    let next = page.next.clone();
    let range = page_range(pages_before, shown, page.total, next.is_some());
    if pages_before == 0 && next.is_none() {
        return view! { <p class="pager hint">{range}</p> }.into_any();
    }
    view! {
        <nav class="toolbar pager" aria-label="Pages">
            <span>{range}</span>
            <span style="flex:1"></span>
            <button type="button" class="button" disabled=pages_before == 0
                on:click=move |_| cursors.update(|c| { c.pop(); })>"Previous page"</button>
            <button type="button" class="button" disabled=next.is_none() on:click=move |_| {
                if let Some(n) = next.clone() { cursors.update(|c| c.push(n)); }
            }>"Next page"</button>
        </nav>
    }
    .into_any()
}

/// The list's order, changed from its column headers: a first press sorts
/// by that column A to Z (oldest first), the next reverses it.
#[derive(Clone, Copy)]
struct Sorting {
    sort: RwSignal<String>,
    descending: RwSignal<bool>,
    cursors: RwSignal<Vec<String>>,
}

impl Sorting {
    /// A column header that sorts by `key` (`name` or `joined`).
    fn header(self, key: &'static str, label: &'static str) -> impl IntoView {
        let active = move || self.sort.get() == key;
        let state = move || match (active(), self.descending.get()) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        };
        let arrow = move || match state() {
            "ascending" => " ↑",
            "descending" => " ↓",
            _ => "",
        };
        let press = move |_| {
            if self.sort.get_untracked() == key {
                self.descending.update(|d| *d = !*d);
            } else {
                self.sort.set(key.to_owned());
                self.descending.set(false);
            }
            self.cursors.set(Vec::new());
        };
        view! {
            <th scope="col" aria-sort=state>
                <button type="button" class="sort" on:click=press>{label}<span aria-hidden="true">{arrow}</span></button>
            </th>
        }
    }
}

/// The dialogs a row's buttons open, each with the member it is for.
#[derive(Clone, Copy)]
struct RowActions {
    editing: RwSignal<Option<MemberItem>>,
    removing: RwSignal<Option<MemberItem>>,
    permissions: RwSignal<Option<MemberItem>>,
    teams: RwSignal<Option<MemberItem>>,
}

/// The members list, for those with `members:view`: addresses, roles, dates
/// and, with `members:manage`, the row actions.
#[component]
fn MemberTable(items: Vec<MemberItem>, actions: RowActions, sorting: Sorting) -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    // Row actions follow the permission the server checks, not the role alone.
    let mine = expect_context::<MyPermissions>();
    let can_manage = mine.has(Permission::MEMBERS_MANAGE);
    let my_role = org.role;
    let RowActions {
        editing,
        removing,
        permissions,
        teams,
    } = actions;
    view! {
        <TableBox label="Members table"><table aria-label="Members">
            <thead><tr>
                {sorting.header("name", "Name")}<th scope="col">"Email"</th><th scope="col">"Role"</th>
                <th scope="col">"Teams"</th>{sorting.header("joined", "Joined")}<th scope="col">"Last active"</th>
                {can_manage.then(|| view! { <th scope="col">"Actions"</th> })}
            </tr></thead>
            <tbody>
                {items.into_iter().map(|m| {
                    let name = m.entry.name.clone();
                    let edit_item = m.clone();
                    let remove_item = m.clone();
                    let perms_item = m.clone();
                    let teams_item = m.clone();
                    let manageable = can_manage && may_change_role(my_role, m.role, m.role).is_ok();
                    // Leaving is the way out for oneself, not Remove.
                    let is_me = mine.is_me(m.entry.user_id);
                    view! {
                        <tr>
                            <td>{name.clone()}{is_me.then_some(" (you)")}</td>
                            <td>{m.email.clone()}</td>
                            <td>{m.role.label()}</td>
                            <td>{m.entry.teams.join(", ")}</td>
                            <td>{day(m.joined_at)}</td>
                            <td>{m.last_active_at.map(moment).unwrap_or_else(|| "Never".into())}</td>
                            {can_manage.then(|| view! {
                                <td>
                                    <RowMenu name=name.clone()>
                                    // Teams need members:manage only; the rest also the role rule.
                                    <button type="button" class="button" aria-label=format!("Teams of {name}")
                                        on:click=move |_| teams.set(Some(teams_item.clone()))>"Teams"</button>
                                    {manageable.then(|| view! {
                                        <button type="button" class="button" aria-label=format!("Change role of {name}")
                                            on:click=move |_| editing.set(Some(edit_item.clone()))>"Change role"</button>
                                        {(m.role != Role::Owner).then(|| view! {
                                            <button type="button" class="button" aria-label=format!("Permissions of {name}")
                                                on:click=move |_| permissions.set(Some(perms_item.clone()))>"Permissions"</button>
                                        })}
                                        {(!is_me).then(|| view! {
                                            <button type="button" class="button button-quiet" aria-label=format!("Remove {name}")
                                                on:click=move |_| removing.set(Some(remove_item.clone()))>"Remove"</button>
                                        })}
                                    })}
                                    </RowMenu>
                                </td>
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></TableBox>
    }
}

/// A row's actions behind one button, so each row stays one line. Choosing
/// an action closes the menu and leaves focus on its button, where the
/// dialog that opens gives it back.
#[component]
fn RowMenu(name: String, children: Children) -> impl IntoView {
    let open = RwSignal::new(false);
    let wrap = NodeRef::<leptos::html::Div>::new();
    let button = NodeRef::<leptos::html::Button>::new();
    close_on_outside_click(wrap, open);
    let chosen = move |_| {
        open.set(false);
        if let Some(button) = button.get_untracked() {
            let _ = button.focus();
        }
    };
    view! {
        <div class="row-menu" node_ref=wrap on:keydown=escape_closes(open, button)>
            <button type="button" class="button" node_ref=button aria-label=format!("Actions for {name}")
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>"Actions"</button>
            <div class="menu row-menu-items" hidden=move || !open.get() on:click=chosen>
                {children()}
            </div>
        </div>
    }
}

/// The name directory every member sees: who is here and in which teams.
#[component]
fn DirectoryTable(entries: Vec<DirectoryEntry>, sorting: Sorting) -> impl IntoView {
    view! {
        <TableBox label="Members table"><table aria-label="Members">
            <thead><tr>{sorting.header("name", "Name")}<th scope="col">"Teams"</th></tr></thead>
            <tbody>
                {entries.into_iter().map(|e| view! {
                    <tr><td>{e.name}</td><td>{e.teams.join(", ")}</td></tr>
                }).collect_view()}
            </tbody>
        </table></TableBox>
    }
}

/// "N of M seats used (k pending invitations)", reloaded with the lists.
#[component]
pub fn SeatUsage() -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let refresh = expect_context::<OrgRefresh>();
    let slug = StoredValue::new(org.slug);
    let usage = Resource::new(
        move || (slug.get_value(), refresh.version()),
        |(slug, _)| seats(slug),
    );
    view! {
        <p class="seat-usage" role="status">
            <Transition fallback=|| "Counting seats…">
                {move || Suspend::new(async move { usage.await.map(|u| u.summary()).unwrap_or_default() })}
            </Transition>
        </p>
    }
}
