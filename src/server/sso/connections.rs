//! Which organization's connection an address belongs to, and whether a
//! provider sign-in came through it.

use sqlx::SqliteConnection;
use uuid::Uuid;

use crate::domain::identity::ProviderAccount;
use crate::domain::sso::EmailDomain;
use crate::domain::{Email, Role};
use crate::error::AppError;
use crate::server::actor::parse_role;

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

type Row = (Uuid, String, Option<String>, String, bool);

fn connection((org_id, provider, tenant, role, require_sso): Row) -> Result<Connection, AppError> {
    Ok(Connection {
        org_id,
        provider,
        tenant,
        default_role: parse_role(&role)?,
        require_sso,
    })
}

/// The connection of the organization that claims `email`'s domain, if any.
pub async fn for_address(
    conn: &mut SqliteConnection,
    email: &Email,
) -> Result<Option<Connection>, AppError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT c.org_id, c.provider, c.tenant, c.default_role, c.require_sso
         FROM sso_domains d JOIN sso_connections c ON c.org_id = d.org_id WHERE d.domain = ?",
    )
    .bind(EmailDomain::of(email).as_str())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(connection).transpose()
}

/// Like [`for_address`], only when the claiming organization is `org`.
pub async fn of_org_for_address(
    conn: &mut SqliteConnection,
    org: Uuid,
    email: &Email,
) -> Result<Option<Connection>, AppError> {
    Ok(for_address(conn, email).await?.filter(|c| c.org_id == org))
}
