//! The "Invite many" dialog: paste addresses or upload a CSV, choose a
//! default role and teams, "Check" (a dry run that shows each row's outcome),
//! then "Send N invitations" and the per-row result.

use leptos::prelude::*;

use crate::ui::list::TableBox;
use uuid::Uuid;

use crate::api::access::list_teams;
use crate::api::invitations::{bulk_invite, resend_invitation};
use crate::domain::access::Permission;
use crate::domain::bulk::parse_bulk;
use crate::domain::Role;
use crate::error::AppError;
use crate::model::invitations::{BulkOutcome, BulkReport, BulkRequest};
use crate::ui::dialog::Modal;
use crate::ui::form::{self, FormAlert, TeamChecks};
use crate::ui::org_context::{MyPermissions, OrgContext, OrgRefresh};

/// The "Invite many" button and its dialog, shown only to those holding `members:invite`.
#[component]
pub fn BulkInviteIfAllowed() -> impl IntoView {
    expect_context::<MyPermissions>()
        .has(Permission::MEMBERS_INVITE)
        .then(|| {
            let OrgContext(org) = expect_context::<OrgContext>();
            let open = RwSignal::new(false);
            let title = Signal::derive({
                let name = org.name.clone();
                move || format!("Invite many people to {name}")
            });
            view! {
                <button type="button" class="button" on:click=move |_| open.set(true)>"Invite many"</button>
                <Modal open title>
                    <BulkInviteForm org_slug=org.slug.clone() inviter=org.role open/>
                </Modal>
            }
        })
}

#[component]
fn BulkInviteForm(org_slug: String, inviter: Role, open: RwSignal<bool>) -> impl IntoView {
    let refresh = expect_context::<OrgRefresh>();
    let text = RwSignal::new(String::new());
    let role = RwSignal::new("member".to_owned());
    let chosen_teams = RwSignal::new(Vec::<Uuid>::new());
    let outcome = RwSignal::new(None::<Result<BulkReport, AppError>>);
    let pending = RwSignal::new(false);
    let slug = StoredValue::new(org_slug);
    let teams = Resource::new(move || slug.get_value(), list_teams);

    let run = move |dry_run: bool| {
        let rows = match parse_bulk(&text.get_untracked()) {
            Ok(rows) => rows,
            Err(err) => {
                outcome.set(Some(Err(AppError::invalid("rows", err))));
                return;
            }
        };
        let request = BulkRequest {
            rows,
            role: role.get_untracked().parse().unwrap_or(Role::Member),
            teams: chosen_teams.get_untracked(),
            dry_run,
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = bulk_invite(slug.get_value(), request).await;
            if !dry_run && result.is_ok() {
                refresh.bump();
            }
            outcome.try_set(Some(result));
            pending.try_set(false);
        });
    };
    let roles: Vec<Role> = [Role::Member, Role::Admin, Role::Owner]
        .into_iter()
        .filter(|r| inviter.may_grant(*r))
        .collect();
    let rows_error = form::field_error(outcome.into(), "rows");

    view! {
        {move || match outcome.get() {
            Some(Ok(report)) => view! { <BulkResult report slug run pending outcome open/> }.into_any(),
            _ => view! {
                <form class="stack" novalidate on:submit=move |ev| { ev.prevent_default(); run(true); }>
                    <FormAlert message=form::form_error(outcome.into())/>
                    <div class="field">
                        <label for="bulk-addresses">"Addresses"</label>
                        <textarea id="bulk-addresses" rows="8" bind:value=text
                            aria-describedby="bulk-addresses-hint bulk-addresses-error"
                            aria-invalid=move || rows_error.get().is_some().to_string()></textarea>
                        <p class="hint" id="bulk-addresses-hint">
                            "One per line, or separated by commas or semicolons; or CSV lines email,role,teams,note (teams separated by ; or |). At most 500."
                        </p>
                        <p class="field-error" id="bulk-addresses-error" role="status">{move || rows_error.get()}</p>
                    </div>
                    <div class="field">
                        <label for="bulk-csv">"Upload CSV"</label>
                        <input id="bulk-csv" type="file" accept=".csv,text/csv,text/plain"
                            on:change=move |ev| read_file_into(&ev, text)/>
                    </div>
                    <div class="field">
                        <label for="bulk-role">"Default role"</label>
                        <select id="bulk-role" bind:value=role>
                            {roles.iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <Transition fallback=|| view! { <p class="loading">"Loading teams…"</p> }>
                        {move || Suspend::new(async move {
                            let teams = teams.await.unwrap_or_default();
                            view! {
                                <TeamChecks teams chosen=chosen_teams legend="Default teams (optional)"
                                    error=form::field_error(outcome.into(), "teams")/>
                            }
                        })}
                    </Transition>
                    <div class="dialog-actions">
                        <button type="button" class="button" on:click=move |_| open.set(false)>"Cancel"</button>
                        <button type="submit" class="button button-primary" disabled=move || pending.get()>
                            {move || if pending.get() { "Checking…" } else { "Check" }}
                        </button>
                    </div>
                </form>
            }.into_any(),
        }}
    }
}

/// Each row's outcome in a table; after a check, the button that sends.
#[component]
fn BulkResult(
    report: BulkReport,
    slug: StoredValue<String>,
    run: impl Fn(bool) + Copy + Send + Sync + 'static,
    pending: RwSignal<bool>,
    outcome: RwSignal<Option<Result<BulkReport, AppError>>>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let invites = report.invited();
    let caption = if report.dry_run {
        format!(
            "Check: {invites} of {} rows will be invited",
            report.rows.len()
        )
    } else {
        format!("{invites} invitations sent")
    };
    let send_label = match invites {
        1 => "Send 1 invitation".to_owned(),
        n => format!("Send {n} invitations"),
    };
    view! {
        <div class="stack">
            {(!report.dry_run).then(|| view! {
                <div class="alert alert-success" role="status">{caption.clone()}</div>
            })}
            <TableBox label="Results table"><table class="bulk-result">
                <caption>{caption.clone()}</caption>
                <thead>
                    <tr><th scope="col">"Row"</th><th scope="col">"Address"</th><th scope="col">"Outcome"</th></tr>
                </thead>
                <tbody>
                    {report.rows.iter().enumerate().map(|(i, row)| view! {
                        <tr>
                            <td>{i + 1}</td>
                            <th scope="row">{row.email.clone()}</th>
                            <td>
                                {row.outcome.describe()}
                                {match row.outcome {
                                    BulkOutcome::AlreadyInvited { invitation_id } => Some(view! {
                                        <ResendButton slug id=invitation_id email=row.email.clone()/>
                                    }),
                                    _ => None,
                                }}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table></TableBox>
            <div class="dialog-actions">
                {if report.dry_run {
                    view! {
                        <button type="button" class="button" on:click=move |_| outcome.set(None)>"Edit the list"</button>
                        <button type="button" class="button button-primary"
                            disabled=move || pending.get() || invites == 0
                            on:click=move |_| run(false)>
                            {move || if pending.get() { "Sending…".to_owned() } else { send_label.clone() }}
                        </button>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" class="button button-primary" on:click=move |_| open.set(false)>"Done"</button>
                    }.into_any()
                }}
            </div>
        </div>
    }
}

/// Resends an invitation the batch found pending; says how that went.
#[component]
fn ResendButton(slug: StoredValue<String>, id: Uuid, email: String) -> impl IntoView {
    let result = RwSignal::new(None::<Result<(), AppError>>);
    let resend = move |_| {
        leptos::task::spawn_local(async move {
            let done = resend_invitation(slug.get_value(), id).await.map(|_| ());
            result.try_set(Some(done));
        });
    };
    view! {
        {move || match result.get() {
            None => view! {
                <button type="button" class="button" aria-label=format!("Resend the invitation to {email}") on:click=resend>"Resend"</button>
            }.into_any(),
            Some(Ok(())) => view! { <span role="status">" Resent."</span> }.into_any(),
            Some(Err(err)) => view! { <span role="alert">{format!(" {err}")}</span> }.into_any(),
        }}
    }
}

/// Reads the chosen file's text into the Addresses box, in the browser.
fn read_file_into(ev: &leptos::ev::Event, text: RwSignal<String>) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let file = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            leptos::task::spawn_local(async move {
                let content = wasm_bindgen_futures::JsFuture::from(file.text()).await;
                if let Some(content) = content.ok().and_then(|c| c.as_string()) {
                    text.try_set(content);
                }
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, text);
}
