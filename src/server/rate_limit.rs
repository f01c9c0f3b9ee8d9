//! Fixed-window rate limits kept in the database, keyed by what is being
//! limited, so every process over one database shares each allowance.

use chrono::Utc;
use std::time::Duration;

use crate::error::AppError;
use crate::server::db::{self, Conn, Db, Pool};

/// Records one hit for `key`; refuses it when `limit` hits already fell in
/// the key's current `window` (every caller of one key uses the same window).
///
/// Counting, starting a new window and reading the result are one statement
/// (run in this process's turn at the write lock, see [`db::write`]), so
/// hits from any number of processes never pass the limit together. A key
/// already spent is refused from a read, so a flood of refused calls takes
/// no turn at the write lock.
pub async fn hit(pool: &Pool, key: &str, limit: u32, window: Duration) -> Result<(), AppError> {
    let now = Utc::now().timestamp_millis();
    let spent: Option<i64> = sqlx::query_scalar(
        "SELECT window_ends FROM rate_limits WHERE key = $1 AND window_ends > $2 AND hits >= $3",
    )
    .bind(key)
    .bind(now)
    .bind(i64::from(limit))
    .fetch_optional(pool)
    .await?;
    if let Some(window_ends) = spent {
        return Err(refusal(window_ends, now));
    }
    let _turn = db::take_turn(pool).await?;
    count(pool, key, limit, window).await
}

/// [`hit`] inside a write transaction the caller holds: one statement more
/// in a turn already taken. A refused change rolls its hit back with it.
pub async fn hit_in(
    tx: &mut Conn,
    key: &str,
    limit: u32,
    window: Duration,
) -> Result<(), AppError> {
    count(tx, key, limit, window).await
}

async fn count<'e>(
    executor: impl sqlx::Executor<'e, Database = Db>,
    key: &str,
    limit: u32,
    window: Duration,
) -> Result<(), AppError> {
    let now = Utc::now().timestamp_millis();
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    let (hits, window_ends): (i64, i64) = sqlx::query_as(
        "INSERT INTO rate_limits (key, window_ends, hits) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
             hits = CASE WHEN rate_limits.window_ends <= $3 THEN 1 ELSE rate_limits.hits + 1 END,
             window_ends = CASE WHEN rate_limits.window_ends <= $3 THEN $2 ELSE rate_limits.window_ends END
         RETURNING hits, window_ends",
    )
    .bind(key)
    .bind(now.saturating_add(window_ms))
    .bind(now)
    .fetch_one(executor)
    .await?;
    if hits > i64::from(limit) {
        return Err(refusal(window_ends, now));
    }
    Ok(())
}

/// The refusal of a hit in a window ending at `window_ends` (ms), at `now`.
fn refusal(window_ends: i64, now: i64) -> AppError {
    let left_ms = u64::try_from(window_ends - now).unwrap_or(0);
    AppError::RateLimited {
        retry_after_secs: left_ms.div_ceil(1000).max(1),
    }
}

/// Forgets `key`, e.g. after a successful sign-in.
pub async fn reset(pool: &Pool, key: &str) -> Result<(), AppError> {
    db::write(
        pool,
        sqlx::query("DELETE FROM rate_limits WHERE key = $1").bind(key),
    )
    .await?;
    Ok(())
}

/// Deletes the windows that have ended; one statement, so every replica may
/// run it at once. Answers how many were deleted.
pub async fn purge_ended(pool: &Pool) -> Result<u64, sqlx::Error> {
    let now = Utc::now().timestamp_millis();
    let done = db::write(
        pool,
        sqlx::query("DELETE FROM rate_limits WHERE window_ends <= $1").bind(now),
    )
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two pools over one new database, as two replicas would open it.
    async fn two_replicas(name: &str) -> (Pool, Pool, db::Scratch) {
        let scratch = db::Scratch::new(name).await;
        let first = db::connect(&scratch.url).await.unwrap();
        let second = db::connect(&scratch.url).await.unwrap();
        (first, second, scratch)
    }

    fn refused(result: Result<(), AppError>) -> bool {
        matches!(result, Err(AppError::RateLimited { .. }))
    }

    /// Ends every window now, as time passing would.
    async fn end_windows(pool: &Pool) {
        sqlx::query("UPDATE rate_limits SET window_ends = 0")
            .execute(pool)
            .await
            .unwrap();
    }

    const MINUTE: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn refuses_past_the_limit_then_recovers() {
        let (pool, _, _scratch) = two_replicas("recovers").await;
        for _ in 0..3 {
            hit(&pool, "k", 3, MINUTE).await.unwrap();
        }
        match hit(&pool, "k", 3, MINUTE).await {
            Err(AppError::RateLimited { retry_after_secs }) => {
                assert!((59..=60).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("the fourth hit is refused, got {other:?}"),
        }
        hit(&pool, "other", 3, MINUTE).await.unwrap();
        end_windows(&pool).await;
        hit(&pool, "k", 3, MINUTE).await.unwrap();
        reset(&pool, "k").await.unwrap();
        for _ in 0..3 {
            hit(&pool, "k", 3, MINUTE).await.unwrap();
        }
    }

    /// A spent key is refused while another process holds the write lock:
    /// the refusal is read, not written, so it never waits for the lock.
    #[tokio::test]
    async fn a_spent_key_is_refused_without_writing() {
        let (pool, other, _scratch) = two_replicas("spent").await;
        hit(&pool, "k", 1, MINUTE).await.unwrap();
        let writer = db::begin(&other).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(2), hit(&pool, "k", 1, MINUTE))
            .await
            .expect("answered without waiting for the write lock");
        assert!(refused(answer));
        writer.rollback().await.unwrap();
    }

    /// Forty hits at once, half through each of two pools over one file, as
    /// from two replicas; counted without this process's write turn, so the
    /// two pools meet at SQLite's own lock as two processes would. Exactly
    /// the limit passes.
    #[tokio::test]
    async fn replicas_share_one_allowance() {
        let (first, second, _scratch) = two_replicas("shared").await;
        let hits = (0..40).map(|n| {
            let pool = if n % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move { count(&pool, "sign-in:a@example.com", 10, MINUTE).await })
        });
        let mut passed = 0;
        let mut refusals = 0;
        for joined in hits.collect::<Vec<_>>() {
            let result = joined.await.unwrap();
            if refused(result.clone()) {
                refusals += 1;
            } else {
                result.unwrap();
                passed += 1;
            }
        }
        assert_eq!((passed, refusals), (10, 30));
    }

    #[tokio::test]
    async fn only_ended_windows_are_purged() {
        let (pool, other, _scratch) = two_replicas("purge").await;
        for n in 0..100 {
            hit(&pool, &format!("invented-{n}@example.com"), 10, MINUTE)
                .await
                .unwrap();
        }
        end_windows(&pool).await;
        hit(&pool, "lasting", 1, MINUTE).await.unwrap();
        // Both replicas sweep at once; each window is deleted once.
        let (a, b) = tokio::join!(purge_ended(&pool), purge_ended(&other));
        assert_eq!(a.unwrap() + b.unwrap(), 100);
        assert!(refused(hit(&pool, "lasting", 1, MINUTE).await));
    }
}
