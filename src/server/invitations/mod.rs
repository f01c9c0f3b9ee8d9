//! Invitations, the administrator's side: create, list, resend, revoke.
//! The invitee's side (the link) is in [`link`].

pub mod bulk;
pub mod link;
pub mod store;

use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use self::store::{
    expire_stale, load, retire_links, CarriedList, Drafted, InvitationRow, NewLinks, SEATS_USED,
};
use super::actor::{no_longer_member, parse_role, refresh, Fresh, Member, FRESH_COLUMNS};
use super::rate_limit::{Counted, Limit};
use super::state::AppState;
use super::{access, audit, db, teams};
use crate::domain::access::{admin_default, Access, Grant, Permission};
use crate::domain::identity::SignInMethod;
use crate::domain::invitation::{InvitationStatus, ResendPlan};
use crate::domain::policy;
use crate::domain::text::parse_note;
use crate::domain::{Email, Role};
use crate::error::AppError;
use crate::model::invitations::{
    Delivery, InvitationItem, InvitationList, InvitationRequest, IssuedInvitation, INVITATIONS_PAGE,
};
use crate::server::db::{Batch, Conn, Pool};
use crate::server::mail::outbox::DeliveryStatus;

/// Checked invitation input.
struct InvitationInput {
    email: Email,
    role: Role,
    note: Option<String>,
    notify_email: Option<Email>,
    sign_in: SignInMethod,
    carried: Carried,
}

/// The access an invitation carries beyond its role.
struct Carried {
    teams: Vec<Uuid>,
    grants: Vec<Grant>,
    /// Admin defaults the invitee will not hold.
    withheld: Vec<Permission>,
}

fn parse_input(input: InvitationRequest) -> Result<InvitationInput, AppError> {
    let email = Email::parse(&input.email);
    let role = input.role;
    let note = parse_note(&input.note);
    let notify_email = match input.notify_email.trim() {
        "" => Ok(None),
        other => Email::parse(other).map(Some),
    };
    let sign_in = input.sign_in.with_tenant(&input.tenant_id);
    AppError::check_fields([
        email.as_ref().err().map(|e| ("email", e.to_string())),
        note.as_ref().err().map(|e| ("note", e.to_string())),
        notify_email
            .as_ref()
            .err()
            .map(|e| ("notify_email", e.to_string())),
        sign_in.as_ref().err().map(|e| ("tenant_id", e.to_string())),
    ])?;
    let sign_in = sign_in.map_err(|e| AppError::invalid("tenant_id", e))?;
    let email = email.map_err(|e| AppError::invalid("email", e))?;
    let note = note.map_err(|e| AppError::invalid("note", e))?;
    let notify_email = notify_email.map_err(|e| AppError::invalid("notify_email", e))?;
    let notify_email = notify_email.filter(|n| *n != email);
    // What the role already gives is not stored again, so a later role change stays meaningful.
    let by_role = Access::new(role, [], []);
    let grants = input
        .permissions
        .into_iter()
        .map(Grant::org_wide)
        .filter(|g| !by_role.allows(g.permission(), g.scope()))
        .collect();
    let withheld: Vec<Permission> = input
        .withheld
        .into_iter()
        .filter(|p| admin_default(*p))
        .collect();
    if !withheld.is_empty() && role != Role::Admin {
        return Err(AppError::invalid(
            "permissions",
            "Only an Admin's permissions can be held back: owners hold everything, members only what they are given.",
        ));
    }
    Ok(InvitationInput {
        email,
        role,
        note,
        notify_email,
        sign_in,
        carried: Carried {
            teams: input.teams,
            grants,
            withheld,
        },
    })
}

/// Invites someone: checks rights, duplicates, membership and seats inside one
/// write transaction, then stores the invitation, its link and its mail together.
pub async fn create(
    state: &AppState,
    actor: &Member,
    input: InvitationRequest,
) -> Result<IssuedInvitation, AppError> {
    let input = parse_input(input)?;
    require_configured(state, &input.sign_in)?;
    let limit = invite_limit(state, actor);
    let mut now = Utc::now();
    let drafted = draft(state, actor, &input, now)?;
    // One trip: the BEGIN, the hit, the expiry and every check's read.
    let (mut tx, found) = db::begin_write_with(&state.pool, |first| {
        now = Utc::now();
        limit.push_hit(first, now);
        Inviting::push(first, actor, &input.email, now, &limit);
    })
    .await?;
    let inviting = Inviting::checked(found, actor, &limit, now)?;
    let mut stored = Batch::default();
    let issued = insert(&mut tx, &mut stored, state, inviting, &input, now, drafted).await?;
    tx.commit_with(stored).await?;
    state.mail.wake();
    Ok(issued)
}

/// Refuses a sign-in method whose provider this server does not offer:
/// nobody could ever accept such an invitation.
fn require_configured(state: &AppState, method: &SignInMethod) -> Result<(), AppError> {
    match method.provider() {
        Some(kind) if state.providers.of_kind(kind).is_none() => Err(AppError::invalid(
            "sign_in",
            format!("Sign-in with {} is not set up on this server. Choose Any, or ask the operator to configure it.", method.label()),
        )),
        _ => Ok(()),
    }
}

/// Checks, then stores one invitation with its link, mail and audit event
/// in `stored`, for the caller to run with its COMMIT.
async fn insert(
    conn: &mut Conn,
    stored: &mut Batch,
    state: &AppState,
    Checked {
        actor,
        used,
        presence,
    }: Checked,
    input: &InvitationInput,
    now: DateTime<Utc>,
    drafted: Drafted,
) -> Result<IssuedInvitation, AppError> {
    let actor = &actor;
    let org = &actor.org;
    let access = access::load_for_checks(conn, org.id, actor.user.id, org.role).await?;
    let refused = match refusal(conn, actor, &access, input).await? {
        Some(refused) => Some(refused),
        None => presence.obstacle(),
    };
    match refused {
        None => {}
        Some(Obstacle::NotAllowed(e)) => return Err(e),
        Some(Obstacle::AlreadyMember) => {
            return Err(AppError::invalid(
                "email",
                format!("{} is already a member of {}.", input.email, org.name),
            ))
        }
        Some(Obstacle::AlreadyInvited { id, sent_at }) => {
            return Err(AppError::PendingInvitationExists {
                invitation_id: id,
                email: input.email.to_string(),
                sent_on: crate::domain::dates::day(sent_at),
            })
        }
    }
    if used >= org.seat_limit {
        return Err(AppError::Conflict(format!(
            "No seat is free: {used} of {} seats used (members and pending invitations). \
             Revoke a pending invitation, remove a member, or raise the seat limit in Settings.",
            org.seat_limit
        )));
    }
    store(stored, state, actor, input, now, drafted)
}

/// What one invitation is checked against, read in one query after stale
/// invitations are expired (in the same trip): the inviter as of now, the
/// seats in use, whether the address is already in the organization and
/// the inviter's allowance. Each trip to the database inside the write
/// turn is one every writer behind it waits for.
#[derive(sqlx::FromRow)]
struct Inviting {
    #[sqlx(flatten)]
    actor: Fresh,
    used: i64,
    #[sqlx(flatten)]
    presence: Presence,
    #[sqlx(flatten)]
    counted: Counted,
}

/// An invitation's checks as read: the inviter as of now, the seats in use
/// and the address's presence.
struct Checked {
    actor: Member,
    used: i64,
    presence: Presence,
}

impl Inviting {
    /// Expires stale invitations, then reads what an invitation by `actor`
    /// to `email` is checked against, in the last statements of `batch`,
    /// after `limit`'s hit.
    fn push(batch: &mut Batch, actor: &Member, email: &Email, now: DateTime<Utc>, limit: &Limit) {
        // Built once: the turn's statements are built while every writer
        // behind it waits.
        static READ: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {FRESH_COLUMNS}, {SEATS_USED} AS used, {}, {}
                 FROM memberships m JOIN organizations o ON o.id = m.org_id
                 WHERE m.org_id = $1 AND m.user_id = $5 AND m.status = 'active'",
                Presence::columns("$1", "$4"),
                Limit::columns("$6"),
            )
        });
        expire_stale(batch, actor.org.id, now);
        batch
            .push(&READ)
            .bind(actor.org.id)
            .bind(now)
            .bind(None::<Uuid>)
            .bind(email.to_string())
            .bind(actor.user.id)
            .bind(limit.key().to_owned());
    }

    /// What [`Self::push`] read, once the inviter is found still a member
    /// and within their allowance.
    fn checked(
        found: Option<Self>,
        actor: &Member,
        limit: &Limit,
        now: DateTime<Utc>,
    ) -> Result<Checked, AppError> {
        let Self {
            actor: fresh,
            used,
            presence,
            counted,
        } = found.ok_or_else(no_longer_member)?;
        limit.check(counted, now)?;
        Ok(Checked {
            actor: actor.refreshed(fresh)?,
            used,
            presence,
        })
    }
}

/// Why one checked invitation cannot be created (seats aside, which a batch
/// counts as a whole).
enum Obstacle {
    /// A role, permission or team beyond the inviter's, or a team gone.
    NotAllowed(AppError),
    AlreadyMember,
    AlreadyInvited {
        id: Uuid,
        sent_at: DateTime<Utc>,
    },
}

/// The per-invitation rules for one row of a batch: the inviter's rights,
/// then membership and pending invitations (a single invitation reads the
/// latter with the rest of its checks, see [`Inviting`]). Stale invitations
/// must be expired first. Only database failures are errors.
async fn obstacle(
    conn: &mut Conn,
    actor: &Member,
    access: &Access,
    input: &InvitationInput,
) -> Result<Option<Obstacle>, AppError> {
    if let Some(refused) = refusal(conn, actor, access, input).await? {
        return Ok(Some(refused));
    }
    static READ: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {}", Presence::columns("$1", "$2")));
    let presence: Presence = sqlx::query_as(&READ)
        .bind(actor.org.id)
        .bind(input.email.as_str())
        .fetch_one(&mut *conn)
        .await?;
    Ok(presence.obstacle())
}

/// The inviter's rights over one invitation: a role, permission or team
/// beyond their own is refused. Only database failures are errors.
async fn refusal(
    conn: &mut Conn,
    actor: &Member,
    access: &Access,
    input: &InvitationInput,
) -> Result<Option<Obstacle>, AppError> {
    let allowed = match policy::may_invite(access, input.role) {
        Ok(()) => check_delegation(conn, actor.org.id, access, input).await,
        Err(refused) => Err(refused.into()),
    };
    match allowed {
        Err(AppError::Internal) => Err(AppError::Internal),
        Err(refused) => Ok(Some(Obstacle::NotAllowed(refused))),
        Ok(()) => Ok(None),
    }
}

/// Whether an address is already in the organization: an active member, or
/// invited and pending.
#[derive(sqlx::FromRow)]
struct Presence {
    member: bool,
    pending_id: Option<Uuid>,
    pending_sent_at: Option<DateTime<Utc>>,
}

impl Presence {
    /// Its columns, for the organization and the address in the
    /// placeholders `org` and `email`.
    fn columns(org: &str, email: &str) -> String {
        let pending = format!(
            "FROM invitations WHERE org_id = {org} AND email = {email} AND status = 'pending'"
        );
        format!(
            "EXISTS (SELECT 1 FROM memberships pm JOIN users pu ON pu.id = pm.user_id
                     WHERE pm.org_id = {org} AND pm.status = 'active' AND pu.email = {email}) AS member,
             (SELECT id {pending}) AS pending_id, (SELECT sent_at {pending}) AS pending_sent_at"
        )
    }

    fn obstacle(self) -> Option<Obstacle> {
        if self.member {
            return Some(Obstacle::AlreadyMember);
        }
        self.pending_id
            .zip(self.pending_sent_at)
            .map(|(id, sent_at)| Obstacle::AlreadyInvited { id, sent_at })
    }
}

/// A new invitation by `actor` as stored at `now`.
fn new_row(actor: &Member, input: &InvitationInput, now: DateTime<Utc>) -> InvitationRow {
    let org = &actor.org;
    let (sign_in_provider, sign_in_tenant) = store::stored_method(&input.sign_in);
    InvitationRow {
        // Time-ordered: each new id goes at the end of the indexes keyed by
        // it (the invitation's own, its links'), so the changes committed
        // together write one page of each, not one page per invitation.
        id: Uuid::now_v7(),
        org_id: org.id,
        email: input.email.to_string(),
        role: input.role.as_str().to_owned(),
        note: input.note.clone(),
        notify_email: input.notify_email.as_ref().map(Email::to_string),
        invited_by: actor.user.id,
        status: InvitationStatus::Pending.as_str().to_owned(),
        expires_at: now + Duration::days(org.invitation_ttl_days),
        decided_by: None,
        org_name: org.name.clone(),
        org_slug: org.slug.clone(),
        inviter_name: actor.user.name.clone(),
        sign_in_provider: sign_in_provider.to_owned(),
        sign_in_tenant: sign_in_tenant.map(str::to_owned),
    }
}

/// The links and mail of a new invitation by `actor` as known at `now`, for
/// [`store`]. A single invitation drafts them before its turn; a bulk row
/// or an invitation sent again, whose input is read in the turn, in it.
fn draft(
    state: &AppState,
    actor: &Member,
    input: &InvitationInput,
    now: DateTime<Utc>,
) -> Result<Drafted, AppError> {
    Drafted::new(&state.config.base_url, new_row(actor, input, now))
}

/// Stores a checked invitation (seat counted by the caller) with its teams,
/// grants, links, queued mail (`drafted`, see [`Drafted`]) and audit
/// event, in `batch`: nothing of it answers anything the change needs.
fn store(
    batch: &mut Batch,
    state: &AppState,
    actor: &Member,
    input: &InvitationInput,
    now: DateTime<Utc>,
    drafted: Drafted,
) -> Result<IssuedInvitation, AppError> {
    let org = &actor.org;
    // The row as stored, built here rather than read back: the actor was
    // refreshed in this transaction, so the organization's name is current.
    let row = new_row(actor, input, now);
    let id = row.id;
    let (links, message_id) = drafted.mail(batch, &row)?;
    // The write lock taken at BEGIN IMMEDIATE means the pending check
    // before still holds; the partial unique index is the backstop.
    batch
        .push(
            "INSERT INTO invitations (id, org_id, email, role, note, notify_email, invited_by, created_at, sent_at, expires_at,
                                      sign_in_provider, sign_in_tenant, outbox_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, (SELECT id FROM outbox WHERE message_id = $13))",
        )
        .bind(id)
        .bind(org.id)
        .bind(row.email.clone())
        .bind(row.role.clone())
        .bind(row.note.clone())
        .bind(row.notify_email.clone())
        .bind(actor.user.id)
        .bind(now)
        .bind(now)
        .bind(row.expires_at)
        .bind(row.sign_in_provider.clone())
        .bind(row.sign_in_tenant.clone())
        .bind(message_id);
    for team in &input.carried.teams {
        batch
            .push("INSERT INTO invitation_teams (invitation_id, team_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(*team);
    }
    for grant in &input.carried.grants {
        batch
            .push("INSERT INTO invitation_grants (invitation_id, permission) VALUES ($1, $2)")
            .bind(id)
            .bind(grant.permission().key());
    }
    for permission in &input.carried.withheld {
        batch
            .push("INSERT INTO invitation_withheld (invitation_id, permission) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(permission.key());
    }
    let link = links.store(batch, &state.config.base_url, id, now);
    audit::by_in(
        batch,
        actor,
        "invitation.created",
        input.email.as_str(),
        &match &input.sign_in {
            SignInMethod::Any => input.role.as_str().to_owned(),
            method => format!("{}, sign in with {}", input.role.as_str(), method.label()),
        },
    );
    Ok(issued(&row, link))
}

/// Nobody grants beyond what they hold: every permission, and every grant of
/// every team, must be within the inviter's own access.
async fn check_delegation(
    conn: &mut Conn,
    org: Uuid,
    actor: &Access,
    input: &InvitationInput,
) -> Result<(), AppError> {
    for grant in &input.carried.grants {
        policy::may_grant(actor, grant)?;
    }
    // Holding back is narrowing, which also stays within the actor's own access.
    for permission in &input.carried.withheld {
        policy::may_grant(actor, &Grant::org_wide(*permission))?;
    }
    for team in &input.carried.teams {
        let name = match teams::team_name(conn, org, *team).await {
            Err(AppError::NotFound(_)) => Err(AppError::invalid(
                "teams",
                "That team no longer exists. Reload and choose again.",
            )),
            found => found,
        }?;
        teams::require_team_within(conn, actor, *team, &name).await?;
    }
    Ok(())
}

/// The access an earlier invitation carried, to invite again with it.
async fn carried_access(conn: &mut Conn, invitation: Uuid) -> Result<Carried, AppError> {
    let teams = sqlx::query_scalar("SELECT team_id FROM invitation_teams WHERE invitation_id = $1")
        .bind(invitation)
        .fetch_all(&mut *conn)
        .await?;
    let grants = store::permissions_of(conn, CarriedList::Granted, invitation)
        .await?
        .into_iter()
        .map(Grant::org_wide)
        .collect();
    let withheld = store::permissions_of(conn, CarriedList::Withheld, invitation).await?;
    Ok(Carried {
        teams,
        grants,
        withheld,
    })
}

fn issued(row: &InvitationRow, link: String) -> IssuedInvitation {
    IssuedInvitation {
        invitation_id: row.id,
        email: row.email.clone(),
        link,
        expires_at: row.expires_at,
        mailed_to: row
            .notify_email
            .clone()
            .unwrap_or_else(|| row.email.clone()),
    }
}

/// The inviter's allowance of invites, resends and batches, each counted
/// in the change's own write transaction.
pub(super) fn invite_limit(state: &AppState, actor: &Member) -> Limit {
    Limit::new(
        format!("invite:{}", actor.user.id),
        state.config.invite_limit,
        state.config.rate_window,
    )
}

/// Resends: a pending invitation gets a new link (the old one dies) and its
/// expiry restarts; an expired, failed, declined or revoked one is invited again.
pub async fn resend(
    state: &AppState,
    actor: &Member,
    id: Uuid,
) -> Result<IssuedInvitation, AppError> {
    let limit = invite_limit(state, actor);
    let mut tx = limit.begin_write(&state.pool).await?;
    let now = Utc::now();
    let actor = &refresh(&mut tx, actor).await?;
    let row = load(&mut tx, actor.org.id, id).await?;
    let mine = may_manage(&mut tx, actor, &row).await?;
    let plan = row
        .status_at(now)?
        .resend_plan()
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let mut stored = Batch::default();
    let issued = match plan {
        ResendPlan::RefreshInPlace => {
            // A fresh link is a new grant of what the invitation carries.
            let carried = InvitationInput {
                email: Email::parse(&row.email).map_err(|_| AppError::Internal)?,
                role: row.role()?,
                note: None,
                notify_email: None,
                sign_in: row.sign_in()?,
                carried: carried_access(&mut tx, row.id).await?,
            };
            policy::may_invite(&mine, carried.role)?;
            check_delegation(&mut tx, actor.org.id, &mine, &carried).await?;
            let row = InvitationRow {
                expires_at: now + Duration::days(actor.org.invitation_ttl_days),
                ..row
            };
            let links = NewLinks::draw();
            let message_id = links.mail(&mut stored, &state.config.base_url, &row)?;
            stored
                .push(
                    "UPDATE invitations SET sent_at = $1, expires_at = $2, last_error = NULL,
                         outbox_id = (SELECT id FROM outbox WHERE message_id = $3)
                     WHERE id = $4",
                )
                .bind(now)
                .bind(row.expires_at)
                .bind(message_id)
                .bind(id);
            retire_links(&mut stored, id, now);
            let link = links.store(&mut stored, &state.config.base_url, id, now);
            audit::by_in(&mut stored, actor, "invitation.resent", &row.email, "");
            issued(&row, link)
        }
        ResendPlan::InviteAgain => {
            let input = InvitationInput {
                carried: carried_access(&mut tx, row.id).await?,
                email: Email::parse(&row.email).map_err(|_| AppError::Internal)?,
                role: row.role()?,
                note: row.note.clone(),
                notify_email: row
                    .notify_email
                    .as_deref()
                    .and_then(|e| Email::parse(e).ok()),
                sign_in: row.sign_in()?,
            };
            let mut read = Batch::default();
            Inviting::push(&mut read, actor, &input.email, now, &limit);
            let inviting =
                Inviting::checked(read.fetch_optional(&mut tx).await?, actor, &limit, now)?;
            let drafted = draft(state, actor, &input, now)?;
            insert(&mut tx, &mut stored, state, inviting, &input, now, drafted).await?
        }
    };
    tx.commit_with(stored).await?;
    state.mail.wake();
    Ok(issued)
}

/// The actor's access, if they may resend or revoke `row`.
async fn may_manage(
    conn: &mut Conn,
    actor: &Member,
    row: &InvitationRow,
) -> Result<Access, AppError> {
    let mine = access::load(conn, actor.org.id, actor.user.id, actor.org.role).await?;
    policy::may_manage_invitation(&mine, row.role()?, row.invited_by == actor.user.id)?;
    Ok(mine)
}

/// Withdraws a pending invitation; its link stops working at once.
pub async fn revoke(state: &AppState, actor: &Member, id: Uuid) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = db::begin_write(&state.pool).await?;
    let actor = &refresh(&mut tx, actor).await?;
    let row = load(&mut tx, actor.org.id, id).await?;
    may_manage(&mut tx, actor, &row).await?;
    let next = row
        .status_at(now)?
        .apply(crate::domain::invitation::InvitationEvent::Revoke)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    sqlx::query("UPDATE invitations SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND status = 'pending'")
        .bind(next.as_str())
        .bind(now)
        .bind(actor.user.id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::by(&mut tx, actor, "invitation.revoked", &row.email, "").await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ListRow {
    id: Uuid,
    invited_by: Uuid,
    email: String,
    role: String,
    status: String,
    inviter_name: String,
    sent_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    note: Option<String>,
    last_error: Option<String>,
    mail_status: Option<String>,
    mail_attempts: Option<i64>,
    mail_error: Option<String>,
    sort_key: String,
    sign_in_provider: String,
    sign_in_tenant: Option<String>,
}

/// What one page of invitations asks for.
#[derive(Debug, Clone)]
pub struct InvitationQuery {
    /// One status only (true as of now), or all.
    pub status: Option<InvitationStatus>,
    /// Creation time (as stored) and id of the last row of the previous page.
    pub after: Option<(String, Uuid)>,
    /// Rows per page.
    pub limit: usize,
}

/// A status filter as typed: empty or `all` for every status.
pub fn parse_status_filter(status: &str) -> Result<Option<InvitationStatus>, AppError> {
    match status.trim() {
        "" | "all" => Ok(None),
        s => s
            .parse::<InvitationStatus>()
            .map(Some)
            .map_err(|e| AppError::invalid("status", e)),
    }
}

/// One page of [`INVITATIONS_PAGE`] invitations of the status asked for,
/// after the cursor `after` (empty for the newest), as the console's
/// Invitations tab shows them.
pub async fn list(
    pool: &Pool,
    actor: &Member,
    filter: Option<InvitationStatus>,
    after: &str,
) -> Result<InvitationList, AppError> {
    let query = InvitationQuery {
        status: filter,
        after: db::parse_cursor(after)?,
        limit: INVITATIONS_PAGE,
    };
    page(pool, actor, &query).await
}

/// One page of the organization's invitations (or, for a delegated inviter,
/// those they sent), newest first, keyset-paged by creation time and id;
/// statuses are true as of now (a pending one past its expiry is expired).
pub async fn page(
    pool: &Pool,
    actor: &Member,
    query: &InvitationQuery,
) -> Result<InvitationList, AppError> {
    let mut conn = pool.acquire().await?;
    let mine = access::load(&mut conn, actor.org.id, actor.user.id, actor.org.role).await?;
    let only_sent_by = match policy::invitations_visible(&mine)? {
        policy::InvitationsVisible::All => None,
        policy::InvitationsVisible::Own => Some(actor.user.id),
    };
    let now = Utc::now();
    let (after_key, after_id) = query.after.clone().unzip();
    let created = db::time_key("i.created_at");
    let (open, close) = db::TIME_FROM_KEY;
    let mut rows: Vec<ListRow> = sqlx::query_as(&format!(
        "SELECT i.id, i.invited_by, i.email, i.role, i.status, u.name AS inviter_name, i.sent_at, i.expires_at, i.decided_at,
                i.note, i.last_error, m.status AS mail_status, m.attempts AS mail_attempts, m.last_error AS mail_error,
                {created} AS sort_key, i.sign_in_provider, i.sign_in_tenant
         FROM invitations i JOIN users u ON u.id = i.invited_by LEFT JOIN outbox m ON m.id = i.outbox_id
         WHERE i.org_id = $1 AND ($2 IS NULL OR i.invited_by = $2)
           AND ($3 IS NULL OR $3 = CASE WHEN i.status = 'pending' AND i.expires_at <= $4 THEN 'expired' ELSE i.status END)
           AND ($6 IS NULL OR (i.created_at, i.id) < ({open}$6{close}, $7))
         ORDER BY i.created_at DESC, i.id DESC LIMIT $5"
    ))
    .bind(actor.org.id)
    .bind(only_sent_by)
    .bind(query.status.map(InvitationStatus::as_str))
    .bind(now)
    .bind(query.limit as i64 + 1)
    .bind(after_key)
    .bind(after_id)
    .fetch_all(&mut *conn)
    .await?;
    let more = rows.len() > query.limit;
    rows.truncate(query.limit);
    let next = more
        .then(|| rows.last().map(|r| db::encode_cursor(&r.sort_key, r.id)))
        .flatten();
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let stored: InvitationStatus = row.status.parse().map_err(|_| AppError::Internal)?;
        let status = stored.at(row.expires_at, now);
        let reason = || {
            row.mail_error
                .clone()
                .or(row.last_error.clone())
                .unwrap_or_default()
        };
        let delivery = match row.mail_status.as_deref().map(DeliveryStatus::from_db) {
            Some(DeliveryStatus::Sent) => Delivery::Delivered,
            Some(DeliveryStatus::Failed) => Delivery::Failed { reason: reason() },
            Some(DeliveryStatus::Pending) if row.mail_attempts.unwrap_or(0) > 0 => {
                Delivery::Retrying { reason: reason() }
            }
            _ => Delivery::Queued,
        };
        let role = parse_role(&row.role)?;
        items.push(InvitationItem {
            can_manage: policy::may_manage_invitation(&mine, role, row.invited_by == actor.user.id)
                .is_ok(),
            id: row.id,
            email: row.email,
            role,
            status,
            invited_by: row.inviter_name,
            sent_at: row.sent_at,
            expires_at: row.expires_at,
            decided_at: row
                .decided_at
                .or((status == InvitationStatus::Expired).then_some(row.expires_at)),
            delivery,
            note: row.note,
            sign_in: store::sign_in_method(&row.sign_in_provider, row.sign_in_tenant.as_deref())?,
        });
    }
    Ok(InvitationList { items, more, next })
}
