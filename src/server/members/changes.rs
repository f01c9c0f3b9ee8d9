//! Changing membership: roles, ownership transfer, removal and leaving.
//! Every change runs in one write transaction with its audit event, and the
//! last-owner rule is checked inside it, so concurrent changes cannot leave an
//! organization without an owner.

use chrono::Utc;
use uuid::Uuid;

use crate::domain::access::{Grant, Permission, Scope, Switch, CATALOGUE};
use crate::domain::policy::{self, PolicyError};
use crate::domain::{Email, Role};
use crate::error::AppError;
use crate::model::access::{MyAccess, PermissionSwitch};
use crate::server::actor::{parse_role, refresh, Member};
use crate::server::db::{Batch, Conn};
use crate::server::mail::{enqueue_in, templates};
use crate::server::notifications::{notify, NoticeKind};
use crate::server::state::AppState;
use crate::server::{access, audit, db, projects};

/// The member being changed, as stored now.
struct Target {
    role: Role,
    name: String,
    email: String,
}

fn changed_meanwhile() -> AppError {
    AppError::Conflict("This member changed since the page was loaded (someone else changed or removed them). Reload to see the current state.".into())
}

/// Loads an active member; one removed or changed meanwhile is a conflict,
/// an id that was never a member is not found.
async fn target(
    conn: &mut Conn,
    org: Uuid,
    user: Uuid,
    expected: Option<Role>,
) -> Result<Target, AppError> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT m.role, u.name, u.email FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = $1 AND m.user_id = $2 AND m.status = 'active'",
    )
    .bind(org)
    .bind(user)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((role, name, email)) = row else {
        // Someone who was a member was changed or removed meanwhile; an id
        // that never was one names nothing.
        let ever: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2)",
        )
        .bind(org)
        .bind(user)
        .fetch_one(&mut *conn)
        .await?;
        return Err(if ever {
            changed_meanwhile()
        } else {
            AppError::NotFound("Member".into())
        });
    };
    let role = parse_role(&role)?;
    if expected.is_some_and(|e| e != role) {
        return Err(changed_meanwhile());
    }
    Ok(Target { role, name, email })
}

/// Refuses when `user` is the organization's only active owner.
async fn ensure_not_last_owner(
    conn: &mut Conn,
    org: Uuid,
    name: &str,
    what: &str,
) -> Result<(), AppError> {
    let owners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND status = 'active' AND role = 'owner'")
        .bind(org)
        .fetch_one(&mut *conn)
        .await?;
    if owners <= 1 {
        return Err(AppError::Conflict(format!(
            "{name} is the last owner, so they cannot {what}. Make another member an owner first."
        )));
    }
    Ok(())
}

async fn set_role(conn: &mut Conn, org: Uuid, user: Uuid, role: Role) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3 AND status = 'active'",
    )
    .bind(role.as_str())
    .bind(org)
    .bind(user)
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes a member's role; it takes effect on their next request. With
/// `expected`, a member whose role is no longer that one is a conflict.
pub async fn change_role(
    state: &AppState,
    actor: &Member,
    user: Uuid,
    new: Role,
    expected: Option<Role>,
) -> Result<(), AppError> {
    let org = &actor.org;
    let mut tx = db::begin_write(&state.pool).await?;
    let mine = access::require(&mut tx, actor, Permission::MEMBERS_MANAGE).await?;
    let them = target(&mut tx, org.id, user, expected).await?;
    policy::may_change_role(mine.role(), them.role, new)?;
    policy::may_grant_role_access(&mine, new)?;
    if them.role == new {
        return Ok(());
    }
    if them.role == Role::Owner {
        ensure_not_last_owner(&mut tx, org.id, &them.name, "stop being an owner").await?;
    }
    set_role(&mut tx, org.id, user, new).await?;
    let details = format!("{} -> {}", them.role.as_str(), new.as_str());
    let mut batch = Batch::default();
    audit::by_in(
        &mut batch,
        actor,
        "member.role_changed",
        &them.email,
        &details,
    );
    let message = format!(
        "Your role in {} changed from {} to {}.",
        org.name,
        them.role.label(),
        new.label()
    );
    notify(&mut batch, user, NoticeKind::RoleChanged, &message);
    batch.run(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// An owner makes another member owner and becomes an admin, in one step.
pub async fn transfer_ownership(
    state: &AppState,
    actor: &Member,
    user: Uuid,
) -> Result<(), AppError> {
    let org = &actor.org;
    if user == actor.user.id {
        return Err(AppError::Conflict(
            "You already own this organization. Choose another member.".into(),
        ));
    }
    let mut tx = db::begin_write(&state.pool).await?;
    if refresh(&mut tx, actor).await?.org.role != Role::Owner {
        return Err(PolicyError::OwnersManageOwners.into());
    }
    let them = target(&mut tx, org.id, user, None).await?;
    set_role(&mut tx, org.id, user, Role::Owner).await?;
    set_role(&mut tx, org.id, actor.user.id, Role::Admin).await?;
    let mut batch = Batch::default();
    audit::by_in(
        &mut batch,
        actor,
        "member.ownership_transferred",
        &them.email,
        &format!("from {}", actor.user.email),
    );
    notify(
        &mut batch,
        user,
        NoticeKind::RoleChanged,
        &format!("You are now an owner of {}.", org.name),
    );
    batch.run(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// What "Remove member" asks for.
#[derive(Debug, Clone)]
pub struct Removal {
    pub user_id: Uuid,
    /// The role the admin saw, if any; a different one means someone changed
    /// them meanwhile.
    pub expected: Option<Role>,
    /// Also take away their access to every project of the organization.
    pub remove_from_projects: bool,
    /// Also revoke the pending invitations they sent.
    pub revoke_their_invitations: bool,
}

/// Removes a member: kept as history, emailed, locked out on their next request.
pub async fn remove(state: &AppState, actor: &Member, removal: Removal) -> Result<(), AppError> {
    let org = &actor.org;
    let now = Utc::now();
    if removal.user_id == actor.user.id {
        return Err(PolicyError::RemoveSelf.into());
    }
    let mut tx = db::begin_write(&state.pool).await?;
    let mine = access::require(&mut tx, actor, Permission::MEMBERS_MANAGE).await?;
    let them = target(&mut tx, org.id, removal.user_id, removal.expected).await?;
    policy::may_remove(mine.role(), them.role, false)?;
    if them.role == Role::Owner {
        ensure_not_last_owner(&mut tx, org.id, &them.name, "be removed").await?;
    }
    sqlx::query("UPDATE memberships SET status = 'removed', removed_at = $1, removed_by = $2 WHERE org_id = $3 AND user_id = $4")
        .bind(now)
        .bind(actor.user.id)
        .bind(org.id)
        .bind(removal.user_id)
        .execute(&mut *tx)
        .await?;
    // A narrowing belongs to that membership only.
    sqlx::query("DELETE FROM role_exclusions WHERE org_id = $1 AND user_id = $2")
        .bind(org.id)
        .bind(removal.user_id)
        .execute(&mut *tx)
        .await?;
    let mut details = Vec::new();
    if removal.remove_from_projects {
        // Every way into a project: project grants, org-wide grants, and the
        // teams that carry grants.
        let mut projects: Vec<Uuid> = sqlx::query_scalar(
            "DELETE FROM grants WHERE org_id = $1 AND user_id = $2 AND project_id IS NOT NULL RETURNING project_id",
        )
        .bind(org.id)
        .bind(removal.user_id)
        .fetch_all(&mut *tx)
        .await?;
        projects.sort();
        projects.dedup();
        let gone = projects.len();
        let grants = sqlx::query("DELETE FROM grants WHERE org_id = $1 AND user_id = $2")
            .bind(org.id)
            .bind(removal.user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let teams = sqlx::query("DELETE FROM team_members WHERE user_id = $1 AND team_id IN (SELECT id FROM teams WHERE org_id = $2)")
            .bind(removal.user_id)
            .bind(org.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        details.push(format!(
            "removed from {gone} project(s), {grants} grant(s) and {teams} team(s)"
        ));
    }
    if removal.revoke_their_invitations {
        let revoked = sqlx::query(
            "UPDATE invitations SET status = 'revoked', decided_at = $1, decided_by = $2
             WHERE org_id = $3 AND invited_by = $4 AND status = 'pending'",
        )
        .bind(now)
        .bind(actor.user.id)
        .bind(org.id)
        .bind(removal.user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        details.push(format!("revoked {revoked} invitation(s) they sent"));
    }
    let mut batch = Batch::default();
    audit::by_in(
        &mut batch,
        actor,
        "member.removed",
        &them.email,
        &details.join("; "),
    );
    notify(
        &mut batch,
        removal.user_id,
        NoticeKind::Removed,
        &format!("You were removed from {}.", org.name),
    );
    let to = Email::parse(&them.email).map_err(|_| AppError::Internal)?;
    enqueue_in(
        &mut batch,
        templates::removed(&to, &them.name, &org.name, &state.config.base_url),
    );
    batch.run(&mut tx).await?;
    tx.commit().await?;
    state.mail.wake();
    Ok(())
}

/// The signed-in member leaves; the last owner cannot.
pub async fn leave(state: &AppState, actor: &Member) -> Result<(), AppError> {
    let org = &actor.org;
    let mut tx = db::begin_write(&state.pool).await?;
    if refresh(&mut tx, actor).await?.org.role == Role::Owner {
        ensure_not_last_owner(&mut tx, org.id, "You", "leave").await.map_err(|_| {
            AppError::Conflict("You are the last owner, so you cannot leave. Make another member an owner first.".into())
        })?;
    }
    sqlx::query("UPDATE memberships SET status = 'removed', removed_at = $1, removed_by = $2 WHERE org_id = $3 AND user_id = $4")
        .bind(Utc::now())
        .bind(actor.user.id)
        .bind(org.id)
        .bind(actor.user.id)
        .execute(&mut *tx)
        .await?;
    audit::by(&mut tx, actor, "member.left", &actor.user.email, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Sets what `user` holds at `scope` to exactly `wanted` (needs `members:manage`, the right to change this member's role, and the
/// permissions themselves).
pub async fn set_permissions(
    state: &AppState,
    actor: &Member,
    user: Uuid,
    scope: Scope,
    wanted: &[Permission],
) -> Result<(), AppError> {
    let mut tx = db::begin_write(&state.pool).await?;
    let mine = access::require(&mut tx, actor, Permission::MEMBERS_MANAGE).await?;
    let them = target(&mut tx, actor.org.id, user, None).await?;
    policy::may_change_role(mine.role(), them.role, them.role)?;
    let place = match scope {
        Scope::Organization => "organization".to_owned(),
        Scope::Project(project) => projects::live_name(&mut tx, actor.org.id, project).await?,
    };
    access::set_member_permissions(
        &mut tx,
        actor.org.id,
        &mine,
        (user, them.role),
        scope,
        wanted,
    )
    .await?;
    let keys = wanted.iter().map(|p| p.key()).collect::<Vec<_>>().join(",");
    audit::by(
        &mut tx,
        actor,
        "member.permissions_changed",
        &them.email,
        &format!("{place}: {keys}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The signed-in member's role and org-wide permissions: what their console offers.
pub async fn my_permissions(state: &AppState, actor: &Member) -> Result<MyAccess, AppError> {
    let mut conn = state.pool.acquire().await?;
    // Read before the access: a change in between leaves an older version,
    // so the heartbeat asks again rather than missing it.
    let version: i64 = sqlx::query_scalar(
        "SELECT access_version FROM memberships WHERE org_id = $1 AND user_id = $2",
    )
    .bind(actor.org.id)
    .bind(actor.user.id)
    .fetch_one(&mut *conn)
    .await?;
    let held = access::load(&mut conn, actor.org.id, actor.user.id, actor.org.role).await?;
    Ok(MyAccess {
        user_id: actor.user.id,
        role: actor.org.role,
        version,
        permissions: CATALOGUE
            .into_iter()
            .filter(|p| held.allows(*p, Scope::Organization))
            .collect(),
    })
}

/// For the permission editor: each permission that applies at `scope`, how
/// `user` holds it there and whether the actor may switch it (needs `members:manage`).
pub async fn permission_switches(
    state: &AppState,
    actor: &Member,
    user: Uuid,
    scope: Scope,
) -> Result<Vec<PermissionSwitch>, AppError> {
    let mut conn = state.pool.acquire().await?;
    let mine = access::require(&mut conn, actor, Permission::MEMBERS_MANAGE).await?;
    let them = target(&mut conn, actor.org.id, user, None).await?;
    policy::may_change_role(mine.role(), them.role, them.role)?;
    let held = access::load(&mut conn, actor.org.id, user, them.role).await?;
    Ok(CATALOGUE
        .into_iter()
        .filter_map(|permission| Grant::new(permission, scope).ok())
        .map(|grant| {
            let switch = held.switch(grant.permission(), scope);
            PermissionSwitch {
                permission: grant.permission(),
                yours: !matches!(switch, Switch::Fixed(_)) && mine.may_grant(&grant),
                switch,
            }
        })
        .collect())
}
