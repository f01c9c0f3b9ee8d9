//! Password reset by mail, with the token rules of email verification.
//! Completing a reset proves the mailbox, so it also claims an account that
//! someone else signed up with this address and never confirmed.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::accounts::{self, mark_verified};
use super::actor::User;
use super::mail::{enqueue_in, templates};
use super::state::AppState;
use super::token::{hash_secret, SecretToken};
use super::{audit, db, password, rate_limit};
use crate::domain::password::check_new_password;
use crate::domain::Email;
use crate::error::AppError;
use crate::server::db::{Batch, Conn, Pool};

/// How long a reset link stays valid: short, since it hands over the account.
const RESET_TTL: Duration = Duration::hours(1);

/// Reset mails one address may be sent per rate-limit window, so the form
/// cannot be used to flood someone's mailbox.
const RESETS_PER_ADDRESS: u32 = 3;

/// Why a reset link no longer works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeadLink {
    Used,
    Replaced,
    Expired,
}

impl DeadLink {
    /// What happened to the link and what to do now.
    fn explain(self) -> &'static str {
        match self {
            Self::Used => "This link was already used to set a new password. If you need to change it again, ask for a new link.",
            Self::Replaced => "A newer reset link was sent to this address, so this one no longer works. Use the link in the most recent email, or ask for a new one.",
            Self::Expired => "This reset link has expired (links work for one hour). Ask for a new one.",
        }
    }
}

/// A stored reset link.
#[derive(sqlx::FromRow)]
struct LinkRow {
    user_id: Uuid,
    email: String,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    replaced_at: Option<DateTime<Utc>>,
}

impl LinkRow {
    /// Why the link is dead at `now`, if it is.
    fn dead_at(&self, now: DateTime<Utc>) -> Option<DeadLink> {
        if self.used_at.is_some() {
            Some(DeadLink::Used)
        } else if self.replaced_at.is_some() {
            Some(DeadLink::Replaced)
        } else if self.expires_at <= now {
            Some(DeadLink::Expired)
        } else {
            None
        }
    }
}

/// A reset link that still works: whose account, and the address it was mailed to.
struct LiveLink {
    user_id: Uuid,
    email: String,
}

/// Finds the link behind `secret` and refuses it unless it still works.
async fn live_link(
    conn: &mut Conn,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<LiveLink, AppError> {
    let row: LinkRow = sqlx::query_as(
        "SELECT user_id, email, expires_at, used_at, replaced_at FROM password_resets WHERE token_hash = $1",
    )
    .bind(hash_secret(secret))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::NotFound("This password reset link".into()))?;
    match row.dead_at(now) {
        Some(dead) => Err(AppError::Conflict(dead.explain().into())),
        None => Ok(LiveLink {
            user_id: row.user_id,
            email: row.email,
        }),
    }
}

/// Mails a reset link to `email` if an account has that address. The answer
/// is the same either way, and the limits (per client, per address) are
/// counted before anything is looked up, so neither reveals an account.
pub async fn request(state: &AppState, email: &str, client: &str) -> Result<(), AppError> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
    let window = state.config.rate_window;
    rate_limit::hit(
        &state.pool,
        &format!("reset-client:{client}"),
        state.config.sign_in_limit,
        window,
    )
    .await?;
    rate_limit::hit(
        &state.pool,
        &format!("reset:{email}"),
        RESETS_PER_ADDRESS,
        window,
    )
    .await?;
    // Both paths take the write lock, so timing says little about which ran.
    let mut tx = db::begin_write(&state.pool).await?;
    let user: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    let mut batch = Batch::default();
    if let Some(user) = user {
        issue(&mut batch, state, user, &email);
    }
    tx.commit_with(batch).await?;
    state.mail.wake();
    Ok(())
}

/// Replaces `user`'s earlier links with a new one and queues its mail.
fn issue(batch: &mut Batch, state: &AppState, user: Uuid, email: &Email) {
    let now = Utc::now();
    batch
        .push("UPDATE password_resets SET replaced_at = $1 WHERE user_id = $2 AND used_at IS NULL AND replaced_at IS NULL")
        .bind(now)
        .bind(user);
    let token = SecretToken::generate();
    batch
        .push("INSERT INTO password_resets (token_hash, user_id, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token.hash.clone())
        .bind(user)
        .bind(email.as_str().to_owned())
        .bind(now)
        .bind(now + RESET_TTL);
    let link = state
        .config
        .link(&format!("/reset-password/{}", token.secret));
    enqueue_in(batch, templates::password_reset(email, &link));
    audit::record_in(
        batch,
        None,
        None,
        "user.password_reset_requested",
        email.as_str(),
        "",
    );
}

/// The address a working reset link is for, for its page.
pub async fn preview(pool: &Pool, secret: &str) -> Result<String, AppError> {
    let mut conn = pool.acquire().await?;
    Ok(live_link(&mut conn, secret, Utc::now()).await?.email)
}

/// Sets a new password through a working link and returns the account to sign
/// in. The link came by mail, so the address counts as verified; every
/// earlier session of the account ends, including a squatter's.
pub async fn complete(pool: &Pool, secret: &str, new_password: &str) -> Result<User, AppError> {
    check_new_password(new_password).map_err(|e| AppError::invalid("password", e))?;
    let hash = password::hash(new_password.to_owned()).await?;
    let now = Utc::now();
    let mut tx = db::begin_write(pool).await?;
    let link = live_link(&mut tx, secret, now).await?;
    sqlx::query("UPDATE password_resets SET used_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(hash_secret(secret))
        .execute(&mut *tx)
        .await?;
    // Sets the password, or the first one of an account made through a provider.
    sqlx::query(
        "INSERT INTO passwords (user_id, hash, changed_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at",
    )
    .bind(link.user_id)
    .bind(&hash.0)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE users SET sessions_valid_after = $1 WHERE id = $2")
        .bind(now)
        .bind(link.user_id)
        .execute(&mut *tx)
        .await?;
    let mut batch = Batch::default();
    mark_verified(&mut batch, link.user_id, &link.email);
    audit::record_in(
        &mut batch,
        None,
        Some(link.user_id),
        "user.password_reset",
        &link.email,
        "",
    );
    batch.run(&mut tx).await?;
    tx.commit().await?;
    accounts::find(pool, link.user_id)
        .await?
        .ok_or(AppError::Internal)
}
