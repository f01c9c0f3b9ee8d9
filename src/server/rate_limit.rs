//! Fixed-window rate limits kept in the database, keyed by what is being
//! limited, so every process over one database shares each allowance.

use chrono::Utc;
use sqlx::{SqliteConnection, SqliteExecutor, SqlitePool};
use std::time::Duration;

use super::db;
use crate::error::AppError;

/// Records one hit for `key`; refuses it when `limit` hits already fell in
/// the key's current `window` (every caller of one key uses the same window).
///
/// Counting, starting a new window and reading the result are one statement
/// (run in this process's turn at the write lock, see [`db::write`]), so
/// hits from any number of processes never pass the limit together.
pub async fn hit(
    pool: &SqlitePool,
    key: &str,
    limit: u32,
    window: Duration,
) -> Result<(), AppError> {
    let _turn = db::take_turn(pool).await?;
    count(pool, key, limit, window).await
}

/// [`hit`] inside a write transaction the caller holds: one statement more
/// in a turn already taken. A refused change rolls its hit back with it.
pub async fn hit_in(
    tx: &mut SqliteConnection,
    key: &str,
    limit: u32,
    window: Duration,
) -> Result<(), AppError> {
    count(tx, key, limit, window).await
}

async fn count<'e>(
    executor: impl SqliteExecutor<'e>,
    key: &str,
    limit: u32,
    window: Duration,
) -> Result<(), AppError> {
    let now = Utc::now().timestamp_millis();
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    let (hits, window_ends): (i64, i64) = sqlx::query_as(
        "INSERT INTO rate_limits (key, window_ends, hits) VALUES (?1, ?2, 1)
         ON CONFLICT (key) DO UPDATE SET
             hits = CASE WHEN rate_limits.window_ends <= ?3 THEN 1 ELSE rate_limits.hits + 1 END,
             window_ends = CASE WHEN rate_limits.window_ends <= ?3 THEN ?2 ELSE rate_limits.window_ends END
         RETURNING hits, window_ends",
    )
    .bind(key)
    .bind(now.saturating_add(window_ms))
    .bind(now)
    .fetch_one(executor)
    .await?;
    if hits > i64::from(limit) {
        let left_ms = u64::try_from(window_ends - now).unwrap_or(0);
        return Err(AppError::RateLimited {
            retry_after_secs: left_ms.div_ceil(1000).max(1),
        });
    }
    Ok(())
}

/// Forgets `key`, e.g. after a successful sign-in.
pub async fn reset(pool: &SqlitePool, key: &str) -> Result<(), AppError> {
    db::write(
        pool,
        sqlx::query("DELETE FROM rate_limits WHERE key = ?").bind(key),
    )
    .await?;
    Ok(())
}

/// Deletes the windows that have ended; one statement, so every replica may
/// run it at once. Answers how many were deleted.
pub async fn purge_ended(pool: &SqlitePool) -> Result<u64, sqlx::Error> {
    let now = Utc::now().timestamp_millis();
    let done = db::write(
        pool,
        sqlx::query("DELETE FROM rate_limits WHERE window_ends <= ?").bind(now),
    )
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    /// Two pools over one new database file, as two replicas would open it.
    async fn two_replicas(name: &str) -> (SqlitePool, SqlitePool, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("gatehouse-limits-{}", Uuid::new_v4()));
        let url = format!("sqlite://{}/{name}.db", dir.display());
        let first = db::connect(&url).await.unwrap();
        let second = db::connect(&url).await.unwrap();
        (first, second, dir)
    }

    fn refused(result: Result<(), AppError>) -> bool {
        matches!(result, Err(AppError::RateLimited { .. }))
    }

    #[tokio::test]
    async fn refuses_past_the_limit_then_recovers() {
        let (pool, _, dir) = two_replicas("recovers").await;
        let window = Duration::from_millis(300);
        for _ in 0..3 {
            hit(&pool, "k", 3, window).await.unwrap();
        }
        match hit(&pool, "k", 3, window).await {
            Err(AppError::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 1),
            other => panic!("the fourth hit is refused, got {other:?}"),
        }
        hit(&pool, "other", 3, window).await.unwrap();
        tokio::time::sleep(Duration::from_millis(350)).await;
        hit(&pool, "k", 3, window).await.unwrap();
        reset(&pool, "k").await.unwrap();
        for _ in 0..3 {
            hit(&pool, "k", 3, Duration::from_secs(60)).await.unwrap();
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Forty hits at once, half through each of two pools over one file, as
    /// from two replicas: exactly the limit passes.
    #[tokio::test]
    async fn replicas_share_one_allowance() {
        let (first, second, dir) = two_replicas("shared").await;
        let hits = (0..40).map(|n| {
            let pool = if n % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move {
                hit(&pool, "sign-in:a@example.com", 10, Duration::from_secs(60)).await
            })
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
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn only_ended_windows_are_purged() {
        let (pool, other, dir) = two_replicas("purge").await;
        for n in 0..100 {
            hit(
                &pool,
                &format!("invented-{n}@example.com"),
                10,
                Duration::from_millis(50),
            )
            .await
            .unwrap();
        }
        hit(&pool, "lasting", 1, Duration::from_secs(60))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
        // Both replicas sweep at once; each window is deleted once.
        let (a, b) = tokio::join!(purge_ended(&pool), purge_ended(&other));
        assert_eq!(a.unwrap() + b.unwrap(), 100);
        assert!(refused(
            hit(&pool, "lasting", 1, Duration::from_secs(60)).await
        ));
        let _ = std::fs::remove_dir_all(dir);
    }
}
