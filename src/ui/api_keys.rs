//! Settings → API keys: create a key (its secret shown once), list and revoke.

use leptos::prelude::*;

use crate::api::api_keys::{create_api_key, list_api_keys, revoke_api_key};
use crate::domain::api_key::ApiScope;
use crate::domain::dates::{day, moment};
use crate::error::AppError;
use crate::model::api_keys::{ApiKeyItem, ApiKeyRequest, IssuedApiKey};
use crate::ui::copy_link::CopyLink;
use crate::ui::form::{self, toggle, FormAlert};
use crate::ui::list::{ReloadingList, TableBox};

/// Expiry choices: label and days (`None` for never).
const EXPIRIES: [(&str, &str); 4] = [
    ("30 days", "30"),
    ("90 days", "90"),
    ("1 year", "365"),
    ("Never", ""),
];

/// The API keys section of Settings (owners and admins).
#[component]
pub fn ApiKeys(slug: String) -> impl IntoView {
    let slug = StoredValue::new(slug);
    let version = RwSignal::new(0u32);
    let keys = Resource::new(
        move || (slug.get_value(), version.get()),
        |(slug, _)| list_api_keys(slug),
    );
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec![ApiScope::MembersRead]);
    let expiry = RwSignal::new("90".to_owned());
    let outcome = RwSignal::new(None::<Result<IssuedApiKey, AppError>>);
    let revoke_error = RwSignal::new(None::<String>);
    let create = move || {
        let request = ApiKeyRequest {
            name: name.get_untracked(),
            scopes: scopes.get_untracked(),
            expires_in_days: expiry.get_untracked().parse().ok(),
        };
        leptos::task::spawn_local(async move {
            let result = create_api_key(slug.get_value(), request).await;
            if result.is_ok() {
                name.try_set(String::new());
                version.try_update(|v| *v += 1);
            }
            outcome.try_set(Some(result));
        });
    };
    let result = Signal::derive(move || outcome.get());
    let name_error = form::field_error(result, "name");
    let scopes_error = form::field_error(result, "scopes");
    let expiry_error = form::field_error(result, "expires_in_days");
    view! {
        <section class="stack" aria-labelledby="api-keys-heading">
            <h2 id="api-keys-heading">"API keys"</h2>
            <p class="hint">"Scripts call the JSON API under /api/v1 with a key. A key acts for its creator and can do only what both its scopes and the creator's current access allow."</p>
            {move || outcome.get().and_then(Result::ok).map(|issued| view! {
                <div class="stack card">
                    <div class="alert alert-success" role="status">
                        {format!("API key {} created. Copy it now: it is not shown again.", issued.key.name)}
                    </div>
                    <CopyLink link=issued.secret label="API key" button="Copy key"
                        hint="Anyone with this key can act for you within its scopes. Store it as a secret."/>
                </div>
            })}
            <form class="stack card" style="max-width:420px" novalidate on:submit=move |ev| { ev.prevent_default(); create(); }>
                <FormAlert message=form::form_error(result)/>
                <div class="field">
                    <label for="api-key-name">"Key name"</label>
                    <input id="api-key-name" maxlength="100" bind:value=name
                        aria-invalid=move || name_error.get().is_some().to_string()/>
                    <p class="field-error" role="status">{move || name_error.get()}</p>
                </div>
                <fieldset class="picker">
                    <legend>"Scopes"</legend>
                    {ApiScope::ALL.into_iter().map(|scope| view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || scopes.with(|s| s.contains(&scope))
                                on:change=move |ev| toggle(scopes, scope, event_target_checked(&ev))/>
                            {scope.as_str()}
                        </label>
                    }).collect_view()}
                    <p class="field-error" role="status">{move || scopes_error.get()}</p>
                </fieldset>
                <div class="field">
                    <label for="api-key-expiry">"Expires after"</label>
                    <select id="api-key-expiry" bind:value=expiry>
                        {EXPIRIES.into_iter().map(|(label, days)| view! { <option value=days>{label}</option> }).collect_view()}
                    </select>
                    <p class="field-error" role="status">{move || expiry_error.get()}</p>
                </div>
                <button type="submit" class="button button-primary">"Create API key"</button>
            </form>
            <FormAlert message=revoke_error/>
            <ReloadingList loading="Loading API keys…">
                {move || Suspend::new(async move {
                    match keys.await {
                        Err(err) => view! { <div class="alert alert-error" role="alert">{err.to_string()}</div> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No API keys yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <TableBox label="API keys table"><table aria-label="API keys">
                                <thead><tr>
                                    <th scope="col">"Name"</th><th scope="col">"Key"</th><th scope="col">"Scopes"</th>
                                    <th scope="col">"Created"</th><th scope="col">"Expires"</th><th scope="col">"Last used"</th><th scope="col">""</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|key| key_row(key, slug, version, revoke_error)).collect_view()}
                                </tbody>
                            </table></TableBox>
                        }.into_any(),
                    }
                })}
            </ReloadingList>
        </section>
    }
    // Erased: the section is deep enough to overflow the compiler's layout
    // recursion limit inside Settings.
    .into_any()
}

/// One key's row, with Revoke while it still works.
fn key_row(
    key: ApiKeyItem,
    slug: StoredValue<String>,
    version: RwSignal<u32>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let id = key.id;
    let revoke = move |_| {
        form::submit(error, async move {
            revoke_api_key(slug.get_value(), id).await?;
            version.try_update(|v| *v += 1);
            Ok(())
        })
    };
    let scopes = key
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <tr>
            <td>{key.name.clone()}</td>
            <td><code>{format!("ghk_…{}", key.last_four)}</code></td>
            <td>{scopes}</td>
            <td>{format!("{} by {}", day(key.created_at), key.created_by)}</td>
            <td>{key.expires_at.map(day).unwrap_or_else(|| "Never".into())}</td>
            <td>{key.last_used_at.map(moment).unwrap_or_else(|| "Never".into())}</td>
            <td>{match key.revoked_at {
                Some(at) => view! { <span>{format!("Revoked {}", day(at))}</span> }.into_any(),
                None => view! {
                    <button type="button" class="button" aria-label=format!("Revoke API key {}", key.name) on:click=revoke>"Revoke"</button>
                }.into_any(),
            }}</td>
        </tr>
    }
}
