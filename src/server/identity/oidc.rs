//! The OpenID Connect authorization code flow with PKCE: the request sent
//! to the provider, and every check on its answer. State, nonce and the
//! PKCE verifier live in the server-side session, so whichever replica gets
//! the callback can finish it, and a callback is usable once.

use chrono::{DateTime, Duration, Utc};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse,
    StandardTokenResponse,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::providers::{expected_issuer, ProviderConfig, Providers};
use crate::domain::identity::{vouched_address, AddressClaims, ProviderAccount, ProviderKind};
use crate::error::AppError;
use crate::server::session::store_error;

/// Claims beyond the standard ones that Google and Entra send.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    #[serde(default)]
    hd: Option<String>,
    #[serde(default)]
    tid: Option<String>,
    #[serde(default)]
    oid: Option<String>,
    /// Entra sends it as a boolean, and some tenants as `1` or `"true"`.
    #[serde(default)]
    xms_edov: Option<serde_json::Value>,
    #[serde(default)]
    groups: Option<Vec<String>>,
}
impl AdditionalClaims for ExtraClaims {}

type IdTokenFields = openidconnect::IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResponse = StandardTokenResponse<IdTokenFields, CoreTokenType>;
type Client = openidconnect::Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why the person went to the provider, carried across the round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// Sign in (or up), then open `next` (a path of ours).
    SignIn { next: Option<String> },
    /// Add this provider to the signed-in account.
    Link,
    /// Redeem the invitation behind this link secret.
    Invitation { token: String },
}

/// A started sign-in, kept in the session until its callback.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    provider: String,
    state: String,
    nonce: String,
    verifier: String,
    purpose: Purpose,
    started_at: DateTime<Utc>,
}

const PENDING_KEY: &str = "oidc_pending";
/// How long a person may spend at the provider.
const PENDING_TTL: Duration = Duration::minutes(15);

/// A sign-in the provider answered but we refuse, in words for a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub title: String,
    pub message: String,
    /// A way forward: (label, href).
    pub retry: Option<(String, String)>,
}

impl Refusal {
    pub fn new(title: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            message: message.into(),
            retry: None,
        }
    }

    fn again(provider: &ProviderConfig, message: impl Into<String>) -> Self {
        Self {
            title: format!("Signing in with {} did not work", provider.label),
            message: message.into(),
            retry: Some(("Start again".into(), "/sign-in".into())),
        }
    }
}

impl From<AppError> for Refusal {
    fn from(err: AppError) -> Self {
        Self::new("Signing in did not work", err.to_string())
    }
}

/// Who the provider says signed in, after every check.
#[derive(Debug, Clone)]
pub struct ProviderLogin {
    pub provider: ProviderConfig,
    /// The issuer of the token (for Entra, the tenant's own).
    pub issuer: String,
    pub subject: String,
    pub oid: Option<String>,
    pub claims: AddressClaims,
    pub name: Option<String>,
    pub groups: Vec<String>,
}

impl ProviderLogin {
    /// What an invitation or organization checks: provider, tenant, address.
    pub fn account(&self) -> ProviderAccount {
        ProviderAccount {
            provider: self.provider.id.clone(),
            kind: self.provider.kind,
            tenant: self.claims.tid.clone(),
            vouched: self.vouched(),
        }
    }

    /// The address the provider vouches for and may vouch for.
    pub fn vouched(&self) -> Option<crate::domain::Email> {
        vouched_address(self.provider.kind, &self.claims).filter(|e| self.provider.may_vouch_for(e))
    }

    /// The address the token names, vouched for or not (for messages only).
    pub fn claimed_email(&self) -> String {
        self.claims
            .email
            .clone()
            .unwrap_or_else(|| "an account without an email address".into())
    }
}

fn client(
    config: &crate::server::config::Config,
    provider: &ProviderConfig,
    metadata: CoreProviderMetadata,
) -> Result<Client, AppError> {
    let redirect = RedirectUrl::new(config.link(&format!("/auth/{}/callback", provider.id)))
        .map_err(|_| AppError::Internal)?;
    Ok(Client::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(ClientSecret::new(provider.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}

/// Starts a sign-in: remembers state, nonce and PKCE verifier in the session
/// and answers the provider URL to send the browser to. `choose_account`
/// asks the provider to offer its account picker (after a mismatch).
pub async fn start(
    providers: &Providers,
    config: &crate::server::config::Config,
    session: &Session,
    provider: &ProviderConfig,
    purpose: Purpose,
    choose_account: bool,
) -> Result<String, AppError> {
    let metadata = providers.metadata(provider, false).await?;
    let client = client(config, provider, metadata)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    if choose_account {
        request = request.add_prompt(CoreAuthPrompt::SelectAccount);
    }
    let (url, state, nonce) = request.url();
    let pending = Pending {
        provider: provider.id.clone(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        purpose,
        started_at: Utc::now(),
    };
    session
        .insert(PENDING_KEY, pending)
        .await
        .map_err(store_error)?;
    Ok(url.to_string())
}

/// What the provider sent back to the callback.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Byte-wise comparison that takes the same time wherever they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Finishes a sign-in: the started one is taken out of the session first
/// (so a replayed callback finds nothing), then state, code (with the PKCE
/// verifier), ID token signature, audience, expiry, nonce and issuer (for
/// Entra, the tenant's) are checked.
pub async fn finish(
    providers: &Providers,
    config: &crate::server::config::Config,
    session: &Session,
    provider: &ProviderConfig,
    params: CallbackParams,
) -> Result<(ProviderLogin, Purpose), Refusal> {
    let pending: Option<Pending> = session.remove(PENDING_KEY).await.map_err(store_error)?;
    let Some(pending) = pending else {
        return Err(Refusal::again(
            provider,
            "This sign-in was not started in this browser, or it was already used. Start again from the sign-in page.",
        ));
    };
    if pending.provider != provider.id {
        return Err(Refusal::again(
            provider,
            "The answer came from another provider than the one you chose. Start again.",
        ));
    }
    if Utc::now() - pending.started_at > PENDING_TTL {
        return Err(Refusal::again(
            provider,
            "The sign-in took longer than 15 minutes and ran out. Start again.",
        ));
    }
    if let Some(error) = params.error {
        let detail = params
            .error_description
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        return Err(Refusal::again(
            provider,
            format!("{} did not sign you in: {error}{detail}.", provider.label),
        ));
    }
    if !params
        .state
        .as_deref()
        .is_some_and(|s| same_secret(s, &pending.state))
    {
        return Err(Refusal::again(
            provider,
            "The answer does not belong to the sign-in started in this browser (its state differs). Start again.",
        ));
    }
    let Some(code) = params.code else {
        return Err(Refusal::again(
            provider,
            "The provider sent no authorization code. Start again.",
        ));
    };
    let metadata = providers.metadata(provider, false).await?;
    let document_issuer = metadata.issuer().as_str().trim_end_matches('/').to_owned();
    let client = client(config, provider, metadata)?;
    let exchange = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|_| Refusal::again(provider, "The provider names no token endpoint."))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
        .request_async(providers.http())
        .await;
    let response = exchange.map_err(|err| {
        tracing::info!(provider = %provider.id, "code exchange refused: {err}");
        Refusal::again(
            provider,
            format!("{} refused the sign-in code: it was already used, ran out, or was not issued for this sign-in. Start again.", provider.label),
        )
    })?;
    let id_token = response
        .extra_fields()
        .id_token()
        .ok_or_else(|| Refusal::again(provider, "The provider sent no ID token."))?;
    // Only the operator's Entra may have a templated issuer; every other
    // token's issuer is compared by the crate.
    let templated = provider.kind == ProviderKind::Entra && document_issuer.contains("{tenantid}");
    let verifier = client.id_token_verifier().require_issuer_match(!templated);
    let claims = id_token
        .claims(&verifier, &Nonce::new(pending.nonce))
        .map_err(|err| {
            tracing::info!(provider = %provider.id, "ID token refused: {err}");
            Refusal::again(provider, match err {
                ClaimsVerificationError::Expired(_) => "The provider's ID token has expired (is this machine's clock right?). Start again.".to_owned(),
                ClaimsVerificationError::InvalidNonce(_) => "The ID token was issued for another sign-in (its nonce differs). Start again.".to_owned(),
                ClaimsVerificationError::InvalidIssuer(_) => format!("The ID token was not issued by {} (its issuer differs).", provider.label),
                ClaimsVerificationError::InvalidAudience(_) => "The ID token was issued for another application.".to_owned(),
                other => format!("The ID token could not be verified: {other}."),
            })
        })?;
    let extra = claims.additional_claims();
    let issuer = claims.issuer().as_str().trim_end_matches('/').to_owned();
    if provider.kind == ProviderKind::Entra {
        // A multi-tenant document names `{tenantid}`: the token's issuer
        // must be exactly the one of the tenant the token says it is from.
        let expected = expected_issuer(&document_issuer, extra.tid.as_deref());
        if extra.tid.is_none() || expected.as_deref() != Some(issuer.as_str()) {
            return Err(Refusal::again(
                provider,
                format!(
                    "The ID token's issuer ({issuer}) does not match its tenant ({}).",
                    extra.tid.as_deref().unwrap_or("none")
                ),
            ));
        }
    }
    let flag = |value: &Option<serde_json::Value>| {
        value.as_ref().map(|v| {
            matches!(v, serde_json::Value::Bool(true)) || v == "1" || v == "true" || v == 1
        })
    };
    let login = ProviderLogin {
        provider: provider.clone(),
        issuer,
        subject: claims.subject().as_str().to_owned(),
        oid: extra.oid.clone(),
        claims: AddressClaims {
            email: claims.email().map(|e| e.as_str().to_owned()),
            email_verified: claims.email_verified(),
            hd: extra.hd.clone(),
            xms_edov: flag(&extra.xms_edov),
            tid: extra.tid.clone(),
        },
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
        groups: extra.groups.clone().unwrap_or_default(),
    };
    Ok((login, pending.purpose))
}
