//! What a sign-in through an organization's connection does: a person with
//! a vouched address in a claimed domain becomes a member (within the seat
//! limit), and their mapped teams follow their groups at the provider.

use chrono::Utc;
use uuid::Uuid;

use super::connections::{for_address, Connection};
use crate::domain::identity::ProviderAccount;
use crate::domain::sso::sync_teams;
use crate::error::AppError;
use crate::model::orgs::OrgSummary;
use crate::server::actor::User;
use crate::server::db::{Batch, Conn, Pool};
use crate::server::invitations::store::{admit, seats_used, Joining};
use crate::server::notifications::{notify, NoticeKind};
use crate::server::{audit, db};

/// Why an SSO sign-in could not add the person.
#[derive(Debug)]
pub enum Provisioning {
    /// Not an SSO sign-in of any organization: nothing to do.
    NotSso,
    /// A member (now or already), with their teams in step.
    Member(OrgSummary),
    /// The organization has no free seat; its owners were told.
    NoSeat { org_name: String },
}

/// Adds `user` to the organization whose connection this sign-in came
/// through, and moves their mapped teams to follow `groups`, all in one
/// transaction with an Activity entry per change.
pub async fn on_sign_in(
    pool: &Pool,
    user: &User,
    account: &ProviderAccount,
    groups: &[String],
) -> Result<Provisioning, AppError> {
    let Some(email) = account
        .vouched
        .as_ref()
        .filter(|e| e.as_str() == user.email)
    else {
        return Ok(Provisioning::NotSso);
    };
    let through = |found: Option<Connection>| found.filter(|c| c.admits(account, email));
    // Most sign-ins are no organization's: tell without the write lock.
    if through(for_address(&mut *pool.acquire().await?, email).await?).is_none() {
        return Ok(Provisioning::NotSso);
    }
    let mut tx = db::begin_write(pool).await?;
    let Some(connection) = through(for_address(&mut tx, email).await?) else {
        return Ok(Provisioning::NotSso);
    };
    let (name, slug, limit): (String, String, i64) =
        sqlx::query_as("SELECT name, slug, seat_limit FROM organizations WHERE id = $1")
            .bind(connection.org_id)
            .fetch_one(&mut *tx)
            .await?;
    let membership: Option<(String, String)> =
        sqlx::query_as("SELECT role, status FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(connection.org_id)
            .bind(user.id)
            .fetch_optional(&mut *tx)
            .await?;
    let now = Utc::now();
    let role = match membership {
        Some((role, status)) if status == "active" => crate::server::actor::parse_role(&role)?,
        earlier => {
            let used = seats_used(&mut tx, connection.org_id, now, None).await?;
            if used >= limit {
                tell_owners(&mut tx, &connection, &name, &user.email).await?;
                audit::record(
                    &mut tx,
                    Some(connection.org_id),
                    Some(user.id),
                    "sso.provisioning_refused",
                    &user.email,
                    "no free seat",
                )
                .await?;
                tx.commit().await?;
                return Ok(Provisioning::NoSeat { org_name: name });
            }
            let mut batch = Batch::default();
            admit(
                &mut batch,
                connection.org_id,
                user.id,
                connection.default_role,
                Joining::after(earlier.as_ref().map(|(_, status)| status.as_str())),
                now,
            );
            audit::record_in(
                &mut batch,
                Some(connection.org_id),
                Some(user.id),
                "member.provisioned",
                &user.email,
                &format!(
                    "joined through single sign-on as {}",
                    connection.default_role.label()
                ),
            );
            batch.run(&mut tx).await?;
            connection.default_role
        }
    };
    follow_groups(&mut tx, connection.org_id, user, groups).await?;
    tx.commit().await?;
    Ok(Provisioning::Member(OrgSummary {
        id: connection.org_id,
        name,
        slug,
        role,
    }))
}

async fn tell_owners(
    conn: &mut Conn,
    connection: &Connection,
    org_name: &str,
    who: &str,
) -> Result<(), AppError> {
    let owners: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE org_id = $1 AND role = 'owner' AND status = 'active'",
    )
    .bind(connection.org_id)
    .fetch_all(&mut *conn)
    .await?;
    let message = format!(
        "{who} signed in through single sign-on but could not join {org_name}: no seat is free. Raise the seat limit in Settings or free a seat."
    );
    let mut batch = Batch::default();
    for owner in owners {
        notify(&mut batch, owner, NoticeKind::SeatsFull, &message);
    }
    Ok(batch.run(conn).await?)
}

/// Joins the mapped teams of `groups` and leaves the other mapped ones.
async fn follow_groups(
    conn: &mut Conn,
    org: Uuid,
    user: &User,
    groups: &[String],
) -> Result<(), AppError> {
    let mapping: Vec<(String, Uuid)> =
        sqlx::query_as("SELECT group_name, team_id FROM sso_group_teams WHERE org_id = $1")
            .bind(org)
            .fetch_all(&mut *conn)
            .await?;
    if mapping.is_empty() {
        return Ok(());
    }
    let member_of: Vec<Uuid> = sqlx::query_scalar(
        "SELECT tm.team_id FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.org_id = $1 AND tm.user_id = $2",
    )
    .bind(org)
    .bind(user.id)
    .fetch_all(&mut *conn)
    .await?;
    let sync = sync_teams(&mapping, groups, &member_of);
    let now = Utc::now();
    for team in &sync.join {
        sqlx::query(
            "INSERT INTO team_members (team_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(team)
        .bind(user.id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    for team in &sync.leave {
        sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
            .bind(team)
            .bind(user.id)
            .execute(&mut *conn)
            .await?;
    }
    for (action, teams) in [
        ("team.member_added", &sync.join),
        ("team.member_removed", &sync.leave),
    ] {
        for team in teams {
            let name: String = sqlx::query_scalar("SELECT name FROM teams WHERE id = $1")
                .bind(team)
                .fetch_one(&mut *conn)
                .await?;
            audit::record(
                conn,
                Some(org),
                Some(user.id),
                action,
                &user.email,
                &format!("{name}, by their groups at single sign-on"),
            )
            .await?;
        }
    }
    Ok(())
}
