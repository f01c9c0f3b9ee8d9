//! Which organization's connection an address belongs to, and whether a
//! provider sign-in came through it.

use uuid::Uuid;

use crate::domain::identity::{ProviderAccount, ProviderKind};
use crate::domain::sso::EmailDomain;
use crate::domain::text::{safe_next, urlencode};
use crate::domain::{Email, Role};
use crate::error::AppError;
use crate::server::actor::parse_role;
use crate::server::db::{Conn, Pool};
use crate::server::identity::providers::{ProviderConfig, ProviderOwner, Providers};

/// An organization's SSO connection.
#[derive(Debug, Clone)]
pub struct Connection {
    pub org_id: Uuid,
    /// A configured provider's name.
    pub provider: String,
    pub tenant: Option<String>,
    pub default_role: Role,
    pub require_sso: bool,
}

impl Connection {
    /// Whether a provider sign-in came through this connection, for `email`
    /// (vouched by the provider).
    pub fn admits(&self, account: &ProviderAccount, email: &Email) -> bool {
        account.provider == self.provider
            && (self.tenant.is_none() || account.tenant == self.tenant)
            && account.vouched.as_ref() == Some(email)
    }
}

/// The columns [`Claim`] reads, `c` being `sso_connections`; `NULL`s when
/// a query's outer join finds no connection.
pub const CLAIM_COLUMNS: &str = "c.org_id AS sso_org, c.provider AS sso_provider, c.tenant AS sso_tenant, c.default_role AS sso_role, c.require_sso AS sso_required";

/// A connection as read by [`CLAIM_COLUMNS`], where there may be none.
#[derive(sqlx::FromRow)]
pub struct Claim {
    sso_org: Option<Uuid>,
    sso_provider: Option<String>,
    sso_tenant: Option<String>,
    sso_role: Option<String>,
    sso_required: Option<bool>,
}

impl Claim {
    /// The connection, if the row had one.
    pub fn connection(self) -> Result<Option<Connection>, AppError> {
        let (Some(org_id), Some(provider), Some(role), Some(require_sso)) = (
            self.sso_org,
            self.sso_provider,
            self.sso_role,
            self.sso_required,
        ) else {
            return Ok(None);
        };
        Ok(Some(Connection {
            org_id,
            provider,
            tenant: self.sso_tenant,
            default_role: parse_role(&role)?,
            require_sso,
        }))
    }
}

/// The connection of the organization that claims `email`'s domain, if any.
pub async fn for_address(conn: &mut Conn, email: &Email) -> Result<Option<Connection>, AppError> {
    let claim: Option<Claim> = sqlx::query_as(&format!(
        "SELECT {CLAIM_COLUMNS}
         FROM sso_domains d JOIN sso_connections c ON c.org_id = d.org_id WHERE d.domain = $1"
    ))
    .bind(EmailDomain::of(email).as_str())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(claim.map(Claim::connection).transpose()?.flatten())
}

/// Like [`for_address`], only when the claiming organization is `org`.
pub async fn of_org_for_address(
    conn: &mut Conn,
    org: Uuid,
    email: &Email,
) -> Result<Option<Connection>, AppError> {
    Ok(for_address(conn, email).await?.filter(|c| c.org_id == org))
}

/// The connection of `org`, if one is set and requires SSO of `email`.
pub async fn required_for(
    pool: &Pool,
    org: Uuid,
    email: &Email,
) -> Result<Option<Connection>, AppError> {
    let mut conn = pool.acquire().await?;
    Ok(of_org_for_address(&mut conn, org, email)
        .await?
        .filter(|c| c.require_sso))
}

/// The provider name of an organization's own OpenID Connect provider.
pub fn own_provider_id(org: Uuid) -> String {
    format!("org-{}", org.simple())
}

/// The provider behind a name in `/auth/{name}/...`: a configured one, or
/// an organization's own (from its connection).
pub async fn provider(
    pool: &Pool,
    providers: &Providers,
    id: &str,
) -> Result<Option<ProviderConfig>, AppError> {
    if let Some(configured) = providers.get(id) {
        return Ok(Some(configured.clone()));
    }
    let Some(org) = id
        .strip_prefix("org-")
        .and_then(|u| Uuid::try_parse(u).ok())
    else {
        return Ok(None);
    };
    // An `org-` provider has issuer, client id and secret (the table's CHECK).
    let row: Option<(String, String, String, String)> = sqlx::query_as(
        "SELECT o.name, c.issuer, c.client_id, c.client_secret
         FROM sso_connections c JOIN organizations o ON o.id = c.org_id WHERE c.org_id = $1 AND c.provider = $2",
    )
    .bind(org)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some((name, issuer, client_id, client_secret)) = row else {
        return Ok(None);
    };
    let domains: Vec<String> =
        sqlx::query_scalar("SELECT domain FROM sso_domains WHERE org_id = $1")
            .bind(org)
            .fetch_all(pool)
            .await?;
    let domains = domains
        .iter()
        .filter_map(|d| EmailDomain::parse(d).ok())
        .collect();
    Ok(Some(ProviderConfig {
        id: id.to_owned(),
        label: format!("{name} SSO"),
        kind: ProviderKind::Generic,
        issuer,
        client_id,
        client_secret,
        owner: ProviderOwner::Organization { domains },
    }))
}

/// Where single sign-on starts for `email`: its organization's provider,
/// then `next`.
pub async fn start_for(
    pool: &Pool,
    providers: &Providers,
    email: &Email,
    next: &str,
) -> Result<String, AppError> {
    let mut conn = pool.acquire().await?;
    let connection = for_address(&mut conn, email).await?;
    drop(conn);
    let domain = EmailDomain::of(email);
    let none = || {
        AppError::invalid(
            "address",
            format!("No organization signs in addresses at {domain} with single sign-on. Sign in with your password or another button."),
        )
    };
    let connection = connection.ok_or_else(none)?;
    let provider = provider(pool, providers, &connection.provider)
        .await?
        .ok_or_else(none)?;
    Ok(format!(
        "/auth/{}/start?next={}",
        provider.id,
        urlencode(&safe_next(Some(next.to_owned())))
    ))
}
