//! The one error type the console's server functions return.
//!
//! Expected failures (bad input, missing rights, conflicts) are values the UI
//! shows beside the field or in the dialog; only `Internal` means a bug or an
//! outage, and its details stay in the server log.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Why a request did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// An input was refused; `field` names the form field it belongs beside.
    /// `others` are the refusals of further fields of the same form, so a
    /// person sees every problem at once, not one per submit.
    #[error("{message}")]
    Invalid {
        field: String,
        message: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        others: Vec<FieldProblem>,
    },
    /// The request needs a signed-in user.
    #[error("You are signed out. Sign in to continue.")]
    SignedOut,
    /// An API request's key is missing, malformed, unknown, revoked or expired,
    /// or its creator has left; the text says which.
    #[error("{0}")]
    BadApiKey(String),
    /// Sign-in failed; deliberately does not say which part was wrong.
    #[error("Email or password is wrong.")]
    WrongCredentials,
    /// Signed in, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist, or the user may not know it exists.
    #[error("{0} not found.")]
    NotFound(String),
    /// The request clashes with the current state; the text says what to do.
    #[error("{0}")]
    Conflict(String),
    /// The organization opens for this member only through its single sign-on;
    /// `start` begins that sign-in and comes back.
    #[error("{org} requires single sign-on. Sign in with SSO ({provider}) to continue.")]
    SsoRequired {
        org: String,
        provider: String,
        start: String,
    },
    /// The address already has a pending invitation to this organization.
    #[error("{email} already has a pending invitation (sent {sent_on}). Resend it or revoke it.")]
    PendingInvitationExists {
        invitation_id: uuid::Uuid,
        email: String,
        sent_on: String,
    },
    /// Too many requests of this kind from this client.
    #[error("Too many attempts. Wait {retry_after_secs} seconds and try again.")]
    RateLimited { retry_after_secs: u64 },
    /// The server is at capacity for this kind of work (password hashing).
    #[error("The server is busy. Wait {retry_after_secs} seconds and try again.")]
    Busy { retry_after_secs: u64 },
    /// A service we depend on (an identity provider) did not answer.
    #[error("{0}")]
    Unavailable(String),
    /// Something failed on the server; the log has the details.
    #[error("Something went wrong on our side. Try again in a moment.")]
    Internal,
    /// The request could not reach or be read by the server function.
    #[error("Request failed: {0}")]
    Transport(String),
}

/// One refused field of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl AppError {
    /// A refusal of one form field's value.
    pub fn invalid(field: &str, message: impl ToString) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.to_string(),
            others: Vec::new(),
        }
    }

    /// Every refused field of a form at once, as (field, message); `Ok` when
    /// there are none.
    pub fn check_fields<M: ToString>(
        problems: impl IntoIterator<Item = Option<(&'static str, M)>>,
    ) -> Result<(), Self> {
        let mut problems = problems
            .into_iter()
            .flatten()
            .map(|(field, message)| FieldProblem {
                field: field.to_owned(),
                message: message.to_string(),
            });
        match problems.next() {
            None => Ok(()),
            Some(first) => Err(Self::Invalid {
                field: first.field,
                message: first.message,
                others: problems.collect(),
            }),
        }
    }

    /// The message for `field` if this error is about it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            Self::Invalid {
                field: f, message, ..
            } if f == field => Some(message.clone()),
            Self::Invalid { others, .. } => others
                .iter()
                .find(|p| p.field == field)
                .map(|p| p.message.clone()),
            _ => None,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid { .. } | Self::Transport(_) => 400,
            Self::SignedOut | Self::WrongCredentials | Self::BadApiKey(_) => 401,
            Self::Forbidden(_) | Self::SsoRequired { .. } => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) | Self::PendingInvitationExists { .. } => 409,
            Self::RateLimited { .. } => 429,
            Self::Busy { .. } => 503,
            Self::Unavailable(_) => 502,
            Self::Internal => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}

/// A refused action is a 403 whose message says what to do instead.
impl From<crate::domain::policy::PolicyError> for AppError {
    fn from(err: crate::domain::policy::PolicyError) -> Self {
        Self::Forbidden(err.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        tracing::error!(error = %err, "database error");
        Self::Internal
    }
}
