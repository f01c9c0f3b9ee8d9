//! Pages inside an organization: the dashboard and pages still to come.

use leptos::prelude::*;

use crate::api::auth::ResendVerification;
use crate::ui::org_context::{OrgContext, OrgTitle};
use crate::ui::session::use_session;

/// The organization's home page.
#[component]
pub fn Dashboard() -> impl IntoView {
    let OrgContext(org) = expect_context::<OrgContext>();
    view! {
        <OrgTitle page="Dashboard"/>
        <section class="page">
            <h1>{org.name.clone()}</h1>
            <crate::ui::client_only::ClientOnly><VerificationNotice/></crate::ui::client_only::ClientOnly>
            <crate::ui::client_only::ClientOnly><crate::ui::invitation_prompt::InvitationPrompt/></crate::ui::client_only::ClientOnly>
            <div class="cards">
                <div class="card">
                    <h2>"Your role"</h2>
                    <p class="card-figure">{org.role.label()}</p>
                </div>
                <div class="card">
                    <h2>"Invitation links"</h2>
                    <p class="card-figure">{format!("Valid for {} days", org.invitation_ttl_days)}</p>
                </div>
            </div>
            <crate::ui::client_only::ClientOnly>
                <DashboardDetails slug=org.slug.clone() admin=org.role.is_admin()/>
            </crate::ui::client_only::ClientOnly>
        </section>
    }
}

/// Seat usage; for a new organization's admins, the first steps; and an
/// empty project list explained, with the other admins to ask.
#[component]
fn DashboardDetails(slug: String, admin: bool) -> impl IntoView {
    let base = format!("/orgs/{slug}");
    let info = Resource::new(move || slug.clone(), crate::api::orgs::dashboard);
    view! {
        <Transition fallback=|| ()>
            {move || {
                let base = base.clone();
                Suspend::new(async move {
                    info.await.ok().map(|d| {
                        let seats = view! {
                            <div class="card seats">
                                <h2>"Seats"</h2>
                                <p class="card-figure">{d.seats.summary()}</p>
                            </div>
                        };
                        let new_org = d.total_projects == 0 || d.seats.active <= 1;
                        let first_steps = (admin && new_org).then(|| view! {
                            <section class="card" aria-labelledby="first-steps">
                                <h2 id="first-steps">"Getting started"</h2>
                                <ol class="first-steps">
                                    <li><a href=format!("{base}/members")>"Invite someone"</a>" to work with you."</li>
                                    <li><a href=format!("{base}/projects")>"Create a project"</a>" and decide who can see it."</li>
                                    <li><a href=format!("{base}/teams")>"Create a team"</a>" to give several people the same access."</li>
                                </ol>
                            </section>
                        });
                        let projects = if d.visible_projects > 0 {
                            view! { <p class="card">{format!("You can see {} project(s).", d.visible_projects)}</p> }.into_any()
                        } else if admin {
                            ().into_any()
                        } else {
                            let why = if d.total_projects == 0 {
                                "This organization has no projects yet."
                            } else {
                                "Nobody has given you access to any of this organization’s projects yet."
                            };
                            view! {
                                <section class="card empty-projects" aria-labelledby="no-projects">
                                    <h2 id="no-projects">"No projects to show"</h2>
                                    <p>{why}</p>
                                    {(!d.admins.is_empty()).then(|| view! {
                                        <p>"To get access, ask an admin:"</p>
                                        <ul>{d.admins.into_iter().map(|(name, email)| view! { <li>{format!("{name} ({email})")}</li> }).collect_view()}</ul>
                                    })}
                                </section>
                            }.into_any()
                        };
                        view! { <div class="dashboard-details">{seats} {first_steps} {projects}</div> }
                    })
                })
            }}
        </Transition>
    }
}

/// Reminds an unverified user to confirm their address, with a resend button.
#[component]
fn VerificationNotice() -> impl IntoView {
    let session = use_session();
    let resend = ServerAction::<ResendVerification>::new();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let user = session.user.await.ok().flatten();
                user.filter(|u| !u.email_verified).map(|u| view! {
                    <div class="alert alert-info" role="status">
                        <p>{format!("Confirm your email address: we sent a link to {}.", u.email)}</p>
                        <ActionForm action=resend>
                            <button type="submit" class="button button-quiet">"Send the link again"</button>
                        </ActionForm>
                        {move || match resend.value().get() {
                            Some(Ok(())) => Some("A new link is on its way.".to_owned()),
                            Some(Err(e)) => Some(e.to_string()),
                            None => None,
                        }}
                    </div>
                })
            })}
        </Transition>
    }
}
