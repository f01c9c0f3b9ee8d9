//! What a verified provider login does: open an account, link a provider
//! to the signed-in one, or redeem the invitation it was started for.

use super::identities::{resolve, Resolved};
use super::oidc::{ProviderLogin, Purpose, Refusal};
use crate::domain::identity::MethodMismatch;
use crate::domain::text::{safe_next, urlencode};
use crate::server::accounts;
use crate::server::actor::User;
use crate::server::invitations::link;
use crate::server::sso::provision::{self, Provisioning};
use crate::server::state::AppState;

/// Where a finished sign-in lands.
pub struct Landing {
    pub user: User,
    /// The path to open next.
    pub to: String,
}

/// Carries out `purpose` for a verified login; `signed_in` is the account
/// of the session the flow started in.
pub async fn complete(
    state: &AppState,
    login: &ProviderLogin,
    purpose: &Purpose,
    signed_in: Option<&User>,
) -> Result<Landing, Refusal> {
    match purpose {
        Purpose::SignIn { next } => {
            // A sign-in never links into whoever happens to be signed in.
            let user = account(state, login, None).await?;
            let to = safe_next(next.clone());
            match provision::on_sign_in(&state.pool, &user, &login.account(), &login.groups).await? {
                Provisioning::NotSso => Ok(Landing { user, to }),
                // Straight into the organization, unless a page was asked for.
                Provisioning::Member(org) => {
                    accounts::switch_to(&state.pool, &user, org.id).await?;
                    Ok(Landing {
                        to: if to == "/" { format!("/orgs/{}", org.slug) } else { to },
                        user,
                    })
                }
                Provisioning::NoSeat { org_name } => Err(Refusal::new(
                    format!("{org_name} has no free seat"),
                    format!("You signed in through {org_name}'s single sign-on, but every seat is taken, so you could not be added. Its owners have been told; try again once they free a seat."),
                )),
            }
        }
        Purpose::Link => {
            let me = signed_in.ok_or_else(|| {
                Refusal::new("Sign in first", "Linking a provider needs you signed in to the account it joins. Sign in, then link it from your account page.")
            })?;
            // An unconfirmed account may be someone else's address waiting for its owner.
            if me.email_verified_at.is_none() {
                return Err(Refusal::new(
                    "Confirm your email first",
                    "Link a provider once your address is confirmed: open the link we sent you.",
                ));
            }
            let user = account(state, login, Some(me)).await?;
            Ok(Landing {
                user,
                to: "/account".into(),
            })
        }
        Purpose::Invitation { token } => redeem(state, login, token).await,
    }
}

async fn account(
    state: &AppState,
    login: &ProviderLogin,
    signed_in: Option<&User>,
) -> Result<User, Refusal> {
    let label = &login.provider.label;
    match resolve(&state.pool, login, signed_in).await? {
        Resolved::Account(user) => Ok(user),
        Resolved::LinkedElsewhere => Err(Refusal::new(
            format!("This {label} account is linked to another account"),
            format!("{} already signs in to another Gatehouse account. Sign out and sign in with {label} to use that one, or unlink it there first.", login.claimed_email()),
        )),
        Resolved::SignInFirst => Err(Refusal::new(
            "Sign in to your account first",
            format!("An account with {} already exists. Sign in to it, then link {label} from Your account.", login.claimed_email()),
        )),
        Resolved::Unvouched => Err(Refusal::new(
            format!("{label} did not confirm an email address"),
            format!("{label} did not vouch for the address of this account ({}), so it cannot open or create an account here. Sign in with your password, then link {label} from your account page.", login.claimed_email()),
        )),
    }
}

/// Redeems an invitation at once when the login is the one it asks for;
/// otherwise says what was expected and what was used, and leaves it pending.
async fn redeem(state: &AppState, login: &ProviderLogin, token: &str) -> Result<Landing, Refusal> {
    let wanted = link::restriction(&state.pool, token).await?;
    let used = login.account();
    if let Err(mismatch) = wanted.method.admits(&wanted.email, &used) {
        let expected = match wanted.method.provider() {
            None => format!("an account with the address {}", wanted.email),
            Some(_) => format!("{} as {}", wanted.method.label(), wanted.email),
        };
        let got = match mismatch {
            MethodMismatch::Provider => {
                format!("{} ({})", login.provider.label, login.claimed_email())
            }
            MethodMismatch::Tenant => format!(
                "{} account {} of tenant {}",
                login.provider.label,
                login.claimed_email(),
                used.tenant.as_deref().unwrap_or("(none)")
            ),
            MethodMismatch::Address => match &used.vouched {
                Some(address) => format!("{} as {address}", login.provider.label),
                None => format!(
                    "{} as {}, an address {} did not confirm",
                    login.provider.label,
                    login.claimed_email(),
                    login.provider.label
                ),
            },
        };
        let provider = wanted
            .method
            .provider()
            .and_then(|kind| state.providers.of_kind(kind))
            .unwrap_or(&login.provider);
        return Err(Refusal {
            title: "This invitation is for another account".into(),
            message: format!("The invitation to {} expects {expected}. You signed in with {got}. The invitation is still open.", wanted.org_name),
            retry: Some((
                "Sign in with another account".into(),
                format!("/auth/{}/start?invitation={}&choose=true", provider.id, urlencode(token)),
            )),
        });
    }
    let user = account(state, login, None).await?;
    let org = link::accept(&state.pool, token, &user, Some(&used)).await?;
    // Their groups count from the first sign-in on.
    provision::on_sign_in(&state.pool, &user, &used, &login.groups).await?;
    Ok(Landing {
        user,
        to: format!("/orgs/{}", org.slug),
    })
}
