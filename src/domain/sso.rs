//! Organization single sign-on (seed 003): claimed email domains, and how a
//! member's mapped teams follow their groups at the provider.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

use super::Email;

/// An email domain an organization claims: lower-case, dotted, each label
/// letters, digits and inner dashes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailDomain(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter a domain like example.com (no @, no https://).")]
pub struct DomainError;

impl EmailDomain {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let domain = input.trim().trim_start_matches('@').to_lowercase();
        // The address parser already knows what a valid domain is.
        Email::parse(&format!("x@{domain}")).map_err(|_| DomainError)?;
        Ok(Self(domain))
    }

    /// Whether anyone can get an address here (a public mail service), so
    /// no organization may claim it.
    pub fn is_public_mail(&self) -> bool {
        const PUBLIC: &[&str] = &[
            "gmail.com",
            "googlemail.com",
            "outlook.com",
            "hotmail.com",
            "live.com",
            "msn.com",
            "yahoo.com",
            "ymail.com",
            "icloud.com",
            "me.com",
            "mac.com",
            "aol.com",
            "proton.me",
            "protonmail.com",
            "gmx.com",
            "gmx.de",
            "gmx.net",
            "web.de",
            "mail.com",
            "yandex.ru",
            "mail.ru",
            "qq.com",
            "163.com",
            "126.com",
            "zoho.com",
            "fastmail.com",
            "hey.com",
        ];
        PUBLIC.contains(&self.0.as_str())
    }

    /// The domain of an address.
    pub fn of(email: &Email) -> Self {
        Self(
            email
                .as_str()
                .rsplit_once('@')
                .map(|(_, d)| d)
                .unwrap_or_default()
                .to_owned(),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailDomain {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailDomain> for String {
    fn from(value: EmailDomain) -> Self {
        value.0
    }
}

/// Team changes of one SSO sign-in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamSync<T> {
    pub join: Vec<T>,
    pub leave: Vec<T>,
}

/// Which mapped teams a member joins and leaves given their groups now.
/// `mapping` is (group, team); `member_of` the teams they are in. Only
/// mapped teams move: a membership of an unmapped team, made by hand, stays.
pub fn sync_teams<T: Ord + Clone>(
    mapping: &[(String, T)],
    groups: &[String],
    member_of: &[T],
) -> TeamSync<T> {
    let mapped: BTreeSet<&T> = mapping.iter().map(|(_, t)| t).collect();
    let wanted: BTreeSet<&T> = mapping
        .iter()
        .filter(|(g, _)| groups.iter().any(|have| have == g))
        .map(|(_, t)| t)
        .collect();
    let current: BTreeSet<&T> = member_of.iter().collect();
    TeamSync {
        join: wanted.difference(&current).map(|t| (*t).clone()).collect(),
        leave: current
            .iter()
            .filter(|t| mapped.contains(*t) && !wanted.contains(*t))
            .map(|t| (*t).clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(
            EmailDomain::parse(" @Acme.Test ").unwrap().as_str(),
            "acme.test"
        );
        for bad in ["", "acme", "https://acme.test", "a@b.test", "-x.test"] {
            assert_eq!(EmailDomain::parse(bad), Err(DomainError), "{bad:?}");
        }
        let ann = Email::parse("ann@sub.acme.test").unwrap();
        assert_eq!(EmailDomain::of(&ann).as_str(), "sub.acme.test");
    }

    #[test]
    fn mapped_teams_follow_groups_and_hand_made_ones_stay() {
        let mapping = vec![
            ("data".to_owned(), "Data"),
            ("eng".to_owned(), "Platform"),
            ("eng-all".to_owned(), "Platform"),
        ];
        let groups = |g: &[&str]| g.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // (groups now, teams now) -> (join, leave)
        type Row<'a> = (Vec<String>, Vec<&'a str>, Vec<&'a str>, Vec<&'a str>);
        let table: Vec<Row> = vec![
            (groups(&["data"]), vec![], vec!["Data"], vec![]),
            (groups(&[]), vec!["Data", "Design"], vec![], vec!["Data"]),
            (groups(&["eng-all"]), vec!["Platform"], vec![], vec![]),
            (
                groups(&["eng", "other"]),
                vec!["Design"],
                vec!["Platform"],
                vec![],
            ),
            (
                groups(&["data", "eng"]),
                vec!["Data", "Platform"],
                vec![],
                vec![],
            ),
        ];
        for (i, (groups, now, join, leave)) in table.into_iter().enumerate() {
            assert_eq!(
                sync_teams(&mapping, &groups, &now),
                TeamSync { join, leave },
                "row {i}"
            );
        }
    }
}
