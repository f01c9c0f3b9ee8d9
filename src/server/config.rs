//! Configuration from environment variables (a `.env` file is read first when present).

use std::time::Duration;

use super::db;

/// Where outgoing mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransportConfig {
    /// One `.eml` file per message in this directory; links are also logged.
    File { dir: String },
    /// An `smtp://` or `smtps://` URL understood by lettre
    /// (`smtp://user:pass@host:587?tls=required`, `smtps://host`).
    Smtp { url: String },
}

/// Everything the server reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Public base URL used in links in mail, without a trailing slash.
    pub base_url: String,
    /// sqlx SQLite URL.
    pub database_url: String,
    /// Mail transport.
    pub mail: MailTransportConfig,
    /// The From header of every message.
    pub mail_from: String,
    /// Delivery attempts before a message is marked failed.
    pub mail_max_attempts: u32,
    /// First retry delay; doubles with every further attempt.
    pub mail_retry_base: Duration,
    /// Longest one delivery attempt may take, connection to answer, before it
    /// counts as failed: lettre's own timeout does not cover every phase.
    pub mail_send_timeout: Duration,
    /// How long a claimed message is left to the replica that claimed it;
    /// after that any replica may send it again (its claimer died).
    pub mail_lease: Duration,
    /// Sign-in attempts allowed per email and per client in one window.
    pub sign_in_limit: u32,
    /// Invitations one user may create per window.
    pub invite_limit: u32,
    /// Invitation-link look-ups allowed per client per window.
    pub token_lookup_limit: u32,
    /// Length of every rate-limit window.
    pub rate_window: Duration,
    /// Requests one API key may make in one window.
    pub api_key_limit: u32,
    /// The identity providers people may sign in with.
    pub providers: Vec<super::identity::providers::ProviderConfig>,
    /// Whether an organization's own identity provider may be plain
    /// `http://` (tests on loopback); otherwise only `https://`.
    pub allow_http_issuers: bool,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `DATABASE_URL`; on SQLite it defaults to a file under `data/`, while a
/// PostgreSQL build has no database to assume.
fn database_url() -> Result<String, String> {
    match var("DATABASE_URL") {
        Some(url) => Ok(url),
        None if cfg!(feature = "postgres") => Err(
            "DATABASE_URL is not set: a PostgreSQL build needs it (postgres://user:password@host/database)."
                .into(),
        ),
        None => Ok("sqlite://data/gatehouse.db".into()),
    }
}

fn number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match var(name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| format!("{name} must be a number, got {raw:?}")),
    }
}

/// `MAIL_SEND_TIMEOUT_SECS`: zero would fail every delivery, and a claimed
/// message's lease (twice the deadline) must stay a sane time.
fn send_timeout() -> Result<Duration, String> {
    match number("MAIL_SEND_TIMEOUT_SECS", 30)? {
        secs @ 1..=3600 => Ok(Duration::from_secs(secs)),
        other => Err(format!(
            "MAIL_SEND_TIMEOUT_SECS must be between 1 and 3600 (seconds one delivery may take), got {other}"
        )),
    }
}

/// `MAIL_LEASE_SECS`: by default twice the send deadline and at least five
/// minutes. It must outlast the deadline and the wait to record the outcome,
/// or a send still under way (or just done) could be claimed and sent again
/// by another replica; at most a day.
fn mail_lease(send_timeout: Duration) -> Result<Duration, String> {
    let default = send_timeout.saturating_mul(2).max(Duration::from_secs(300));
    lease_within_bounds(send_timeout, number("MAIL_LEASE_SECS", default.as_secs())?)
}

fn lease_within_bounds(send_timeout: Duration, secs: u64) -> Result<Duration, String> {
    let shortest = (send_timeout + db::LONGEST_WRITE_WAIT).as_secs() + 1;
    const LONGEST: u64 = 24 * 60 * 60;
    if !(shortest..=LONGEST).contains(&secs) {
        return Err(format!(
            "MAIL_LEASE_SECS must be between {shortest} (MAIL_SEND_TIMEOUT_SECS plus {} s to record the outcome) and {LONGEST}, got {secs}",
            db::LONGEST_WRITE_WAIT.as_secs()
        ));
    }
    Ok(Duration::from_secs(secs))
}

impl Config {
    /// Reads the environment; `site_addr` is the address the server listens on
    /// and gives the default base URL.
    pub fn from_env(site_addr: &str) -> Result<Self, String> {
        let base_url = var("BASE_URL")
            .unwrap_or_else(|| format!("http://{site_addr}"))
            .trim_end_matches('/')
            .to_owned();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(format!(
                "BASE_URL must start with http:// or https://, got {base_url:?}"
            ));
        }
        let mail = match var("MAIL_TRANSPORT").as_deref() {
            None | Some("file") => MailTransportConfig::File {
                dir: var("MAIL_DIR").unwrap_or_else(|| "data/mail".into()),
            },
            Some(url) if url.starts_with("smtp://") || url.starts_with("smtps://") => {
                MailTransportConfig::Smtp {
                    url: url.to_owned(),
                }
            }
            Some(other) => {
                return Err(format!(
                    "MAIL_TRANSPORT must be `file` or an smtp:// or smtps:// URL, got {other:?}"
                ))
            }
        };
        let mail_send_timeout = send_timeout()?;
        Ok(Self {
            base_url,
            database_url: database_url()?,
            mail,
            mail_from: var("MAIL_FROM")
                .unwrap_or_else(|| "Gatehouse <no-reply@gatehouse.localhost>".into()),
            mail_max_attempts: number("MAIL_MAX_ATTEMPTS", 5)?,
            mail_retry_base: Duration::from_millis(number("MAIL_RETRY_BASE_MS", 10_000)?),
            mail_send_timeout,
            mail_lease: mail_lease(mail_send_timeout)?,
            sign_in_limit: number("RATE_LIMIT_SIGN_IN", 10)?,
            invite_limit: number("RATE_LIMIT_INVITES", 50)?,
            token_lookup_limit: number("RATE_LIMIT_TOKEN_LOOKUPS", 60)?,
            rate_window: Duration::from_secs(number("RATE_LIMIT_WINDOW_SECS", 600)?),
            api_key_limit: number("RATE_LIMIT_API_KEY", 1000)?,
            providers: super::identity::providers::from_env()?,
            allow_http_issuers: matches!(
                var("SSO_ALLOW_HTTP_ISSUERS").as_deref(),
                Some("1" | "true")
            ),
        })
    }

    /// `database_url` fit for a log: any password in it masked.
    pub fn database_for_log(&self) -> String {
        let url = &self.database_url;
        let Some((scheme, rest)) = url.split_once("://") else {
            return url.clone();
        };
        match rest.split_once('@') {
            Some((user, host)) if user.contains(':') => {
                let name = user.split_once(':').map_or(user, |(name, _)| name);
                format!("{scheme}://{name}:***@{host}")
            }
            _ => url.clone(),
        }
    }

    /// Whether cookies must carry `Secure`.
    pub fn is_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// An absolute link to a path of the console.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// A configuration for tests: file mail into `dir`, quick retries.
    pub fn for_tests(mail_dir: &str) -> Self {
        Self {
            base_url: "http://127.0.0.1:3000".into(),
            database_url: "sqlite::memory:".into(),
            mail: MailTransportConfig::File {
                dir: mail_dir.into(),
            },
            mail_from: "Gatehouse <no-reply@gatehouse.test>".into(),
            mail_max_attempts: 3,
            mail_retry_base: Duration::from_millis(1),
            mail_send_timeout: Duration::from_secs(5),
            mail_lease: Duration::from_secs(300),
            sign_in_limit: 5,
            invite_limit: 50,
            token_lookup_limit: 60,
            rate_window: Duration::from_secs(600),
            api_key_limit: 1000,
            providers: Vec::new(),
            allow_http_issuers: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_database_url_hides_its_password() {
        let mut config = Config::for_tests("/tmp");
        config.database_url = "postgres://gatehouse:s3cret@db.internal:5432/gatehouse".into();
        assert_eq!(
            config.database_for_log(),
            "postgres://gatehouse:***@db.internal:5432/gatehouse"
        );
        config.database_url = "sqlite://data/gatehouse.db".into();
        assert_eq!(config.database_for_log(), "sqlite://data/gatehouse.db");
    }

    #[test]
    fn a_lease_outlasts_the_send_and_its_record() {
        let send = Duration::from_secs(2);
        assert!(lease_within_bounds(send, 3).is_err());
        assert!(lease_within_bounds(send, 22).is_err());
        assert_eq!(lease_within_bounds(send, 23), Ok(Duration::from_secs(23)));
        assert!(lease_within_bounds(send, 24 * 60 * 60 + 1).is_err());
    }
}
