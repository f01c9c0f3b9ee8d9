//! Sign-in through identity providers: what a provider's claims vouch for,
//! which sign-in method an invitation asks for, and when a provider identity
//! may join an account. The last is where real products were taken over
//! ("nOAuth": an unverified email claim linked to someone else's account),
//! so it is one pure function with a table of tests.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::Email;

/// The families of provider whose claims we know how to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Google,
    /// Microsoft Entra ID (work, school and personal Microsoft accounts).
    Entra,
    /// Any other OpenID Connect provider configured by the operator.
    Generic,
}

/// The Entra tenant of personal Microsoft accounts: Microsoft hosts those
/// mailboxes, so the address is Microsoft's to vouch for.
pub const ENTRA_PERSONAL_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// The claims of a verified ID token that speak about the person's address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressClaims {
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    /// Google: the Workspace domain the account belongs to.
    pub hd: Option<String>,
    /// Entra: whether the tenant verified the email's domain.
    pub xms_edov: Option<bool>,
    /// Entra: the tenant that issued the token.
    pub tid: Option<String>,
}

/// The address the provider vouches for, if any. Only such an address may
/// find or verify an account; any other email claim is a label.
pub fn vouched_address(kind: ProviderKind, claims: &AddressClaims) -> Option<Email> {
    let email = Email::parse(claims.email.as_deref()?).ok()?;
    let domain = email.as_str().rsplit_once('@')?.1;
    let vouched = match kind {
        // Google owns gmail.com; for any other domain only a Workspace
        // account of that domain (`hd`) is Google's to vouch for.
        ProviderKind::Google => {
            claims.email_verified == Some(true)
                && (domain == "gmail.com"
                    || claims.hd.as_deref().map(str::to_lowercase).as_deref() == Some(domain))
        }
        // Entra lets tenant admins set any email on an account; only a
        // domain-verified one (`xms_edov`) or a personal account counts.
        // A personal account may carry any address it was registered with,
        // so only Microsoft's own mail domains count there.
        ProviderKind::Entra => {
            claims.xms_edov == Some(true)
                || (claims.tid.as_deref() == Some(ENTRA_PERSONAL_TENANT)
                    && ["outlook.com", "hotmail.com", "live.com", "msn.com"].contains(&domain))
        }
        // A provider the operator configured is trusted to mean its
        // `email_verified`.
        ProviderKind::Generic => claims.email_verified == Some(true),
    };
    vouched.then_some(email)
}

/// What to do with a provider identity seen for the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linking<U> {
    /// Attach it to this existing account.
    LinkTo(U),
    /// Create an account for this address, already verified.
    NewVerifiedUser(Email),
    /// Neither: the provider did not vouch for an address and nobody is
    /// signed in to claim the identity.
    Refuse,
}

/// The linking rule. `signed_in` is the account of the current session;
/// `vouched` the address the provider vouches for; `owner` the account that
/// holds that address, if any. A signed-in person links to their own account
/// whatever the claims say; otherwise only a vouched address finds or makes
/// an account.
pub fn link<U>(signed_in: Option<U>, vouched: Option<Email>, owner: Option<U>) -> Linking<U> {
    match (signed_in, vouched, owner) {
        (Some(me), _, _) => Linking::LinkTo(me),
        (None, Some(_), Some(owner)) => Linking::LinkTo(owner),
        (None, Some(address), None) => Linking::NewVerifiedUser(address),
        (None, None, _) => Linking::Refuse,
    }
}

/// An Entra tenant id: a GUID, kept in its lower-case hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

/// Why a string is not a tenant id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("A Tenant ID is a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (Entra admin center, Overview).")]
pub struct TenantIdError;

impl TenantId {
    pub fn parse(input: &str) -> Result<Self, TenantIdError> {
        let trimmed = input.trim();
        // Only the hyphenated form people copy from the admin center.
        if trimmed.len() != 36 {
            return Err(TenantIdError);
        }
        uuid::Uuid::try_parse(trimmed)
            .map(|id| Self(id.hyphenated().to_string()))
            .map_err(|_| TenantIdError)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TenantId {
    type Error = TenantIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TenantId> for String {
    fn from(value: TenantId) -> Self {
        value.0
    }
}

/// How an invited person must sign in to redeem an invitation (seed 004).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum SignInMethod {
    /// A password or any configured provider whose vouched address matches.
    #[default]
    Any,
    Google,
    /// Microsoft Entra ID, optionally only accounts of one tenant.
    Entra {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
        tenant: Option<TenantId>,
    },
}

/// The "Sign-in method" picker of the invite dialog (seed 004).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum SignInChoice {
    #[default]
    Any,
    Google,
    Entra,
}

impl SignInChoice {
    pub const ALL: [SignInChoice; 3] =
        [SignInChoice::Any, SignInChoice::Google, SignInChoice::Entra];

    /// The provider a choice needs configured, if any.
    pub fn provider(self) -> Option<ProviderKind> {
        match self {
            SignInChoice::Any => None,
            SignInChoice::Google => Some(ProviderKind::Google),
            SignInChoice::Entra => Some(ProviderKind::Entra),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SignInChoice::Any => "Any",
            SignInChoice::Google => "Google",
            SignInChoice::Entra => "Microsoft Entra ID",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SignInChoice::Any => "any",
            SignInChoice::Google => "google",
            SignInChoice::Entra => "entra",
        }
    }

    /// The choice spelled as [`Self::as_str`] does; anything else is Any.
    pub fn from_str_or_any(value: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == value)
            .unwrap_or_default()
    }

    /// The method this choice makes with the Tenant ID field as typed
    /// (read only for Entra; empty for any tenant).
    pub fn with_tenant(self, tenant: &str) -> Result<SignInMethod, TenantIdError> {
        Ok(match self {
            SignInChoice::Any => SignInMethod::Any,
            SignInChoice::Google => SignInMethod::Google,
            SignInChoice::Entra => SignInMethod::Entra {
                tenant: match tenant.trim() {
                    "" => None,
                    typed => Some(TenantId::parse(typed)?),
                },
            },
        })
    }
}

/// Who signed in through a provider, as far as an invitation cares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderAccount {
    /// The configured provider's name (`google`, `entra`, ...).
    pub provider: String,
    pub kind: ProviderKind,
    pub tenant: Option<String>,
    pub vouched: Option<Email>,
}

/// Why a provider account may not redeem an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodMismatch {
    Provider,
    Tenant,
    Address,
}

impl SignInMethod {
    /// The provider kind this method requires, if any.
    pub fn provider(&self) -> Option<ProviderKind> {
        match self {
            SignInMethod::Any => None,
            SignInMethod::Google => Some(ProviderKind::Google),
            SignInMethod::Entra { .. } => Some(ProviderKind::Entra),
        }
    }

    /// How this method is named to people.
    pub fn label(&self) -> String {
        match self {
            SignInMethod::Any => "Any sign-in method".into(),
            SignInMethod::Google => "Google".into(),
            SignInMethod::Entra { tenant: None } => "Microsoft Entra ID".into(),
            SignInMethod::Entra {
                tenant: Some(tenant),
            } => format!("Microsoft Entra ID (tenant {tenant})"),
        }
    }

    /// Whether `account` may redeem an invitation for `invited` under this
    /// method: the right provider, the right tenant, and the invited address
    /// vouched for by the provider.
    pub fn admits(&self, invited: &Email, account: &ProviderAccount) -> Result<(), MethodMismatch> {
        if let Some(kind) = self.provider() {
            if account.kind != kind {
                return Err(MethodMismatch::Provider);
            }
        }
        if let SignInMethod::Entra {
            tenant: Some(tenant),
        } = self
        {
            if account.tenant.as_deref() != Some(tenant.as_str()) {
                return Err(MethodMismatch::Tenant);
            }
        }
        if account.vouched.as_ref() != Some(invited) {
            return Err(MethodMismatch::Address);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(email: &str) -> AddressClaims {
        AddressClaims {
            email: Some(email.into()),
            ..AddressClaims::default()
        }
    }

    #[test]
    fn what_each_provider_vouches_for() {
        use ProviderKind::*;
        let verified = |email: &str| AddressClaims {
            email_verified: Some(true),
            ..claims(email)
        };
        let table: Vec<(ProviderKind, AddressClaims, Option<&str>)> = vec![
            (Google, verified("ann@gmail.com"), Some("ann@gmail.com")),
            (Google, claims("ann@gmail.com"), None),
            (
                Google,
                AddressClaims {
                    email_verified: Some(false),
                    ..claims("ann@gmail.com")
                },
                None,
            ),
            (Google, verified("ann@acme.test"), None),
            (
                Google,
                AddressClaims {
                    hd: Some("acme.test".into()),
                    ..verified("Ann@Acme.test")
                },
                Some("ann@acme.test"),
            ),
            (
                Google,
                AddressClaims {
                    hd: Some("other.test".into()),
                    ..verified("ann@acme.test")
                },
                None,
            ),
            (Entra, claims("ann@acme.test"), None),
            (
                Entra,
                AddressClaims {
                    email_verified: Some(true),
                    ..claims("ann@acme.test")
                },
                None,
            ),
            (
                Entra,
                AddressClaims {
                    xms_edov: Some(true),
                    ..claims("ann@acme.test")
                },
                Some("ann@acme.test"),
            ),
            (
                Entra,
                AddressClaims {
                    xms_edov: Some(false),
                    ..claims("ann@acme.test")
                },
                None,
            ),
            (
                Entra,
                AddressClaims {
                    tid: Some(ENTRA_PERSONAL_TENANT.into()),
                    ..claims("ann@outlook.com")
                },
                Some("ann@outlook.com"),
            ),
            (
                Entra,
                AddressClaims {
                    tid: Some(ENTRA_PERSONAL_TENANT.into()),
                    ..claims("ann@acme.test")
                },
                None,
            ),
            (Generic, verified("ann@acme.test"), Some("ann@acme.test")),
            (Generic, claims("ann@acme.test"), None),
            (
                Generic,
                AddressClaims {
                    email: Some("not an address".into()),
                    email_verified: Some(true),
                    ..Default::default()
                },
                None,
            ),
            (
                Generic,
                AddressClaims {
                    email_verified: Some(true),
                    ..Default::default()
                },
                None,
            ),
        ];
        for (i, (kind, claims, expected)) in table.into_iter().enumerate() {
            let got = vouched_address(kind, &claims);
            assert_eq!(
                got.as_ref().map(Email::as_str),
                expected,
                "row {i}: {kind:?} {claims:?}"
            );
        }
    }

    #[test]
    fn linking_rule() {
        let ann = || Some(Email::parse("ann@acme.test").unwrap());
        // (signed in, vouched address, its owner) -> outcome
        type Row<'a> = (
            Option<&'a str>,
            Option<Email>,
            Option<&'a str>,
            Linking<&'a str>,
        );
        let table: Vec<Row> = vec![
            (Some("me"), None, None, Linking::LinkTo("me")),
            (Some("me"), ann(), Some("ann"), Linking::LinkTo("me")),
            (Some("me"), ann(), None, Linking::LinkTo("me")),
            (None, ann(), Some("ann"), Linking::LinkTo("ann")),
            (None, ann(), None, Linking::NewVerifiedUser(ann().unwrap())),
            // An unvouched claim finds nobody, even when its address has an owner
            // (the caller passes no owner since it looks one up only by a vouched address).
            (None, None, None, Linking::Refuse),
            (None, None, Some("ann"), Linking::Refuse),
        ];
        for (i, (me, vouched, owner, expected)) in table.into_iter().enumerate() {
            assert_eq!(link(me, vouched, owner), expected, "row {i}");
        }
    }

    #[test]
    fn invitation_methods() {
        let ann = Email::parse("ann@acme.test").unwrap();
        let tenant = TenantId::parse("72F988BF-86F1-41AF-91AB-2D7CD011DB47").unwrap();
        assert_eq!(tenant.as_str(), "72f988bf-86f1-41af-91ab-2d7cd011db47");
        let account = |kind, tid: Option<&str>, vouched: Option<&str>| ProviderAccount {
            provider: format!("{kind:?}").to_lowercase(),
            kind,
            tenant: tid.map(str::to_owned),
            vouched: vouched.map(|v| Email::parse(v).unwrap()),
        };
        let entra_in = SignInMethod::Entra {
            tenant: Some(tenant.clone()),
        };
        use MethodMismatch::*;
        use ProviderKind::*;
        let table = vec![
            (
                SignInMethod::Any,
                account(Google, None, Some("ann@acme.test")),
                Ok(()),
            ),
            (
                SignInMethod::Any,
                account(Generic, None, Some("bob@acme.test")),
                Err(Address),
            ),
            (
                SignInMethod::Google,
                account(Google, None, Some("ann@acme.test")),
                Ok(()),
            ),
            (
                SignInMethod::Google,
                account(Entra, None, Some("ann@acme.test")),
                Err(Provider),
            ),
            (
                SignInMethod::Google,
                account(Google, None, None),
                Err(Address),
            ),
            (
                SignInMethod::Entra { tenant: None },
                account(Entra, Some("x"), Some("ann@acme.test")),
                Ok(()),
            ),
            (
                entra_in.clone(),
                account(Entra, Some(tenant.as_str()), Some("ann@acme.test")),
                Ok(()),
            ),
            (
                entra_in.clone(),
                account(
                    Entra,
                    Some("11111111-1111-1111-1111-111111111111"),
                    Some("ann@acme.test"),
                ),
                Err(Tenant),
            ),
            (
                entra_in,
                account(Google, None, Some("ann@acme.test")),
                Err(Provider),
            ),
        ];
        for (i, (method, account, expected)) in table.into_iter().enumerate() {
            assert_eq!(method.admits(&ann, &account), expected, "row {i}");
        }
        for bad in [
            "",
            "abc",
            "72f988bf86f141af91ab2d7cd011db47",
            "{72f988bf-86f1-41af-91ab-2d7cd011db47}",
            "zzf988bf-86f1-41af-91ab-2d7cd011db47",
        ] {
            assert_eq!(TenantId::parse(bad), Err(TenantIdError), "{bad:?}");
        }
    }
}
