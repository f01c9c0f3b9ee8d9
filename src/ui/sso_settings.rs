//! Settings → Single sign-on (owners): the connection to an identity
//! provider, claimed email domains, and provider groups mapped to teams.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::access::list_teams;
use crate::api::sso::{
    claim_domain, connect_sso, disconnect_sso, map_group, release_domain, single_sign_on,
    unmap_group,
};
use crate::domain::identity::ProviderKind;
use crate::domain::Role;
use crate::error::AppError;
use crate::model::access::TeamItem;
use crate::model::sso::{SsoConnectionRequest, SsoSettings, OWN_PROVIDER};
use crate::ui::dialog::Confirm;
use crate::ui::form::{submit, FormAlert, InlineForm};
use crate::ui::toast::use_toasts;

/// The section; `slug` names the organization.
#[component]
pub fn SingleSignOn(slug: String) -> impl IntoView {
    let slug = StoredValue::new(slug);
    let version = RwSignal::new(0u32);
    let settings = Resource::new(
        move || version.get(),
        move |_| single_sign_on(slug.get_value()),
    );
    let teams = Resource::new(move || version.get(), move |_| list_teams(slug.get_value()));
    view! {
        <section class="card stack" aria-labelledby="sso-heading">
            <h2 id="sso-heading">"Single sign-on"</h2>
            <p class="hint">"People who sign in through your identity provider with an address in a claimed domain join automatically, and their teams follow their groups there."</p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading single sign-on…"</p> }>
                {move || Suspend::new(async move {
                    match (settings.await, teams.await) {
                        (Ok(settings), Ok(teams)) => view! {
                            <Connection slug settings=settings.clone() version/>
                            <Domains slug domains=settings.domains.clone() version/>
                            <Mappings slug settings teams version/>
                        }.into_any(),
                        (Err(err), _) | (_, Err(err)) => view! { <div class="alert alert-error" role="alert">{err.to_string()}</div> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Connection(
    slug: StoredValue<String>,
    settings: SsoSettings,
    version: RwSignal<u32>,
) -> impl IntoView {
    let toasts = use_toasts();
    let error_of = RwSignal::new(None::<AppError>);
    // Field problems stand beside their fields; anything else above the form.
    let error = Signal::derive(move || {
        const FIELDS: [&str; 6] = [
            "issuer",
            "client_id",
            "client_secret",
            "tenant_id",
            "default_role",
            "provider",
        ];
        error_of
            .get()
            .filter(|e| !FIELDS.iter().any(|f| e.field_message(f).is_some()))
            .map(|e| e.to_string())
    });
    // Runs a change; on success says `done` and loads the section again.
    let send = move |change: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), AppError>>>,
    >,
                     done: &'static str| {
        leptos::task::spawn_local(async move {
            match change.await {
                Ok(()) => {
                    error_of.try_set(None);
                    toasts.show(done);
                    version.try_update(|v| *v += 1);
                }
                Err(err) => {
                    error_of.try_set(Some(err));
                }
            }
        });
    };
    let current = settings.connection.clone();
    let provider = RwSignal::new(match &current {
        Some(c) if c.own.is_some() => OWN_PROVIDER.to_owned(),
        Some(c) => c.provider.id.clone(),
        None => settings
            .providers
            .first()
            .map_or(OWN_PROVIDER.to_owned(), |p| p.id.clone()),
    });
    let own = current.as_ref().and_then(|c| c.own.clone());
    let issuer = RwSignal::new(own.as_ref().map(|o| o.issuer.clone()).unwrap_or_default());
    let client_id = RwSignal::new(
        own.as_ref()
            .map(|o| o.client_id.clone())
            .unwrap_or_default(),
    );
    let client_secret = RwSignal::new(String::new());
    let has_secret = own.is_some();
    let is_own = move || provider.get() == OWN_PROVIDER;
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            error_of
                .get()
                .and_then(|e: AppError| e.field_message(field))
        })
    };
    let tenant = RwSignal::new(
        current
            .as_ref()
            .and_then(|c| c.tenant.clone())
            .unwrap_or_default(),
    );
    let role = RwSignal::new(
        current
            .as_ref()
            .map_or(Role::Member, |c| c.default_role)
            .as_str()
            .to_owned(),
    );
    let require = RwSignal::new(current.as_ref().is_some_and(|c| c.require_sso));
    let providers = StoredValue::new(settings.providers.clone());
    let is_entra = move || {
        providers.with_value(|all| {
            all.iter()
                .any(|p| p.id == provider.get() && p.kind == ProviderKind::Entra)
        })
    };
    let confirm_disconnect = RwSignal::new(false);
    let save = move |_| {
        let request = SsoConnectionRequest {
            provider: provider.get_untracked(),
            tenant_id: if is_entra() {
                tenant.get_untracked()
            } else {
                String::new()
            },
            default_role: role.get_untracked().parse().unwrap_or(Role::Member),
            require_sso: require.get_untracked(),
            issuer: issuer.get_untracked(),
            client_id: client_id.get_untracked(),
            client_secret: client_secret.get_untracked(),
        };
        send(
            Box::pin(connect_sso(slug.get_value(), request)),
            "Single sign-on saved.",
        );
    };
    let disconnect = Callback::new(move |()| {
        send(
            Box::pin(disconnect_sso(slug.get_value())),
            "Single sign-on disconnected.",
        );
    });
    let redirect_uri = settings.own_redirect_uri.clone();
    view! {
        <form class="stack" on:submit=move |ev| { ev.prevent_default(); save(()); }>
            <h3>{match &current {
                Some(c) => format!("Connected to {}", c.provider.label),
                None => "Not connected".to_owned(),
            }}</h3>
            <FormAlert message=error/>
            <div class="field-pair">
                <div class="field">
                    <label for="sso-provider">"Identity provider"</label>
                    <select id="sso-provider" bind:value=provider>
                        {settings.providers.iter().map(|p| view! { <option value=p.id.clone()>{p.label.clone()}</option> }).collect_view()}
                        <option value=OWN_PROVIDER>"Your own OpenID Connect provider"</option>
                    </select>
                    <p class="field-error">{move || field_error("provider").get()}</p>
                </div>
                <div class="field">
                    <label for="sso-role">"Role of people who join by signing in"</label>
                    <select id="sso-role" bind:value=role>
                        <option value="member">"Member"</option>
                        <option value="admin">"Admin"</option>
                    </select>
                </div>
            </div>
            <div class="stack" hidden=move || !is_own()>
                <p class="hint">"Register this redirect URI with your provider: " <code>{redirect_uri}</code></p>
                <div class="field">
                    <label for="sso-issuer">"Issuer URL"</label>
                    <input id="sso-issuer" type="url" autocomplete="off" spellcheck="false" bind:value=issuer placeholder="https://login.example.com"
                        aria-invalid=move || field_error("issuer").get().is_some().to_string() aria-describedby="sso-issuer-error"/>
                    <p class="field-error" id="sso-issuer-error">{move || field_error("issuer").get()}</p>
                </div>
                <div class="field-pair">
                    <div class="field">
                        <label for="sso-client-id">"Client ID"</label>
                        <input id="sso-client-id" type="text" autocomplete="off" spellcheck="false" bind:value=client_id
                            aria-invalid=move || field_error("client_id").get().is_some().to_string() aria-describedby="sso-client-id-error"/>
                        <p class="field-error" id="sso-client-id-error">{move || field_error("client_id").get()}</p>
                    </div>
                    <div class="field">
                        <label for="sso-client-secret">"Client secret"</label>
                        <input id="sso-client-secret" type="password" autocomplete="new-password" bind:value=client_secret
                            placeholder=if has_secret { "Stored: leave empty to keep" } else { "" }
                            aria-invalid=move || field_error("client_secret").get().is_some().to_string() aria-describedby="sso-client-secret-error"/>
                        <p class="field-error" id="sso-client-secret-error">{move || field_error("client_secret").get()}</p>
                    </div>
                </div>
            </div>
            <div class="field" hidden=move || !is_entra()>
                <label for="sso-tenant">"Your organization's Tenant ID"</label>
                <input id="sso-tenant" type="text" spellcheck="false" autocomplete="off" bind:value=tenant
                    placeholder="00000000-0000-0000-0000-000000000000" aria-describedby="sso-tenant-hint"/>
                <p class="hint" id="sso-tenant-hint">"Only accounts of this Microsoft Entra tenant join. Empty accepts any tenant."</p>
                <p class="field-error">{move || field_error("tenant_id").get()}</p>
            </div>
            <label class="check">
                <input type="checkbox" bind:checked=require/>
                "Require SSO: members in claimed domains open this organization only after signing in through it"
            </label>
            <div class="dialog-actions">
                {current.is_some().then(|| view! {
                    <button type="button" class="button button-danger" on:click=move |_| confirm_disconnect.set(true)>"Disconnect"</button>
                })}
                <button type="submit" class="button button-primary">"Save single sign-on"</button>
            </div>
        </form>
        <Confirm open=confirm_disconnect title="Disconnect single sign-on?"
            message="Nobody joins by signing in any more and Require SSO stops. Claimed domains and group mappings stay for a later connection."
            confirm_label="Disconnect" on_confirm=disconnect/>
    }.into_any()
}

#[component]
fn Domains(
    slug: StoredValue<String>,
    domains: Vec<String>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let toasts = use_toasts();
    let error = RwSignal::new(None::<String>);
    let typed = RwSignal::new(String::new());
    let releasing = RwSignal::new(None::<String>);
    let confirm_open = RwSignal::new(false);
    let claim = Callback::new(move |()| {
        let domain = typed.get_untracked();
        submit(error, async move {
            let claimed = claim_domain(slug.get_value(), domain).await?;
            toasts.show(format!("{claimed} is claimed."));
            version.update(|v| *v += 1);
            Ok(())
        });
    });
    let release = Callback::new(move |()| {
        let Some(domain) = releasing.get_untracked() else {
            return;
        };
        submit(error, async move {
            release_domain(slug.get_value(), domain.clone()).await?;
            toasts.show(format!("{domain} is no longer claimed."));
            version.update(|v| *v += 1);
            Ok(())
        });
    });
    view! {
        <h3>"Claimed domains"</h3>
        <FormAlert message=error/>
        {if domains.is_empty() {
            view! { <p class="hint">"No domain claimed yet. You can claim the domain of your own verified address."</p> }.into_any()
        } else {
            view! {
                <ul class="list-plain stack" aria-label="Claimed domains">
                    {domains.into_iter().map(|domain| view! {
                        <li class="row-between">
                            <span>{domain.clone()}</span>
                            <button type="button" class="button button-quiet" aria-label=format!("Release {domain}")
                                on:click=move |_| { releasing.set(Some(domain.clone())); confirm_open.set(true); }>"Release"</button>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <InlineForm id="sso-domain" label="Domain" value=typed submit_label="Claim domain" on_submit=claim/>
        <Confirm open=confirm_open title="Release this domain?"
            message=Signal::derive(move || releasing.get().map(|d| format!("People at {d} no longer join by signing in, and Require SSO stops applying to them.")).unwrap_or_default())
            confirm_label="Release" on_confirm=release/>
    }
}

#[component]
fn Mappings(
    slug: StoredValue<String>,
    settings: SsoSettings,
    teams: Vec<TeamItem>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let toasts = use_toasts();
    let error = RwSignal::new(None::<String>);
    let group = RwSignal::new(String::new());
    let team = RwSignal::new(teams.first().map(|t| t.id.to_string()).unwrap_or_default());
    let add = move |_| {
        let (name, team) = (group.get_untracked(), team.get_untracked().parse::<Uuid>());
        submit(error, async move {
            let team = team.map_err(|_| {
                crate::error::AppError::invalid(
                    "team",
                    "Choose a team. Create one on the Teams page first.",
                )
            })?;
            map_group(slug.get_value(), name.clone(), team).await?;
            toasts.show(format!("Members of {name} now join the team."));
            version.update(|v| *v += 1);
            Ok(())
        });
    };
    view! {
        <h3>"Groups and teams"</h3>
        <p class="hint">"At every sign-in through SSO, a member joins the teams mapped to their groups and leaves the mapped teams of groups they left. Teams nobody mapped are never touched."</p>
        <FormAlert message=error/>
        {(!settings.mappings.is_empty()).then(|| view! {
            <ul class="list-plain stack" aria-label="Group mappings">
                {settings.mappings.into_iter().map(|m| {
                    let label = format!("{} → {}", m.group, m.team_name);
                    let (name, id) = (m.group.clone(), m.team_id);
                    view! {
                        <li class="row-between">
                            <span>{label.clone()}</span>
                            <button type="button" class="button button-quiet" aria-label=format!("Remove mapping {label}")
                                on:click=move |_| {
                                    let name = name.clone();
                                    submit(error, async move {
                                        unmap_group(slug.get_value(), name, id).await?;
                                        version.update(|v| *v += 1);
                                        Ok(())
                                    });
                                }>"Remove"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        })}
        <form class="field-pair" on:submit=move |ev| { ev.prevent_default(); add(()); }>
            <div class="field">
                <label for="sso-group">"Provider group"</label>
                <input id="sso-group" type="text" autocomplete="off" bind:value=group/>
            </div>
            <div class="field">
                <label for="sso-team">"Team"</label>
                <select id="sso-team" bind:value=team>
                    {teams.into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <button type="submit" class="button">"Map group"</button>
            </div>
        </form>
    }
}
