//! Invitations, the invitee's side: what a link shows, accept and decline.
//! The notification bell uses the same functions, so the rules are one.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::store::{
    admit, permissions_of, CarriedList, InvitationRow, Joining, ROW_COLUMNS, ROW_FROM, SEATS_USED,
};
use crate::domain::access::Permission;
use crate::domain::identity::{ProviderAccount, SignInMethod};
use crate::domain::invitation::{InvitationEvent, InvitationStatus};
use crate::domain::sso::EmailDomain;
use crate::domain::Email;
use crate::error::AppError;
use crate::model::invitations::{InvitationDetails, LinkState};
use crate::model::orgs::OrgSummary;
use crate::server::accounts::{self, mark_verified};
use crate::server::actor::User;
use crate::server::db::{Batch, Conn, Pool};
use crate::server::identity::providers::{ProviderConfig, Providers};
use crate::server::notifications::{notify, NoticeKind};
use crate::server::sso::connections;
use crate::server::token::hash_secret;
use crate::server::{audit, db};

/// How the invitee reached the invitation: the emailed link, or their inbox
/// (the bell and the dashboard prompt), which names it by id.
#[derive(Debug, Clone, Copy)]
pub enum LinkKey<'a> {
    Token(&'a str),
    Inbox(Uuid),
}

impl<'a, S: AsRef<str> + ?Sized> From<&'a S> for LinkKey<'a> {
    fn from(secret: &'a S) -> Self {
        Self::Token(secret.as_ref())
    }
}

/// An invitation found through its link, whether that link was replaced, and
/// whether it was the mailed link (which proves the invitee's mailbox).
struct Found {
    row: InvitationRow,
    replaced: bool,
    mailed: bool,
}

/// Where the acceptor and the organization stand, read in one look-up:
/// seats, the acceptor's membership row, what the invitation carries, and
/// the organization's SSO connection if it claims the address.
#[derive(sqlx::FromRow)]
struct Standing {
    used: i64,
    seat_limit: i64,
    /// The status of the acceptor's membership row, if they ever had one.
    membership: Option<String>,
    carries_teams: bool,
    carries_grants: bool,
    withholds: bool,
    /// The organization's SSO connection when it claims the invited
    /// address's domain.
    #[sqlx(flatten)]
    sso: connections::Claim,
}

/// An invitation row with the token it was found by.
#[derive(sqlx::FromRow)]
struct TokenRow {
    #[sqlx(flatten)]
    row: InvitationRow,
    replaced_at: Option<DateTime<Utc>>,
    kind: String,
}

impl LinkKey<'_> {
    /// Reads the invitation behind the key, as a [`TokenRow`], in the last
    /// statement of `batch`.
    fn push_read(self, batch: &mut Batch) {
        match self {
            Self::Token(secret) => batch
                .push(&format!(
                    "SELECT t.replaced_at, t.kind, {ROW_COLUMNS} {ROW_FROM}
                     JOIN invitation_tokens t ON t.invitation_id = i.id WHERE t.token_hash = $1"
                ))
                .bind(hash_secret(secret)),
            Self::Inbox(id) => batch
                .push(&format!(
                    "SELECT NULL AS replaced_at, 'inbox' AS kind, {ROW_COLUMNS} {ROW_FROM} WHERE i.id = $1"
                ))
                .bind(id),
        };
    }

    /// The invitation [`Self::push_read`] read, if `viewer` may find it: by
    /// id, only the invitee themself may, so the invitation's address must
    /// be their verified email.
    fn found(self, read: Option<TokenRow>, viewer: Option<&User>) -> Result<Found, AppError> {
        match self {
            Self::Token(_) => {
                let found =
                    read.ok_or_else(|| AppError::NotFound("This invitation link".into()))?;
                Ok(Found {
                    row: found.row,
                    replaced: found.replaced_at.is_some(),
                    mailed: found.kind == "mail",
                })
            }
            Self::Inbox(_) => {
                let addressed_to_viewer = |read: &TokenRow| {
                    viewer
                        .is_some_and(|u| u.email_verified_at.is_some() && u.email == read.row.email)
                };
                let read = read
                    .filter(addressed_to_viewer)
                    .ok_or_else(|| AppError::NotFound("Invitation".into()))?;
                Ok(Found {
                    row: read.row,
                    replaced: false,
                    mailed: false,
                })
            }
        }
    }
}

/// Finds the invitation behind `key`, as `viewer` may (see [`LinkKey::found`]).
async fn find(conn: &mut Conn, key: LinkKey<'_>, viewer: Option<&User>) -> Result<Found, AppError> {
    let mut read = Batch::default();
    key.push_read(&mut read);
    key.found(read.fetch_optional(conn).await?, viewer)
}

/// Opens the write transaction of an answer through `key`, finding the
/// invitation (see [`find`]) in the trip that begins it.
async fn begin_found(
    pool: &Pool,
    key: LinkKey<'_>,
    viewer: Option<&User>,
) -> Result<(db::WriteTx, Found), AppError> {
    let (tx, read) = db::begin_write_with(pool, |first| key.push_read(first)).await?;
    Ok((tx, key.found(read, viewer)?))
}

fn link_state(found: &Found, now: DateTime<Utc>) -> Result<LinkState, AppError> {
    if found.replaced {
        return Ok(LinkState::Replaced);
    }
    Ok(match found.row.status_at(now)? {
        InvitationStatus::Pending => LinkState::Open,
        InvitationStatus::Accepted => LinkState::Accepted,
        InvitationStatus::Declined => LinkState::Declined,
        InvitationStatus::Revoked => LinkState::Revoked,
        InvitationStatus::Expired => LinkState::Expired,
        InvitationStatus::Failed => LinkState::Failed,
    })
}

/// Refuses an accepted invitation whose acceptor has since been removed or
/// left: it opens nothing any more, so it shows nothing of the organization.
async fn require_acceptor_still_member(
    conn: &mut Conn,
    row: &InvitationRow,
) -> Result<(), AppError> {
    if row.status != "accepted" {
        return Ok(());
    }
    let member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2 AND status = 'active')",
    )
    .bind(row.org_id)
    .bind(row.decided_by)
    .fetch_one(&mut *conn)
    .await?;
    if member {
        return Ok(());
    }
    Err(AppError::Conflict(
        "This invitation was already used, and the account that accepted it is no longer a member of the organization. To join again, ask one of its admins for a new invitation.".into(),
    ))
}

/// The page behind a link.
pub async fn preview(
    pool: &Pool,
    providers: &Providers,
    secret: &str,
    viewer: Option<&User>,
) -> Result<InvitationDetails, AppError> {
    let mut conn = pool.acquire().await?;
    let found = find(&mut conn, LinkKey::Token(secret), viewer).await?;
    require_acceptor_still_member(&mut conn, &found.row).await?;
    let state = link_state(&found, Utc::now())?;
    let row = found.row;
    let teams = sqlx::query_scalar("SELECT t.name FROM invitation_teams it JOIN teams t ON t.id = it.team_id WHERE it.invitation_id = $1 ORDER BY t.name")
        .bind(row.id)
        .fetch_all(&mut *conn)
        .await?;
    let labels = |list: Vec<Permission>| list.into_iter().map(Permission::label).collect();
    let permissions = labels(permissions_of(&mut conn, CarriedList::Granted, row.id).await?);
    let withheld = labels(permissions_of(&mut conn, CarriedList::Withheld, row.id).await?);
    let sign_in = row.sign_in()?;
    let invited = Email::parse(&row.email).map_err(|_| AppError::Internal)?;
    let sso = connections::of_org_for_address(&mut conn, row.org_id, &invited).await?;
    let required = match (&sso, sign_in.provider()) {
        (Some(sso), _) => connections::provider(pool, providers, &sso.provider).await?,
        (None, Some(kind)) => providers.of_kind(kind).cloned(),
        (None, None) => None,
    };
    Ok(InvitationDetails {
        sign_in,
        single_sign_on: sso.is_some(),
        sign_in_with: required.as_ref().map(ProviderConfig::button),
        teams,
        permissions,
        withheld,
        role: row.role()?,
        org_name: row.org_name,
        inviter_name: row.inviter_name,
        email: row.email,
        note: row.note,
        expires_at: row.expires_at,
        state,
        signed_in_as: viewer.map(|u| u.email.clone()),
    })
}

/// Why an answer through a link that is not open is refused, if it is not.
/// An expiry noticed now is written down in `batch`, which the caller
/// commits with the refusal.
fn closed(
    batch: &mut Batch,
    found: &Found,
    now: DateTime<Utc>,
) -> Result<Option<AppError>, AppError> {
    let state = link_state(found, now)?;
    if state == LinkState::Expired && found.row.status == "pending" {
        batch
            .push("UPDATE invitations SET status = 'expired', decided_at = expires_at WHERE id = $1 AND status = 'pending'")
            .bind(found.row.id);
        audit::record_in(
            batch,
            Some(found.row.org_id),
            None,
            "invitation.expired",
            &found.row.email,
            "",
        );
    }
    Ok(match state {
        LinkState::Open => None,
        other => Some(AppError::Conflict(other.explain(&found.row.org_name))),
    })
}

/// What shows that the accepting account receives mail at the invited address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddressProof {
    /// The account confirmed its address before.
    AlreadyVerified,
    /// The account followed the link mailed to the address, which proves it now.
    ThisLink,
    /// The account just signed in through a provider that vouches for the address.
    Provider,
}

/// What an invitation asks of whoever redeems it.
pub struct Restriction {
    pub email: Email,
    pub method: SignInMethod,
    pub org_name: String,
}

/// The address and sign-in method of the open invitation behind a link.
pub async fn restriction(pool: &Pool, secret: &str) -> Result<Restriction, AppError> {
    let mut conn = pool.acquire().await?;
    let found = find(&mut conn, LinkKey::Token(secret), None).await?;
    match link_state(&found, Utc::now())? {
        LinkState::Open => {}
        other => return Err(AppError::Conflict(other.explain(&found.row.org_name))),
    }
    Ok(Restriction {
        email: Email::parse(&found.row.email).map_err(|_| AppError::Internal)?,
        method: found.row.sign_in()?,
        org_name: found.row.org_name,
    })
}

/// Refuses an account whose address nothing proves: anyone can sign up with
/// any address, and the shareable link was seen by the inviter, so only a
/// verified address or the mailed link (mailed to the invited address itself,
/// not to a separate notification address) lets the account in.
fn address_proof(
    found: &Found,
    invited: &Email,
    user: &User,
    via: Option<&ProviderAccount>,
) -> Result<AddressProof, AppError> {
    let method = found.row.sign_in()?;
    match (method.provider(), via) {
        (Some(_), None) => {
            return Err(AppError::Forbidden(format!(
                "This invitation is accepted by signing in with {}. Open the invitation link and choose Continue with {}.",
                method.label(),
                method.label()
            )))
        }
        (_, Some(account)) => {
            return match method.admits(invited, account) {
                Ok(()) => Ok(AddressProof::Provider),
                // A provider session that does not fit an "Any" invitation
                // may still accept it as the account it signed in to.
                Err(_) if method == SignInMethod::Any => address_proof(found, invited, user, None),
                Err(_) => Err(AppError::Forbidden(format!(
                    "This invitation is for {} signing in with {}. Sign out, then open the invitation link and sign in with that account.",
                    found.row.email,
                    method.label()
                ))),
            }
        }
        (None, None) => {}
    }
    if user.email_verified_at.is_some() {
        Ok(AddressProof::AlreadyVerified)
    } else if found.mailed && found.row.notify_email.is_none() {
        Ok(AddressProof::ThisLink)
    } else {
        Err(AppError::Forbidden(format!(
            "Confirm your email address first: open the link we sent to {}, or the invitation link in your mail.",
            user.email
        )))
    }
}

/// Accepts as `user`: their email must be the invited one and proven (see
/// [`address_proof`]), a seat must be free. Idempotent: accepting again as
/// the same person opens the organization.
pub async fn accept<'a>(
    pool: &Pool,
    key: impl Into<LinkKey<'a>>,
    user: &User,
    via: Option<&ProviderAccount>,
) -> Result<OrgSummary, AppError> {
    let (mut tx, found) = begin_found(pool, key.into(), Some(user)).await?;
    let now = Utc::now();
    let row = &found.row;
    let org = OrgSummary {
        id: row.org_id,
        name: row.org_name.clone(),
        slug: row.org_slug.clone(),
        role: row.role()?,
    };
    require_acceptor_still_member(&mut tx, row).await?;
    if !found.replaced && row.status == "accepted" && row.decided_by == Some(user.id) {
        if user.active_org_id != Some(row.org_id) {
            let mut batch = Batch::default();
            accounts::open_on(&mut batch, user.id, row.org_id);
            tx.commit_with(batch).await?;
        }
        return Ok(org);
    }
    let mut batch = Batch::default();
    if let Some(refused) = closed(&mut batch, &found, now)? {
        tx.commit_with(batch).await?;
        return Err(refused);
    }
    if row.email != user.email {
        return Err(AppError::Forbidden(format!(
            "This invitation is for {}, you are signed in as {}. Sign out and sign in (or sign up) as {} to accept it.",
            row.email, user.email, row.email
        )));
    }
    let invited = Email::parse(&row.email).map_err(|_| AppError::Internal)?;
    let standing: Standing = sqlx::query_as(&format!(
        "SELECT {SEATS_USED} AS used, o.seat_limit, m.status AS membership,
                EXISTS (SELECT 1 FROM invitation_teams WHERE invitation_id = $3) AS carries_teams,
                EXISTS (SELECT 1 FROM invitation_grants WHERE invitation_id = $3) AS carries_grants,
                EXISTS (SELECT 1 FROM invitation_withheld WHERE invitation_id = $3) AS withholds,
                {}
         FROM organizations o LEFT JOIN memberships m ON m.org_id = o.id AND m.user_id = $4
              LEFT JOIN sso_domains d ON d.org_id = o.id AND d.domain = $5
              LEFT JOIN sso_connections c ON c.org_id = d.org_id
         WHERE o.id = $1",
        connections::CLAIM_COLUMNS
    ))
    .bind(row.org_id)
    .bind(now)
    .bind(row.id)
    .bind(user.id)
    .bind(EmailDomain::of(&invited).as_str())
    .fetch_one(&mut *tx)
    .await?;
    // An address in a domain the organization claims joins through its
    // single sign-on, whatever the invitation's own method.
    if let Some(sso) = standing.sso.connection()? {
        if !via.is_some_and(|account| sso.admits(account, &invited)) {
            return Err(AppError::Forbidden(format!(
                "{} signs in addresses like {} with single sign-on. Open the invitation link and continue with your organization's sign-in to accept.",
                row.org_name, row.email
            )));
        }
    }
    let proof = address_proof(&found, &invited, user, via)?;
    let joining = match standing.membership.as_deref() {
        Some("active") => None,
        _ if standing.used >= standing.seat_limit => {
            return Err(AppError::Conflict(format!(
                "{} has no free seat right now ({} of {} seats used). Ask an admin to free a seat, then try again.",
                row.org_name, standing.used, standing.seat_limit
            )));
        }
        membership => Some(Joining::after(membership)),
    };
    decide(&mut batch, row, InvitationEvent::Accept, Some(user), now)?;
    if let Some(joining) = joining {
        admit(&mut batch, row.org_id, user.id, row.role()?, joining, now);
        // An Admin invited narrowed joins narrowed (only Admin invitations hold any back).
        if standing.withholds {
            batch
                .push("INSERT INTO role_exclusions (org_id, user_id, permission) SELECT $1, $2, permission FROM invitation_withheld WHERE invitation_id = $3 ON CONFLICT DO NOTHING")
                .bind(row.org_id)
                .bind(user.id)
                .bind(row.id);
        }
    }
    // The access the invitation carries: its teams and org-wide grants.
    if standing.carries_teams {
        batch
            .push("INSERT INTO team_members (team_id, user_id, added_at) SELECT team_id, $1, $2 FROM invitation_teams WHERE invitation_id = $3 ON CONFLICT DO NOTHING")
            .bind(user.id)
            .bind(now)
            .bind(row.id);
    }
    if standing.carries_grants {
        batch
            .push("INSERT INTO grants (org_id, user_id, permission) SELECT $1, $2, permission FROM invitation_grants WHERE invitation_id = $3 ON CONFLICT DO NOTHING")
            .bind(row.org_id)
            .bind(user.id)
            .bind(row.id);
    }
    if proof != AddressProof::AlreadyVerified {
        mark_verified(&mut batch, user.id, &user.email);
    }
    accounts::open_on(&mut batch, user.id, row.org_id);
    tx.commit_with(batch).await?;
    Ok(org)
}

/// Declines. Whoever holds the link may say no without an account.
pub async fn decline<'a>(
    pool: &Pool,
    key: impl Into<LinkKey<'a>>,
    viewer: Option<&User>,
) -> Result<(), AppError> {
    let (tx, found) = begin_found(pool, key.into(), viewer).await?;
    let now = Utc::now();
    if !found.replaced && found.row.status == "declined" {
        return Ok(());
    }
    let mut batch = Batch::default();
    if let Some(refused) = closed(&mut batch, &found, now)? {
        tx.commit_with(batch).await?;
        return Err(refused);
    }
    decide(
        &mut batch,
        &found.row,
        InvitationEvent::Decline,
        viewer,
        now,
    )?;
    tx.commit_with(batch).await?;
    Ok(())
}

/// Moves a pending invitation to the state `event` leads to, with its audit
/// event and the inviter's notice, all in `batch`. `row` was read in this
/// write transaction: every change to an invitation is made in one, behind
/// the same write lock, so it is still pending and the UPDATE needs no
/// answer before the COMMIT it goes with.
fn decide(
    batch: &mut Batch,
    row: &InvitationRow,
    event: InvitationEvent,
    by: Option<&User>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let by_id = by.map(|user| user.id);
    let next = InvitationStatus::Pending
        .apply(event)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    batch
        .push("UPDATE invitations SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND status = 'pending'")
        .bind(next.as_str())
        .bind(now)
        .bind(by_id)
        .bind(row.id);
    audit::record_in(
        batch,
        Some(row.org_id),
        by_id,
        &format!("invitation.{}", next.as_str()),
        &row.email,
        &row.role,
    );
    // The inviter knows people by name; one who answered without signing in
    // is known by the address only.
    let message = format!(
        "{} {} your invitation to {}.",
        by.map_or(&row.email, |user| &user.name),
        next.as_str(),
        row.org_name
    );
    notify(
        batch,
        row.invited_by,
        NoticeKind::InvitationAnswered,
        &message,
    );
    Ok(())
}
