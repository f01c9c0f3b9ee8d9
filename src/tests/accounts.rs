use super::support::{self, Client, Reply};
use super::{last_mail_to, link_path};
use crate::error::AppError;
use crate::server::accounts::{self, SignUp};
use crate::server::db::{Batch, Pool};

fn input<'a>(name: &'a str, email: &'a str, password: &'a str) -> SignUp<'a> {
    SignUp {
        name,
        email,
        password,
    }
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn sign_up_stores_normalized_user_and_queues_verification(pool: Pool) {
    let state = support::state(pool.clone());
    let user = accounts::sign_up(&state, input(" Ann ", " Ann@Example.COM ", "long enough"))
        .await
        .unwrap();
    assert_eq!(user.email, "ann@example.com");
    assert_eq!(user.name, "Ann");
    assert!(user.email_verified_at.is_none());
    let (subject, text) = last_mail_to(&pool, "ann@example.com").await;
    assert_eq!(subject, "Confirm your email address");
    assert!(link_path(&text, "/verify-email/").starts_with("/verify-email/"));
    let stored: String = sqlx::query_scalar("SELECT hash FROM passwords")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        stored.starts_with("$argon2id$"),
        "password is hashed with argon2id"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn sign_up_refuses_bad_input_per_field(pool: Pool) {
    let state = support::state(pool.clone());
    let field = |r: Result<crate::server::actor::User, AppError>| match r {
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
    // Every refused field at once, not one per submit.
    let all = accounts::sign_up(&state, input(" ", "not-an-email", "short"))
        .await
        .unwrap_err();
    for field in ["name", "email", "password"] {
        assert!(all.field_message(field).is_some(), "{field}: {all:?}");
    }
    let first = accounts::sign_up(&state, input("A", "a@example.com", "long enough"))
        .await
        .unwrap();
    let dup = accounts::sign_up(&state, input("B", "A@EXAMPLE.com", "long enough")).await;
    assert_eq!(
        dup.unwrap_err().field_message("email").unwrap(),
        "An account with this email exists but was never confirmed. If the address is yours, reset the password to claim it."
    );
    let mut batch = Batch::default();
    accounts::mark_verified(&mut batch, first.id, "a@example.com");
    batch
        .run(&mut *pool.acquire().await.unwrap())
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

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn sign_in_checks_password_without_saying_which_part_is_wrong(pool: Pool) {
    let state = support::state(pool);
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

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn sign_in_is_rate_limited_per_email(pool: Pool) {
    let state = support::state(pool);
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

/// The per-client allowance is ten times the per-address one; an operator's
/// very large limit must not overflow it (a panic in a debug build, a
/// wrapped, tiny allowance in a release one).
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_huge_sign_in_limit_does_not_overflow_the_clients_allowance(pool: Pool) {
    let mut state = support::state(pool);
    std::sync::Arc::make_mut(&mut state.config).sign_in_limit = u32::MAX;
    accounts::sign_up(&state, input("Ann", "ann@example.com", "long enough"))
        .await
        .unwrap();
    let signed_in = accounts::sign_in(&state, "ann@example.com", "long enough", "c1").await;
    assert!(signed_in.is_ok(), "{signed_in:?}");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn verification_link_works_once(pool: Pool) {
    let state = support::state(pool.clone());
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

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn expired_verification_link_is_refused(pool: Pool) {
    let state = support::state(pool.clone());
    accounts::sign_up(&state, input("Ann", "ann@example.com", "long enough"))
        .await
        .unwrap();
    sqlx::query("UPDATE email_verifications SET expires_at = $1")
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

// Ages a session in the SQLite store's own text format.
#[cfg(not(feature = "postgres"))]
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn expired_sessions_are_purged_and_live_ones_kept(pool: Pool) {
    let mut ann = support::Client::new(pool.clone()).await;
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

/// The secret of the newest password reset link mailed to `email`.
async fn reset_secret(pool: &Pool, email: &str) -> String {
    let (subject, text) = last_mail_to(pool, email).await;
    assert_eq!(subject, "Reset your Gatehouse password");
    link_path(&text, "/reset-password/")
        .trim_start_matches("/reset-password/")
        .to_owned()
}

async fn request_reset(client: &mut Client, email: &str) -> Reply {
    client
        .call("request_password_reset", &[("email", email)])
        .await
}

async fn reset(client: &mut Client, token: &str, password: &str) -> Reply {
    client
        .call(
            "reset_password",
            &[("token", token), ("password", password)],
        )
        .await
}

async fn sign_in(client: &mut Client, email: &str, password: &str) -> u16 {
    client.sign_in_with(email, password).await.0
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_password_reset_claims_an_unconfirmed_address_from_a_squatter(pool: Pool) {
    let mut squatter = Client::new(pool.clone()).await;
    squatter.sign_up("Not The CEO", "ceo@example.com").await;
    let mut owner = squatter.fresh();
    let asked = request_reset(&mut owner, "CEO@example.com").await;
    assert_eq!(asked.status, 200, "{:?}", asked.body);
    let token = reset_secret(&pool, "ceo@example.com").await;
    let preview = owner
        .call("password_reset_preview", &[("token", &token)])
        .await;
    assert_eq!(
        (preview.status, preview.body.as_str()),
        (200, Some("ceo@example.com"))
    );
    let short = reset(&mut owner, &token, "short").await;
    assert_eq!(short.status, 400);
    assert!(short.error().unwrap().field_message("password").is_some());
    let done = reset(&mut owner, &token, "the real owner's words").await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    // The owner is signed in, and the address counts as proven.
    let me = owner.call("current_user", &[]).await;
    assert_eq!(me.body["email"], "ceo@example.com", "{:?}", me.body);
    assert_eq!(me.body["email_verified"], true);
    // The squatter's session has ended and their password no longer works.
    let theirs = squatter.call("current_user", &[]).await;
    assert_eq!(theirs.body, serde_json::Value::Null, "{:?}", theirs.body);
    let inbox = squatter.call("inbox", &[]).await;
    assert_eq!(inbox.status, 401);
    assert_eq!(
        sign_in(&mut squatter, "ceo@example.com", "correct horse battery").await,
        401
    );
    assert_eq!(
        sign_in(&mut squatter, "ceo@example.com", "the real owner's words").await,
        303
    );
    // The link works once; only its hash is stored.
    let again = reset(&mut owner, &token, "another long one").await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert!(
        again.error().unwrap().to_string().contains("already used"),
        "{:?}",
        again.body
    );
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM password_resets")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, crate::server::token::hash_secret(&token));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn the_reset_answer_does_not_say_whether_an_account_exists(pool: Pool) {
    let mut ann = Client::new(pool.clone()).await;
    ann.sign_up("Ann", "ann@example.com").await;
    let mut probe = ann.fresh();
    let known = request_reset(&mut probe, "ann@example.com").await;
    let unknown = request_reset(&mut probe, "nobody@example.com").await;
    assert_eq!((known.status, unknown.status), (200, 200));
    assert_eq!(known.body, unknown.body);
    let mails: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE to_addr = 'nobody@example.com'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(mails, 0);
    let bad = request_reset(&mut probe, "not-an-email").await;
    assert_eq!(bad.status, 400);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_newer_reset_link_kills_older_ones_and_links_expire(pool: Pool) {
    let mut ann = Client::new(pool.clone()).await;
    ann.sign_up("Ann", "ann@example.com").await;
    let mut someone = ann.fresh();
    request_reset(&mut someone, "ann@example.com").await;
    let older = reset_secret(&pool, "ann@example.com").await;
    request_reset(&mut someone, "ann@example.com").await;
    let newer = reset_secret(&pool, "ann@example.com").await;
    let replaced = reset(&mut someone, &older, "a new long password").await;
    assert_eq!(replaced.status, 409, "{:?}", replaced.body);
    assert!(
        replaced.error().unwrap().to_string().contains("newer"),
        "{:?}",
        replaced.body
    );
    sqlx::query("UPDATE password_resets SET expires_at = $1")
        .bind(chrono::Utc::now() - chrono::Duration::seconds(1))
        .execute(&pool)
        .await
        .unwrap();
    for answer in [
        someone
            .call("password_reset_preview", &[("token", &newer)])
            .await,
        reset(&mut someone, &newer, "a new long password").await,
    ] {
        assert_eq!(answer.status, 409, "{:?}", answer.body);
        assert!(
            answer.error().unwrap().to_string().contains("expired"),
            "{:?}",
            answer.body
        );
    }
    let unknown = reset(&mut someone, "made-up", "a new long password").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        sign_in(&mut someone, "ann@example.com", "correct horse battery").await,
        303
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn reset_requests_are_rate_limited_per_address_and_per_client(pool: Pool) {
    let client = Client::new(pool).await;
    let mut probe = client.fresh();
    let per_address = 3;
    for _ in 0..per_address {
        assert_eq!(
            request_reset(&mut probe, "ann@example.com").await.status,
            200
        );
    }
    assert_eq!(
        request_reset(&mut probe, "ann@example.com").await.status,
        429
    );
    assert_eq!(
        request_reset(&mut probe, "bob@example.com").await.status,
        200
    );
    let per_client = client.state.config.sign_in_limit;
    let statuses: Vec<u16> = resets_for_many_addresses(&mut probe, per_client).await;
    assert!(statuses.contains(&429), "{statuses:?}");
}

/// Requests resets for `count` different addresses, one after another.
async fn resets_for_many_addresses(client: &mut Client, count: u32) -> Vec<u16> {
    let mut statuses = Vec::new();
    for i in 0..count {
        statuses.push(
            request_reset(client, &format!("p{i}@example.com"))
                .await
                .status,
        );
    }
    statuses
}

/// Reading who is signed in never writes the session: a page renders several
/// resources on one session at once, and a flush racing the session layer's
/// save answered 500 ("missing session id").
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_ended_session_is_refused_without_writing_it(pool: Pool) {
    let mut ann = support::Client::new(pool.clone()).await;
    ann.sign_up("Ann", "ann@example.com").await;
    sqlx::query("UPDATE users SET sessions_valid_after = $1")
        .bind(chrono::Utc::now() + chrono::Duration::seconds(1))
        .execute(&pool)
        .await
        .unwrap();
    let stored = || async {
        sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {}", support::SESSIONS))
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(stored().await, 1);
    for _ in 0..2 {
        let me = ann.call("current_user", &[]).await;
        assert_eq!((me.status, me.body.clone()), (200, serde_json::Value::Null));
    }
    assert_eq!(stored().await, 1, "the ended session was left as it was");
}
