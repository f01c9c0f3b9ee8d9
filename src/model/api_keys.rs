//! Organization API keys as Settings lists and issues them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::api_key::ApiScope;

/// What Settings -> API keys asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRequest {
    pub name: String,
    pub scopes: Vec<ApiScope>,
    /// Days until the key stops working; `None` for never.
    pub expires_in_days: Option<u32>,
}

/// One key as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyItem {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<ApiScope>,
    /// The secret's last four characters, to tell keys apart.
    pub last_four: String,
    /// Name of the member who created it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedApiKey {
    pub key: ApiKeyItem,
    pub secret: String,
}
