//! The signed-in user's inbox: invitations to their verified address and notices.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::actor::{parse_role, User};
use crate::error::AppError;
use crate::model::inbox::{Inbox, InboxInvitation, Notice, Pulse};
use crate::server::db::{self, Batch, Pool};

/// What a notice is about.
#[derive(Debug, Clone, Copy)]
pub enum NoticeKind {
    Removed,
    RoleChanged,
    InvitationAnswered,
    /// Someone could not join through single sign-on: no seat was free.
    SeatsFull,
}

impl NoticeKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Removed => "removed",
            Self::RoleChanged => "role_changed",
            Self::InvitationAnswered => "invitation_answered",
            Self::SeatsFull => "seats_full",
        }
    }
}

/// Leaves a notice for `user` in `batch`, written with the rest of its change.
pub fn notify(batch: &mut Batch, user: Uuid, kind: NoticeKind, message: &str) {
    batch
        .push("INSERT INTO notifications (user_id, kind, message, created_at) VALUES ($1, $2, $3, $4)")
        .bind(user)
        .bind(kind.as_str())
        .bind(message.to_owned())
        .bind(Utc::now());
}

/// The address whose invitations `user` may see in the console: only a
/// verified one, since anyone can sign up with someone else's address.
fn inbox_email(user: &User) -> Option<&str> {
    user.email_verified_at.map(|_| user.email.as_str())
}

/// Open items: pending, unexpired invitations to the verified address plus
/// unread notices. Two indexed counts; the bell polls this.
pub async fn open_count(pool: &Pool, user: &User) -> Result<i64, AppError> {
    Ok(pulse(pool, user, None).await?.open)
}

/// The badge, and `user`'s access version in the organization at `org_slug`
/// (`None` unless an active member): one statement of indexed look-ups, as
/// every open page runs it every few seconds.
pub async fn pulse(pool: &Pool, user: &User, org_slug: Option<&str>) -> Result<Pulse, AppError> {
    let (open, access): (i64, Option<i64>) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM invitations WHERE email = $1 AND status = 'pending' AND expires_at > $2)
              + (SELECT COUNT(*) FROM notifications WHERE user_id = $3 AND read_at IS NULL),
                (SELECT m.access_version FROM organizations o
                    JOIN memberships m ON m.org_id = o.id AND m.user_id = $3 AND m.status = 'active'
                    WHERE o.slug = $4)",
    )
    .bind(inbox_email(user))
    .bind(Utc::now())
    .bind(user.id)
    .bind(org_slug)
    .fetch_one(pool)
    .await?;
    Ok(Pulse { open, access })
}

/// Pending invitations to `user`'s verified address, across organizations.
pub async fn invitations(pool: &Pool, user: &User) -> Result<Vec<InboxInvitation>, AppError> {
    let rows: Vec<(Uuid, String, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT i.id, o.name, u.name, i.role, i.expires_at FROM invitations i
         JOIN organizations o ON o.id = i.org_id JOIN users u ON u.id = i.invited_by
         WHERE i.email = $1 AND i.status = 'pending' AND i.expires_at > $2 ORDER BY i.created_at DESC LIMIT 50",
    )
    .bind(inbox_email(user))
    .bind(Utc::now())
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, org_name, inviter_name, role, expires_at)| {
            Ok(InboxInvitation {
                id,
                org_name,
                inviter_name,
                role: parse_role(&role)?,
                expires_at,
            })
        })
        .collect()
}

/// Everything the bell shows.
pub async fn inbox(pool: &Pool, user: &User) -> Result<Inbox, AppError> {
    let notices: Vec<Notice> = sqlx::query_as(
        "SELECT id, message, created_at AS at, read_at IS NOT NULL AS read
         FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT 30",
    )
    .bind(user.id)
    .fetch_all(pool)
    .await?;
    Ok(Inbox {
        invitations: invitations(pool, user).await?,
        notices,
        open: open_count(pool, user).await?,
    })
}

/// Marks every notice of `user` read.
pub async fn mark_all_read(pool: &Pool, user: &User) -> Result<(), AppError> {
    db::write(
        pool,
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(Utc::now())
            .bind(user.id),
    )
    .await?;
    Ok(())
}
