//! A valid, normalized email address.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest address we accept (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Why a string is not an acceptable email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address.")]
    Empty,
    #[error("Email addresses are at most 254 characters.")]
    TooLong,
    #[error("Enter an email address like name@example.com.")]
    Malformed,
}

/// An email address that has been trimmed, lower-cased and checked.
///
/// The only constructor is [`Email::parse`], so every `Email` in the program
/// is valid and two spellings of one address compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parses user input: surrounding whitespace is dropped and the whole
    /// address is lower-cased (no mail provider we meet treats case as
    /// significant, and users expect `Ann@X.com` to be `ann@x.com`).
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > MAX_EMAIL_LEN {
            return Err(EmailError::TooLong);
        }
        let normalized = trimmed.to_lowercase();
        let (local, domain) = normalized.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(normalized))
        } else {
            Err(EmailError::Malformed)
        }
    }

    /// The normalized address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_lowercases() {
        let email = Email::parse("  Ann.Lee@Example.COM \n").unwrap();
        assert_eq!(email.as_str(), "ann.lee@example.com");
        assert_eq!(email, Email::parse("ann.lee@example.com").unwrap());
    }

    #[test]
    fn accepts_plus_addressing_and_subdomains() {
        assert!(Email::parse("a+tag@mail.example.co.uk").is_ok());
    }

    #[test]
    fn refuses_empty() {
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
    }

    #[test]
    fn refuses_over_long() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
        let exactly = format!("{}@{}.com", "a".repeat(60), "b".repeat(60));
        assert!(exactly.len() <= MAX_EMAIL_LEN);
        assert!(Email::parse(&exactly).is_ok());
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "plainaddress",
            "@example.com",
            "ann@",
            "ann@example",
            "ann@@example.com",
            "ann..lee@example.com",
            ".ann@example.com",
            "ann@-example.com",
            "ann lee@example.com",
            "ann@exa mple.com",
            "<script>@example.com",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Malformed), "{bad}");
        }
    }

    #[test]
    fn deserializing_validates() {
        let ok: Email = serde_json::from_str("\"Bob@Example.com\"").unwrap();
        assert_eq!(ok.as_str(), "bob@example.com");
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }
}
