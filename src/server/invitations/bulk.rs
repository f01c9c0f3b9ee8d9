//! Inviting many people at once: every row goes through the same rules as a
//! single invitation ([`super::obstacle`]), and the seats are counted for the
//! whole batch inside one write transaction, so concurrent batches never
//! over-commit. A dry run takes the same path and rolls back.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::store::{expire_stale, seats_used};
use super::{draft, obstacle, parse_input, store, InvitationInput, Obstacle};
use crate::domain::bulk::{BulkLine, BulkParseError, MAX_BULK_ROWS};
use crate::domain::policy;
use crate::domain::Role;
use crate::error::AppError;
use crate::model::invitations::{
    BulkOutcome, BulkReport, BulkRequest, BulkRowResult, InvitationRequest,
};
use crate::server::actor::{refresh, Member};
use crate::server::db::{Batch, Conn};
use crate::server::state::AppState;
use crate::server::{access, audit, teams};

/// Checks every row of `request` and, unless it is a dry run, invites those
/// that pass while seats remain, in one transaction: one mail per invitation
/// through the outbox, each invitation's own audit event and one
/// `invitation.bulk` event with the counts. The batch counts once against the
/// inviter's invitation rate limit.
pub async fn bulk_invite(
    state: &AppState,
    actor: &Member,
    request: BulkRequest,
) -> Result<BulkReport, AppError> {
    match request.rows.len() {
        0 => return Err(AppError::invalid("rows", BulkParseError::Empty)),
        n if n > MAX_BULK_ROWS => {
            return Err(AppError::invalid("rows", BulkParseError::TooMany(n)))
        }
        _ => {}
    }
    let mut tx = super::invite_limit(state, actor)
        .begin_write(&state.pool)
        .await?;
    let now = Utc::now();
    let actor = &refresh(&mut tx, actor).await?;
    let org = &actor.org;
    let access = access::load_for_checks(&mut tx, org.id, actor.user.id, org.role).await?;
    // Someone who may not invite at all is refused as a whole, not row by row.
    policy::may_invite(&access, Role::Member)?;
    let mut batch = Batch::default();
    expire_stale(&mut batch, org.id, now);
    batch.run(&mut tx).await?;
    let team_ids = teams::ids_by_name(&mut tx, org.id).await?;
    let mut free = (org.seat_limit - seats_used(&mut tx, org.id, now, None).await?).max(0);
    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut rows = Vec::with_capacity(request.rows.len());
    for (index, line) in request.rows.iter().enumerate() {
        let outcome = match checked(line, &request, &team_ids) {
            Err(outcome) => outcome,
            Ok(input) => match first_row.get(input.email.as_str()) {
                Some(&first) => BulkOutcome::Repeated { first_row: first },
                None => {
                    first_row.insert(input.email.to_string(), index + 1);
                    match obstacle(&mut tx, actor, &access, &input).await? {
                        Some(found) => refused(found),
                        None if free == 0 => BulkOutcome::NoSeatLeft,
                        None => {
                            free -= 1;
                            invite(&mut tx, state, actor, &input, now, request.dry_run).await?
                        }
                    }
                }
            },
        };
        rows.push(BulkRowResult {
            email: line.email.clone(),
            outcome,
        });
    }
    let report = BulkReport {
        dry_run: request.dry_run,
        rows,
    };
    if request.dry_run {
        tx.rollback();
    } else {
        let rows = format!("{} rows", report.rows.len());
        audit::by(&mut tx, actor, "invitation.bulk", &rows, &counts(&report)).await?;
        tx.commit().await?;
        state.mail.wake();
    }
    Ok(report)
}

/// The row as a single invitation's input (the batch's role and teams filled
/// in), or why it is not a valid one.
fn checked(
    line: &BulkLine,
    request: &BulkRequest,
    team_ids: &HashMap<String, Uuid>,
) -> Result<InvitationInput, BulkOutcome> {
    let mut teams = request.teams.clone();
    for name in &line.teams {
        match team_ids.get(&name.to_lowercase()) {
            Some(id) if !teams.contains(id) => teams.push(*id),
            Some(_) => {}
            None => {
                return Err(BulkOutcome::Invalid {
                    reason: format!("there is no team named “{name}”."),
                })
            }
        }
    }
    let single = InvitationRequest {
        teams,
        note: line.note.clone(),
        ..InvitationRequest::plain(&line.email, line.role.unwrap_or(request.role))
    };
    parse_input(single).map_err(|e| BulkOutcome::Invalid {
        reason: e.to_string(),
    })
}

fn refused(obstacle: Obstacle) -> BulkOutcome {
    match obstacle {
        Obstacle::NotAllowed(AppError::Invalid { message, .. }) => {
            BulkOutcome::Invalid { reason: message }
        }
        Obstacle::NotAllowed(e) => BulkOutcome::NotAllowed {
            reason: e.to_string(),
        },
        Obstacle::AlreadyMember => BulkOutcome::AlreadyMember,
        Obstacle::AlreadyInvited { id, .. } => BulkOutcome::AlreadyInvited { invitation_id: id },
    }
}

async fn invite(
    conn: &mut Conn,
    state: &AppState,
    actor: &Member,
    input: &InvitationInput,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<BulkOutcome, AppError> {
    if dry_run {
        return Ok(BulkOutcome::WillInvite);
    }
    let mut stored = Batch::default();
    let drafted = draft(state, actor, input, now)?;
    let issued = store(&mut stored, state, actor, input, now, drafted)?;
    stored.run(conn).await?;
    Ok(BulkOutcome::Invited {
        invitation_id: issued.invitation_id,
    })
}

/// The batch's counts for its audit event, e.g. `invited 17, invalid 3`.
fn counts(report: &BulkReport) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for row in &report.rows {
        let kind = match row.outcome {
            BulkOutcome::WillInvite | BulkOutcome::Invited { .. } => "invited",
            BulkOutcome::AlreadyMember => "already members",
            BulkOutcome::AlreadyInvited { .. } => "already invited",
            BulkOutcome::Invalid { .. } => "invalid",
            BulkOutcome::Repeated { .. } => "repeated",
            BulkOutcome::NoSeatLeft => "no seat left",
            BulkOutcome::NotAllowed { .. } => "not allowed",
        };
        match counts.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((kind, 1)),
        }
    }
    counts
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}
