//! Who acts: a signed-in user, the member they are inside one organization,
//! and the API key they may act through. Every service takes one of these;
//! this module depends on nothing else of the server, so none of them
//! depends on another for it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{Email, Role};
use crate::error::AppError;
use crate::model::orgs::OrgView;
use crate::server::db::Conn;

/// A stored account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub last_active_at: Option<DateTime<Utc>>,
    /// The organization the console opens on (see [`crate::server::accounts::open_on`]).
    pub active_org_id: Option<Uuid>,
}

/// A signed-in user acting inside one organization they belong to.
#[derive(Debug, Clone)]
pub struct Member {
    pub user: User,
    pub org: OrgView,
    /// The API key they act through, or `None` in the console.
    pub api_key: Option<KeyInUse>,
}

/// An API key acting for its creator: Activity names it beside them.
#[derive(Debug, Clone)]
pub struct KeyInUse {
    pub id: Uuid,
    pub name: String,
}

/// `member` as of now, read inside the caller's write transaction: their role
/// and the organization's name and limits may have changed since the request
/// began.
pub async fn refresh(conn: &mut Conn, member: &Member) -> Result<Member, AppError> {
    let fresh: Option<Fresh> = sqlx::query_as(&format!(
        "SELECT {FRESH_COLUMNS}
         FROM memberships m JOIN organizations o ON o.id = m.org_id
         WHERE m.org_id = $1 AND m.user_id = $2 AND m.status = 'active'",
    ))
    .bind(member.org.id)
    .bind(member.user.id)
    .fetch_optional(&mut *conn)
    .await?;
    member.refreshed(fresh.ok_or_else(no_longer_member)?)
}

/// Refused to someone who is no longer an active member of the organization.
pub fn no_longer_member() -> AppError {
    AppError::NotFound("Organization".into())
}

/// What [`refresh`] reads, from `memberships m` and `organizations o`; a
/// write that needs more from the same rows reads it in the same query.
pub const FRESH_COLUMNS: &str = "m.role, o.seat_limit, o.invitation_ttl_days, o.name, o.slug";

/// The member's role and the organization's name and limits as of now
/// (the [`FRESH_COLUMNS`]).
#[derive(Debug, sqlx::FromRow)]
pub struct Fresh {
    role: String,
    seat_limit: i64,
    invitation_ttl_days: i64,
    name: String,
    slug: String,
}

impl Member {
    /// This member as of `fresh`, read inside the caller's write transaction.
    pub fn refreshed(&self, fresh: Fresh) -> Result<Member, AppError> {
        let mut member = self.clone();
        member.org.role = parse_role(&fresh.role)?;
        member.org.seat_limit = fresh.seat_limit;
        member.org.invitation_ttl_days = fresh.invitation_ttl_days;
        member.org.name = fresh.name;
        member.org.slug = fresh.slug;
        Ok(member)
    }
}

/// The active member of `org` with this (typed) email, or a field error
/// saying to invite them first.
pub async fn active_member_by_email(
    conn: &mut Conn,
    org: &OrgView,
    email: &str,
) -> Result<(Uuid, Email), AppError> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
    let user: Option<Uuid> = sqlx::query_scalar(
        "SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id AND m.org_id = $1 AND m.status = 'active'
         WHERE u.email = $2",
    )
    .bind(org.id)
    .bind(email.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let user = user.ok_or_else(|| {
        AppError::invalid(
            "email",
            format!(
                "{email} is not a member of {}. Invite them first.",
                org.name
            ),
        )
    })?;
    Ok((user, email))
}

/// Parses a role read from the database (the CHECK constraint keeps it valid).
pub fn parse_role(text: &str) -> Result<Role, AppError> {
    text.parse().map_err(|_| {
        tracing::error!(role = text, "unknown role in database");
        AppError::Internal
    })
}
