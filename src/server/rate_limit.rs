//! Fixed-window rate limits kept in the database, keyed by what is being
//! limited, so every process over one database shares each allowance.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use crate::error::AppError;
use crate::server::db::{self, Batch, Pool};

/// Records one hit for `key`; refuses it when `limit` hits already fell in
/// the key's current `window` (every caller of one key uses the same window).
///
/// Hits are taken from the database a few at a time (see [`batch`]) and
/// the spares kept in this process, so a busy API key writes once in
/// dozens of calls, not on every call. Taking hits is one statement (run in
/// this process's turn at the write lock, see [`db::writer`]), so hits from
/// any number of processes never pass the limit together; a replica's
/// unused spares at most refuse a few hits early elsewhere. A key already
/// spent is refused from a read, so a flood of refused calls takes no turn
/// at the write lock.
pub async fn hit(pool: &Pool, key: &str, limit: u32, window: Duration) -> Result<(), AppError> {
    let now = Utc::now().timestamp_millis();
    let spares = Spares::of(pool, key);
    if spares.take_one(now) {
        return Ok(());
    }
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
    let (granted, window_ends) = take(&db::writer(pool), key, limit, window, batch(limit)).await?;
    spares.keep(granted - 1, window_ends);
    Ok(())
}

/// How many hits one trip to the database takes for a key limited to
/// `limit`: one for small limits (sign-ins, links), so those stay exact
/// across replicas; up to 64 for large ones (API keys).
fn batch(limit: u32) -> u32 {
    (limit / 32).clamp(1, 64)
}

/// The hits this process took for one key and has not used yet.
struct Spares {
    name: String,
}

/// Spare hits by database and key, with the end of the window they count in.
static SPARES: LazyLock<Mutex<HashMap<String, (u32, i64)>>> = LazyLock::new(Default::default);

impl Spares {
    fn of(pool: &Pool, key: &str) -> Self {
        Self {
            name: format!("{}\n{key}", db::database_name(pool)),
        }
    }

    fn table() -> std::sync::MutexGuard<'static, HashMap<String, (u32, i64)>> {
        SPARES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Uses one spare hit if this process holds one in a window still open.
    fn take_one(&self, now: i64) -> bool {
        let mut table = Self::table();
        match table.get_mut(&self.name) {
            Some((left, ends)) if *ends > now && *left > 0 => {
                *left -= 1;
                true
            }
            Some(_) => {
                table.remove(&self.name);
                false
            }
            None => false,
        }
    }

    /// Keeps `left` spare hits of the window ending at `window_ends`, beside
    /// those a concurrent call took for the same window.
    fn keep(&self, left: u32, window_ends: i64) {
        if left == 0 {
            return;
        }
        let mut table = Self::table();
        let spares = table.entry(self.name.clone()).or_insert((0, window_ends));
        if spares.1 != window_ends {
            *spares = (0, window_ends);
        }
        spares.0 = spares.0.saturating_add(left);
    }

    fn forget(&self) {
        Self::table().remove(&self.name);
    }

    /// Drops every spare of a window that has ended.
    fn forget_ended(now: i64) {
        Self::table().retain(|_, (_, ends)| *ends > now);
    }
}

/// An allowance kept in the database: at most `limit` hits on `key` in each
/// `window`, counted inside the write transaction of the change it limits,
/// so a refused change rolls its hit back with it.
pub struct Limit {
    key: String,
    limit: u32,
    window: Duration,
}

impl Limit {
    pub fn new(key: String, limit: u32, window: Duration) -> Self {
        Self { key, limit, window }
    }

    /// Opens a write transaction whose first statement records one hit,
    /// sent with its BEGIN in one trip.
    pub async fn begin_write(&self, pool: &Pool) -> Result<db::WriteTx, AppError> {
        let mut now = Utc::now();
        let (tx, counted) = db::begin_write_with::<Counted>(pool, |first| {
            now = Utc::now();
            push_hits(first, HIT_ANSWERED, &self.key, self.window, now, 1);
        })
        .await?;
        self.check(counted.ok_or(AppError::Internal)?, now)?;
        Ok(tx)
    }

    /// Records one hit at `now` in a statement of `batch` that yields
    /// nothing, so the batch can go on; a read after it in the same
    /// transaction answers the key's [`Counted`] (see [`Self::columns`]),
    /// for [`Self::check`].
    pub fn push_hit(&self, batch: &mut Batch, now: DateTime<Utc>) {
        push_hits(batch, HIT, &self.key, self.window, now, 1);
    }

    /// The key's [`Counted`] as columns of a read, the key bound to the
    /// placeholder `key`.
    pub fn columns(key: &str) -> String {
        format!(
            "(SELECT hits FROM rate_limits WHERE key = {key}) AS hits,
             (SELECT window_ends FROM rate_limits WHERE key = {key}) AS window_ends"
        )
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// Refuses the hit just taken at `now` if it falls beyond the limit.
    pub fn check(&self, counted: Counted, now: DateTime<Utc>) -> Result<(), AppError> {
        counted
            .granted(self.limit, 1, now.timestamp_millis())
            .map(|_| ())
    }
}

/// Records `wanted` hits for `key` through `writer` in one statement (see
/// [`push_hits`]); answers how many of them fall within the limit (at least
/// one, or the refusal) and when the window ends.
async fn take(
    writer: &Pool,
    key: &str,
    limit: u32,
    window: Duration,
    wanted: u32,
) -> Result<(u32, i64), AppError> {
    let now = Utc::now();
    let mut batch = Batch::default();
    push_hits(&mut batch, HIT_ANSWERED, key, window, now, wanted);
    let counted: Option<Counted> = batch.fetch_optional(&mut *writer.acquire().await?).await?;
    counted
        .ok_or(AppError::Internal)?
        .granted(limit, wanted, now.timestamp_millis())
}

/// The statement that records `$4` hits for key `$1` at `$3` (ms), starting
/// a new window ending at `$2` when the last one ended. A macro, so the
/// variant that answers is a literal too: the statements of a write turn
/// are built while every writer behind it waits.
macro_rules! hit {
    () => {
        "INSERT INTO rate_limits (key, window_ends, hits) VALUES ($1, $2, $4)
         ON CONFLICT (key) DO UPDATE SET
             hits = CASE WHEN rate_limits.window_ends <= $3 THEN $4 ELSE rate_limits.hits + $4 END,
             window_ends = CASE WHEN rate_limits.window_ends <= $3 THEN $2 ELSE rate_limits.window_ends END"
    };
}

/// A hit that yields nothing, so a batch can go on after it.
const HIT: &str = hit!();

/// A hit that yields what is judged at once: the key's [`Counted`].
const HIT_ANSWERED: &str = concat!(hit!(), " RETURNING hits, window_ends");

/// Records `wanted` hits for `key` at `now` by `sql` ([`HIT`] or
/// [`HIT_ANSWERED`]) in a statement of `batch`.
fn push_hits(
    batch: &mut Batch,
    sql: &str,
    key: &str,
    window: Duration,
    now: DateTime<Utc>,
    wanted: u32,
) {
    let now = now.timestamp_millis();
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    batch
        .push(sql)
        .bind(key.to_owned())
        .bind(now.saturating_add(window_ms))
        .bind(now)
        .bind(i64::from(wanted));
}

/// A key's hits in its window, the ones just taken included, and when the
/// window ends (ms).
#[derive(sqlx::FromRow)]
pub struct Counted {
    hits: i64,
    window_ends: i64,
}

impl Counted {
    /// How many of the `wanted` hits just taken fall within `limit` (at
    /// least one, or the refusal) and when the window ends.
    fn granted(self, limit: u32, wanted: u32, now: i64) -> Result<(u32, i64), AppError> {
        let before = self.hits - i64::from(wanted);
        let granted = (i64::from(limit) - before).min(i64::from(wanted));
        if granted < 1 {
            return Err(refusal(self.window_ends, now));
        }
        Ok((u32::try_from(granted).unwrap_or(1), self.window_ends))
    }
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
    Spares::of(pool, key).forget();
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
    Spares::forget_ended(now);
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

    /// A spent key is refused while a writer holds the write lock (and this
    /// process's turn at it): the refusal is read, not written, so it never
    /// waits for either.
    #[tokio::test]
    async fn a_spent_key_is_refused_without_writing() {
        let (pool, other, _scratch) = two_replicas("spent").await;
        hit(&pool, "k", 1, MINUTE).await.unwrap();
        let writer = db::begin_write(&other).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(2), hit(&pool, "k", 1, MINUTE))
            .await
            .expect("answered without waiting for the write lock");
        assert!(refused(answer));
        writer.rollback();
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
            tokio::spawn(async move {
                take(&pool, "sign-in:a@example.com", 10, MINUTE, 1)
                    .await
                    .map(|_| ())
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
    }

    /// The hits the database holds for `key`.
    async fn recorded(pool: &Pool, key: &str) -> i64 {
        sqlx::query_scalar("SELECT hits FROM rate_limits WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await
            .unwrap()
            .unwrap_or(0)
    }

    /// A large allowance is taken ten hits at a time: ten calls, one write.
    /// The spares belong to one database, and a reset drops them.
    #[tokio::test]
    async fn a_large_allowance_is_taken_a_few_at_a_time() {
        let (pool, _, _scratch) = two_replicas("batched").await;
        let elsewhere = db::Scratch::new("batched-elsewhere").await;
        let elsewhere = db::connect(&elsewhere.url).await.unwrap();
        assert_eq!(batch(320), 10);
        for _ in 0..10 {
            hit(&pool, "api-key:k", 320, MINUTE).await.unwrap();
        }
        assert_eq!(recorded(&pool, "api-key:k").await, 10);
        hit(&pool, "api-key:k", 320, MINUTE).await.unwrap();
        assert_eq!(recorded(&pool, "api-key:k").await, 20);
        hit(&elsewhere, "api-key:k", 320, MINUTE).await.unwrap();
        assert_eq!(recorded(&elsewhere, "api-key:k").await, 10);
        reset(&pool, "api-key:k").await.unwrap();
        hit(&pool, "api-key:k", 320, MINUTE).await.unwrap();
        assert_eq!(recorded(&pool, "api-key:k").await, 10);
    }

    /// Two calls that both found no spare each take a batch; neither
    /// batch's spares is lost, so the next 18 calls write nothing.
    #[tokio::test]
    async fn concurrent_calls_keep_both_batches_of_spares() {
        let (pool, _, _scratch) = two_replicas("both-batches").await;
        let (a, b) = tokio::join!(
            hit(&pool, "api-key:k", 320, MINUTE),
            hit(&pool, "api-key:k", 320, MINUTE)
        );
        a.unwrap();
        b.unwrap();
        assert_eq!(recorded(&pool, "api-key:k").await, 20);
        for _ in 0..18 {
            hit(&pool, "api-key:k", 320, MINUTE).await.unwrap();
        }
        assert_eq!(recorded(&pool, "api-key:k").await, 20);
    }

    /// Two replicas taking a large allowance a few hits at a time, in turn:
    /// never more than the limit passes, and at most each one's unused
    /// spares short of it.
    #[tokio::test]
    async fn replicas_taking_hits_in_batches_never_pass_the_limit() {
        let (first, second, _scratch) = two_replicas("batched-shared").await;
        let limit = 96;
        let spares = batch(limit) - 1;
        assert_eq!(spares, 2);
        let mut passed = 0;
        for n in 0..200 {
            let pool = if n % 3 == 0 { &second } else { &first };
            match hit(pool, "api-key:shared", limit, MINUTE).await {
                Ok(()) => passed += 1,
                Err(AppError::RateLimited { .. }) => {}
                Err(other) => panic!("{other:?}"),
            }
        }
        assert!(
            (limit - 2 * spares..=limit).contains(&passed),
            "{passed} of {limit} passed"
        );
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
