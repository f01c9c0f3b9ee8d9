//! Forms posted by the pages a visitor opens from outside the console (sign
//! in, an invitation link). Those pages work without the console's code, as
//! plain HTML forms; a refused form is answered with its page rendered again,
//! showing what was typed and why it was refused.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A refused form, for its page to show. Only ever in the server's render
/// of the answer to a post; pages rendered otherwise have none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Refused {
    /// Email and password: the address typed (never the password).
    SignIn { email: String, error: AppError },
    /// Single sign-on by work address.
    SingleSignOn { address: String, error: AppError },
    /// "Yes, decline" on an invitation.
    Decline { error: AppError },
}

impl Refused {
    /// Why it was refused.
    pub fn error(&self) -> &AppError {
        match self {
            Self::SignIn { error, .. }
            | Self::SingleSignOn { error, .. }
            | Self::Decline { error } => error,
        }
    }
}
