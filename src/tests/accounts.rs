use sqlx::SqlitePool;

use super::{last_mail_to, link_path};
use crate::error::AppError;
use crate::server::accounts::{self, SignUp};
use crate::server::testing;

fn input<'a>(name: &'a str, email: &'a str, password: &'a str) -> SignUp<'a> {
    SignUp {
        name,
        email,
        password,
    }
}

#[sqlx::test]
async fn sign_up_stores_normalized_user_and_queues_verification(pool: SqlitePool) {
    let state = testing::state(pool.clone());
    let user = accounts::sign_up(&state, input(" Ann ", " Ann@Example.COM ", "long enough"))
        .await
        .unwrap();
    assert_eq!(user.email, "ann@example.com");
    assert_eq!(user.name, "Ann");
    assert!(user.email_verified_at.is_none());
    let (subject, text) = last_mail_to(&pool, "ann@example.com").await;
    assert_eq!(subject, "Confirm your email address");
    assert!(link_path(&text, "/verify-email/").starts_with("/verify-email/"));
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        stored.starts_with("$argon2id$"),
        "password is hashed with argon2id"
    );
}

#[sqlx::test]
async fn sign_up_refuses_bad_input_per_field(pool: SqlitePool) {
    let state = testing::state(pool.clone());
    let field = |r: Result<accounts::User, AppError>| match r {
        Err(AppError::Invalid { field, .. }) => field,
        other => panic!("expected a field error, got {other:?}"),
    };
    assert_eq!(
        field(accounts::sign_up(&state, input("", "a@example.com", "long enough")).await),
        "name"
    );
    assert_eq!(
        field(accounts::sign_up(&state, input("A", "not-an-email", "long enough")).await),
        "email"
    );
    let long = format!("{}@example.com", "a".repeat(250));
    assert_eq!(
        field(accounts::sign_up(&state, input("A", &long, "long enough")).await),
        "email"
    );
    assert_eq!(
        field(accounts::sign_up(&state, input("A", "a@example.com", "short")).await),
        "password"
    );
    assert_eq!(
        field(accounts::sign_up(&state, input("A", "a@example.com", &"x".repeat(129))).await),
        "password"
    );
    accounts::sign_up(&state, input("A", "a@example.com", "long enough"))
        .await
        .unwrap();
    let dup = accounts::sign_up(&state, input("B", "A@EXAMPLE.com", "long enough")).await;
    assert_eq!(
        dup.unwrap_err().field_message("email").unwrap(),
        "An account with this email already exists. Sign in instead."
    );
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 1);
}

#[sqlx::test]
async fn sign_in_checks_password_without_saying_which_part_is_wrong(pool: SqlitePool) {
    let state = testing::state(pool);
    accounts::sign_up(&state, input("Ann", "ann@example.com", "long enough"))
        .await
        .unwrap();
    let ok = accounts::sign_in(&state, "ANN@example.com", "long enough", "c1")
        .await
        .unwrap();
    assert_eq!(ok.email, "ann@example.com");
    assert_eq!(
        accounts::sign_in(&state, "ann@example.com", "wrong password", "c1")
            .await
            .unwrap_err(),
        AppError::WrongCredentials
    );
    assert_eq!(
        accounts::sign_in(&state, "nobody@example.com", "long enough", "c1")
            .await
            .unwrap_err(),
        AppError::WrongCredentials
    );
    assert_eq!(
        AppError::WrongCredentials.to_string(),
        "Email or password is wrong."
    );
}

#[sqlx::test]
async fn sign_in_is_rate_limited_per_email(pool: SqlitePool) {
    let state = testing::state(pool);
    accounts::sign_up(&state, input("Ann", "ann@example.com", "long enough"))
        .await
        .unwrap();
    for _ in 0..state.config.sign_in_limit {
        let _ = accounts::sign_in(&state, "ann@example.com", "wrong password", "c1").await;
    }
    let refused = accounts::sign_in(&state, "ann@example.com", "long enough", "c2").await;
    assert!(
        matches!(refused, Err(AppError::RateLimited { .. })),
        "{refused:?}"
    );
}

#[sqlx::test]
async fn verification_link_works_once(pool: SqlitePool) {
    let state = testing::state(pool.clone());
    let user = accounts::sign_up(&state, input("Ann", "ann@example.com", "long enough"))
        .await
        .unwrap();
    let (_, text) = last_mail_to(&pool, "ann@example.com").await;
    let token = link_path(&text, "/verify-email/")
        .trim_start_matches("/verify-email/")
        .to_owned();
    assert_eq!(
        accounts::verify_email(&pool, &token)
            .await
            .unwrap()
            .as_str(),
        "ann@example.com"
    );
    assert!(accounts::find(&pool, user.id)
        .await
        .unwrap()
        .unwrap()
        .email_verified_at
        .is_some());
    assert!(matches!(
        accounts::verify_email(&pool, &token).await,
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        accounts::verify_email(&pool, "made-up").await,
        Err(AppError::NotFound(_))
    ));
    // Only the hash is stored.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM email_verifications")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_ne!(stored, token.as_bytes());
}

#[sqlx::test]
async fn expired_verification_link_is_refused(pool: SqlitePool) {
    let state = testing::state(pool.clone());
    accounts::sign_up(&state, input("Ann", "ann@example.com", "long enough"))
        .await
        .unwrap();
    sqlx::query("UPDATE email_verifications SET expires_at = ?")
        .bind(chrono::Utc::now() - chrono::Duration::minutes(1))
        .execute(&pool)
        .await
        .unwrap();
    let (_, text) = last_mail_to(&pool, "ann@example.com").await;
    let token = link_path(&text, "/verify-email/")
        .trim_start_matches("/verify-email/")
        .to_owned();
    let err = accounts::verify_email(&pool, &token).await.unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
}

#[sqlx::test]
async fn expired_sessions_are_purged_and_live_ones_kept(pool: SqlitePool) {
    let mut ann = testing::Client::new(pool.clone()).await;
    ann.sign_up("Ann", "ann@example.com").await;
    let mut bob = ann.fresh();
    bob.sign_up("Bob", "bob@example.com").await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM tower_sessions")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 2);
    // Ann's session ran out long ago: same stored format, an old year.
    sqlx::query(
        "UPDATE tower_sessions SET expiry_date = '2000' || substr(expiry_date, 5)
         WHERE rowid = (SELECT MIN(rowid) FROM tower_sessions)",
    )
    .execute(&pool)
    .await
    .unwrap();
    crate::server::session::delete_expired(&pool).await.unwrap();
    assert_eq!(count().await, 1);
    let me = bob.call("current_user", &[]).await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    assert_eq!(me.body["email"], "bob@example.com", "{:?}", me.body);
}
