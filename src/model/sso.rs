//! Organization single sign-on as Settings shows and changes it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Role;
use crate::model::auth::ProviderButton;

/// The organization's connection to an identity provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoConnection {
    pub provider: ProviderButton,
    /// Entra: only accounts of this tenant.
    pub tenant: Option<String>,
    /// The role of people added by signing in.
    pub default_role: Role,
    /// Members in claimed domains open the organization only through SSO.
    pub require_sso: bool,
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
}

/// What the connection form sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoConnectionRequest {
    /// A configured provider's name.
    pub provider: String,
    /// Entra only; empty for any tenant.
    pub tenant_id: String,
    pub default_role: Role,
    pub require_sso: bool,
}
