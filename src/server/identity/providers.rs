//! The identity providers this server is configured for (from the
//! environment) and what their discovery documents say.

use openidconnect::core::{CoreJsonWebKeySet, CoreProviderMetadata};
use openidconnect::{IssuerUrl, JsonWebKeySetUrl};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::domain::identity::ProviderKind;
use crate::domain::sso::EmailDomain;
use crate::domain::Email;
use crate::error::AppError;
use crate::model::auth::ProviderButton;

/// One configured provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The name in URLs and the database: `google`, `entra`, or the generic one's own.
    pub id: String,
    /// What the "Continue with ..." button says.
    pub label: String,
    pub kind: ProviderKind,
    /// The issuer whose `/.well-known/openid-configuration` is read. For
    /// Entra's multi-tenant endpoints the document names a templated issuer
    /// (`.../{tenantid}/v2.0`), filled from each token's `tid`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Whose provider it is, which bounds the addresses it may vouch for.
    pub owner: ProviderOwner,
}

/// Who configured a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderOwner {
    /// The operator, in the environment: trusted for any address it vouches for.
    Operator,
    /// An organization, in its SSO settings: anyone can make one, so it
    /// vouches only for addresses in the domains that organization claims,
    /// and never signs in to an account it did not make or was not linked to.
    Organization { domains: Vec<EmailDomain> },
}

impl ProviderConfig {
    /// Whether this provider may vouch for `email` at all.
    pub fn may_vouch_for(&self, email: &Email) -> bool {
        match &self.owner {
            ProviderOwner::Operator => true,
            ProviderOwner::Organization { domains } => domains.contains(&EmailDomain::of(email)),
        }
    }

    /// Its "Continue with ..." button.
    pub fn button(&self) -> ProviderButton {
        ProviderButton {
            id: self.id.clone(),
            label: self.label.clone(),
            kind: self.kind,
        }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A provider configured by `{prefix}_CLIENT_ID`, `{prefix}_CLIENT_SECRET`
/// and `{prefix}_ISSUER`; `None` when neither id nor secret is set.
fn from_vars(
    prefix: &str,
    id: &str,
    label: String,
    kind: ProviderKind,
    default_issuer: Option<&str>,
) -> Result<Option<ProviderConfig>, String> {
    let (client_id, secret) = (
        var(&format!("{prefix}_CLIENT_ID")),
        var(&format!("{prefix}_CLIENT_SECRET")),
    );
    let (client_id, client_secret) = match (client_id, secret) {
        (None, None) => return Ok(None),
        (Some(id), Some(secret)) => (id, secret),
        _ => {
            return Err(format!(
                "{prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET go together: set both to offer this provider, or neither"
            ))
        }
    };
    let issuer = var(&format!("{prefix}_ISSUER"))
        .or_else(|| default_issuer.map(str::to_owned))
        .ok_or_else(|| format!("{prefix}_ISSUER is needed: the provider's issuer URL"))?;
    IssuerUrl::new(issuer.clone())
        .map_err(|e| format!("{prefix}_ISSUER must be a URL, got {issuer:?}: {e}"))?;
    Ok(Some(ProviderConfig {
        id: id.to_owned(),
        label,
        kind,
        issuer: issuer.trim_end_matches('/').to_owned(),
        client_id,
        client_secret,
        owner: ProviderOwner::Operator,
    }))
}

/// Every provider the environment configures: `GOOGLE_*`, `ENTRA_*`, and
/// one `OIDC_<NAME>_*` set per name in `OIDC_PROVIDERS`.
pub fn from_env() -> Result<Vec<ProviderConfig>, String> {
    let mut providers = Vec::new();
    providers.extend(from_vars(
        "GOOGLE",
        "google",
        "Google".into(),
        ProviderKind::Google,
        Some("https://accounts.google.com"),
    )?);
    providers.extend(from_vars(
        "ENTRA",
        "entra",
        "Microsoft".into(),
        ProviderKind::Entra,
        Some("https://login.microsoftonline.com/common/v2.0"),
    )?);
    for name in var("OIDC_PROVIDERS")
        .unwrap_or_default()
        .split([',', ' '])
        .filter(|n| !n.is_empty())
    {
        let id = name.to_lowercase();
        if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            || ["google", "entra"].contains(&id.as_str())
        {
            return Err(format!(
                "OIDC_PROVIDERS names must be letters, digits and dashes, other than google and entra; got {name:?}"
            ));
        }
        let prefix = format!("OIDC_{}", id.to_uppercase().replace('-', "_"));
        let label = var(&format!("{prefix}_LABEL")).unwrap_or_else(|| name.to_owned());
        let provider =
            from_vars(&prefix, &id, label, ProviderKind::Generic, None)?.ok_or_else(|| {
                format!("{name} is listed in OIDC_PROVIDERS but {prefix}_CLIENT_ID is not set")
            })?;
        providers.push(provider);
    }
    Ok(providers)
}

/// How long a discovery document and its keys are trusted before they are
/// read again (providers rotate signing keys).
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);

/// The configured providers, with an HTTP client and their discovery
/// documents, read on first use.
pub struct Providers {
    configs: Vec<ProviderConfig>,
    http: openidconnect::reqwest::Client,
    discovered: tokio::sync::Mutex<HashMap<String, (Instant, CoreProviderMetadata)>>,
}

impl Providers {
    pub fn new(configs: Vec<ProviderConfig>) -> Self {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects from the token endpoint would leak the code (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client with default TLS settings");
        Self {
            configs,
            http,
            discovered: Default::default(),
        }
    }

    /// Every configured provider, in the order of the buttons.
    pub fn all(&self) -> &[ProviderConfig] {
        &self.configs
    }

    pub fn get(&self, id: &str) -> Option<&ProviderConfig> {
        self.configs.iter().find(|p| p.id == id)
    }

    /// The configured provider of `kind` (Google and Entra are at most one each).
    pub fn of_kind(&self, kind: ProviderKind) -> Option<&ProviderConfig> {
        self.configs.iter().find(|p| p.kind == kind)
    }

    pub fn http(&self) -> &openidconnect::reqwest::Client {
        &self.http
    }

    /// The provider's discovery document with its signing keys; `fresh`
    /// reads it again (a token signed by a key we do not know yet).
    pub async fn metadata(
        &self,
        provider: &ProviderConfig,
        fresh: bool,
    ) -> Result<CoreProviderMetadata, AppError> {
        // By issuer too: an organization may point its own provider elsewhere.
        let key = format!("{} {}", provider.id, provider.issuer);
        if let Some((at, metadata)) = self.discovered.lock().await.get(&key) {
            if !fresh && at.elapsed() < DISCOVERY_TTL {
                return Ok(metadata.clone());
            }
        }
        // Not held while fetching: a slow issuer must not stall the others.
        let metadata = self.discover(provider).await.map_err(|err| {
            tracing::warn!(provider = %provider.id, "discovery failed: {err}");
            AppError::Unavailable(format!(
                "{} did not answer. Try again in a minute, or sign in another way.",
                provider.label
            ))
        })?;
        self.discovered
            .lock()
            .await
            .insert(key, (Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    /// Reads the discovery document and keys. The crate's own discovery
    /// insists the document's issuer equal the URL asked, which Entra's
    /// templated issuer never does; the issuer is checked here instead, and
    /// each token's against it in [`super::oidc`].
    async fn discover(&self, provider: &ProviderConfig) -> Result<CoreProviderMetadata, String> {
        let url = format!("{}/.well-known/openid-configuration", provider.issuer);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("{url} answered {}", response.status()));
        }
        let body = response.bytes().await.map_err(|e| format!("{url}: {e}"))?;
        let metadata: CoreProviderMetadata =
            serde_json::from_slice(&body).map_err(|e| format!("{url}: {e}"))?;
        if !issuer_matches(provider, metadata.issuer().as_str()) {
            return Err(format!(
                "{url} names issuer {}, expected {}",
                metadata.issuer().as_str(),
                provider.issuer
            ));
        }
        let jwks_url: &JsonWebKeySetUrl = metadata.jwks_uri();
        let keys = CoreJsonWebKeySet::fetch_async(jwks_url, &self.http)
            .await
            .map_err(|e| format!("{}: {e}", jwks_url.as_str()))?;
        Ok(metadata.set_jwks(keys))
    }
}

/// Whether a discovery document's issuer is the configured one. Entra's
/// multi-tenant documents (`common`, `organizations`, `consumers`) name the
/// templated issuer of whichever tenant signs.
fn issuer_matches(provider: &ProviderConfig, named: &str) -> bool {
    let named = named.trim_end_matches('/');
    named == provider.issuer
        || (provider.kind == ProviderKind::Entra && named.contains("{tenantid}"))
}

/// The issuer a token from `tid` must carry under a templated issuer; the
/// issuer itself otherwise.
pub fn expected_issuer(document_issuer: &str, tid: Option<&str>) -> Option<String> {
    if document_issuer.contains("{tenantid}") {
        tid.map(|tid| document_issuer.replace("{tenantid}", tid))
    } else {
        Some(document_issuer.to_owned())
    }
}
