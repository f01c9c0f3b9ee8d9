use chrono::{Duration, Utc};

use super::support::{self, Client};
use super::{member, user};
use crate::domain::Role;
use crate::error::AppError;
use crate::model::invitations::InvitationRequest;
use crate::server::accounts;
use crate::server::actor::User;
use crate::server::db::{Batch, Pool};
use crate::server::invitations;
use crate::server::invitations::link::{self, LinkKey};
use crate::server::state::AppState;
use crate::server::{notifications, organizations};

async fn verified(state: &AppState, email: &str) -> User {
    let u = user(state, email).await;
    let mut batch = Batch::default();
    accounts::mark_verified(&mut batch, u.id, email);
    batch
        .run(&mut *state.pool.acquire().await.unwrap())
        .await
        .unwrap();
    accounts::find(&state.pool, u.id).await.unwrap().unwrap()
}

async fn org_inviting(state: &AppState, owner_email: &str, org: &str, invitee: &str) -> uuid::Uuid {
    let owner = user(state, owner_email).await;
    let summary = organizations::create(&state.pool, owner.id, org)
        .await
        .unwrap();
    let owner = member(&state.pool, &owner, &summary.slug).await;
    let input = InvitationRequest::plain(invitee, Role::Member);
    invitations::create(state, &owner, input)
        .await
        .unwrap()
        .invitation_id
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn inbox_lists_pending_unexpired_invitations_to_verified_email_across_orgs(pool: Pool) {
    let state = support::state(pool.clone());
    let ann = verified(&state, "ann@example.com").await;
    org_inviting(&state, "a@example.com", "Acme", "ann@example.com").await;
    org_inviting(&state, "b@example.com", "Globex", "ann@example.com").await;
    let expired = org_inviting(&state, "c@example.com", "Initech", "ann@example.com").await;
    sqlx::query("UPDATE invitations SET expires_at = $1 WHERE id = $2")
        .bind(Utc::now() - Duration::minutes(1))
        .bind(expired)
        .execute(&pool)
        .await
        .unwrap();
    let revoked = org_inviting(&state, "d@example.com", "Umbrella", "ann@example.com").await;
    sqlx::query("UPDATE invitations SET status = 'revoked' WHERE id = $1")
        .bind(revoked)
        .execute(&pool)
        .await
        .unwrap();
    org_inviting(&state, "e@example.com", "Hooli", "someone.else@example.com").await;

    let inbox = notifications::inbox(&pool, &ann).await.unwrap();
    let mut orgs: Vec<_> = inbox
        .invitations
        .iter()
        .map(|i| i.org_name.as_str())
        .collect();
    orgs.sort();
    assert_eq!(orgs, ["Acme", "Globex"]);
    assert_eq!(notifications::open_count(&pool, &ann).await.unwrap(), 2);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_unverified_address_sees_no_invitations(pool: Pool) {
    let state = support::state(pool.clone());
    let squatter = user(&state, "ceo@example.com").await;
    let id = org_inviting(&state, "a@example.com", "Acme", "ceo@example.com").await;
    assert!(notifications::inbox(&pool, &squatter)
        .await
        .unwrap()
        .invitations
        .is_empty());
    assert_eq!(
        notifications::open_count(&pool, &squatter).await.unwrap(),
        0
    );
    assert_eq!(
        link::accept(&pool, LinkKey::Inbox(id), &squatter, None)
            .await
            .unwrap_err(),
        AppError::NotFound("Invitation".into())
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn answers_and_changes_leave_notices(pool: Pool) {
    let state = support::state(pool.clone());
    let ann = verified(&state, "ann@example.com").await;
    let bob = verified(&state, "bob@example.com").await;
    let owner = user(&state, "owner@example.com").await;
    organizations::create(&pool, owner.id, "Acme")
        .await
        .unwrap();
    let owner_member = member(&pool, &owner, "acme").await;
    for email in ["ann@example.com", "bob@example.com"] {
        invitations::create(
            &state,
            &owner_member,
            InvitationRequest::plain(email, Role::Member),
        )
        .await
        .unwrap();
    }
    let inbox = notifications::inbox(&pool, &ann).await.unwrap();
    link::accept(&pool, LinkKey::Inbox(inbox.invitations[0].id), &ann, None)
        .await
        .unwrap();
    let bob_inbox = notifications::inbox(&pool, &bob).await.unwrap();
    link::decline(
        &pool,
        LinkKey::Inbox(bob_inbox.invitations[0].id),
        Some(&bob),
    )
    .await
    .unwrap();
    assert_eq!(notifications::open_count(&pool, &bob).await.unwrap(), 0);

    let owner_inbox = notifications::inbox(&pool, &owner).await.unwrap();
    let messages: Vec<_> = owner_inbox
        .notices
        .iter()
        .map(|n| n.message.as_str())
        .collect();
    assert!(
        messages.contains(&"ann accepted your invitation to Acme."),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"bob declined your invitation to Acme."),
        "{messages:?}"
    );
    assert_eq!(owner_inbox.open, 2);
    notifications::mark_all_read(&pool, &owner).await.unwrap();
    assert_eq!(notifications::open_count(&pool, &owner).await.unwrap(), 0);

    let removal = crate::server::members::Removal {
        user_id: ann.id,
        expected: Some(crate::domain::Role::Member),
        remove_from_projects: false,
        revoke_their_invitations: false,
    };
    crate::server::members::remove(&state, &owner_member, removal)
        .await
        .unwrap();
    let ann_inbox = notifications::inbox(&pool, &ann).await.unwrap();
    assert_eq!(ann_inbox.notices[0].message, "You were removed from Acme.");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn nobody_accepts_someone_elses_invitation_by_id(pool: Pool) {
    let mut owner = Client::new(pool.clone()).await;
    owner.sign_up("Owner", "owner@example.com").await;
    owner.create_org("Acme").await;
    let reply = owner
        .call_json(
            "create_invitation",
            serde_json::json!({
                "slug": "acme",
                "request": InvitationRequest::plain("ann@example.com", Role::Member),
            }),
        )
        .await;
    let id = reply.body["invitation_id"].as_str().unwrap().to_owned();
    let mut mallory = owner.fresh();
    mallory.sign_up("Mallory", "mallory@example.com").await;
    for endpoint in ["accept_invitation_by_id", "decline_invitation_by_id"] {
        let reply = mallory.call(endpoint, &[("id", &id)]).await;
        assert_eq!(reply.status, 404, "{endpoint}");
    }
    let status: String = sqlx::query_scalar("SELECT status FROM invitations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "pending");
    // Signed out: refused.
    let mut anonymous = owner.fresh();
    assert_eq!(
        anonymous
            .call("accept_invitation_by_id", &[("id", &id)])
            .await
            .status,
        401
    );
    assert_eq!(
        anonymous.call("heartbeat", &[("org", "")]).await.status,
        401
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn the_heartbeat_counts_and_says_when_membership_ends(pool: Pool) {
    let state = support::state(pool.clone());
    let id = org_inviting(&state, "owner@example.com", "Acme", "ann@example.com").await;
    let ann = verified(&state, "ann@example.com").await;
    let beat = |org: Option<&'static str>| {
        let (pool, ann) = (pool.clone(), ann.clone());
        async move { notifications::pulse(&pool, &ann, org).await.unwrap() }
    };
    let before = beat(None).await;
    assert_eq!((before.open, before.access), (1, None));
    assert_eq!(beat(Some("acme")).await.access, None, "not a member yet");
    link::accept(&pool, LinkKey::Inbox(id), &ann, None)
        .await
        .unwrap();
    let joined = beat(Some("acme")).await;
    assert_eq!(joined.open, 0);
    assert!(joined.access.is_some(), "a member");
    assert_eq!(beat(Some("elsewhere")).await.access, None);
    sqlx::query("UPDATE memberships SET status = 'removed' WHERE user_id = $1")
        .bind(ann.id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(beat(Some("acme")).await.access, None, "removed");
}
