//! Idempotency keys of the JSON API: the first request with a key is
//! answered and its answer kept for a day; a retry with the same key and the
//! same request gets that answer again instead of acting twice.

use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::AppError;
use crate::server::db::{self, Pool};

/// How long an answer is replayed.
const KEPT: Duration = Duration::hours(24);
/// A first request unanswered this long was cut off (its client went away);
/// a retry may take its place.
const ABANDONED: Duration = Duration::minutes(5);

/// A request made idempotent: which key sent it, under which
/// `Idempotency-Key`, and a digest of what it asked.
pub struct Idempotent {
    pub api_key: Uuid,
    pub key: String,
    request_hash: Vec<u8>,
}

impl Idempotent {
    /// Checks the header's value (1 to 255 visible ASCII characters) and
    /// digests the request: its path and body.
    pub fn new(api_key: Uuid, key: &str, path: &str, body: &[u8]) -> Result<Self, AppError> {
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::invalid(
                "Idempotency-Key",
                "Send an Idempotency-Key of 1 to 255 visible ASCII characters, such as a UUID.",
            ));
        }
        let mut digest = Sha256::new();
        digest.update(path.as_bytes());
        digest.update([0]);
        digest.update(body);
        Ok(Self {
            api_key,
            key: key.to_owned(),
            request_hash: digest.finalize().to_vec(),
        })
    }
}

/// A JSON answer, and whether it is the replay of an earlier one.
pub struct Answer {
    pub json: String,
    pub replayed: bool,
}

/// Runs `act` once per key: the first time its answer is kept, later times
/// the kept answer is returned. An error keeps nothing (the services commit
/// nothing when they fail), so a retry runs again. It runs as a task of its
/// own, so a client that goes away cannot stop it between the service's
/// commit and the answer being kept.
pub async fn once<T, F, Fut>(pool: Pool, request: Idempotent, act: F) -> Result<Answer, AppError>
where
    T: Serialize + Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    tokio::spawn(async move { run_once(&pool, &request, act).await })
        .await
        .map_err(|_| AppError::Internal)?
}

async fn run_once<T, F, Fut>(pool: &Pool, request: &Idempotent, act: F) -> Result<Answer, AppError>
where
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let claimed_at = match claim(pool, request).await? {
        Claim::Replay(json) => {
            return Ok(Answer {
                json,
                replayed: true,
            })
        }
        Claim::Taken(at) => at,
    };
    match act().await {
        Ok(value) => {
            let json = serde_json::to_string(&value).map_err(|_| AppError::Internal)?;
            finish(
                pool,
                sqlx::query(
                    "UPDATE idempotent_requests SET status = 200, body = $1 WHERE api_key_id = $2 AND key = $3 AND created_at = $4",
                )
                .bind(&json)
                .bind(request.api_key)
                .bind(&request.key)
                .bind(claimed_at),
            )
            .await?;
            Ok(Answer {
                json,
                replayed: false,
            })
        }
        Err(err) => {
            // Only this claim: a retry may have taken over an abandoned one.
            finish(
                pool,
                sqlx::query(
                    "DELETE FROM idempotent_requests WHERE api_key_id = $1 AND key = $2 AND created_at = $3",
                )
                .bind(request.api_key)
                .bind(&request.key)
                .bind(claimed_at),
            )
            .await?;
            Err(err)
        }
    }
}

/// Records this claim's outcome under the write lock, as its claim was
/// taken: on PostgreSQL a lone statement would not wait for a retry's
/// claim, which could then take over a key whose answer just landed.
async fn finish<'q>(
    pool: &Pool,
    outcome: sqlx::query::Query<'q, db::Db, <db::Db as sqlx::Database>::Arguments<'q>>,
) -> Result<(), AppError> {
    let mut tx = db::begin_write(pool).await?;
    outcome.execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// What a claim found: the answer kept for the key, or the key taken (at
/// this time) for this request.
enum Claim {
    Replay(String),
    Taken(DateTime<Utc>),
}

/// Takes the key for this request, or returns the answer kept for it.
async fn claim(pool: &Pool, request: &Idempotent) -> Result<Claim, AppError> {
    let now = Utc::now();
    let mut tx = db::begin_write(pool).await?;
    // Every key's answers expire, also those of keys no longer used.
    sqlx::query("DELETE FROM idempotent_requests WHERE created_at < $1")
        .bind(now - KEPT)
        .execute(&mut *tx)
        .await?;
    let kept: Option<(Vec<u8>, Option<String>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT request_hash, body, created_at FROM idempotent_requests WHERE api_key_id = $1 AND key = $2",
    )
    .bind(request.api_key)
    .bind(&request.key)
    .fetch_optional(&mut *tx)
    .await?;
    match kept {
        Some((hash, _, _)) if hash != request.request_hash => Err(AppError::invalid(
            "Idempotency-Key",
            "This Idempotency-Key was already used for a different request. Send a new key with a new request.",
        )),
        Some((_, Some(body), _)) => Ok(Claim::Replay(body)),
        Some((_, None, started)) if now - started < ABANDONED => Err(AppError::Conflict(
            "A request with this Idempotency-Key is still being answered. Try again in a moment."
                .into(),
        )),
        _ => {
            sqlx::query(
                "INSERT INTO idempotent_requests (api_key_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (api_key_id, key) DO UPDATE SET created_at = excluded.created_at",
            )
            .bind(request.api_key)
            .bind(&request.key)
            .bind(&request.request_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Claim::Taken(now))
        }
    }
}
