//! The database: SQLite, embedded, by default; PostgreSQL when built with the
//! `postgres` feature, for several replicas over one database. The queries
//! are the same for both; what differs (connecting, taking the write lock,
//! a few SQL spellings) lives in the two backend modules.

use sqlx::query::Query;
use sqlx::{Database, FromRow};
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};
use uuid::Uuid;

use crate::error::AppError;

mod batch;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
pub use postgres::*;
#[cfg(not(feature = "postgres"))]
mod sqlite;
#[cfg(not(feature = "postgres"))]
pub use sqlite::*;

pub use batch::{Batch, Statement};

/// How long a writer waits for its turn in this process before the request fails.
const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest a write can wait before it runs or fails: its turn in this
/// process, then the database's lock behind other processes. On SQLite a
/// change held for a shared COMMIT waits again once its turn has passed
/// on, for at most 10 ms and the change in the turn then (see
/// `sqlite::Group`).
pub const LONGEST_WRITE_WAIT: Duration = WRITE_TURN_TIMEOUT.saturating_add(LOCK_WAIT);

/// This process's turn at the database's write lock. Writers queue for it
/// in arrival order before they take a connection. Left to SQLite, eight
/// writers contending for its lock sleep in its busy handler (1, 2, 5 ...
/// 100 ms) and wake to find it taken again: p99 of an invitation over HTTP
/// was 430 ms at eight clients for 2 ms of work. On PostgreSQL a burst of
/// writes would otherwise hold every pooled connection in a lock wait. On
/// SQLite the turn holds the connection changes are made through, and the
/// transaction changes that have ended wait in for their COMMIT (see
/// `sqlite::Group`).
pub struct Turn {
    writer: OwnedMutexGuard<Writer>,
    queue: Arc<Queue>,
    /// For a writer that ends what this turn leaves held, see [`Drop`].
    pool: Pool,
}

impl Turn {
    /// Whether another writer waits for the turn now, who would end what
    /// this one leaves held.
    #[cfg(not(feature = "postgres"))]
    pub(super) fn others_waiting(&self) -> bool {
        self.queue.waiting.load(Ordering::SeqCst) > 0
    }

    /// Notes whether changes wait in the turn for a later writer's COMMIT,
    /// before [`Self::others_waiting`] is asked: a waiter that gives up
    /// after it was asked then sees it and takes the turn to end them.
    #[cfg(not(feature = "postgres"))]
    pub(super) fn hold_changes(&self, held: bool) {
        self.queue.held.store(held, Ordering::SeqCst);
    }
}

impl Deref for Turn {
    type Target = Writer;
    fn deref(&self) -> &Writer {
        &self.writer
    }
}

impl DerefMut for Turn {
    fn deref_mut(&mut self) -> &mut Writer {
        &mut self.writer
    }
}

impl Drop for Turn {
    /// Changes left waiting for a COMMIT with nobody queued to make it (a
    /// writer gave up, or was cancelled in its turn) are ended by one more.
    fn drop(&mut self) {
        if self.queue.waiting.load(Ordering::SeqCst) == 0 {
            self.queue.commit_held_later(&self.pool);
        }
    }
}

/// One database's queue of writers in this process.
#[derive(Default)]
struct Queue {
    turns: Arc<Mutex<Writer>>,
    /// Writers waiting for their turn.
    waiting: AtomicUsize,
    /// Whether changes wait in the turn for the COMMIT of a writer after them.
    held: AtomicBool,
}

impl Queue {
    /// Takes the turn in a task of its own, which commits the changes
    /// held in it (see [`take_turn`]), if any are.
    fn commit_held_later(&self, pool: &Pool) {
        if !self.held.load(Ordering::SeqCst) {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let pool = pool.clone();
            runtime.spawn(async move {
                if let Err(err) = take_turn(&pool).await {
                    tracing::warn!("held changes wait for the next writer: {err}");
                }
            });
        }
    }
}

/// Counts a writer as waiting until it is served or gives up; the last to
/// give up has the changes held for it committed.
struct Waiting<'q> {
    queue: &'q Queue,
    pool: &'q Pool,
    served: bool,
}

impl<'q> Waiting<'q> {
    fn new(queue: &'q Queue, pool: &'q Pool) -> Self {
        queue.waiting.fetch_add(1, Ordering::SeqCst);
        Self {
            queue,
            pool,
            served: false,
        }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let left = self.queue.waiting.fetch_sub(1, Ordering::SeqCst) - 1;
        if !self.served && left == 0 {
            self.queue.commit_held_later(self.pool);
        }
    }
}

/// This process's turn at the database's write lock, waited for in
/// arrival order. Whatever a writer before left open on its connection is
/// ended first, and the changes waiting in it for a COMMIT are committed
/// (see `ready`): what is written in this turn, through the turn's
/// connection or another, stands alone.
pub async fn take_turn(pool: &Pool) -> Result<Turn, sqlx::Error> {
    ready(wait_for_turn(pool).await?, TurnFor::Writes).await
}

/// What a writer takes the turn for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TurnFor {
    /// A change, which may join the changes held in the turn for one COMMIT.
    Change,
    /// Writes that stand alone (see [`take_turn`]).
    Writes,
}

async fn wait_for_turn(pool: &Pool) -> Result<Turn, sqlx::Error> {
    let local = local(pool);
    let queue = local.queue;
    let mut waiting = Waiting::new(&queue, pool);
    let writer = tokio::time::timeout(WRITE_TURN_TIMEOUT, queue.turns.clone().lock_owned())
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?;
    waiting.served = true;
    drop(waiting);
    Ok(Turn {
        writer,
        queue,
        pool: pool.clone(),
    })
}

/// What this process keeps for one database, whichever pools it opened
/// over it: one queue of writers and, on SQLite, its checkpoint lock and
/// the connection for sessions and rate limits (on PostgreSQL any
/// connection may write).
#[derive(Clone)]
struct Local {
    queue: Arc<Queue>,
    #[cfg(not(feature = "postgres"))]
    backend: BackendLocal,
}

fn local(pool: &Pool) -> Local {
    static DATABASES: LazyLock<std::sync::Mutex<HashMap<String, Local>>> =
        LazyLock::new(Default::default);
    DATABASES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(database_name(pool))
        .or_insert_with(|| Local {
            queue: Arc::default(),
            #[cfg(not(feature = "postgres"))]
            backend: BackendLocal::open(pool),
        })
        .clone()
}

/// A write transaction together with this process's turn at the database's
/// write lock; the turn passes on when it commits, is held for a shared
/// COMMIT, or is rolled back or dropped (a refused change, a cancelled
/// request), once its rollback has run (see `OpenTx::abandon`).
pub struct WriteTx {
    /// Both are `Some` until drop takes them.
    tx: Option<OpenTx>,
    turn: Option<Turn>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.commit_with(Batch::default()).await
    }

    /// Runs `last`, then commits: on SQLite in one trip, or in a later
    /// writer's, waited for here after the turn has passed on to it.
    pub async fn commit_with(mut self, last: Batch) -> Result<(), sqlx::Error> {
        let last = last.into_pending()?;
        let (tx, turn) = self
            .tx
            .take()
            .zip(self.turn.take())
            .expect("a WriteTx holds both until it is dropped");
        tx.commit(turn, last).await?.wait().await
    }

    /// Undoes the change; the turn passes on once it is undone.
    pub fn rollback(self) {
        drop(self);
    }

    fn parts(&mut self) -> (&mut OpenTx, &mut Turn) {
        self.tx
            .as_mut()
            .zip(self.turn.as_mut())
            .expect("a WriteTx holds both until it is dropped")
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if let (Some(tx), Some(turn)) = (self.tx.take(), self.turn.take()) {
            tx.abandon(turn);
        }
    }
}

impl Deref for WriteTx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        let (Some(tx), Some(turn)) = (&self.tx, &self.turn) else {
            unreachable!("a WriteTx holds both until it is dropped");
        };
        tx.conn(turn)
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Conn {
        let (tx, turn) = self.parts();
        tx.conn_mut(turn)
    }
}

/// Opens a write transaction that holds the database's write lock from its
/// first statement, so read-check-write sequences (seats, the last owner,
/// one pending invitation per address) cannot interleave, in this process
/// or another.
pub async fn begin_write(pool: &Pool) -> Result<WriteTx, sqlx::Error> {
    Ok(begin(pool, |_| {}).await?.0)
}

/// [`begin_write`], running the statements `first` pushes in the new
/// transaction and answering the row the last one yields: on SQLite in the
/// same trip as the BEGIN. They are pushed once the writer's turn has come,
/// so a time read there is not behind the changes before it.
pub async fn begin_write_with<T>(
    pool: &Pool,
    first: impl FnOnce(&mut Batch),
) -> Result<(WriteTx, Option<T>), sqlx::Error>
where
    T: for<'r> FromRow<'r, <Db as Database>::Row>,
{
    let (tx, row) = begin(pool, first).await?;
    Ok((tx, row.as_ref().map(T::from_row).transpose()?))
}

async fn begin(
    pool: &Pool,
    first: impl FnOnce(&mut Batch),
) -> Result<(WriteTx, Option<<Db as Database>::Row>), sqlx::Error> {
    // Held by the transaction before its BEGIN is sent, so a writer
    // cancelled while it waits ends what it began (`OpenTx::abandon`).
    let turn = ready(wait_for_turn(pool).await?, TurnFor::Change).await?;
    let mut tx = WriteTx {
        tx: Some(OpenTx::new()),
        turn: Some(turn),
    };
    let (open, turn) = tx.parts();
    let row = open.begin(pool, turn, first).await?;
    Ok((tx, row))
}

/// Runs one write statement in this process's turn at the write lock (see
/// [`begin_write`]). A lone statement is atomic by itself (on SQLite it
/// takes the write lock when it starts; on PostgreSQL it does not need the
/// advisory lock), so it needs no transaction around it: one round trip,
/// not three (after the COMMIT of changes held in the turn, if any).
/// Read-check-write sequences use [`begin_write`], and so does every
/// change to an invitation: an accept or a decline writes its decision
/// trusting the status it read under the lock (see `invitations::link`),
/// which a lone write on PostgreSQL would not wait for.
pub async fn write<'q>(
    pool: &Pool,
    statement: Query<'q, Db, <Db as Database>::Arguments<'q>>,
) -> Result<<Db as Database>::QueryResult, sqlx::Error> {
    let mut turn = take_turn(pool).await?;
    execute_in_turn(pool, &mut turn, statement).await
}

/// Whether the database answers a trivial query within two seconds.
pub async fn ping(pool: &Pool) -> Result<(), sqlx::Error> {
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

/// A database at `scratch` with the migrations before the one named
/// `name` run (its file name after the version, e.g. "search rows"), to
/// hold rows from before it.
#[cfg(test)]
pub async fn migrated_before(scratch: &Scratch, name: &str) -> Pool {
    use sqlx::migrate::Migrator;
    let version = MIGRATOR
        .iter()
        .find(|m| m.description == name)
        .unwrap_or_else(|| panic!("no migration named {name}"))
        .version;
    let pool = scratch.unmigrated().await;
    let before = Migrator {
        migrations: MIGRATOR
            .iter()
            .filter(|m| m.version < version)
            .cloned()
            .collect(),
        ..Migrator::DEFAULT
    };
    before.run(&pool).await.unwrap();
    pool
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writers on one database, from any pool over it, get their turns in
    /// the order they asked, not whenever a busy-handler sleep ends.
    #[tokio::test]
    async fn writers_take_turns_in_arrival_order() {
        let scratch = Scratch::new("turns").await;
        let (first, second) = (
            connect(&scratch.url).await.unwrap(),
            connect(&scratch.url).await.unwrap(),
        );
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
    }

    /// Processes starting at once over a new database: one applies the
    /// migrations, the others find them applied.
    #[tokio::test]
    async fn processes_starting_together_migrate_once() {
        let scratch = Scratch::new("together").await;
        let starts = (0..4).map(|_| {
            let url = scratch.url.clone();
            tokio::spawn(async move { connect(&url).await.map(|_| ()) })
        });
        for start in starts.collect::<Vec<_>>() {
            start.await.unwrap().unwrap();
        }
    }

    /// A transaction dropped open is rolled back before the next writer's
    /// turn, from whichever pool it asks.
    #[tokio::test]
    async fn a_dropped_write_is_undone_before_the_next_turn() {
        let scratch = Scratch::new("dropped").await;
        let (first, second) = (
            connect(&scratch.url).await.unwrap(),
            connect(&scratch.url).await.unwrap(),
        );
        let mut tx = begin_write(&first).await.unwrap();
        sqlx::query("INSERT INTO rate_limits (key, window_ends, hits) VALUES ('dropped', 0, 1)")
            .execute(&mut *tx)
            .await
            .unwrap();
        drop(tx);
        let mut next = begin_write(&second).await.unwrap();
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits WHERE key = 'dropped'")
                .fetch_one(&mut *next)
                .await
                .unwrap();
        next.commit().await.unwrap();
        assert_eq!(left, 0);
    }

    /// Invitations pending before the counter existed are counted in it,
    /// per organization, and the others are not.
    #[tokio::test]
    async fn pending_invitations_are_counted_from_before_the_counter() {
        let scratch = Scratch::new("pending-count").await;
        let pool = migrated_before(&scratch, "pending invitations").await;
        let inviter = uuid::Uuid::new_v4();
        sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, 'ann@acme.io', 'Ann', '2026-12-01')")
            .bind(inviter)
            .execute(&pool)
            .await
            .unwrap();
        let orgs = [
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
        ];
        for (i, org) in orgs.iter().enumerate() {
            sqlx::query("INSERT INTO organizations (id, name, slug, created_at) VALUES ($1, 'Org', $2, '2026-12-01')")
                .bind(org)
                .bind(format!("org-{i}"))
                .execute(&pool)
                .await
                .unwrap();
        }
        let invitations = [
            (orgs[0], "a@x.io", "pending"),
            (orgs[0], "b@x.io", "pending"),
            (orgs[0], "c@x.io", "accepted"),
            (orgs[0], "d@x.io", "revoked"),
            (orgs[1], "a@x.io", "pending"),
            (orgs[1], "e@x.io", "expired"),
        ];
        for (org, email, status) in invitations {
            sqlx::query(
                "INSERT INTO invitations (id, org_id, email, role, invited_by, status, created_at, sent_at, expires_at) \
                 VALUES ($1, $2, $3, 'member', $4, $5, '2026-12-01', '2026-12-01', '2026-12-08')",
            )
            .bind(uuid::Uuid::new_v4())
            .bind(org)
            .bind(email)
            .bind(inviter)
            .bind(status)
            .execute(&pool)
            .await
            .unwrap();
        }
        MIGRATOR.run(&pool).await.unwrap();
        for (org, pending) in orgs.iter().zip([2, 1, 0]) {
            let counted: i64 =
                sqlx::query_scalar("SELECT pending_invitations FROM organizations WHERE id = $1")
                    .bind(org)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            assert_eq!(counted, pending);
        }
        pool.close().await;
    }
}
