//! Queries the administrator's and the invitee's sides share.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::access::Permission;
use crate::domain::identity::{SignInMethod, TenantId};
use crate::domain::invitation::InvitationStatus;
use crate::domain::Role;
use crate::error::AppError;
use crate::server::actor::parse_role;
use crate::server::audit;
use crate::server::db::{Batch, Conn};
use crate::server::mail::{enqueue_in, templates, OutgoingMail};
use crate::server::token::SecretToken;

/// An invitation row with what its pages and mail need.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub email: String,
    pub role: String,
    pub note: Option<String>,
    pub notify_email: Option<String>,
    pub invited_by: Uuid,
    pub status: String,
    pub expires_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub org_name: String,
    pub org_slug: String,
    pub inviter_name: String,
    pub sign_in_provider: String,
    pub sign_in_tenant: Option<String>,
}

impl InvitationRow {
    /// The stored role.
    pub fn role(&self) -> Result<Role, AppError> {
        parse_role(&self.role)
    }

    /// The sign-in method the invitee must use.
    pub fn sign_in(&self) -> Result<SignInMethod, AppError> {
        sign_in_method(&self.sign_in_provider, self.sign_in_tenant.as_deref())
    }

    /// The status as of `now` (expiry applied at read time).
    pub fn status_at(&self, now: DateTime<Utc>) -> Result<InvitationStatus, AppError> {
        let stored: InvitationStatus = self.status.parse().map_err(|_| AppError::Internal)?;
        Ok(stored.at(self.expires_at, now))
    }
}

/// The column list for [`InvitationRow`], over `invitations i`.
pub const ROW_COLUMNS: &str =
    "i.id, i.org_id, i.email, i.role, i.note, i.notify_email, i.invited_by, i.status,
        i.expires_at, i.decided_by, o.name AS org_name, o.slug AS org_slug, u.name AS inviter_name,
        i.sign_in_provider, i.sign_in_tenant";

/// The FROM clause that goes with [`ROW_COLUMNS`].
pub const ROW_FROM: &str =
    "FROM invitations i JOIN organizations o ON o.id = i.org_id JOIN users u ON u.id = i.invited_by";

/// A stored sign-in method (`invitations.sign_in_provider` and `sign_in_tenant`).
pub fn sign_in_method(provider: &str, tenant: Option<&str>) -> Result<SignInMethod, AppError> {
    let stored = |what| {
        tracing::error!("unreadable stored sign-in method: {what}");
        AppError::Internal
    };
    Ok(match provider {
        "any" => SignInMethod::Any,
        "google" => SignInMethod::Google,
        "entra" => SignInMethod::Entra {
            tenant: tenant
                .map(TenantId::parse)
                .transpose()
                .map_err(|_| stored(provider))?,
        },
        other => return Err(stored(other)),
    })
}

/// How a sign-in method is stored: provider and tenant columns.
pub fn stored_method(method: &SignInMethod) -> (&'static str, Option<&str>) {
    match method {
        SignInMethod::Any => ("any", None),
        SignInMethod::Google => ("google", None),
        SignInMethod::Entra { tenant } => ("entra", tenant.as_ref().map(TenantId::as_str)),
    }
}

/// Loads one invitation of `org`.
pub async fn load(conn: &mut Conn, org: Uuid, id: Uuid) -> Result<InvitationRow, AppError> {
    sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} {ROW_FROM} WHERE i.id = $1 AND i.org_id = $2"
    ))
    .bind(id)
    .bind(org)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::NotFound("Invitation".into()))
}

/// Writes down, in `batch`, the expiry of every pending invitation of `org`
/// whose time has passed, with an audit event each, so the checks after it
/// see true states. Nothing is read back: the batch can end in those checks.
pub fn expire_stale(batch: &mut Batch, org: Uuid, now: DateTime<Utc>) {
    const STALE: &str = "org_id = $1 AND status = 'pending' AND expires_at <= $2";
    // Built once: every create sends them in its writer's turn.
    static RECORD: LazyLock<String> = LazyLock::new(|| {
        audit::for_each_row_of(&format!(
            "SELECT org_id, NULL, NULL, 'invitation.expired', email, '', $2 FROM invitations WHERE {STALE}"
        ))
    });
    static EXPIRE: LazyLock<String> = LazyLock::new(|| {
        format!("UPDATE invitations SET status = 'expired', decided_at = expires_at WHERE {STALE}")
    });
    for sql in [&RECORD, &EXPIRE] {
        batch.push(sql).bind(org).bind(now);
    }
}

/// Whether someone joins an organization for the first time or returns
/// after being removed (a removed membership keeps its row). `First` relies
/// on grants, exclusions and team places being made only for members, and
/// on membership rows never being deleted (only marked removed, or deleted
/// with the user or organization, which takes those rows too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joining {
    First,
    Again,
}

impl Joining {
    /// From the status of the person's membership row, if they have one.
    pub fn after(membership: Option<&str>) -> Self {
        match membership {
            None => Self::First,
            Some(_) => Self::Again,
        }
    }
}

/// Makes `user` an active member of `org` with `role`, in `batch` (seats checked by the
/// caller). Someone who was a member before starts over: their old grants,
/// exclusions and teams are gone (one joining first has none, so nothing is
/// looked for).
pub fn admit(
    batch: &mut Batch,
    org: Uuid,
    user: Uuid,
    role: Role,
    joining: Joining,
    now: DateTime<Utc>,
) {
    if joining == Joining::Again {
        for sql in [
            "DELETE FROM grants WHERE org_id = $1 AND user_id = $2",
            "DELETE FROM role_exclusions WHERE org_id = $1 AND user_id = $2",
            "DELETE FROM team_members WHERE user_id = $2 AND team_id IN (SELECT id FROM teams WHERE org_id = $1)",
        ] {
            batch.push(sql).bind(org).bind(user);
        }
    }
    batch
        .push(
            "INSERT INTO memberships (org_id, user_id, role, status, joined_at) VALUES ($1, $2, $3, 'active', $4)
             ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role, status = 'active',
                joined_at = excluded.joined_at, removed_at = NULL, removed_by = NULL",
        )
        .bind(org)
        .bind(user)
        .bind(role.as_str())
        .bind(now);
}

/// Seats in use in organization `$1` (read from `organizations`) at `$2`:
/// active members plus pending, unexpired invitations, not counting
/// invitation `$3` (NULL for none). From the organization's counters (kept
/// by triggers), so the check costs the same at 1,000 members or
/// invitations as at 100,000; only the pending invitations already expired,
/// which hold no seat, are counted (the sweep retires them).
pub const SEATS_USED: &str = "active_members + pending_invitations
    - (SELECT COUNT(*) FROM invitations WHERE org_id = $1 AND status = 'pending' AND expires_at <= $2)
    - (SELECT COUNT(*) FROM invitations WHERE id = $3 AND org_id = $1 AND status = 'pending' AND expires_at > $2)";

/// Seats in use: active members plus pending, unexpired invitations
/// (optionally not counting one invitation), see [`SEATS_USED`].
pub async fn seats_used(
    conn: &mut Conn,
    org: Uuid,
    now: DateTime<Utc>,
    except: Option<Uuid>,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT {SEATS_USED} FROM organizations WHERE id = $1"
    ))
    .bind(org)
    .bind(now)
    .bind(except)
    .fetch_one(conn)
    .await?)
}

/// Marks the links an invitation has so far as replaced, before a resend
/// issues new ones.
pub fn retire_links(batch: &mut Batch, invitation: Uuid, now: DateTime<Utc>) {
    batch
        .push("UPDATE invitation_tokens SET replaced_at = $1 WHERE invitation_id = $2 AND replaced_at IS NULL")
        .bind(now)
        .bind(invitation);
}

/// An invitation's two new links, drawn but not stored yet: the mailed one,
/// which proves the invitee's mailbox, and the shareable one the inviter
/// copies, which works the same but proves nothing. Drawn first so the mail
/// is queued before the invitation row is written, and the row can point
/// at it (by its message id) rather than be updated after.
pub struct NewLinks {
    mailed: SecretToken,
    shared: SecretToken,
}

impl NewLinks {
    pub fn draw() -> Self {
        Self {
            mailed: SecretToken::generate(),
            shared: SecretToken::generate(),
        }
    }

    /// Queues the invitation mail for `row`, carrying the mailed link, in
    /// `batch`; answers its message id, by which the invitation points at it.
    pub fn mail(
        &self,
        batch: &mut Batch,
        base_url: &str,
        row: &InvitationRow,
    ) -> Result<String, AppError> {
        let link = link(base_url, &self.mailed);
        Ok(enqueue_in(batch, render(&letter(row, &link)?)?))
    }

    /// Stores both links of `invitation` in one statement of `batch` (a
    /// resend retires the earlier ones first, see [`retire_links`]); answers
    /// the shareable link for the inviter.
    pub fn store(
        self,
        batch: &mut Batch,
        base_url: &str,
        invitation: Uuid,
        now: DateTime<Utc>,
    ) -> String {
        let link = link(base_url, &self.shared);
        batch
            .push(
                "INSERT INTO invitation_tokens (token_hash, invitation_id, kind, created_at)
                 VALUES ($1, $3, 'mail', $4), ($2, $3, 'share', $4)",
            )
            .bind(self.mailed.hash)
            .bind(self.shared.hash)
            .bind(invitation)
            .bind(now);
        link
    }
}

/// What the invitation mail for `row`, carrying `link`, says.
fn letter<'a>(
    row: &'a InvitationRow,
    link: &'a str,
) -> Result<templates::InvitationMail<'a>, AppError> {
    Ok(templates::InvitationMail {
        to: row.notify_email.as_deref().unwrap_or(&row.email),
        invitee: &row.email,
        org_name: &row.org_name,
        inviter_name: &row.inviter_name,
        role: row.role()?,
        note: row.note.as_deref(),
        expires_at: row.expires_at,
        link,
    })
}

fn render(letter: &templates::InvitationMail<'_>) -> Result<OutgoingMail, AppError> {
    templates::invitation(letter).map_err(|_| AppError::Internal)
}

/// A new invitation's links, drawn, and its mail, rendered, ahead of the
/// writer's turn: they are most of the work of storing one, which every
/// writer queued behind the turn would wait for.
pub struct Drafted {
    links: NewLinks,
    /// The mailed link.
    link: String,
    /// The invitation as known before the turn, and its mail.
    row: InvitationRow,
    mail: OutgoingMail,
}

impl Drafted {
    pub fn new(base_url: &str, row: InvitationRow) -> Result<Self, AppError> {
        let links = NewLinks::draw();
        let link = link(base_url, &links.mailed);
        let mail = render(&letter(&row, &link)?)?;
        Ok(Self {
            links,
            link,
            row,
            mail,
        })
    }

    /// Queues the mail of `row`, the invitation as the turn stores it, in
    /// `batch`: the drafted one if it reads the same, else one rendered
    /// again (the organization renamed, its invitation lifetime changed or
    /// the minute of expiry passed meanwhile). Answers the links, to be
    /// stored, and the mail's message id.
    pub fn mail(
        self,
        batch: &mut Batch,
        row: &InvitationRow,
    ) -> Result<(NewLinks, String), AppError> {
        let stored = letter(row, &self.link)?;
        let message_id = if stored.reads_as(&letter(&self.row, &self.link)?) {
            enqueue_in(batch, self.mail)
        } else {
            enqueue_in(batch, render(&stored)?)
        };
        Ok((self.links, message_id))
    }
}

/// The address of an invitation link.
fn link(base_url: &str, token: &SecretToken) -> String {
    format!("{base_url}/invite/{}", token.secret)
}

/// Marks the invitation whose mail finally failed as `failed`, keeping the reason.
pub async fn delivery_failed(
    conn: &mut Conn,
    outbox_id: i64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let failed: Vec<(Uuid, String)> = sqlx::query_as(
        "UPDATE invitations SET status = 'failed', last_error = $1, decided_at = $2
         WHERE outbox_id = $3 AND status = 'pending' RETURNING org_id, email",
    )
    .bind(reason)
    .bind(Utc::now())
    .bind(outbox_id)
    .fetch_all(&mut *conn)
    .await?;
    for (org, email) in failed {
        audit::record(conn, Some(org), None, "invitation.failed", &email, reason).await?;
    }
    Ok(())
}

/// The two permission lists an invitation carries.
#[derive(Clone, Copy)]
pub enum CarriedList {
    /// Granted org-wide on accepting.
    Granted,
    /// Admin defaults held back on accepting.
    Withheld,
}

/// The permissions in one of an invitation's lists (unknown keys skipped).
pub async fn permissions_of(
    conn: &mut Conn,
    list: CarriedList,
    invitation: Uuid,
) -> Result<Vec<Permission>, AppError> {
    let sql = match list {
        CarriedList::Granted => "SELECT permission FROM invitation_grants WHERE invitation_id = $1",
        CarriedList::Withheld => {
            "SELECT permission FROM invitation_withheld WHERE invitation_id = $1 ORDER BY permission"
        }
    };
    let keys: Vec<String> = sqlx::query_scalar(sql)
        .bind(invitation)
        .fetch_all(conn)
        .await?;
    Ok(keys.iter().filter_map(|k| Permission::parse(k)).collect())
}
