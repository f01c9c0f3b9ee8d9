//! The signed-in person, and how sign-up refuses a taken address.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::orgs::OrgSummary;

/// The cookie of a browser's session (set at sign-in).
pub const SESSION_COOKIE: &str = "gatehouse_session";

/// The signed-in person as the console shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    /// Organizations they are an active member of.
    pub organizations: Vec<OrgSummary>,
    /// Slug of the organization the console opens on.
    pub active_org: Option<String>,
}

/// Why sign-up refused an address that already has an account. The form
/// recognises the message and links to the way on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTaken {
    /// The address was confirmed: its owner should sign in.
    Confirmed,
    /// Nobody confirmed the address: whoever receives its mail may claim the
    /// account by resetting its password.
    Unconfirmed,
}

impl EmailTaken {
    /// The message beside the email field.
    pub fn message(self) -> &'static str {
        match self {
            Self::Confirmed => "An account with this email already exists. Sign in instead.",
            Self::Unconfirmed => "An account with this email exists but was never confirmed. If the address is yours, reset the password to claim it.",
        }
    }

    /// Which refusal `message` is, if it is one of these.
    pub fn from_message(message: &str) -> Option<Self> {
        [Self::Confirmed, Self::Unconfirmed]
            .into_iter()
            .find(|taken| taken.message() == message)
    }
}

/// A "Continue with ..." button: a configured identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderButton {
    /// The name in `/auth/{id}/start`.
    pub id: String,
    pub label: String,
    pub kind: crate::domain::identity::ProviderKind,
}

impl ProviderButton {
    /// Where the button goes; `then` is a query of its own (`next=...` or
    /// `invitation=...`), already encoded.
    pub fn href(&self, then: &str) -> String {
        if then.is_empty() {
            format!("/auth/{}/start", self.id)
        } else {
            format!("/auth/{}/start?{then}", self.id)
        }
    }
}

/// One provider account linked to the signed-in person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedIdentity {
    pub id: Uuid,
    /// The provider's label.
    pub provider: String,
    /// The address the provider last gave, if any.
    pub email: Option<String>,
    pub linked_at: chrono::DateTime<chrono::Utc>,
}

/// How the signed-in person can sign in (their account page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInMethods {
    pub has_password: bool,
    pub identities: Vec<LinkedIdentity>,
}

impl SignInMethods {
    /// Whether removing one identity would leave a way in.
    pub fn may_remove_identity(&self) -> bool {
        self.has_password || self.identities.len() > 1
    }
}
