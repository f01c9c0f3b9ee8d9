//! Accounts: sign-up, sign-in and email verification (password reset is in
//! [`super::password_reset`]).

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::actor::User;
use super::mail::{enqueue_in, templates};
use super::password::{self, PasswordHashText};
use super::state::AppState;
use super::token::{hash_secret, SecretToken};
use super::{audit, db, rate_limit};
use crate::domain::password::check_new_password;
use crate::domain::text::Name;
use crate::domain::Email;
use crate::error::AppError;
use crate::model::auth::EmailTaken;
use crate::server::db::{Batch, Pool};

/// How long an email verification link stays valid.
const VERIFICATION_TTL: Duration = Duration::days(3);

/// What sign-up asks for, as typed.
pub struct SignUp<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
}

/// The columns of [`User`].
pub(crate) const USER_COLUMNS: &str =
    "id, email, name, email_verified_at, last_active_at, active_org_id";

/// Loads a user by id.
pub async fn find(pool: &Pool, id: Uuid) -> Result<Option<User>, AppError> {
    Ok(
        sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Loads the user of a session that signed in at `signed_in_at`; `None` when
/// the user's sessions were ended after that (or the moment is unknown and
/// they were ended at all), as for an unknown user.
pub async fn find_for_session(
    pool: &Pool,
    id: Uuid,
    signed_in_at: Option<DateTime<Utc>>,
) -> Result<Option<User>, AppError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users
         WHERE id = $1 AND (sessions_valid_after IS NULL OR sessions_valid_after <= $2)"
    ))
    .bind(id)
    .bind(signed_in_at)
    .fetch_optional(pool)
    .await?)
}

/// Whether `email` already has an account, and if so whether it was confirmed.
async fn existing_account(pool: &Pool, email: &Email) -> Result<Option<EmailTaken>, AppError> {
    let confirmed: Option<bool> =
        sqlx::query_scalar("SELECT email_verified_at IS NOT NULL FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(pool)
            .await?;
    Ok(confirmed.map(|yes| {
        if yes {
            EmailTaken::Confirmed
        } else {
            EmailTaken::Unconfirmed
        }
    }))
}

/// Creates an account and queues its verification mail in the same transaction.
pub async fn sign_up(state: &AppState, input: SignUp<'_>) -> Result<User, AppError> {
    let (name, email) = (Name::parse(input.name), Email::parse(input.email));
    let password = check_new_password(input.password);
    AppError::check_fields([
        name.as_ref().err().map(|e| ("name", e.to_string())),
        email.as_ref().err().map(|e| ("email", e.to_string())),
        password.as_ref().err().map(|e| ("password", e.to_string())),
    ])?;
    let name = name.map_err(|e| AppError::invalid("name", e))?;
    let email = email.map_err(|e| AppError::invalid("email", e))?;
    if let Some(taken) = existing_account(&state.pool, &email).await? {
        return Err(AppError::invalid("email", taken.message()));
    }
    let hash = password::hash(input.password.to_owned()).await?;
    let user = User {
        id: Uuid::new_v4(),
        email: email.to_string(),
        name: name.as_str().to_owned(),
        email_verified_at: None,
        last_active_at: None,
        active_org_id: None,
    };

    let mut tx = db::begin_write(&state.pool).await?;
    let now = Utc::now();
    let inserted =
        sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user.id)
            .bind(&user.email)
            .bind(&user.name)
            .bind(now)
            .execute(&mut *tx)
            .await;
    if let Err(sqlx::Error::Database(err)) = &inserted {
        // Another sign-up just took the address; nobody has confirmed it yet.
        if err.is_unique_violation() {
            return Err(AppError::invalid(
                "email",
                EmailTaken::Unconfirmed.message(),
            ));
        }
    }
    inserted?;
    // Nothing after the user's row answers anything: sent with the COMMIT.
    let mut batch = Batch::default();
    batch
        .push("INSERT INTO passwords (user_id, hash, changed_at) VALUES ($1, $2, $3)")
        .bind(user.id)
        .bind(hash.0)
        .bind(now);
    audit::record_in(
        &mut batch,
        None,
        Some(user.id),
        "user.signed_up",
        &user.email,
        "",
    );
    queue_verification(&mut batch, state, &user, &email);
    tx.commit_with(batch).await?;
    state.mail.wake();
    Ok(user)
}

/// Makes a verification link for `email` and puts its mail in the outbox.
fn queue_verification(batch: &mut Batch, state: &AppState, user: &User, email: &Email) {
    let token = SecretToken::generate();
    batch
        .push("INSERT INTO email_verifications (token_hash, user_id, email, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token.hash.clone())
        .bind(user.id)
        .bind(email.as_str().to_owned())
        .bind(Utc::now() + VERIFICATION_TTL);
    let link = state
        .config
        .link(&format!("/verify-email/{}", token.secret));
    enqueue_in(batch, templates::verify_email(email, &user.name, &link));
}

/// Sends a fresh verification link to a signed-in, unverified user.
pub async fn resend_verification(state: &AppState, user: &User) -> Result<(), AppError> {
    if user.email_verified_at.is_some() {
        return Err(AppError::Conflict(
            "Your email address is already verified.".into(),
        ));
    }
    rate_limit::hit(
        &state.pool,
        &format!("verify:{}", user.id),
        5,
        state.config.rate_window,
    )
    .await?;
    let email = Email::parse(&user.email).map_err(|_| AppError::Internal)?;
    // Its times are read once the turn has come, as every change's are.
    let tx = db::begin_write(&state.pool).await?;
    let mut batch = Batch::default();
    queue_verification(&mut batch, state, user, &email);
    tx.commit_with(batch).await?;
    state.mail.wake();
    Ok(())
}

/// Checks credentials. Failures never say whether the email has an account,
/// and are rate limited per email and per client.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    client: &str,
) -> Result<User, AppError> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
    let window = state.config.rate_window;
    // The client first: a client over its own limit is refused before it can
    // spend the allowance of an address, so it cannot lock others out.
    rate_limit::hit(
        &state.pool,
        &format!("sign-in-client:{client}"),
        state.config.sign_in_limit.saturating_mul(10),
        window,
    )
    .await?;
    let email_key = format!("sign-in:{email}");
    rate_limit::hit(&state.pool, &email_key, state.config.sign_in_limit, window).await?;
    // An account made through a provider has no password: it fails like a wrong one.
    let row: Option<(Uuid, Option<String>)> =
        sqlx::query_as("SELECT u.id, p.hash FROM users u LEFT JOIN passwords p ON p.user_id = u.id WHERE u.email = $1")
            .bind(email.as_str())
            .fetch_optional(&state.pool)
            .await?;
    let (id, stored) = match row {
        Some((id, hash)) => (Some(id), hash.map(PasswordHashText)),
        None => (None, None),
    };
    // Bounded so a huge password cannot buy lots of hashing work.
    let candidate: String = password
        .chars()
        .take(crate::domain::password::MAX_PASSWORD_CHARS)
        .collect();
    if !password::verify(candidate, stored).await? {
        return Err(AppError::WrongCredentials);
    }
    // The person is signed in either way; a failed reset only leaves the
    // window's earlier misses counted.
    if let Err(err) = rate_limit::reset(&state.pool, &email_key).await {
        tracing::warn!(error = %err, "could not reset the sign-in allowance");
    }
    let id = id.ok_or(AppError::WrongCredentials)?;
    find(&state.pool, id)
        .await?
        .ok_or(AppError::WrongCredentials)
}

/// Marks the address of a verification link verified; returns that address.
pub async fn verify_email(pool: &Pool, secret: &str) -> Result<Email, AppError> {
    let gone = || AppError::NotFound("This verification link".into());
    let mut tx = db::begin_write(pool).await?;
    let (user_id, email, expires_at, used): (Uuid, String, DateTime<Utc>, bool) = sqlx::query_as(
        "SELECT user_id, email, expires_at, used_at IS NOT NULL FROM email_verifications WHERE token_hash = $1",
    )
    .bind(hash_secret(secret))
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(gone)?;
    if used {
        return Err(AppError::Conflict(
            "This link was already used; your email is verified.".into(),
        ));
    }
    if expires_at <= Utc::now() {
        return Err(AppError::Conflict(
            "This verification link has expired. Sign in and ask for a new one.".into(),
        ));
    }
    let now = Utc::now();
    sqlx::query("UPDATE email_verifications SET used_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(hash_secret(secret))
        .execute(&mut *tx)
        .await?;
    let mut batch = Batch::default();
    mark_verified(&mut batch, user_id, &email);
    batch.run(&mut tx).await?;
    tx.commit().await?;
    Email::parse(&email).map_err(|_| AppError::Internal)
}

/// Records, in `batch`, that `user` proved they receive mail at `email`.
pub fn mark_verified(batch: &mut Batch, user: Uuid, email: &str) {
    batch
        .push("UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1) WHERE id = $2 AND email = $3")
        .bind(Utc::now())
        .bind(user)
        .bind(email.to_owned());
    audit::record_in(batch, None, Some(user), "user.email_verified", email, "");
}

/// Records the organization the console opens on.
const OPEN_ON: &str = "UPDATE users SET active_org_id = $1 WHERE id = $2";

/// Makes `org` the organization the console opens on for `user`, in
/// `batch`, with the change that joined or created it. Kept with the user, not in the
/// session: the session would be saved in a write of its own after the
/// change, and it is gone at sign-out.
pub fn open_on(batch: &mut Batch, user: Uuid, org: Uuid) {
    batch.push(OPEN_ON).bind(org).bind(user);
}

/// [`open_on`] as a change of its own (switching organizations, arriving
/// through single sign-on), written only when it changes anything.
pub async fn switch_to(pool: &Pool, user: &User, org: Uuid) -> Result<(), AppError> {
    if user.active_org_id == Some(org) {
        return Ok(());
    }
    db::write(pool, sqlx::query(OPEN_ON).bind(org).bind(user.id)).await?;
    Ok(())
}
