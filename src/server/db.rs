//! The SQLite pool: WAL, foreign keys and secure delete on, migrations applied at start-up.

use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteQueryResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};
use uuid::Uuid;

use crate::error::AppError;

/// The database the console runs on. Stores name it, its pool and its
/// connection through these, so the backend is chosen in this one place.
pub type Db = Sqlite;
pub type Pool = SqlitePool;
pub type Conn = SqliteConnection;

/// Opens (creating if needed) the database at `url` and migrates it.
pub async fn connect(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // Zero deleted and overwritten content, so a blanked mail body (with
        // its link secret) leaves no readable copy in the page it lived in.
        .pragma("secure_delete", "ON")
        // Pages read through a memory map, not a read() call each, and a
        // larger page cache per connection.
        .pragma("mmap_size", "268435456")
        .pragma("cache_size", "-16384")
        .busy_timeout(BUSY_TIMEOUT);
    let file = on_disk(url, &options);
    if let Some(dir) = file.as_deref().and_then(Path::parent) {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
        }
    }
    // Held from creating the file to the last migration: a new file's switch
    // to WAL is refused while another process holds it open.
    let _starting = match &file {
        Some(file) => Some(start_up_lock(file).await?),
        None => None,
    };
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    sqlx::migrate!().run(&pool).await?;
    Ok(pool)
}

/// The database's file, or `None` for an in-memory database.
fn on_disk(url: &str, options: &SqliteConnectOptions) -> Option<PathBuf> {
    let name = options.get_filename();
    let memory = url.contains("mode=memory")
        || name
            .to_str()
            .is_some_and(|name| name.starts_with("file:sqlx-in-memory"));
    (!memory && !name.as_os_str().is_empty()).then(|| name.to_path_buf())
}

/// An exclusive lock on a file beside the database, held while opening and
/// migrating it: sqlx takes no lock of its own on SQLite, and two processes
/// starting at once would both apply a migration, the second failing on what
/// the first created. Released when dropped, or by the system if the
/// process dies.
async fn start_up_lock(database: &Path) -> Result<std::fs::File, sqlx::Error> {
    let mut name = database.as_os_str().to_owned();
    name.push(".migrations.lock");
    tokio::task::spawn_blocking(move || {
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&name)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                tracing::info!(lock = ?name, "waiting for another process to finish migrating");
                lock.lock()?;
            }
            Err(std::fs::TryLockError::Error(err)) => return Err(err),
        }
        Ok(lock)
    })
    .await
    .map_err(|err| sqlx::Error::Io(std::io::Error::other(err)))?
    .map_err(sqlx::Error::Io)
}

/// How long a writer waits for its turn before the request fails, as the
/// busy timeout bounds a wait for the lock itself.
const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a statement waits for a lock another process holds.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest a write can wait before it runs or fails: its turn in this
/// process, then the lock behind other processes.
pub const LONGEST_WRITE_WAIT: Duration = WRITE_TURN_TIMEOUT.saturating_add(BUSY_TIMEOUT);

/// A write transaction together with this process's turn at the database's
/// single write lock; the turn passes on when it commits or rolls back.
pub struct WriteTx {
    /// Both are `Some` until `commit`, `rollback` or drop takes them.
    tx: Option<sqlx::Transaction<'static, Sqlite>>,
    turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let done = self.open().commit().await;
        self.turn.take();
        done
    }

    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        let done = self.open().rollback().await;
        self.turn.take();
        done
    }

    fn open(&mut self) -> sqlx::Transaction<'static, Sqlite> {
        self.tx
            .take()
            .expect("a WriteTx is open until it is consumed")
    }
}

impl Drop for WriteTx {
    /// Dropped open (a refused change, a cancelled request): sqlx only queues
    /// the ROLLBACK, so the turn is held until it has run; otherwise the next
    /// writer would find the lock taken and sleep in the busy handler.
    fn drop(&mut self) {
        let (Some(tx), Some(turn)) = (self.tx.take(), self.turn.take()) else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = tx.rollback().await;
                drop(turn);
            });
        }
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.tx
            .as_ref()
            .expect("a WriteTx is open until it is consumed")
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.tx
            .as_mut()
            .expect("a WriteTx is open until it is consumed")
    }
}

/// One queue of writers per database file in this process.
fn write_turns(pool: &SqlitePool) -> Arc<Mutex<()>> {
    static TURNS: LazyLock<std::sync::Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> =
        LazyLock::new(Default::default);
    let file = pool.connect_options().get_filename().to_path_buf();
    TURNS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(file)
        .or_default()
        .clone()
}

/// Opens a write transaction that takes SQLite's write lock at once
/// (`BEGIN IMMEDIATE`), so read-check-write sequences cannot interleave.
///
/// Writers first queue for their turn in process, in arrival order. Left to
/// SQLite, eight writers contending for the lock sleep in its busy handler
/// (1, 2, 5 ... 100 ms) and wake to find it taken again: p99 of an
/// invitation over HTTP was 430 ms at eight clients for 2 ms of work.
pub async fn begin_write(pool: &SqlitePool) -> Result<WriteTx, sqlx::Error> {
    let turn = take_turn(pool).await?;
    let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    Ok(WriteTx {
        tx: Some(tx),
        turn: Some(turn),
    })
}

/// This process's turn at the database's write lock, waited for in arrival order.
pub async fn take_turn(pool: &SqlitePool) -> Result<OwnedMutexGuard<()>, sqlx::Error> {
    tokio::time::timeout(WRITE_TURN_TIMEOUT, write_turns(pool).lock_owned())
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)
}

/// Runs one write statement in this process's turn at the write lock (see
/// [`begin_write`]), so it does not sleep in SQLite's busy handler. A lone
/// write statement takes the lock when it starts, as `BEGIN IMMEDIATE`
/// would, so it needs no transaction around it: one round trip, not three.
pub async fn write<'q>(
    pool: &SqlitePool,
    statement: Query<'q, Sqlite, SqliteArguments<'q>>,
) -> Result<SqliteQueryResult, sqlx::Error> {
    let _turn = take_turn(pool).await?;
    statement.execute(pool).await
}

/// Checkpoints the WAL into the database file and empties it, in a writer's
/// turn: the checkpoint holds the write lock, and writers queued behind it
/// would otherwise sleep in the busy handler. Answers SQLite's
/// (busy, frames in the WAL, frames checkpointed).
pub async fn truncate_wal(pool: &SqlitePool) -> Result<(i64, i64, i64), sqlx::Error> {
    let _turn = take_turn(pool).await?;
    sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(pool)
        .await
}

/// Whether the database answers a trivial query within two seconds.
pub async fn ping(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query("SELECT 1").execute(pool),
    )
    .await
    .map_err(|_| sqlx::Error::PoolTimedOut)??;
    Ok(())
}

/// A keyset-paging cursor: the id and sort key of the last row of a page.
pub fn encode_cursor(key: &str, id: Uuid) -> String {
    format!("{id}.{key}")
}

/// The sort key and id in a cursor from [`encode_cursor`]; empty for the
/// first page, a field error on `after` for anything else.
pub fn parse_cursor(after: &str) -> Result<Option<(String, Uuid)>, AppError> {
    let after = after.trim();
    if after.is_empty() {
        return Ok(None);
    }
    after
        .split_once('.')
        .and_then(|(id, key)| Some((key.to_owned(), id.parse().ok()?)))
        .map(Some)
        .ok_or_else(|| {
            AppError::invalid(
                "after",
                "This page link is out of date. Start from the first page.",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writers on one database file, from any pool over it, get their turns
    /// in the order they asked, not whenever a busy-handler sleep ends.
    #[tokio::test]
    async fn writers_take_turns_in_arrival_order() {
        let dir = std::env::temp_dir().join(format!("gatehouse-turns-{}", Uuid::new_v4()));
        let url = format!("sqlite://{}/turns.db", dir.display());
        let (first, second) = (connect(&url).await.unwrap(), connect(&url).await.unwrap());
        let held = begin_write(&first).await.unwrap();
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for (n, pool) in [first.clone(), second.clone(), first.clone()]
            .into_iter()
            .enumerate()
        {
            let order = order.clone();
            waiting.push(tokio::spawn(async move {
                let tx = begin_write(&pool).await.unwrap();
                order.lock().unwrap().push(n);
                tx.commit().await.unwrap();
            }));
            // Let this writer queue before the next one asks.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            order.lock().unwrap().is_empty(),
            "nobody writes during another's turn"
        );
        held.commit().await.unwrap();
        for writer in waiting {
            writer.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2]);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Processes starting at once over a new file: one applies the
    /// migrations, the others find them applied.
    #[tokio::test]
    async fn processes_starting_together_migrate_once() {
        let dir = std::env::temp_dir().join(format!("gatehouse-turns-{}", Uuid::new_v4()));
        let url = format!("sqlite://{}/together.db", dir.display());
        let starts = (0..4).map(|_| {
            let url = url.clone();
            tokio::spawn(async move { connect(&url).await.map(|_| ()) })
        });
        for start in starts.collect::<Vec<_>>() {
            start.await.unwrap().unwrap();
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A transaction dropped open is rolled back before the next writer's
    /// turn, from whichever pool it asks.
    #[tokio::test]
    async fn a_dropped_write_is_undone_before_the_next_turn() {
        let dir = std::env::temp_dir().join(format!("gatehouse-turns-{}", Uuid::new_v4()));
        let url = format!("sqlite://{}/dropped.db", dir.display());
        let (first, second) = (connect(&url).await.unwrap(), connect(&url).await.unwrap());
        let mut tx = begin_write(&first).await.unwrap();
        sqlx::query("CREATE TABLE dropped (n INTEGER)")
            .execute(&mut *tx)
            .await
            .unwrap();
        drop(tx);
        let mut next = begin_write(&second).await.unwrap();
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'dropped'")
                .fetch_one(&mut *next)
                .await
                .unwrap();
        next.commit().await.unwrap();
        assert_eq!(left, 0);
        let _ = std::fs::remove_dir_all(dir);
    }
}
