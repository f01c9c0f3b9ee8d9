//! Organization API keys: their scopes and the shape of their secret.
//!
//! A secret reads `ghk_` + 32 random base62 characters + a 6-character base62
//! CRC32 of the random part (GitHub's token format), so a leaked key is
//! recognized offline (secret scanners) and a mistyped one is refused before
//! any database look-up.

use serde::{Deserialize, Serialize};

/// What every key secret starts with.
pub const SECRET_PREFIX: &str = "ghk_";
/// Random base62 characters after the prefix.
pub const RANDOM_LEN: usize = 32;
/// Base62 characters of the checksum at the end.
const CHECKSUM_LEN: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// What a key may be used for; its creator's current access bounds it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ApiScope {
    #[serde(rename = "members:read")]
    MembersRead,
    #[serde(rename = "members:write")]
    MembersWrite,
    #[serde(rename = "invitations:read")]
    InvitationsRead,
    #[serde(rename = "invitations:write")]
    InvitationsWrite,
    #[serde(rename = "activity:read")]
    ActivityRead,
}

impl ApiScope {
    /// Every scope, in the order the console lists them.
    pub const ALL: [ApiScope; 5] = [
        Self::MembersRead,
        Self::MembersWrite,
        Self::InvitationsRead,
        Self::InvitationsWrite,
        Self::ActivityRead,
    ];

    /// The scope's name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MembersRead => "members:read",
            Self::MembersWrite => "members:write",
            Self::InvitationsRead => "invitations:read",
            Self::InvitationsWrite => "invitations:write",
            Self::ActivityRead => "activity:read",
        }
    }

    /// The scope named `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Builds a secret from its random part (drawn by the caller from a CSPRNG).
pub fn format_secret(random: &str) -> String {
    format!("{SECRET_PREFIX}{random}{}", checksum(random))
}

/// Whether `text` has a key's shape and its checksum matches, without any
/// look-up: a typo or a truncated copy fails here.
pub fn is_well_formed(text: &str) -> bool {
    let Some(body) = text.strip_prefix(SECRET_PREFIX) else {
        return false;
    };
    if body.len() != RANDOM_LEN + CHECKSUM_LEN || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (random, sum) = body.split_at(RANDOM_LEN);
    checksum(random) == sum
}

/// The base62 CRC32 of `random`, left-padded to six characters.
fn checksum(random: &str) -> String {
    let mut n = crc32(random.as_bytes());
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// CRC-32 (IEEE, as in zip and PNG), bit by bit: keys are short.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANDOM: &str = "abcdefghijklmnopqrstuvwxyz012345";

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn a_secret_has_the_prefix_random_part_and_checksum() {
        let secret = format_secret(RANDOM);
        assert!(secret.starts_with("ghk_"));
        assert_eq!(secret.len(), 4 + 32 + 6);
        assert!(is_well_formed(&secret));
    }

    #[test]
    fn the_checksum_detects_a_typo_or_a_cut() {
        let secret = format_secret(RANDOM);
        let typo = secret.replacen("abc", "abd", 1);
        assert!(!is_well_formed(&typo));
        assert!(!is_well_formed(&secret[..secret.len() - 1]));
        assert!(!is_well_formed(&secret.replacen("ghk_", "ghp_", 1)));
        assert!(!is_well_formed(""));
    }

    #[test]
    fn scopes_round_trip_by_name() {
        for scope in ApiScope::ALL {
            assert_eq!(ApiScope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(ApiScope::parse("members:admin"), None);
    }
}
