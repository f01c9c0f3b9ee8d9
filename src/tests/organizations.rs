use super::support;
use crate::domain::Role;
use crate::error::AppError;
use crate::server::accounts::{self, SignUp};
use crate::server::db::Pool;
use crate::server::organizations;

async fn user(pool: &Pool, email: &str) -> uuid::Uuid {
    let state = support::state(pool.clone());
    accounts::sign_up(
        &state,
        SignUp {
            name: "Someone",
            email,
            password: "long enough",
        },
    )
    .await
    .unwrap()
    .id
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn creator_becomes_owner_and_slugs_stay_unique(pool: Pool) {
    let ann = user(&pool, "ann@example.com").await;
    let a = organizations::create(&pool, ann, "Acme Inc").await.unwrap();
    let b = organizations::create(&pool, ann, "Acme, Inc.")
        .await
        .unwrap();
    assert_eq!(a.slug, "acme-inc");
    assert_eq!(b.slug, "acme-inc-2");
    assert_eq!(a.role, Role::Owner);
    let list = organizations::list_for_user(&pool, ann).await.unwrap();
    assert_eq!(list.len(), 2);
    let view = organizations::view(&pool, ann, "acme-inc").await.unwrap();
    assert_eq!((view.seat_limit, view.invitation_ttl_days), (10, 7));
    let active: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND status = 'active'",
    )
    .bind(view.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(active, 1, "the creator is the only member");
    let audit: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'organization.created'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audit, 2);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn names_are_checked(pool: Pool) {
    let ann = user(&pool, "ann@example.com").await;
    let err = organizations::create(&pool, ann, "   ").await.unwrap_err();
    assert_eq!(
        err.field_message("name").as_deref(),
        Some("This field is required.")
    );
    let err = organizations::create(&pool, ann, &"x".repeat(101))
        .await
        .unwrap_err();
    assert_eq!(
        err.field_message("name").as_deref(),
        Some("Use at most 100 characters.")
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn outsiders_and_removed_members_see_not_found(pool: Pool) {
    let ann = user(&pool, "ann@example.com").await;
    let bob = user(&pool, "bob@example.com").await;
    let org = organizations::create(&pool, ann, "Acme").await.unwrap();
    assert_eq!(
        organizations::view(&pool, bob, "acme").await.unwrap_err(),
        AppError::NotFound("Organization".into())
    );
    assert_eq!(
        organizations::view(&pool, ann, "missing")
            .await
            .unwrap_err(),
        AppError::NotFound("Organization".into())
    );
    sqlx::query("INSERT INTO memberships (org_id, user_id, role, status, joined_at) VALUES ($1, $2, 'member', 'removed', $3)")
        .bind(org.id)
        .bind(bob)
        .bind(chrono::Utc::now())
        .execute(&pool)
        .await
        .unwrap();
    assert!(organizations::view(&pool, bob, "acme").await.is_err());
    assert!(organizations::list_for_user(&pool, bob)
        .await
        .unwrap()
        .is_empty());
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn only_owners_change_settings_within_bounds(pool: Pool) {
    let state = support::state(pool.clone());
    let ann = accounts::sign_up(
        &state,
        SignUp {
            name: "Ann",
            email: "ann@example.com",
            password: "long enough",
        },
    )
    .await
    .unwrap();
    let bob = accounts::sign_up(
        &state,
        SignUp {
            name: "Bob",
            email: "bob@example.com",
            password: "long enough",
        },
    )
    .await
    .unwrap();
    let org = organizations::create(&pool, ann.id, "Acme").await.unwrap();
    crate::tests::join(&pool, org.id, bob.id, Role::Admin).await;
    let owner = crate::tests::member(&pool, &ann, "acme").await;
    let admin = crate::tests::member(&pool, &bob, "acme").await;
    assert!(matches!(
        organizations::update_settings(&pool, &admin, "20", "7").await,
        Err(AppError::Forbidden(_))
    ));
    let field = |r: Result<_, AppError>| r.unwrap_err().field_message("seat_limit");
    assert!(
        field(organizations::update_settings(&pool, &owner, "1", "7").await)
            .unwrap()
            .contains("2 seats are in use")
    );
    assert!(field(organizations::update_settings(&pool, &owner, "abc", "7").await).is_some());
    let ttl = organizations::update_settings(&pool, &owner, "5", "31")
        .await
        .unwrap_err();
    assert_eq!(
        ttl.field_message("invitation_ttl_days").as_deref(),
        Some("Enter a number of days from 1 to 30.")
    );
    let view = organizations::update_settings(&pool, &owner, "2", "30")
        .await
        .unwrap();
    assert_eq!((view.seat_limit, view.invitation_ttl_days), (2, 30));
}
