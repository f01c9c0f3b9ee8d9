//! Password length rules (hashing lives on the server).

/// Fewest characters a password may have (no composition rules, per NIST 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Most characters a password may have; bounds the hashing work per request.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Use at least 8 characters.")]
    TooShort,
    #[error("Use at most 128 characters.")]
    TooLong,
}

/// Checks a new password against the length rules.
pub fn check_new_password(password: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Err(PasswordError::TooShort)
    } else if chars > MAX_PASSWORD_CHARS {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(check_new_password("1234567"), Err(PasswordError::TooShort));
        assert_eq!(check_new_password("12345678"), Ok(()));
        assert_eq!(check_new_password(&"x".repeat(128)), Ok(()));
        assert_eq!(
            check_new_password(&"x".repeat(129)),
            Err(PasswordError::TooLong)
        );
        // Counted in characters, not bytes.
        assert_eq!(check_new_password("éééééééé"), Ok(()));
    }
}
