use chrono::{Duration, Utc};
use std::sync::Arc;

use super::support;
use super::{join, last_mail_to, member, secret_of, user};
use crate::domain::invitation::InvitationStatus;
use crate::domain::Role;
use crate::error::AppError;
use crate::model::invitations::InvitationRequest;
use crate::model::invitations::{Delivery, IssuedInvitation, LinkState, INVITATIONS_PAGE};
use crate::server::actor::Member;
use crate::server::db::Pool;
use crate::server::invitations::{self, link};
use crate::server::mail::worker;
use crate::server::organizations;
use crate::server::state::AppState;

/// An organization "acme" owned by owner@example.com.
async fn setup(pool: &Pool) -> (AppState, Member) {
    let state = support::state(pool.clone());
    let owner = user(&state, "owner@example.com").await;
    organizations::create(pool, owner.id, "Acme").await.unwrap();
    let owner = member(pool, &owner, "acme").await;
    (state, owner)
}

/// Invites `email` as a member with nothing else, as the owner.
async fn invite_member(state: &AppState, owner: &Member, email: &str) -> IssuedInvitation {
    invitations::create(state, owner, InvitationRequest::plain(email, Role::Member))
        .await
        .unwrap()
}

async fn set_seats(pool: &Pool, limit: i64) {
    sqlx::query("UPDATE organizations SET seat_limit = $1")
        .bind(limit)
        .execute(pool)
        .await
        .unwrap();
}

async fn status_of(pool: &Pool, email: &str) -> String {
    sqlx::query_scalar(
        "SELECT status FROM invitations WHERE email = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn create_stores_hash_queues_mail_and_audits(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let issued = invitations::create(
        &state,
        &owner,
        InvitationRequest {
            note: "Needs the logs".into(),
            ..InvitationRequest::plain(" Ann@Example.com ", Role::Admin)
        },
    )
    .await
    .unwrap();
    assert_eq!(issued.email, "ann@example.com");
    assert!(issued.link.starts_with("http://127.0.0.1:3000/invite/"));
    let secret = secret_of(&issued.link);
    assert_eq!(secret.len(), 43, "32 bytes, base64url");
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT token_hash FROM invitation_tokens WHERE kind = 'share'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, crate::server::token::hash_secret(&secret));
    let (subject, text) = last_mail_to(&pool, "ann@example.com").await;
    assert_eq!(subject, "owner invited you to join Acme");
    assert!(
        !text.contains(&issued.link),
        "the mail has its own link, not the one shown to the inviter"
    );
    assert!(
        text.contains("/invite/")
            && text.contains("as Admin")
            && text.contains("Needs the logs")
            && text.contains("expires")
    );
    let expected_expiry = Utc::now() + Duration::days(7);
    assert!((issued.expires_at - expected_expiry).num_seconds().abs() < 5);
    let audits: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.created'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audits, 1);
    let items = invitations::list(&pool, &owner, None, "")
        .await
        .unwrap()
        .items;
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0].status, items[0].role, items[0].delivery.clone()),
        (InvitationStatus::Pending, Role::Admin, Delivery::Queued)
    );
}

/// Invitations and their mails are keyed in the order they are made, so
/// the indexes on those keys grow at their end: the changes committed
/// together write one page of each index, not one page per invitation.
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn invitations_and_their_mails_are_keyed_in_creation_order(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    set_seats(&pool, 30).await;
    let mut made = Vec::new();
    for n in 0..20 {
        made.push(
            invite_member(&state, &owner, &format!("p{n}@example.com"))
                .await
                .invitation_id,
        );
    }
    assert!(
        made.is_sorted(),
        "invitation ids in creation order: {made:?}"
    );
    let mails: Vec<String> = sqlx::query_scalar(
        "SELECT o.message_id FROM outbox o JOIN invitations i ON i.outbox_id = o.id ORDER BY o.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(mails.len(), 20);
    assert!(
        mails.is_sorted(),
        "message ids in creation order: {mails:?}"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn notification_email_receives_the_mail(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let input = InvitationRequest {
        notify_email: "ann.private@example.org".into(),
        ..InvitationRequest::plain("ann@example.com", Role::Member)
    };
    let issued = invitations::create(&state, &owner, input).await.unwrap();
    assert_eq!(issued.mailed_to, "ann.private@example.org");
    let (_, text) = last_mail_to(&pool, "ann.private@example.org").await;
    assert!(
        text.contains("ann@example.com"),
        "the mail names the invited address"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn bad_input_is_refused_per_field(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let field = |r: Result<_, AppError>| match r {
        Err(AppError::Invalid { field, .. }) => field,
        other => panic!("expected a field error, got {other:?}"),
    };
    assert_eq!(
        field(
            invitations::create(
                &state,
                &owner,
                InvitationRequest::plain("nope", Role::Member)
            )
            .await
        ),
        "email"
    );
    let long_note = "x".repeat(501);
    let input = InvitationRequest {
        note: long_note,
        ..InvitationRequest::plain("a@example.com", Role::Member)
    };
    assert_eq!(
        field(invitations::create(&state, &owner, input).await),
        "note"
    );
    let input = InvitationRequest {
        notify_email: "bad".into(),
        ..InvitationRequest::plain("a@example.com", Role::Member)
    };
    assert_eq!(
        field(invitations::create(&state, &owner, input).await),
        "notify_email"
    );
    // The inviter is already a member.
    let err = invitations::create(
        &state,
        &owner,
        InvitationRequest::plain("OWNER@example.com", Role::Member),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.field_message("email").unwrap(),
        "owner@example.com is already a member of Acme."
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn one_pending_invitation_per_email(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let first = invite_member(&state, &owner, "ann@example.com").await;
    let err = invitations::create(
        &state,
        &owner,
        InvitationRequest::plain("ANN@example.com", Role::Admin),
    )
    .await
    .unwrap_err();
    match err {
        AppError::PendingInvitationExists {
            invitation_id,
            ref email,
            ..
        } => {
            assert_eq!(
                (invitation_id, email.as_str()),
                (first.invitation_id, "ann@example.com")
            );
            assert!(err.to_string().contains("Resend it or revoke it"));
        }
        other => panic!("{other:?}"),
    }
    invitations::revoke(&state, &owner, first.invitation_id)
        .await
        .unwrap();
    invite_member(&state, &owner, "ann@example.com").await;
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn the_database_enforces_one_pending_invitation(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    invite_member(&state, &owner, "ann@example.com").await;
    let raw = sqlx::query(
        "INSERT INTO invitations (id, org_id, email, role, invited_by, created_at, sent_at, expires_at)
         VALUES ($1, $2, 'ann@example.com', 'member', $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(owner.org.id)
    .bind(owner.user.id)
    .bind(Utc::now())
    .bind(Utc::now())
    .bind(Utc::now())
    .execute(&pool)
    .await;
    assert!(
        raw.is_err(),
        "partial unique index refuses a second pending row"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn concurrent_invites_of_one_email_make_one_invitation(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (state, owner) = (state.clone(), owner.clone());
            tokio::spawn(async move {
                invitations::create(
                    &state,
                    &owner,
                    InvitationRequest::plain("ann@example.com", Role::Member),
                )
                .await
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(AppError::PendingInvitationExists { .. }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(ok, 1);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn seats_are_never_exceeded_by_parallel_invites(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    set_seats(&pool, 5).await;
    let owner = member(&pool, &owner.user, "acme").await;
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (state, owner) = (state.clone(), owner.clone());
            tokio::spawn(async move {
                invitations::create(
                    &state,
                    &owner,
                    InvitationRequest::plain(&format!("p{i}@example.com"), Role::Member),
                )
                .await
            })
        })
        .collect();
    let mut ok = 0;
    let mut refusal = String::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(AppError::Conflict(msg)) => refusal = msg,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(ok, 4, "owner + 4 pending = 5 seats");
    assert!(refusal.contains("5 of 5 seats used"), "{refusal}");
}

/// The counter of pending invitations behind the seat check follows every
/// change of an invitation, and one past its expiry holds no seat before the
/// sweep retires it: each step is checked against counting the rows.
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn seats_follow_every_change_of_an_invitation(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let mut ids = Vec::new();
    for n in 0..4 {
        let email = format!("p{n}@example.com");
        ids.push(invite_member(&state, &owner, &email).await.invitation_id);
    }
    let org = owner.org.id;
    let seats = |except: Option<uuid::Uuid>| {
        let pool = pool.clone();
        async move {
            let now = Utc::now();
            let counted: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND status = 'active')
                      + (SELECT COUNT(*) FROM invitations WHERE org_id = $1 AND status = 'pending'
                           AND expires_at > $2 AND ($3 IS NULL OR id <> $3))",
            )
            .bind(org)
            .bind(now)
            .bind(except)
            .fetch_one(&pool)
            .await
            .unwrap();
            let mut conn = pool.acquire().await.unwrap();
            let used = invitations::store::seats_used(&mut conn, org, now, except)
                .await
                .unwrap();
            assert_eq!(used, counted, "seats used, not counting {except:?}");
            used
        }
    };
    let change = |sql: &'static str, id: uuid::Uuid| {
        let pool = pool.clone();
        async move {
            sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
        }
    };
    assert_eq!(seats(None).await, 5, "the owner and four pending");
    change(
        "UPDATE invitations SET status = 'revoked' WHERE id = $1",
        ids[0],
    )
    .await;
    assert_eq!(seats(None).await, 4);
    sqlx::query("UPDATE invitations SET expires_at = $2 WHERE id = $1")
        .bind(ids[1])
        .bind(Utc::now() - Duration::hours(1))
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(seats(None).await, 3, "expired, not yet swept");
    assert_eq!(seats(Some(ids[2])).await, 2);
    assert_eq!(
        seats(Some(ids[1])).await,
        3,
        "an expired one is not taken off twice"
    );
    assert_eq!(seats(Some(ids[0])).await, 3, "nor a revoked one");
    change(
        "UPDATE invitations SET status = 'pending' WHERE id = $1",
        ids[0],
    )
    .await;
    assert_eq!(seats(None).await, 4);
    change("DELETE FROM invitations WHERE id = $1", ids[3]).await;
    assert_eq!(seats(None).await, 3);
    change(
        "UPDATE invitations SET status = 'expired' WHERE id = $1",
        ids[1],
    )
    .await;
    assert_eq!(seats(None).await, 3, "the sweep changes nothing");
    let pending: i64 =
        sqlx::query_scalar("SELECT pending_invitations FROM organizations WHERE id = $1")
            .bind(org)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(pending, 2);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn seats_message_says_ten_of_ten(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    for i in 0..9 {
        invitations::create(
            &state,
            &owner,
            InvitationRequest::plain(&format!("p{i}@example.com"), Role::Member),
        )
        .await
        .unwrap();
    }
    let err = invitations::create(
        &state,
        &owner,
        InvitationRequest::plain("p10@example.com", Role::Member),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("10 of 10 seats used"), "{err}");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn rights_to_invite(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let admin = user(&state, "admin@example.com").await;
    let plain = user(&state, "member@example.com").await;
    join(&pool, owner.org.id, admin.id, Role::Admin).await;
    join(&pool, owner.org.id, plain.id, Role::Member).await;
    let admin = member(&pool, &admin, "acme").await;
    let plain = member(&pool, &plain, "acme").await;
    assert!(matches!(
        invitations::create(
            &state,
            &plain,
            InvitationRequest::plain("x@example.com", Role::Member)
        )
        .await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        invitations::create(
            &state,
            &admin,
            InvitationRequest::plain("x@example.com", Role::Owner)
        )
        .await,
        Err(AppError::Forbidden(_))
    ));
    invitations::create(
        &state,
        &admin,
        InvitationRequest::plain("x@example.com", Role::Admin),
    )
    .await
    .unwrap();
    invitations::create(
        &state,
        &owner,
        InvitationRequest::plain("y@example.com", Role::Owner),
    )
    .await
    .unwrap();
    assert!(matches!(
        invitations::list(&pool, &plain, None, "").await,
        Err(AppError::Forbidden(_))
    ));
    // An admin cannot resend or revoke an owner invitation.
    let owner_invite = invitations::list(&pool, &owner, None, "")
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|i| i.role == Role::Owner)
        .unwrap();
    assert!(matches!(
        invitations::revoke(&state, &admin, owner_invite.id).await,
        Err(AppError::Forbidden(_))
    ));
}

/// An inviter is judged as they are when the invitation is made, not as
/// their request found them: demoted, they may no longer invite; removed,
/// the organization is gone to them. Nothing is stored either time.
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_demoted_or_removed_inviter_is_refused_as_of_now(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let admin = user(&state, "admin@example.com").await;
    join(&pool, owner.org.id, admin.id, Role::Admin).await;
    let admin = member(&pool, &admin, "acme").await;
    let invite = |email: &str| InvitationRequest::plain(email, Role::Member);
    invitations::create(&state, &admin, invite("first@example.com"))
        .await
        .unwrap();
    let change = |sql: &'static str| {
        let pool = pool.clone();
        let user = admin.user.id;
        async move {
            sqlx::query(sql).bind(user).execute(&pool).await.unwrap();
        }
    };
    change("UPDATE memberships SET role = 'member' WHERE user_id = $1").await;
    assert!(matches!(
        invitations::create(&state, &admin, invite("second@example.com")).await,
        Err(AppError::Forbidden(_))
    ));
    change("UPDATE memberships SET role = 'admin', status = 'removed' WHERE user_id = $1").await;
    assert!(matches!(
        invitations::create(&state, &admin, invite("third@example.com")).await,
        Err(AppError::NotFound(_))
    ));
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 1);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn accept_creates_one_membership_and_verifies_email(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let issued = invitations::create(
        &state,
        &owner,
        InvitationRequest::plain("ann@example.com", Role::Admin),
    )
    .await
    .unwrap();
    let ann = user(&state, "ann@example.com").await;
    let details = link::preview(
        &pool,
        &crate::server::identity::providers::Providers::new(Vec::new()),
        &secret_of(&issued.link),
        Some(&ann),
    )
    .await
    .unwrap();
    assert_eq!(
        (details.state, details.role, details.org_name.as_str()),
        (LinkState::Open, Role::Admin, "Acme")
    );
    // The shareable link proves nothing about the mailbox: the inviter saw it.
    let refused = link::accept(&pool, &secret_of(&issued.link), &ann, None).await;
    assert_eq!(refused.unwrap_err(), unconfirmed("ann@example.com"));
    assert_eq!(status_of(&pool, "ann@example.com").await, "pending");
    // The mailed one does: accepting through it verifies the address.
    let mailed = super::mailed_secret(&pool, "ann@example.com").await;
    let org = link::accept(&pool, mailed.as_str(), &ann, None)
        .await
        .unwrap();
    assert_eq!(org.slug, "acme");
    let view = organizations::view(&pool, ann.id, "acme").await.unwrap();
    assert_eq!(view.role, Role::Admin);
    let ann = crate::server::accounts::find(&pool, ann.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        ann.email_verified_at.is_some(),
        "the emailed link proves the address"
    );
    // Again, by either link: same outcome, no second membership.
    link::accept(&pool, &secret_of(&issued.link), &ann, None)
        .await
        .unwrap();
    assert_eq!(status_of(&pool, "ann@example.com").await, "accepted");
}

/// The refusal an unverified account gets from a link that does not prove its address.
fn unconfirmed(email: &str) -> AppError {
    AppError::Forbidden(format!(
        "Confirm your email address first: open the link we sent to {email}, or the invitation link in your mail."
    ))
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_link_mailed_to_another_address_does_not_prove_the_invited_one(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let input = InvitationRequest {
        notify_email: "assistant@example.com".into(),
        ..InvitationRequest::plain("ann@example.com", Role::Member)
    };
    invitations::create(&state, &owner, input).await.unwrap();
    let ann = user(&state, "ann@example.com").await;
    let mailed = super::mailed_secret(&pool, "assistant@example.com").await;
    let refused = link::accept(&pool, mailed.as_str(), &ann, None).await;
    assert_eq!(refused.unwrap_err(), unconfirmed("ann@example.com"));
    assert_eq!(status_of(&pool, "ann@example.com").await, "pending");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn fifty_concurrent_accepts_make_one_membership(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    invite_member(&state, &owner, "ann@example.com").await;
    let ann = user(&state, "ann@example.com").await;
    // The mailed link: the invitee's address is proven by following it.
    let secret = Arc::new(super::mailed_secret(&pool, "ann@example.com").await);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (pool, secret, ann) = (pool.clone(), secret.clone(), ann.clone());
            tokio::spawn(async move { link::accept(&pool, secret.as_str(), &ann, None).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let memberships: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE user_id = $1")
            .bind(ann.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(memberships, 1);
    let accepted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.accepted'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(accepted, 1);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn seats_are_rechecked_at_accept(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let mut people = Vec::new();
    for i in 0..3 {
        let email = format!("p{i}@example.com");
        invitations::create(
            &state,
            &owner,
            InvitationRequest::plain(&email, Role::Member),
        )
        .await
        .unwrap();
        let secret = super::mailed_secret(&pool, &email).await;
        people.push((user(&state, &email).await, secret));
    }
    let active = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM memberships WHERE status = 'active'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    // The owner lowers the limit after inviting: owner + 3 pending = 4 seats
    // against 2, so no accept may go through, however many run at once.
    set_seats(&pool, 2).await;
    let tasks: Vec<_> = people
        .iter()
        .take(2)
        .map(|(u, secret)| {
            let (pool, u, secret) = (pool.clone(), u.clone(), secret.clone());
            tokio::spawn(async move { link::accept(&pool, &secret, &u, None).await })
        })
        .collect();
    for result in futures_join(tasks).await {
        let err = result.unwrap_err();
        assert!(err.to_string().contains("no free seat"), "{err}");
    }
    assert_eq!(active().await, 1);
    // Revoking the other two frees a seat: owner + p0 fits exactly.
    sqlx::query("UPDATE invitations SET status = 'revoked' WHERE email <> 'p0@example.com'")
        .execute(&pool)
        .await
        .unwrap();
    let (p0, secret) = &people[0];
    link::accept(&pool, secret, p0, None).await.unwrap();
    assert_eq!(active().await, 2);
}

async fn futures_join<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn wrong_account_cannot_accept_and_does_not_use_up_the_invitation(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let issued = invite_member(&state, &owner, "ann@example.com").await;
    let bob = user(&state, "bob@example.com").await;
    let err = link::accept(&pool, &secret_of(&issued.link), &bob, None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "This invitation is for ann@example.com, you are signed in as bob@example.com. Sign out and sign in (or sign up) as ann@example.com to accept it."
    );
    assert_eq!(status_of(&pool, "ann@example.com").await, "pending");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn expiry_is_computed_at_read_time_and_written_on_use(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let issued = invite_member(&state, &owner, "ann@example.com").await;
    sqlx::query("UPDATE invitations SET expires_at = $1")
        .bind(Utc::now() - Duration::minutes(1))
        .execute(&pool)
        .await
        .unwrap();
    let items = invitations::list(&pool, &owner, Some(InvitationStatus::Expired), "")
        .await
        .unwrap()
        .items;
    assert_eq!(items.len(), 1, "shown expired before any sweep");
    assert!(
        invitations::list(&pool, &owner, Some(InvitationStatus::Pending), "")
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let ann = user(&state, "ann@example.com").await;
    let err = link::accept(&pool, &secret_of(&issued.link), &ann, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
    assert_eq!(status_of(&pool, "ann@example.com").await, "expired");
    // Expired rows do not hold a seat or block a new invitation.
    let again = invitations::resend(&state, &owner, issued.invitation_id)
        .await
        .unwrap();
    assert_ne!(
        again.invitation_id, issued.invitation_id,
        "re-invite makes a new invitation"
    );
    let mailed = super::mailed_secret(&pool, "ann@example.com").await;
    link::accept(&pool, mailed.as_str(), &ann, None)
        .await
        .unwrap();
}

/// An invitation whose time ran out with nobody opening it is still marked
/// pending; inviting the address again marks it expired (with its audit
/// event) and makes a new one, rather than calling it pending or failing
/// on the one-pending-per-address rule.
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn inviting_again_after_an_unseen_expiry_expires_the_old_one(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let old = invite_member(&state, &owner, "ann@example.com").await;
    let still_pending = invite_member(&state, &owner, "bob@example.com").await;
    sqlx::query("UPDATE invitations SET expires_at = $1 WHERE id = $2")
        .bind(Utc::now() - Duration::minutes(1))
        .bind(old.invitation_id)
        .execute(&pool)
        .await
        .unwrap();
    let again = invite_member(&state, &owner, "ann@example.com").await;
    assert_ne!(again.invitation_id, old.invitation_id);
    let statuses: Vec<(String, String)> =
        sqlx::query_as("SELECT email, status FROM invitations ORDER BY created_at, email")
            .fetch_all(&pool)
            .await
            .unwrap();
    let expired = |email: &str| {
        statuses
            .iter()
            .filter(|(e, s)| e == email && s == "expired")
            .count()
    };
    assert_eq!(expired("ann@example.com"), 1, "{statuses:?}");
    assert_eq!(expired("bob@example.com"), 0, "{statuses:?}");
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.expired' AND target = 'ann@example.com'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    // The one still open blocks a second invitation, as before.
    let twice = invitations::create(
        &state,
        &owner,
        InvitationRequest::plain("bob@example.com", Role::Member),
    )
    .await;
    assert!(
        matches!(twice, Err(AppError::PendingInvitationExists { invitation_id, .. }) if invitation_id == still_pending.invitation_id)
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn resend_replaces_the_link_and_restarts_expiry(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let first = invite_member(&state, &owner, "ann@example.com").await;
    sqlx::query("UPDATE invitations SET expires_at = $1")
        .bind(Utc::now() + Duration::hours(1))
        .execute(&pool)
        .await
        .unwrap();
    let second = invitations::resend(&state, &owner, first.invitation_id)
        .await
        .unwrap();
    assert_eq!(second.invitation_id, first.invitation_id);
    assert_ne!(second.link, first.link);
    assert!(second.expires_at > Utc::now() + Duration::days(6));
    let ann = user(&state, "ann@example.com").await;
    let old = link::preview(
        &pool,
        &crate::server::identity::providers::Providers::new(Vec::new()),
        &secret_of(&first.link),
        None,
    )
    .await
    .unwrap();
    assert_eq!(old.state, LinkState::Replaced);
    let err = link::accept(&pool, &secret_of(&first.link), &ann, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("newer invitation"), "{err}");
    assert!(link::decline(&pool, &secret_of(&first.link), None)
        .await
        .is_err());
    let mailed = super::mailed_secret(&pool, "ann@example.com").await;
    link::accept(&pool, mailed.as_str(), &ann, None)
        .await
        .unwrap();
    let mails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE to_addr = 'ann@example.com' AND subject LIKE '%invited%'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(mails, 2);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn revoke_kills_the_link(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let issued = invite_member(&state, &owner, "ann@example.com").await;
    invitations::revoke(&state, &owner, issued.invitation_id)
        .await
        .unwrap();
    let ann = user(&state, "ann@example.com").await;
    assert_eq!(
        link::preview(
            &pool,
            &crate::server::identity::providers::Providers::new(Vec::new()),
            &secret_of(&issued.link),
            None
        )
        .await
        .unwrap()
        .state,
        LinkState::Revoked
    );
    assert!(link::accept(&pool, &secret_of(&issued.link), &ann, None)
        .await
        .unwrap_err()
        .to_string()
        .contains("withdrawn"));
    assert!(link::decline(&pool, &secret_of(&issued.link), None)
        .await
        .is_err());
    assert!(matches!(
        invitations::revoke(&state, &owner, issued.invitation_id).await,
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        link::preview(
            &pool,
            &crate::server::identity::providers::Providers::new(Vec::new()),
            "no-such-token",
            None
        )
        .await,
        Err(AppError::NotFound(_))
    ));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn decline_is_final(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    let issued = invite_member(&state, &owner, "ann@example.com").await;
    link::decline(&pool, &secret_of(&issued.link), None)
        .await
        .unwrap();
    link::decline(&pool, &secret_of(&issued.link), None)
        .await
        .unwrap();
    assert_eq!(status_of(&pool, "ann@example.com").await, "declined");
    let ann = user(&state, "ann@example.com").await;
    assert!(link::accept(&pool, &secret_of(&issued.link), &ann, None)
        .await
        .is_err());
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn delivery_retries_then_marks_the_invitation_failed(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    // Leave the verification mail of the owner out of the way.
    sqlx::query("UPDATE outbox SET status = 'sent'")
        .execute(&pool)
        .await
        .unwrap();
    let issued = invite_member(&state, &owner, "ann@example.com").await;
    let down = support::refused_smtp();
    worker::deliver_due(&pool, &down, &state.config)
        .await
        .unwrap();
    let item = &invitations::list(&pool, &owner, None, "")
        .await
        .unwrap()
        .items[0];
    assert_eq!(item.status, InvitationStatus::Pending);
    assert!(
        matches!(item.delivery, Delivery::Retrying { .. }),
        "{:?}",
        item.delivery
    );
    for _ in 1..state.config.mail_max_attempts {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        worker::deliver_due(&pool, &down, &state.config)
            .await
            .unwrap();
    }
    let item = &invitations::list(&pool, &owner, None, "")
        .await
        .unwrap()
        .items[0];
    assert_eq!(item.status, InvitationStatus::Failed);
    assert!(
        matches!(&item.delivery, Delivery::Failed { reason } if reason.contains("SMTP")),
        "{:?}",
        item.delivery
    );
    // The link is dead, and resending makes a new pending invitation.
    let ann = user(&state, "ann@example.com").await;
    assert!(link::accept(&pool, &secret_of(&issued.link), &ann, None)
        .await
        .is_err());
    let again = invitations::resend(&state, &owner, issued.invitation_id)
        .await
        .unwrap();
    assert_eq!(status_of(&pool, "ann@example.com").await, "pending");
    assert_ne!(again.invitation_id, issued.invitation_id);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn old_invitations_are_found_behind_a_thousand_newer_ones_by_filter_and_by_paging(
    pool: Pool,
) {
    let (state, owner) = setup(&pool).await;
    invite_member(&state, &owner, "old@example.com").await;
    let newer = Utc::now() + Duration::minutes(1);
    let mut tx = pool.begin().await.unwrap();
    for i in 1..=1000 {
        sqlx::query(
            "INSERT INTO invitations (id, org_id, email, role, status, invited_by, created_at, sent_at, expires_at)
             VALUES ($1, $2, $3, 'member', 'declined', $4, $5, $5, $5)",
        )
        .bind(uuid::Uuid::new_v4())
        .bind(owner.org.id)
        .bind(format!("d{i}@example.com"))
        .bind(owner.user.id)
        .bind(newer)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let pending = invitations::list(&pool, &owner, Some(InvitationStatus::Pending), "")
        .await
        .unwrap()
        .items;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].email, "old@example.com");
    // Page by page, every invitation is reached once, the oldest last, with
    // no cap however many there are.
    let all_of = |filter: Option<InvitationStatus>| {
        let (pool, owner) = (pool.clone(), owner.clone());
        async move {
            let (mut seen, mut after, mut pages) = (Vec::new(), String::new(), 0);
            loop {
                let page = invitations::list(&pool, &owner, filter, &after)
                    .await
                    .unwrap();
                assert!(page.items.len() <= INVITATIONS_PAGE);
                assert_eq!(page.more, page.next.is_some());
                seen.extend(page.items.into_iter().map(|i| (i.id, i.email)));
                pages += 1;
                match page.next {
                    Some(next) => after = next,
                    None => return (seen, pages),
                }
            }
        }
    };
    let (declined, pages) = all_of(Some(InvitationStatus::Declined)).await;
    assert_eq!(
        (declined.len(), pages),
        (1000, 1000usize.div_ceil(INVITATIONS_PAGE))
    );
    let (all, _) = all_of(None).await;
    let distinct: std::collections::HashSet<_> = all.iter().map(|(id, _)| *id).collect();
    assert_eq!((all.len(), distinct.len()), (1001, 1001));
    assert_eq!(all.last().unwrap().1, "old@example.com");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn the_invitation_lifetime_setting_sets_new_and_resent_expiries(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    organizations::update_settings(&pool, &owner, "10", "3")
        .await
        .unwrap();
    let owner = member(&pool, &owner.user, "acme").await;
    let about_three_days = |at: chrono::DateTime<Utc>| {
        let left = at - Utc::now();
        assert!(
            left > Duration::days(3) - Duration::minutes(1) && left <= Duration::days(3),
            "expires in {left}"
        );
    };
    let issued = invite_member(&state, &owner, "ann@example.com").await;
    about_three_days(issued.expires_at);
    let resent = invitations::resend(&state, &owner, issued.invitation_id)
        .await
        .unwrap();
    about_three_days(resent.expires_at);
}

/// The mail is drafted before the writer's turn from the organization as
/// the inviter's request knew it; what the turn finds changed by then (the
/// name, the invitation lifetime) is what the mail says.
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn the_mail_says_what_the_organization_is_when_the_invitation_is_stored(pool: Pool) {
    let (state, owner) = setup(&pool).await;
    sqlx::query("UPDATE organizations SET name = 'Acme Corp', invitation_ttl_days = 2")
        .execute(&pool)
        .await
        .unwrap();
    let issued = invite_member(&state, &owner, "ann@example.com").await;
    let (subject, text) = last_mail_to(&pool, "ann@example.com").await;
    assert_eq!(subject, "owner invited you to join Acme Corp");
    let expires = issued
        .expires_at
        .format("%B %-d, %Y at %H:%M UTC")
        .to_string();
    assert!(
        text.contains(&format!("expires on {expires}.")),
        "the mail gives the expiry the invitation has ({expires}): {text}"
    );
    assert!(issued.expires_at - Utc::now() <= Duration::days(2));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn inviting_and_resending_are_rate_limited_per_inviter(pool: Pool) {
    let (mut state, owner) = setup(&pool).await;
    Arc::make_mut(&mut state.config).invite_limit = 2;
    let first = invite_member(&state, &owner, "a@example.com").await;
    invitations::resend(&state, &owner, first.invitation_id)
        .await
        .unwrap();
    let err = invitations::create(
        &state,
        &owner,
        InvitationRequest::plain("b@example.com", Role::Member),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::RateLimited { .. }), "{err:?}");
    let err = invitations::resend(&state, &owner, first.invitation_id)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::RateLimited { .. }), "{err:?}");
}
