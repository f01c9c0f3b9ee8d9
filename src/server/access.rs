//! Loads a member's effective access (role + own grants + team grants).

use uuid::Uuid;

use super::actor::Member;
use crate::domain::access::{Access, Grant, Permission, Scope};
use crate::domain::Role;
use crate::error::AppError;
use crate::server::db::Conn;

/// A stored grant row; rows the catalogue no longer allows are skipped.
fn grant(permission: &str, project: Option<Uuid>) -> Option<Grant> {
    let permission = Permission::parse(permission)?;
    Grant::new(
        permission,
        project.map_or(Scope::Organization, Scope::Project),
    )
    .ok()
}

/// Grant rows of one organization, for one member or for all of them.
struct GrantRows {
    /// (user, permission, project)
    direct: Vec<(Uuid, String, Option<Uuid>)>,
    /// (user, team name, permission, project)
    teams: Vec<(Uuid, String, String, Option<Uuid>)>,
    /// (user, permission taken away from an admin)
    narrowed: Vec<(Uuid, String)>,
}

impl GrantRows {
    /// One query, whatever the number of members. With `user`, each part is
    /// an equality on the user column, so the per-user indexes serve it:
    /// this runs on every guarded call.
    async fn read(conn: &mut Conn, org: Uuid, user: Option<Uuid>) -> Result<Self, AppError> {
        let only = |column: &str| match user {
            Some(_) => format!("{column} = $2"),
            None => "$2 IS NULL".to_owned(),
        };
        // (user, team name for a team's grant, permission, project, narrowed)
        let rows: Vec<(Uuid, Option<String>, String, Option<Uuid>, bool)> = sqlx::query_as(&format!(
            "SELECT user_id, NULL, permission, project_id, FALSE FROM grants
             WHERE org_id = $1 AND user_id IS NOT NULL AND {}
             UNION ALL
             SELECT tm.user_id, t.name, g.permission, g.project_id, FALSE FROM grants g
             JOIN teams t ON t.id = g.team_id JOIN team_members tm ON tm.team_id = t.id
             WHERE t.org_id = $1 AND {}
             UNION ALL
             SELECT user_id, NULL, permission, NULL, TRUE FROM role_exclusions WHERE org_id = $1 AND {}",
            only("user_id"),
            only("tm.user_id"),
            only("user_id")
        ))
        .bind(org)
        .bind(user)
        .fetch_all(&mut *conn)
        .await?;
        let mut read = Self {
            direct: Vec::new(),
            teams: Vec::new(),
            narrowed: Vec::new(),
        };
        for (user, team, permission, project, narrowed) in rows {
            match (team, narrowed) {
                (_, true) => read.narrowed.push((user, permission)),
                (Some(team), false) => read.teams.push((user, team, permission, project)),
                (None, false) => read.direct.push((user, permission, project)),
            }
        }
        Ok(read)
    }

    /// The effective access of `user` with `role`.
    fn access(&self, user: Uuid, role: Role) -> Access {
        Access::new(
            role,
            self.direct
                .iter()
                .filter(|r| r.0 == user)
                .filter_map(|(_, p, project)| grant(p, *project)),
            self.teams
                .iter()
                .filter(|r| r.0 == user)
                .filter_map(|(_, team, p, project)| grant(p, *project).map(|g| (team.clone(), g))),
        )
        .narrowed(
            self.narrowed
                .iter()
                .filter(|r| r.0 == user)
                .filter_map(|(_, p)| Permission::parse(p)),
        )
    }
}

/// The access `user` (with `role`) has in `org`, read inside the caller's transaction.
pub async fn load(conn: &mut Conn, org: Uuid, user: Uuid, role: Role) -> Result<Access, AppError> {
    Ok(GrantRows::read(conn, org, Some(user))
        .await?
        .access(user, role))
}

/// [`load`] for deciding what `user` may do, not for showing where it comes
/// from: an owner holds everything by their role, so their grants and
/// teams decide nothing and are not read (one query less in an owner's
/// invitation, inside the write turn).
pub async fn load_for_checks(
    conn: &mut Conn,
    org: Uuid,
    user: Uuid,
    role: Role,
) -> Result<Access, AppError> {
    match role {
        Role::Owner => Ok(Access::new(Role::Owner, [], [])),
        _ => load(conn, org, user, role).await,
    }
}

/// The access of each of `members` (user, role) of `org`, in one query.
pub async fn load_many(
    conn: &mut Conn,
    org: Uuid,
    members: &[(Uuid, Role)],
) -> Result<Vec<Access>, AppError> {
    let rows = GrantRows::read(conn, org, None).await?;
    Ok(members
        .iter()
        .map(|(user, role)| rows.access(*user, *role))
        .collect())
}

/// Sets the permissions `user` holds at `scope` to exactly `wanted`. At
/// organization scope admin defaults are narrowed or restored; anything else
/// is a direct grant at that scope. Permissions held for another reason (a
/// team, a wider grant) cannot be switched off here, and saying so beats
/// silently keeping them. `actor` changes only what they hold themselves.
pub async fn set_member_permissions(
    conn: &mut Conn,
    org: Uuid,
    actor: &Access,
    (user, role): (Uuid, Role),
    scope: Scope,
    wanted: &[Permission],
) -> Result<(), AppError> {
    use crate::domain::access::{admin_default, Switch, CATALOGUE};
    if role == Role::Owner {
        return Err(AppError::Conflict(
            "Owners hold every permission; change their role to narrow them.".into(),
        ));
    }
    let current = load(conn, org, user, role).await?;
    for permission in CATALOGUE {
        let on = wanted.contains(&permission);
        let grant = match Grant::new(permission, scope) {
            Ok(grant) => grant,
            Err(e) if on => return Err(AppError::invalid("permissions", e)),
            Err(_) => continue,
        };
        match (current.switch(permission, scope), on) {
            (Switch::Off, false) | (Switch::On | Switch::Fixed(_), true) => continue,
            (Switch::Fixed(why), false) => {
                return Err(AppError::Conflict(format!(
                    "“{}” stays: it is held {why}. Change that instead.",
                    permission.label()
                )))
            }
            _ => {}
        }
        crate::domain::policy::may_grant(actor, &grant)?;
        let key = permission.key();
        // An admin default is switched by narrowing; anything else by a direct grant.
        let by_role =
            role == Role::Admin && admin_default(permission) && scope == Scope::Organization;
        if by_role {
            let sql = if on {
                "DELETE FROM role_exclusions WHERE org_id = $1 AND user_id = $2 AND permission = $3"
            } else {
                "INSERT INTO role_exclusions (org_id, user_id, permission) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
            };
            sqlx::query(sql)
                .bind(org)
                .bind(user)
                .bind(&key)
                .execute(&mut *conn)
                .await?;
        }
        if on && !by_role {
            add_grant(conn, org, Holder::User(user), &grant).await?;
        } else if !on {
            remove_grant(conn, org, Holder::User(user), &grant).await?;
        }
    }
    Ok(())
}

/// The actor's access as of now (role re-read inside the caller's
/// transaction), or a refusal naming the org-wide `permission` it lacks.
pub async fn require(
    conn: &mut Conn,
    actor: &Member,
    permission: Permission,
) -> Result<Access, AppError> {
    let actor = super::actor::refresh(conn, actor).await?;
    let access = load(conn, actor.org.id, actor.user.id, actor.org.role).await?;
    if !access.allows(permission, Scope::Organization) {
        return Err(AppError::Forbidden(format!(
            "You need the “{}” permission for this. Ask an admin.",
            permission.label()
        )));
    }
    Ok(access)
}

/// How much a caller sees of the other members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// The members list: addresses, roles, dates, and what teams hold (see
    /// [`SEES_MEMBER_LIST`](crate::model::members::SEES_MEMBER_LIST)).
    Members,
    /// The name directory every member sees: names and team names only.
    Directory,
}

impl Sight {
    /// What `access` sees.
    pub fn of(access: &Access) -> Self {
        use crate::model::members::SEES_MEMBER_LIST;
        if SEES_MEMBER_LIST
            .into_iter()
            .any(|p| access.allows(p, Scope::Organization))
        {
            Self::Members
        } else {
            Self::Directory
        }
    }

    /// What `actor` sees, from their access as of now.
    pub async fn load(conn: &mut Conn, actor: &Member) -> Result<Self, AppError> {
        Ok(Self::of(
            &load(conn, actor.org.id, actor.user.id, actor.org.role).await?,
        ))
    }

    /// `shown` on the members list, `None` in the directory.
    pub fn reveal<T>(self, shown: T) -> Option<T> {
        (self == Self::Members).then_some(shown)
    }
}

/// The grants a team holds.
pub async fn team_grants(conn: &mut Conn, team: Uuid) -> Result<Vec<Grant>, AppError> {
    let rows: Vec<(String, Option<Uuid>)> =
        sqlx::query_as("SELECT permission, project_id FROM grants WHERE team_id = $1")
            .bind(team)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .iter()
        .filter_map(|(p, project)| grant(p, *project))
        .collect())
}

/// Adds a grant to a member (`user`) or a team; an existing one is kept.
pub async fn add_grant(
    conn: &mut Conn,
    org: Uuid,
    holder: Holder,
    grant: &Grant,
) -> Result<(), AppError> {
    let (user, team) = match holder {
        Holder::User(u) => (Some(u), None),
        Holder::Team(t) => (None, Some(t)),
    };
    sqlx::query("INSERT INTO grants (org_id, user_id, team_id, permission, project_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
        .bind(org)
        .bind(user)
        .bind(team)
        .bind(grant.permission().key())
        .bind(grant.project())
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes a grant in `org` from a member or a team; says whether there was one.
pub async fn remove_grant(
    conn: &mut Conn,
    org: Uuid,
    holder: Holder,
    grant: &Grant,
) -> Result<bool, AppError> {
    // A user's grants in other organizations are theirs too: always filter by org.
    let sql = match holder {
        Holder::User(_) => {
            "DELETE FROM grants WHERE org_id = $1 AND user_id = $2 AND permission = $3 AND project_id IS NOT DISTINCT FROM $4"
        }
        Holder::Team(_) => {
            "DELETE FROM grants WHERE org_id = $1 AND team_id = $2 AND permission = $3 AND project_id IS NOT DISTINCT FROM $4"
        }
    };
    let (Holder::User(id) | Holder::Team(id)) = holder;
    let done = sqlx::query(sql)
        .bind(org)
        .bind(id)
        .bind(grant.permission().key())
        .bind(grant.project())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Who holds a grant.
#[derive(Debug, Clone, Copy)]
pub enum Holder {
    User(Uuid),
    Team(Uuid),
}
