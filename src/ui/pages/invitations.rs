//! The Invitations tab: every invitation (or, for a delegated inviter, their
//! own) with its true status and delivery, filterable, with Resend and Revoke
//! where the viewer may use them.

use leptos::prelude::*;

use crate::api::invitations::{list_invitations, resend_invitation, revoke_invitation};
use crate::domain::dates::{day, moment};
use crate::domain::invitation::InvitationStatus;
use crate::error::AppError;
use crate::model::invitations::{
    Delivery, InvitationItem, InvitationList, IssuedInvitation, INVITATIONS_PAGE,
};
use crate::ui::copy_link::CopyLink;
use crate::ui::dialog::Confirm;
use crate::ui::list::{ReloadingList, TableBox};
use crate::ui::org_context::{OrgContext, OrgRefresh, OrgTitle};
use crate::ui::toast::use_toasts;

/// The invitations of the organization.
#[component]
pub fn Invitations() -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    let refresh = expect_context::<OrgRefresh>();
    let filter = RwSignal::new(String::new());
    // The cursors of the pages before this one: newest first, none on page one.
    let cursors = RwSignal::new(Vec::<String>::new());
    let slug = StoredValue::new(org.slug.clone());
    let invitations = Resource::new(
        move || {
            let after = cursors.with(|c| c.last().cloned().unwrap_or_default());
            (slug.get_value(), filter.get(), after, refresh.version())
        },
        |(slug, status, after, _)| list_invitations(slug, status, after),
    );
    let resent = RwSignal::new(None::<Result<IssuedInvitation, AppError>>);
    let revoking = RwSignal::new(None::<InvitationItem>);
    let confirm_open = RwSignal::new(false);
    let resend = move |id| {
        leptos::task::spawn_local(async move {
            let result = resend_invitation(slug.get_value(), id).await;
            if result.is_ok() {
                refresh.bump();
            }
            resent.try_set(Some(result));
        });
    };
    let toasts = use_toasts();
    let revoke = Callback::new(move |()| {
        if let Some(item) = revoking.get_untracked() {
            leptos::task::spawn_local(async move {
                match revoke_invitation(slug.get_value(), item.id).await {
                    Ok(()) => {
                        // A "sent again" banner would now describe a dead link.
                        resent.try_set(None);
                        refresh.bump();
                        toasts.show(format!("Invitation to {} revoked.", item.email));
                    }
                    Err(err) => {
                        resent.try_set(Some(Err(err)));
                    }
                }
            });
        }
    });
    view! {
        <OrgTitle page="Invitations"/>
        <section class="page">
            <div class="toolbar">
                <h1>"Invitations"</h1>
                <span style="flex:1"></span>
                <div class="field">
                    <label for="status-filter">"Status"</label>
                    <select id="status-filter" prop:value=move || filter.get()
                        on:change=move |ev| {
                            // Another status starts again from its newest page.
                            cursors.set(Vec::new());
                            filter.set(event_target_value(&ev));
                        }>
                        <option value="">"All"</option>
                        {InvitationStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{title_case(s.as_str())}</option> }).collect_view()}
                    </select>
                </div>
                <crate::ui::invite_dialog::InviteIfAllowed/>
            </div>
            {move || resent.get().map(|r| match r {
                Ok(issued) => view! {
                    <div class="alert alert-success" role="status">
                        <p>{format!("Sent again to {}. The new link works until {}; older links no longer work.", issued.mailed_to, moment(issued.expires_at))}</p>
                        <CopyLink link=issued.link/>
                    </div>
                }.into_any(),
                Err(err) => view! { <div class="alert alert-error" role="alert">{err.to_string()}</div> }.into_any(),
            })}
            <ReloadingList loading="Loading invitations…">
                {move || Suspend::new(async move {
                    match invitations.await {
                        Err(err) => view! { <div class="alert alert-error" role="alert">{err.to_string()}</div> }.into_any(),
                        Ok(list) if list.items.is_empty() => view! {
                            // A later page emptied (its last row revoked): the way back.
                            {pager(0, None, cursors)}
                            <p class="empty">{if filter.get_untracked().is_empty() {
                                "No invitations yet. Use “Invite member” to add someone."
                            } else {
                                "No invitations with this status."
                            }}</p>
                        }.into_any(),
                        Ok(InvitationList { items: rows, next, .. }) => view! {
                            {pager(rows.len(), next, cursors)}
                            <TableBox label="Invitations table"><table aria-label="Invitations">
                                <thead><tr>
                                    <th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Status"</th>
                                    <th scope="col">"Invited by"</th><th scope="col">"Sent"</th><th scope="col">"Expires / decided"</th>
                                    <th scope="col">"Delivery"</th><th scope="col">"Actions"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|item| row(item, resend, revoking, confirm_open)).collect_view()}
                                </tbody>
                            </table></TableBox>
                        }.into_any(),
                    }
                })}
            </ReloadingList>
            <Confirm
                open=confirm_open
                title="Revoke invitation?"
                message=Signal::derive(move || revoking.get().map(|i| format!(
                    "The invitation link sent to {} will stop working at once. You can invite them again later.", i.email
                )).unwrap_or_default())
                confirm_label="Revoke invitation"
                on_confirm=revoke
            />
        </section>
    }
}

/// Which invitations this page holds ("51–100") and, past one page, the
/// buttons to newer and older ones.
fn pager(shown: usize, next: Option<String>, cursors: RwSignal<Vec<String>>) -> AnyView {
    let pages_before = cursors.with_untracked(Vec::len);
    if pages_before == 0 && next.is_none() {
        return ().into_any();
    }
    let first = pages_before * INVITATIONS_PAGE + 1;
    let range = match shown {
        0 => "No invitations on this page".to_owned(),
        _ => format!("Invitations {first}–{}", first + shown - 1),
    };
    view! {
        <nav class="toolbar pager" aria-label="Invitation pages">
            <span>{range}</span>
            <span style="flex:1"></span>
            // Relative to the page drawn, so a second click while the next
            // page loads moves no further.
            <button type="button" class="button" disabled=pages_before == 0
                on:click=move |_| cursors.update(|c| c.truncate(pages_before.saturating_sub(1)))>"Newer invitations"</button>
            <button type="button" class="button" disabled=next.is_none() on:click=move |_| {
                if let Some(n) = next.clone() { cursors.update(|c| { c.truncate(pages_before); c.push(n); }); }
            }>"Older invitations"</button>
        </nav>
    }
    .into_any()
}

fn title_case(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn row(
    item: InvitationItem,
    resend: impl Fn(uuid::Uuid) + Copy + Send + Sync + 'static,
    revoking: RwSignal<Option<InvitationItem>>,
    confirm_open: RwSignal<bool>,
) -> impl IntoView {
    let status = item.status;
    let when = match item.decided_at {
        Some(at) if status.is_final() => format!("{} {}", title_case(status.as_str()), day(at)),
        _ => format!("Expires {}", day(item.expires_at)),
    };
    let delivery = match &item.delivery {
        Delivery::Queued => "Queued".to_owned(),
        Delivery::Retrying { reason } => format!("Retrying: {reason}"),
        Delivery::Delivered => "Delivered".to_owned(),
        Delivery::Failed { reason } => format!("Failed: {reason}"),
    };
    let id = item.id;
    let email = item.email.clone();
    let resend_label = if status == InvitationStatus::Pending {
        "Resend"
    } else {
        "Invite again"
    };
    let item_for_revoke = item.clone();
    view! {
        <tr>
            <td>
                {item.email.clone()}
                {item.sign_in.provider().map(|_| view! { <p class="hint">{format!("Sign in with {}", item.sign_in.label())}</p> })}
                {item.note.clone().map(|n| view! { <p class="hint">{format!("Why: {n}")}</p> })}
            </td>
            <td>{item.role.label()}</td>
            <td><span class=format!("status status-{}", status.as_str())>{title_case(status.as_str())}</span></td>
            <td>{item.invited_by.clone()}</td>
            <td>{day(item.sent_at)}</td>
            <td>{when}</td>
            <td>{delivery}</td>
            <td>
                {(item.can_manage && status != InvitationStatus::Accepted).then(|| view! {
                    <button type="button" class="button" aria-label=format!("{resend_label} invitation to {email}")
                        on:click=move |_| resend(id)>{resend_label}</button>
                })}
                {(item.can_manage && status == InvitationStatus::Pending).then(|| view! {
                    <button type="button" class="button button-quiet" aria-label=format!("Revoke invitation to {}", item.email)
                        on:click=move |_| { revoking.set(Some(item_for_revoke.clone())); confirm_open.set(true); }>"Revoke"</button>
                })}
            </td>
        </tr>
    }
}
