//! argon2id password hashes.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// A stored password hash (PHC string). Deliberately not `Serialize`.
#[derive(Clone)]
pub struct PasswordHashText(pub String);

impl std::fmt::Debug for PasswordHashText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHashText(..)")
    }
}

/// Hashes on a blocking thread: argon2 is slow on purpose.
pub async fn hash(password: String) -> PasswordHashText {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        let phc = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .expect("argon2 with default parameters cannot fail on bounded input");
        PasswordHashText(phc.to_string())
    })
    .await
    .expect("hashing task panicked")
}

/// Checks a password; `None` (no such user) still spends the same work so
/// response time does not reveal which emails have accounts.
pub async fn verify(password: String, stored: Option<PasswordHashText>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = stored.map(|s| s.0).unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && stored != DUMMY_HASH
    })
    .await
    .unwrap_or(false)
}

/// argon2id hash of a random string nobody knows.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8s7pWvZ0tV0p1g9b9kqkq2S0mH2Kq5cQzq8rj4r3yXo";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let stored = hash("correct horse".into()).await;
        assert!(stored.0.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(stored.clone())).await);
        assert!(!verify("wrong horse".into(), Some(stored)).await);
        assert!(!verify("anything".into(), None).await);
    }
}
