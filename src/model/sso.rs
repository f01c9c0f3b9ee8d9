//! Organization single sign-on as Settings shows and changes it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Role;
use crate::model::auth::ProviderButton;

/// The provider value of the organization's own OpenID Connect provider in
/// [`SsoConnectionRequest`].
pub const OWN_PROVIDER: &str = "own";

/// The organization's connection to an identity provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoConnection {
    pub provider: ProviderButton,
    /// The organization's own provider: its issuer and client id (the
    /// secret is never sent back).
    pub own: Option<OwnProvider>,
    /// Entra: only accounts of this tenant.
    pub tenant: Option<String>,
    /// The role of people added by signing in.
    pub default_role: Role,
    /// Members in claimed domains open the organization only through SSO.
    pub require_sso: bool,
}

/// An organization's own OpenID Connect provider, as Settings shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnProvider {
    pub issuer: String,
    pub client_id: String,
}

/// A provider group whose members belong to a team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMapping {
    pub group: String,
    pub team_id: Uuid,
    pub team_name: String,
}

/// Everything the Single sign-on section of Settings shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoSettings {
    pub connection: Option<SsoConnection>,
    /// Claimed email domains, alphabetically.
    pub domains: Vec<String>,
    pub mappings: Vec<GroupMapping>,
    /// The providers an owner may connect.
    pub providers: Vec<ProviderButton>,
    /// The redirect URI to register at the organization's own provider.
    pub own_redirect_uri: String,
}

/// What the connection form sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoConnectionRequest {
    /// A configured provider's name, or [`OWN_PROVIDER`].
    pub provider: String,
    /// The organization's own provider: its issuer URL, client id and
    /// secret (empty keeps the stored secret).
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    /// Entra only; empty for any tenant.
    pub tenant_id: String,
    pub default_role: Role,
    pub require_sso: bool,
}
