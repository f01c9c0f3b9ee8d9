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
    let row: Option<(String, i64, i64, String, String)> = sqlx::query_as(
        "SELECT m.role, o.seat_limit, o.invitation_ttl_days, o.name, o.slug
         FROM memberships m JOIN organizations o ON o.id = m.org_id
         WHERE m.org_id = $1 AND m.user_id = $2 AND m.status = 'active'",
    )
    .bind(member.org.id)
    .bind(member.user.id)
    .fetch_optional(&mut *conn)
    .await?;
    let (role, seat_limit, invitation_ttl_days, name, slug) =
        row.ok_or_else(|| AppError::NotFound("Organization".into()))?;
    let mut fresh = member.clone();
    fresh.org.role = parse_role(&role)?;
    fresh.org.seat_limit = seat_limit;
    fresh.org.invitation_ttl_days = invitation_ttl_days;
    fresh.org.name = name;
    fresh.org.slug = slug;
    Ok(fresh)
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
