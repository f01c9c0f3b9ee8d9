//! Secret link tokens: 32 random bytes shown once, only their SHA-256 kept.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A freshly made secret and the hash that is stored in its place.
pub struct SecretToken {
    /// The base64url text that goes into the link; never stored.
    pub secret: String,
    /// SHA-256 of the secret text; what the database holds.
    pub hash: Vec<u8>,
}

impl SecretToken {
    /// Draws 32 bytes from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let secret = URL_SAFE_NO_PAD.encode(bytes);
        let hash = hash_secret(&secret);
        Self { secret, hash }
    }
}

/// The stored form of a secret presented in a link.
pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.trim().as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_unique_and_hashed() {
        let a = SecretToken::generate();
        let b = SecretToken::generate();
        assert_eq!(a.secret.len(), 43);
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.hash, hash_secret(&a.secret));
        assert_eq!(a.hash.len(), 32);
        assert!(a
            .secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
