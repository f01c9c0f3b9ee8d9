//! SQLite, the embedded default: WAL, foreign keys and secure delete on;
//! writers queue in process for its single write lock.

use futures::TryStreamExt;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Arguments, Either};
use sqlx::{ConnectOptions, Sqlite, SqliteConnection, SqlitePool};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

pub type Db = Sqlite;
pub type Pool = SqlitePool;
pub type Conn = SqliteConnection;

/// The SQLite schema's steps, applied at start-up.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

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
        // No memory map: once the WAL has changed, SQLite unmaps the whole
        // file at a connection's next read, so under writes every read paid
        // an munmap, with its TLB flush on both cores, and faulted the
        // pages in again (docs/bench.md). Reads go through each
        // connection's page cache.
        .pragma("mmap_size", "0")
        .pragma("cache_size", "-16384")
        // No commit copies the WAL into the database file (with an fsync)
        // while the writers behind it wait; a background task does, see
        // [`checkpoint`].
        .pragma("wal_autocheckpoint", "0")
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
        // A file connection has no far end to lose, and sqlx's check before
        // lending one out is a round trip to its worker thread: one more per
        // statement run on the pool.
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    tokio::spawn(checkpoint_in_background(pool.clone()));
    Ok(pool)
}

/// How often the WAL is copied into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// A WAL this long is worth a turn of its own to copy whole (SQLite's own
/// checkpoint starts at 1,000 pages).
const WAL_TO_START_OVER: i64 = 1_000;

/// Copies the WAL into the database file every [`CHECKPOINT_EVERY`] (see
/// [`checkpoint`]). Left to SQLite, the commit that crosses 1,000 WAL pages
/// copied all of them while holding the write turn: about one invitation
/// in a hundred took 20 ms instead of 2.
async fn checkpoint_in_background(pool: SqlitePool) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !pool.is_closed() {
        every.tick().await;
        if let Err(err) = checkpoint(&pool).await {
            tracing::debug!("background checkpoint skipped: {err}");
        }
    }
}

/// Copies the WAL into the database file: the bulk of it beside writers
/// and readers, then, once the WAL is [`WAL_TO_START_OVER`] long, the rest
/// (what writers appended meanwhile, and what a reader kept it from
/// copying) in a write turn of its own, through the turn's connection,
/// with its two syncs. Only a copy that ends whole lets the next writer
/// start the WAL over from its first page, and one beside steady writers
/// never does: the WAL grew without end (to 450 MB in the bench's seconds
/// of invitations), every commit extending the file. Under full load the
/// turn is held 2-20 ms once a second. (The turn is this process's:
/// another process's writers may still append, and a later round ends the
/// copy.) The turn comes before the checkpoint lock, as in
/// [`clear_overwritten`].
async fn checkpoint(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let checkpointing = checkpointing(pool);
    let frames = {
        let _checkpointing = checkpointing.lock().await;
        passive_checkpoint(pool).await?
    };
    if frames < WAL_TO_START_OVER {
        return Ok(());
    }
    let mut turn = super::take_turn(pool).await?;
    let _checkpointing = checkpointing.lock().await;
    let done = passive_checkpoint(write_connection(pool, &mut turn).await?).await;
    minding_breakage(&mut turn, done).map(drop)
}

/// Copies what no reader still needs of the WAL into the database file;
/// answers how many pages the WAL holds.
async fn passive_checkpoint<'c>(
    conn: impl sqlx::Executor<'c, Database = Sqlite>,
) -> Result<i64, sqlx::Error> {
    let (_, frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(conn)
        .await?;
    Ok(frames)
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

/// How long a statement waits for a lock another process holds.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a writer waits for the write lock behind other processes.
pub const LOCK_WAIT: Duration = BUSY_TIMEOUT;

/// What the turn at the write lock holds: the connection this process's
/// changes (and lone writes, see [`super::write`]) are made through,
/// opened for the first, and the transaction changes wait in for their
/// COMMIT (see [`Group`]). A write through any connection empties the
/// page cache of every other one, so changes spread over the pool each
/// began by reading their pages again; through one connection they find
/// them cached. Held in the turn rather than lent by a pool, it goes from
/// one writer to the next with no round trip between them (a pool checks
/// every connection given back to it).
#[derive(Default)]
pub struct Writer {
    conn: Option<SqliteConnection>,
    /// Whether a change may be open on `conn`: set before its BEGIN or
    /// SAVEPOINT is sent, cleared once it is committed, held or rolled
    /// back. The statements that begin and end it travel inside its first
    /// and last statements' trips (see [`OpenTx`]; a held change's last
    /// trip is the next writer's first), so this, not sqlx, keeps count.
    open: bool,
    /// The transaction on `conn`, from the BEGIN sent with its first
    /// change to its COMMIT or ROLLBACK.
    group: Option<Group>,
}

impl Writer {
    /// How many changes wait in the turn's transaction for its COMMIT: a
    /// change begun after them is a savepoint, rolled back alone.
    fn held(&self) -> usize {
        self.group.as_ref().map_or(0, |group| group.held)
    }
}

/// A transaction on the write connection whose changes, each made in a
/// writer's turn as a savepoint of its own, are committed together. A
/// change ending while other writers wait for the turn leaves the COMMIT
/// to them, and is answered once it has run: the last writer in line, or
/// the one that fills the group, sends it with its own last statements.
/// The COMMIT writes each page the changes touched to the WAL once, and
/// changes made one after another touch mostly the same pages. A change
/// refused or failed rolls back to its savepoint, alone, unless its last
/// statements fail after it was held, or the trip that carries them is cut
/// short or cannot be sent (see [`Group::unsent`]): then the whole group
/// is rolled back.
struct Group {
    /// Changes ended in it, waiting for its COMMIT.
    held: usize,
    /// When it began to hold its first change.
    holding_since: Option<Instant>,
    /// Set once it committed; dropped unset if it did not, which the
    /// changes held in it report as their failure.
    committed: watch::Sender<bool>,
    /// The last statements of the change held last, with its RELEASE, not
    /// run yet: they travel ahead of the next writer's first statements,
    /// or with the COMMIT, so a held change costs the turn no trip of its
    /// own. They answer nothing the change needs, and fail only when
    /// something is wrong (a change's checks, a taken name among them,
    /// come before its last statements): then the group is rolled back,
    /// each change in it told so.
    unsent: Option<Pending>,
    /// Whether `unsent` is on its way, in the trip of a change begun after
    /// it, and not yet known to have run: cut short there, it may have run
    /// in part, and only a rollback of the whole group undoes that part
    /// (see [`settle`]).
    sending: bool,
}

impl Group {
    /// Whether it may hold one more change (see [`GROUP_WINDOW`]).
    fn young(&self) -> bool {
        self.holding_since
            .is_none_or(|since| since.elapsed() < GROUP_WINDOW)
    }
}

/// The most changes one COMMIT takes: each waits for the others, so a
/// larger group shares more pages but answers its first change later.
const GROUP_SIZE: usize = 8;

/// How long a group holds changes after it held its first: a held change
/// is answered no later than this and the length of the change in the
/// turn then (a bulk invitation of hundreds of rows, say), however many
/// writers queue.
const GROUP_WINDOW: Duration = Duration::from_millis(10);

/// The write connection in `turn`, opened if it is not yet (the turn
/// ended any transaction left open on it, see [`settle`]).
async fn write_connection<'t>(
    pool: &SqlitePool,
    turn: &'t mut super::Turn,
) -> Result<&'t mut SqliteConnection, sqlx::Error> {
    let conn = match turn.conn.take() {
        Some(conn) => conn,
        None => writer_options(pool).connect().await?,
    };
    Ok(turn.conn.insert(conn))
}

/// Readies the turn for what it was taken for: ends a change a writer
/// before left open and, for writes that stand alone, commits the changes
/// held in it. That is done in a task of its own, finished even if the
/// writer stops waiting: a ROLLBACK TO or COMMIT cut short would leave the
/// transaction other than the turn records it.
pub(super) async fn ready(
    mut turn: super::Turn,
    taken_for: super::TurnFor,
) -> Result<super::Turn, sqlx::Error> {
    let writes = taken_for == super::TurnFor::Writes;
    if !turn.open && !(writes && turn.group.is_some()) {
        return Ok(turn);
    }
    uncut(async move {
        settle(&mut turn).await;
        if writes {
            end_held(&mut turn).await;
        }
        turn
    })
    .await
}

/// Runs `work` on the turn to its end, in a task of its own.
async fn uncut<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<T, sqlx::Error> {
    tokio::spawn(work).await.map_err(|err| {
        sqlx::Error::Io(std::io::Error::other(format!("a write turn failed: {err}")))
    })
}

/// Ends a change left open on the write connection: one refused, one whose
/// writer was dropped where no rollback could be started (outside a
/// runtime), or one cut short in its last trip or its rollback. Only it is
/// rolled back when other changes wait in its transaction for their COMMIT,
/// unless it was cut short in a trip that carried the last statements of
/// the change held before it (see [`Group::unsent`]) before they were known
/// to have run: they may have run in part, and the whole transaction is
/// rolled back. So is it when its own SAVEPOINT never ran.
async fn settle(turn: &mut super::Turn) {
    if !turn.open {
        return;
    }
    let sending = turn.group.as_ref().is_some_and(|group| group.sending);
    if turn.held() > 0 && !sending {
        if let Some(conn) = turn.conn.as_mut() {
            let undone = sqlx::query("ROLLBACK TO change; RELEASE change")
                .execute(conn)
                .await;
            if undone.is_ok() {
                turn.open = false;
                // Refused changes end no group: once it is old, the
                // changes held in it are committed here.
                if !turn.group.as_ref().is_some_and(Group::young) {
                    end_held(turn).await;
                }
                return;
            }
        }
    }
    roll_back_all(turn).await;
}

/// Rolls back the transaction on the write connection, and with it each
/// change held for its COMMIT, whose writer is told that it failed. If the
/// rollback fails for another reason than there being nothing to roll back
/// (SQLite itself ended it), the connection is closed, which ends whatever
/// it still holds, and the next writer opens another.
async fn roll_back_all(turn: &mut super::Turn) {
    let ended = match turn.conn.as_mut() {
        Some(conn) => match sqlx::query("ROLLBACK").execute(conn).await {
            Ok(_) => true,
            Err(sqlx::Error::Database(err)) => err.message().contains("no transaction is active"),
            Err(_) => false,
        },
        None => true,
    };
    if !ended {
        turn.conn = None;
    }
    turn.open = false;
    end_group(turn, false);
}

/// Commits the changes held in the turn, if any: nothing written in it
/// afterwards, through the turn's connection or another, waits behind them.
async fn end_held(turn: &mut super::Turn) {
    if turn.group.is_none() {
        return;
    }
    let writer = &mut **turn;
    let Some(conn) = writer.conn.as_mut() else {
        return;
    };
    let unsent = writer
        .group
        .as_mut()
        .and_then(|group| group.unsent.take())
        .unwrap_or_default();
    match unsent.around(&[], &["COMMIT"]).run(conn).await {
        Ok(_) => end_group(turn, true),
        Err(err) => {
            tracing::error!("the COMMIT of held changes failed: {err}");
            discard_if_broken(turn, &err);
            roll_back_all(turn).await;
        }
    }
}

/// Tells the changes held in the turn's transaction how it ended.
fn end_group(turn: &mut super::Turn, committed: bool) {
    if let Some(group) = turn.group.take() {
        if committed {
            group.committed.send_replace(true);
        }
    }
    turn.hold_changes(false);
}

/// Drops the write connection after `err` if its worker is gone, so the
/// next writer opens another rather than failing too; the changes held in
/// its transaction are lost with it.
fn discard_if_broken(turn: &mut super::Turn, err: &sqlx::Error) {
    if matches!(err, sqlx::Error::WorkerCrashed) {
        turn.conn = None;
        turn.open = false;
        end_group(turn, false);
    }
}

/// `done`, a statement's outcome on the turn's connection, once the
/// connection is dropped if it broke (see [`discard_if_broken`]).
fn minding_breakage<T>(
    turn: &mut super::Turn,
    done: Result<T, sqlx::Error>,
) -> Result<T, sqlx::Error> {
    if let Err(err) = &done {
        discard_if_broken(turn, err);
    }
    done
}

/// The pool's options, for the write connection. A change held for a
/// shared COMMIT is a savepoint, whose pages' old contents SQLite keeps in
/// a journal of its own: in memory, not in a temporary file written page
/// by page.
fn writer_options(pool: &SqlitePool) -> SqliteConnectOptions {
    pool.connect_options()
        .as_ref()
        .clone()
        .pragma("temp_store", "MEMORY")
}

/// A change on the write connection in the turn: the turn's transaction,
/// or a savepoint in it when changes are held there (see [`Group`]). The
/// transaction takes SQLite's write lock at once (`BEGIN IMMEDIATE`), so
/// read-check-write sequences cannot interleave. What begins and ends it
/// is sent with its first and last statements, in their trips to the
/// connection's thread (a held change's last statements in the next
/// writer's first trip): each trip is two thread wake-ups that every
/// writer behind waits for.
pub struct OpenTx;

impl OpenTx {
    pub(super) fn new() -> Self {
        Self
    }

    /// Begins, then runs the statements `first` pushes; answers the row the
    /// last one yields.
    pub(super) async fn begin(
        &mut self,
        pool: &SqlitePool,
        turn: &mut super::Turn,
        first: impl FnOnce(&mut super::Batch),
    ) -> Result<Option<SqliteRow>, sqlx::Error> {
        write_connection(pool, turn).await?;
        // A group's first change is its transaction: rolling back one
        // undoes the other, and a savepoint would copy each page it changes.
        let begin = if turn.held() > 0 {
            "SAVEPOINT change"
        } else {
            "BEGIN IMMEDIATE"
        };
        let group = turn.group.get_or_insert_with(|| Group {
            held: 0,
            holding_since: None,
            committed: watch::Sender::new(false),
            unsent: None,
            sending: false,
        });
        // The turn is this writer's: no other change of this process can
        // commit before its BEGIN, sent with these statements, after those
        // of the change held last.
        let carried = group.unsent.take();
        let sending = carried.is_some();
        group.sending = sending;
        let mut batch = super::Batch::after(carried.unwrap_or_default());
        batch.push(begin);
        first(&mut batch);
        turn.open = true;
        let first = match batch.into_pending() {
            Ok(first) => first,
            Err(err) => {
                // Nothing was sent. A held change's last statements are
                // lost with what could not be, and its group with them.
                if sending {
                    roll_back_all(turn).await;
                } else if turn.held() == 0 {
                    turn.group = None;
                }
                turn.open = false;
                return Err(err);
            }
        };
        let super::Writer { conn, group, .. } = &mut **turn;
        let conn = conn
            .as_mut()
            .expect("the turn's connection was opened above");
        let sent = || {
            if let Some(group) = group.as_mut() {
                group.sending = false;
            }
        };
        // Answered, the trip ran every carried statement, and `sent` said so.
        let done = first.fetch_carrying(conn, sent).await;
        if let Err(err) = &done {
            discard_if_broken(turn, err);
            if turn.group.as_ref().is_some_and(|group| group.sending) {
                tracing::error!(
                    "the last statements of a change held for a shared COMMIT failed, \
                     and every change held with it is rolled back: {err}"
                );
                roll_back_all(turn).await;
            }
        }
        done
    }

    /// Ends the change with `last`: commits it, with the changes held
    /// before it, or holds it for a writer waiting behind, whose trip then
    /// runs `last` (see [`hold`]); rolls it back if any of it failed. Then
    /// the turn passes on.
    pub(super) async fn commit(
        self,
        mut turn: super::Turn,
        last: Pending,
    ) -> Result<Committed, sqlx::Error> {
        let last = match hold(&mut turn, last) {
            Ok(held) => return Ok(held),
            Err(last) => last,
        };
        if turn.held() > 0 {
            // Its RELEASE and COMMIT decide the held changes' fate too: they
            // are run to the end in a task of their own (see [`ready`]).
            return uncut(async move {
                let ended = end_change(&mut turn, last).await;
                if ended.is_err() {
                    settle(&mut turn).await;
                }
                ended
            })
            .await?;
        }
        // Alone in its transaction, cut short it is rolled back by the
        // next turn, or found committed, as before changes were held.
        let ended = end_change(&mut turn, last).await;
        if ended.is_err() {
            self.abandon(turn);
        }
        ended
    }

    /// Rolls back a change dropped open (a refused change, a cancelled
    /// request, a failed COMMIT) before the turn passes on, as the turn is
    /// held by a task of its own until then. Outside a runtime the next
    /// turn rolls it back (see [`settle`]).
    pub(super) fn abandon(self, mut turn: super::Turn) {
        if !turn.open {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { settle(&mut turn).await });
        }
    }

    pub(super) fn conn<'t>(&self, turn: &'t super::Turn) -> &'t SqliteConnection {
        turn.conn
            .as_ref()
            .expect("an open transaction has its connection")
    }

    pub(super) fn conn_mut<'t>(&self, turn: &'t mut super::Turn) -> &'t mut SqliteConnection {
        turn.conn
            .as_mut()
            .expect("an open transaction has its connection")
    }
}

/// Holds the change in the turn for the COMMIT of a writer waiting behind,
/// its `last` statements left for that writer's trip (see
/// [`Group::unsent`]), unless the group is full or old or nobody waits:
/// then `last` is answered back, to be run with the COMMIT now.
fn hold(turn: &mut super::Turn, last: Pending) -> Result<Committed, Pending> {
    let held = turn.held();
    turn.hold_changes(true);
    let young = turn.group.as_ref().is_some_and(Group::young);
    if !(held + 1 < GROUP_SIZE && young && turn.others_waiting()) {
        return Err(last);
    }
    turn.open = false;
    let group = turn.group.as_mut().expect("an open change is in its group");
    let release: &[&str] = if held > 0 { &["RELEASE change"] } else { &[] };
    debug_assert!(group.unsent.is_none(), "the next writer's trip took it");
    let last = last.around(&[], release);
    group.unsent = (!last.is_empty()).then_some(last);
    group.held += 1;
    group.holding_since.get_or_insert_with(Instant::now);
    Ok(Committed(Some(group.committed.subscribe())))
}

/// Runs a change's `last` statements and commits it, with the changes held
/// before it.
async fn end_change(turn: &mut super::Turn, last: Pending) -> Result<Committed, sqlx::Error> {
    let held = turn.held();
    let end: &[&str] = if held > 0 {
        &["RELEASE change", "COMMIT"]
    } else {
        &["COMMIT"]
    };
    let conn = turn
        .conn
        .as_mut()
        .expect("an open change has its connection");
    if let Err(err) = last.around(&[], end).run(conn).await {
        turn.hold_changes(held > 0);
        discard_if_broken(turn, &err);
        return Err(err);
    }
    turn.open = false;
    end_group(turn, true);
    Ok(Committed(None))
}

/// A change's COMMIT, made or to be waited for.
pub(super) struct Committed(Option<watch::Receiver<bool>>);

impl Committed {
    /// Waits for the COMMIT of the group the change was held in, if it was.
    pub(super) async fn wait(self) -> Result<(), sqlx::Error> {
        let Some(mut committed) = self.0 else {
            return Ok(());
        };
        if committed.wait_for(|committed| *committed).await.is_ok() {
            Ok(())
        } else {
            Err(sqlx::Error::Io(std::io::Error::other(
                "the transaction this change waited in for its COMMIT was rolled back, \
                 so nothing of it was saved",
            )))
        }
    }
}

/// Runs one statement on the write connection, in the caller's turn.
pub(super) async fn execute_in_turn<'q>(
    pool: &SqlitePool,
    turn: &mut super::Turn,
    statement: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
) -> Result<sqlx::sqlite::SqliteQueryResult, sqlx::Error> {
    let done = statement.execute(write_connection(pool, turn).await?).await;
    minding_breakage(turn, done)
}

/// The statements of a [`super::Batch`] as one multi-statement query:
/// SQLite's worker thread runs them one after another in one trip. Their
/// placeholders are numbered on through the query, and SQLite binds each
/// statement's `$n` to the query's n-th value.
#[derive(Default)]
pub(super) struct Pending {
    sql: String,
    args: SqliteArguments<'static>,
    /// How many values the statements so far take: a statement given fewer
    /// than its highest placeholder would bind the next one's.
    takes: usize,
    statements: usize,
    /// How many of the first statements are a held change's last ones
    /// (see [`Group::unsent`]), whose rows nobody reads.
    carried: usize,
}

impl Pending {
    /// Appends `sql`, its placeholders moved past the values already bound
    /// (all of them, unless one failed to encode and was left out).
    pub(super) fn statement(
        &mut self,
        sql: &str,
        all_encoded: bool,
    ) -> &mut SqliteArguments<'static> {
        if all_encoded {
            self.check_bound();
        }
        // Statements are counted as they end (see `fetch_carrying`).
        debug_assert!(
            one_statement(sql),
            "a batch takes one statement at a time: {sql}"
        );
        if !self.sql.is_empty() {
            self.sql.push_str(";\n");
        }
        self.takes = self.args.len() + renumber(sql, self.args.len(), &mut self.sql);
        self.statements += 1;
        &mut self.args
    }

    /// These statements, to be followed by another change's in one trip.
    pub(super) fn carried(mut self) -> Self {
        self.carried = self.statements;
        self
    }

    fn check_bound(&self) {
        debug_assert_eq!(
            self.args.len(),
            self.takes,
            "each statement of a batch is given a value for each of its placeholders: {}",
            self.sql
        );
    }

    /// The statements between `before` and `after`, which take no values.
    fn around(mut self, before: &[&str], after: &[&str]) -> Self {
        let body = (!self.sql.is_empty()).then_some(self.sql.as_str());
        let all: Vec<&str> = before
            .iter()
            .copied()
            .chain(body)
            .chain(after.iter().copied())
            .collect();
        self.statements += before.len() + after.len();
        self.sql = all.join(";\n");
        self
    }

    pub(super) async fn run(self, conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        self.check_bound();
        if !self.sql.is_empty() {
            sqlx::query_with(&self.sql, self.args).execute(conn).await?;
        }
        Ok(())
    }

    pub(super) async fn fetch_optional(
        self,
        conn: &mut SqliteConnection,
    ) -> Result<Option<SqliteRow>, sqlx::Error> {
        self.fetch_carrying(conn, || {}).await
    }

    /// [`Self::fetch_optional`], calling `sent` once the statements carried
    /// ahead of this change's (see [`Self::carried`]) have all run.
    async fn fetch_carrying(
        self,
        conn: &mut SqliteConnection,
        mut sent: impl FnMut(),
    ) -> Result<Option<SqliteRow>, sqlx::Error> {
        self.check_bound();
        if self.sql.is_empty() {
            return Ok(None);
        }
        // Read to the end, each statement closed by its result: sqlx's
        // fetch_optional would end the query at the first row, of whichever
        // statement, leaving the rest unrun.
        let last = self.statements - 1;
        let mut ended = 0;
        let mut answer = None;
        let query = sqlx::query_with(&self.sql, self.args);
        let mut results = sqlx::Executor::fetch_many(conn, query);
        while let Some(result) = results.try_next().await? {
            match result {
                Either::Left(_) => {
                    ended += 1;
                    if ended == self.carried {
                        sent();
                    }
                }
                Either::Right(row) if ended == last && answer.is_none() => answer = Some(row),
                Either::Right(_) if ended < self.carried => {}
                Either::Right(_) => return Err(super::batch::only_the_last_answers()),
            }
        }
        Ok(answer)
    }

    fn is_empty(&self) -> bool {
        self.sql.is_empty()
    }
}

/// Whether `sql` holds no `;` outside quotes.
fn one_statement(sql: &str) -> bool {
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => quoted = !quoted,
            ';' if !quoted => return false,
            _ => {}
        }
    }
    true
}

/// Writes `sql` to `out` with each placeholder `$n` as `$(n + by)`; answers
/// the highest `n`. Our statements hold no `$` in a literal, but one in
/// quotes is left alone.
fn renumber(sql: &str, by: usize, out: &mut String) -> usize {
    let mut highest = 0;
    let mut quoted = false;
    let mut rest = sql;
    while let Some(at) = rest.find(['$', '\'']) {
        out.push_str(&rest[..at]);
        let (mark, after) = rest[at..].split_at(1);
        out.push_str(mark);
        rest = after;
        if mark == "'" {
            quoted = !quoted;
            continue;
        }
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        match rest[..digits].parse::<usize>() {
            Ok(n) if !quoted => {
                highest = highest.max(n);
                // Written in place: a create's turn renumbers some thirty.
                let _ = write!(out, "{}", n + by);
                rest = &rest[digits..];
            }
            _ => {}
        }
    }
    out.push_str(rest);
    highest
}

/// What this process keeps for one database file (see [`super::local`]).
#[derive(Clone)]
pub struct BackendLocal {
    /// The connection sessions and rate limits are written through, see [`writer`].
    writer: SqlitePool,
    /// Held while this process checkpoints the file: SQLite refuses a
    /// second checkpoint while one runs, without waiting, so emptying the
    /// WAL of blanked mail would otherwise fail whenever the background
    /// checkpoint was running.
    checkpointing: Arc<tokio::sync::Mutex<()>>,
}

impl BackendLocal {
    /// Opens nothing yet: the writer connects on its first write, with the
    /// pool's own options, so it opens the same file (or the same
    /// shared-cache in-memory database).
    pub fn open(pool: &SqlitePool) -> Self {
        Self {
            writer: SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect_lazy_with(writer_options(pool)),
            checkpointing: Arc::default(),
        }
    }
}

/// A pool of one connection for the writes made in a turn but not through
/// its connection: the session store's, which takes a pool, and the rate
/// limits'. Each of their writes empties the page cache of the turn's
/// connection (see [`Writer`]); neither comes in the invitation paths (an
/// API key takes its hits 64 at a time, and an accept saves no session).
pub fn writer(pool: &SqlitePool) -> SqlitePool {
    super::local(pool).backend.writer
}

/// This process's lock on checkpointing `pool`'s file.
fn checkpointing(pool: &SqlitePool) -> Arc<tokio::sync::Mutex<()>> {
    super::local(pool).backend.checkpointing
}

/// Names the database for the write queue: its file.
pub fn database_name(pool: &SqlitePool) -> String {
    pool.connect_options()
        .get_filename()
        .to_string_lossy()
        .into_owned()
}

/// Copies the WAL into the database file and empties it, in a writer's
/// turn (the checkpoint holds the write lock, and writers queued behind it
/// would otherwise sleep in the busy handler): its old frames still hold
/// content just overwritten, which `secure_delete` zeroes only in the pages
/// themselves. Waits for a background checkpoint of this process to end;
/// `false` when another process's reader or checkpoint kept it busy. It
/// goes through the turn's connection: waiting for a pooled one, with
/// every writer waiting behind the turn, could take sqlx's 30 s.
pub async fn clear_overwritten(pool: &SqlitePool) -> Result<bool, sqlx::Error> {
    let mut turn = super::take_turn(pool).await?;
    let checkpointing = checkpointing(pool);
    let _checkpointing = checkpointing.lock().await;
    let done: Result<(i64, i64, i64), _> = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(write_connection(pool, &mut turn).await?)
        .await;
    Ok(minding_breakage(&mut turn, done)?.0 == 0)
}

/// A time column as a keyset cursor's sort key: the stored RFC 3339 text,
/// which sorts as time does.
pub fn time_key(column: &str) -> String {
    column.to_owned()
}

/// What goes around a cursor's time key to compare it with its column: the
/// text as it is.
pub const TIME_FROM_KEY: (&str, &str) = ("", "");

/// The values of `expr` over a group, joined by U+001F (never in a name).
pub fn joined(expr: &str) -> String {
    format!("group_concat({expr}, '\u{1f}')")
}

/// Pushes a FROM clause of the members (`m`) whose name, or address unless
/// `names_only`, has words beginning with each piece of `search` ("ann lee"
/// finds Ann Marie Lee); `false`, pushing nothing, when no piece has a
/// letter or digit.
///
/// Each piece is one quoted FTS5 phrase, so it is never query syntax and the
/// index's own tokenizer splits it ("ann.lee@acme" is the words ann, lee,
/// acme in a row, and combining marks stay in their word). The matches drive
/// the join (CROSS JOIN keeps SQLite's join order): left to itself the
/// planner walked all the organization's members in list order, probing each
/// (80 ms at 100,000 members).
pub fn push_member_search<'a>(
    qb: &mut sqlx::QueryBuilder<'a, Sqlite>,
    search: &str,
    names_only: bool,
) -> bool {
    let pieces: Vec<String> = search
        .split_whitespace()
        .filter(|piece| piece.chars().any(char::is_alphanumeric))
        .map(|piece| format!("\"{}\"*", piece.replace('"', "\"\"")))
        .collect();
    if pieces.is_empty() {
        return false;
    }
    let columns = if names_only { "name" } else { "{name email}" };
    qb.push(
        " FROM (SELECT r.user_id FROM users_search \
         CROSS JOIN user_search_rows r ON r.id = users_search.rowid \
         WHERE users_search MATCH ",
    )
    .push_bind(format!("{columns} : ({})", pieces.join(" AND ")))
    .push(") s CROSS JOIN memberships m ON m.user_id = s.user_id");
    true
}

/// A database of its own for a test that opens it more than once, as
/// several replicas would; its file is deleted when this is dropped.
#[cfg(test)]
pub struct Scratch {
    pub url: String,
    dir: PathBuf,
}

#[cfg(test)]
impl Scratch {
    pub async fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("gatehouse-{name}-{}", uuid::Uuid::new_v4()));
        Self {
            url: format!("sqlite://{}/{name}.db", dir.display()),
            dir,
        }
    }

    /// Opens the database, creating it, with no migrations run.
    pub async fn unmigrated(&self) -> SqlitePool {
        std::fs::create_dir_all(&self.dir).unwrap();
        let options = SqliteConnectOptions::from_str(&self.url)
            .unwrap()
            .create_if_missing(true);
        SqlitePool::connect_with(options).await.unwrap()
    }
}

#[cfg(test)]
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    /// A batch's later statements bind past the values of the ones before;
    /// a `$` in a literal is text, not a placeholder.
    #[test]
    fn placeholders_are_numbered_on_through_a_batch() {
        let mut out = String::new();
        let highest = renumber(
            "UPDATE t SET a = $1, b = '$2' WHERE c = $12 AND d = $",
            3,
            &mut out,
        );
        assert_eq!(out, "UPDATE t SET a = $4, b = '$2' WHERE c = $15 AND d = $");
        assert_eq!(highest, 12);
    }

    /// Emptying the WAL of blanked mail waits while this process's
    /// background checkpoint runs, rather than being refused by SQLite.
    #[tokio::test]
    async fn emptying_the_wal_waits_for_a_running_checkpoint() {
        let scratch = Scratch::new("emptying").await;
        let pool = connect(&scratch.url).await.unwrap();
        let checkpoint = checkpointing(&pool);
        let running = checkpoint.lock().await;
        let emptying = tokio::spawn({
            let pool = pool.clone();
            async move { clear_overwritten(&pool).await }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!emptying.is_finished(), "it waits for the checkpoint");
        drop(running);
        assert!(emptying.await.unwrap().unwrap(), "then empties the WAL");
        pool.close().await;
    }

    /// Emptying the WAL needs no pooled connection: with all of them lent
    /// out, it does not wait for one while holding the write turn.
    #[tokio::test]
    async fn emptying_the_wal_needs_no_pooled_connection() {
        let scratch = Scratch::new("emptying-lent-out").await;
        let pool = connect(&scratch.url).await.unwrap();
        let mut lent = Vec::new();
        for _ in 0..pool.options().get_max_connections() {
            lent.push(pool.acquire().await.unwrap());
        }
        let emptied = tokio::time::timeout(Duration::from_secs(5), clear_overwritten(&pool)).await;
        assert!(emptied.expect("it waited for a pooled connection").unwrap());
        drop(lent);
        pool.close().await;
    }

    /// A writer that stops waiting while its BEGIN waits for another
    /// process's lock leaves no transaction open on the write connection:
    /// the next write is committed, not kept in a transaction nobody ends.
    #[tokio::test]
    async fn a_write_cancelled_while_it_begins_leaves_no_transaction_open() {
        let scratch = Scratch::new("cancelled-begin").await;
        let pool = connect(&scratch.url).await.unwrap();
        // The write connection is open before the wait below begins.
        super::super::write(&pool, sqlx::query("DELETE FROM rate_limits"))
            .await
            .unwrap();
        let mut elsewhere = SqliteConnection::connect(&scratch.url).await.unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut elsewhere)
            .await
            .unwrap();
        let waited =
            tokio::time::timeout(Duration::from_millis(300), super::super::begin_write(&pool))
                .await;
        assert!(waited.is_err(), "the BEGIN waits behind the other process");
        sqlx::query("COMMIT").execute(&mut elsewhere).await.unwrap();
        super::super::write(
            &pool,
            sqlx::query("INSERT INTO rate_limits (key, window_ends, hits) VALUES ('after', 0, 1)"),
        )
        .await
        .unwrap();
        let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits WHERE key = 'after'")
            .fetch_one(&mut elsewhere)
            .await
            .unwrap();
        assert_eq!(seen, 1, "the write after it is committed");
        pool.close().await;
    }

    /// Runs `writer` on `pool` in a task of its own, as a request would.
    fn behind<F>(
        pool: &SqlitePool,
        writer: impl FnOnce(SqlitePool) -> F,
    ) -> tokio::task::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(writer(pool.clone()))
    }

    /// A change on `pool` that stores `key`, not yet ended.
    async fn change(pool: &SqlitePool, key: &str) -> super::super::WriteTx {
        let mut tx = super::super::begin_write(pool).await.unwrap();
        sqlx::query("INSERT INTO rate_limits (key, window_ends, hits) VALUES ($1, 0, 1)")
            .bind(key)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx
    }

    /// The keys committed to the database at `scratch`, read through a
    /// connection of their own.
    async fn saved(scratch: &Scratch) -> Vec<String> {
        let mut elsewhere = SqliteConnection::connect(&scratch.url).await.unwrap();
        sqlx::query_scalar("SELECT key FROM rate_limits ORDER BY key")
            .fetch_all(&mut elsewhere)
            .await
            .unwrap()
    }

    /// A writer that takes the turn, stores `key`, and waits in its turn
    /// until told to go; it answers its change, not yet ended.
    fn parked(
        pool: &SqlitePool,
        key: &'static str,
    ) -> (
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<super::super::WriteTx>,
    ) {
        let (go, gone) = tokio::sync::oneshot::channel();
        let writer = behind(pool, move |pool| async move {
            let tx = change(&pool, key).await;
            gone.await.unwrap();
            tx
        });
        (go, writer)
    }

    /// Waits until `writers` wait for the turn on `pool`'s database.
    async fn until_waiting(pool: &SqlitePool, writers: usize) {
        let queue = super::super::local(pool).queue;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while queue.waiting.load(std::sync::atomic::Ordering::SeqCst) < writers {
            assert!(std::time::Instant::now() < deadline, "nobody queued");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// A change that ends while another writer waits for the turn is
    /// committed with that writer's: it is answered, and readers see it,
    /// only once that COMMIT has run.
    #[tokio::test]
    async fn a_change_ending_while_another_waits_is_committed_with_it() {
        let scratch = Scratch::new("group").await;
        let pool = connect(&scratch.url).await.unwrap();
        let first = change(&pool, "first").await;
        let (go, second) = parked(&pool, "second");
        until_waiting(&pool, 1).await;
        let first = tokio::spawn(first.commit());
        assert_held(&first, &scratch).await;
        go.send(()).unwrap();
        second.await.unwrap().commit().await.unwrap();
        first.await.unwrap().unwrap();
        assert_eq!(saved(&scratch).await, ["first", "second"]);
        pool.close().await;
    }

    /// Asserts that `committing`, a change's COMMIT, waits for the writer
    /// now in the turn: not answered, and not seen by readers.
    async fn assert_held<T>(committing: &tokio::task::JoinHandle<T>, scratch: &Scratch) {
        tokio::time::sleep(GROUP_WINDOW * 5).await;
        assert!(!committing.is_finished(), "answered before its COMMIT ran");
        assert!(saved(scratch).await.is_empty(), "committed alone");
    }

    /// A change held for the COMMIT of the writer behind it is committed
    /// all the same when that writer is cancelled in its turn (its request
    /// dropped) with nobody else waiting.
    #[tokio::test]
    async fn a_held_change_is_committed_when_the_writer_behind_is_cancelled() {
        let scratch = Scratch::new("cancelled-behind").await;
        let pool = connect(&scratch.url).await.unwrap();
        let first = change(&pool, "first").await;
        let (in_turn, entered) = tokio::sync::oneshot::channel();
        let cancelled = behind(&pool, |pool| async move {
            let _tx = change(&pool, "cancelled").await;
            in_turn.send(()).unwrap();
            std::future::pending::<()>().await
        });
        until_waiting(&pool, 1).await;
        let first = tokio::spawn(first.commit());
        entered.await.unwrap();
        assert_held(&first, &scratch).await;
        cancelled.abort();
        tokio::time::timeout(Duration::from_secs(5), first)
            .await
            .expect("committed once the writer behind was cancelled")
            .unwrap()
            .unwrap();
        assert_eq!(saved(&scratch).await, ["first"]);
        pool.close().await;
    }

    /// Changes refused or dropped after one held for a shared COMMIT undo
    /// only themselves: the held one is committed, and so is the next.
    #[tokio::test]
    async fn a_refused_change_in_a_group_undoes_only_itself() {
        let scratch = Scratch::new("refused").await;
        let pool = connect(&scratch.url).await.unwrap();
        let first = change(&pool, "first").await;
        let (go, refused) = parked(&pool, "refused");
        until_waiting(&pool, 1).await;
        let dropped = behind(
            &pool,
            |pool| async move { drop(change(&pool, "dropped").await) },
        );
        until_waiting(&pool, 2).await;
        let first = tokio::spawn(first.commit());
        assert_held(&first, &scratch).await;
        go.send(()).unwrap();
        refused.await.unwrap().rollback();
        first.await.unwrap().unwrap();
        dropped.await.unwrap();
        change(&pool, "next").await.commit().await.unwrap();
        assert_eq!(saved(&scratch).await, ["first", "next"]);
        pool.close().await;
    }

    /// Refused changes end no group, yet a change held longer than
    /// `GROUP_WINDOW` is committed when the next is refused, not kept
    /// waiting for the writers queued behind it.
    #[tokio::test]
    async fn a_refused_change_commits_an_old_group() {
        let scratch = Scratch::new("refused-old").await;
        let pool = connect(&scratch.url).await.unwrap();
        let first = change(&pool, "first").await;
        let (refuse, refused) = parked(&pool, "refused");
        until_waiting(&pool, 1).await;
        let (end, third) = parked(&pool, "third");
        until_waiting(&pool, 2).await;
        let first = tokio::spawn(first.commit());
        assert_held(&first, &scratch).await;
        // `assert_held` waited longer than the window.
        refuse.send(()).unwrap();
        refused.await.unwrap().rollback();
        let committed = tokio::time::timeout(Duration::from_secs(5), first).await;
        end.send(()).unwrap();
        committed
            .expect("committed while the third writer was in its turn")
            .unwrap()
            .unwrap();
        third.await.unwrap().commit().await.unwrap();
        assert_eq!(saved(&scratch).await, ["first", "third"]);
        pool.close().await;
    }

    /// A change's COMMIT, once sent, is finished though its writer stops
    /// waiting for it (a request dropped), and so is the COMMIT of the
    /// changes held for it: none is lost, and none is reported failed.
    #[tokio::test]
    async fn a_commit_under_way_is_finished_when_its_writer_stops_waiting() {
        let scratch = Scratch::new("cut-commit").await;
        let pool = connect(&scratch.url).await.unwrap();
        let first = change(&pool, "first").await;
        let second = behind(&pool, |pool| async move { change(&pool, "second").await });
        until_waiting(&pool, 1).await;
        let first = tokio::spawn(first.commit());
        let second = second.await.unwrap();
        assert_held(&first, &scratch).await;
        // Polled once, then dropped.
        let cut = futures::FutureExt::now_or_never(second.commit());
        assert!(cut.is_none(), "the COMMIT was under way");
        first.await.unwrap().unwrap();
        change(&pool, "next").await.commit().await.unwrap();
        assert_eq!(saved(&scratch).await, ["first", "next", "second"]);
        pool.close().await;
    }

    /// However many writers queue, a held change waits for a group's worth
    /// of them at most: the one that fills the group commits it.
    #[tokio::test]
    async fn a_full_group_commits_though_writers_wait() {
        let scratch = Scratch::new("full-group").await;
        let pool = connect(&scratch.url).await.unwrap();
        let first = change(&pool, "0").await;
        let mut group = Vec::new();
        for n in 1..GROUP_SIZE {
            group.push(behind(&pool, move |pool| async move {
                change(&pool, &n.to_string()).await.commit().await
            }));
            until_waiting(&pool, n).await;
        }
        let (go, last) = parked(&pool, "last");
        until_waiting(&pool, GROUP_SIZE).await;
        let committed = tokio::time::timeout(Duration::from_secs(5), first.commit()).await;
        go.send(()).unwrap();
        committed
            .expect("committed while the last writer was in its turn")
            .unwrap();
        // Ended first: on a loaded machine the group may outlive its window
        // and end before it is full, and the writers after it then wait in
        // the last writer's group.
        last.await.unwrap().commit().await.unwrap();
        for change in group {
            change.await.unwrap().unwrap();
        }
        assert_eq!(saved(&scratch).await.len(), GROUP_SIZE + 1);
        pool.close().await;
    }

    /// When the shared COMMIT fails, every change held for it reports the
    /// failure and none is kept; the next writer begins cleanly.
    #[tokio::test]
    async fn a_failed_shared_commit_fails_every_change_in_it() {
        let scratch = Scratch::new("failed-commit").await;
        let pool = connect(&scratch.url).await.unwrap();
        let mut first = change(&pool, "first").await;
        // A link for a user who does not exist, checked only at COMMIT.
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *first)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO email_verifications (token_hash, user_id, email, expires_at) \
             VALUES (x'01', x'02', 'nobody@example.com', '2030-01-01')",
        )
        .execute(&mut *first)
        .await
        .unwrap();
        let second = behind(&pool, |pool| async move {
            change(&pool, "second").await.commit().await
        });
        until_waiting(&pool, 1).await;
        assert!(first.commit().await.is_err(), "the held change failed");
        assert!(second.await.unwrap().is_err(), "the COMMIT failed");
        change(&pool, "next").await.commit().await.unwrap();
        assert_eq!(saved(&scratch).await, ["next"]);
        pool.close().await;
    }

    /// A held change costs the turn no trip of its own: its last
    /// statements wait in the turn for the next writer's trip (or, with
    /// nobody behind, a turn that commits them), and are committed then.
    #[tokio::test]
    async fn a_held_changes_last_statements_go_with_the_next_trip() {
        let scratch = Scratch::new("carried").await;
        let pool = connect(&scratch.url).await.unwrap();
        let first = change(&pool, "first").await;
        let next = behind(&pool, |pool| async move {
            super::super::wait_for_turn(&pool).await.unwrap()
        });
        until_waiting(&pool, 1).await;
        let mut last = super::super::Batch::default();
        last.push("INSERT INTO rate_limits (key, window_ends, hits) VALUES ('last', 0, 1)");
        let committing = tokio::spawn(first.commit_with(last));
        let turn = next.await.unwrap();
        let unsent = turn.group.as_ref().and_then(|group| group.unsent.as_ref());
        assert_eq!(unsent.map(|last| last.statements), Some(1), "not run yet");
        drop(turn);
        committing.await.unwrap().unwrap();
        assert_eq!(saved(&scratch).await, ["first", "last"]);
        pool.close().await;
    }

    /// A held change whose last statements fail in the trip of the writer
    /// behind is rolled back with its group, each change in it told so;
    /// that writer's change, begun in the same trip, fails with them, and
    /// the next begins cleanly.
    #[tokio::test]
    async fn a_held_change_whose_last_statements_fail_fails_its_group() {
        let scratch = Scratch::new("carried-fails").await;
        let pool = connect(&scratch.url).await.unwrap();
        let first = change(&pool, "first").await;
        let second = behind(&pool, |pool| async move {
            super::super::begin_write(&pool).await.map(drop)
        });
        until_waiting(&pool, 1).await;
        let mut last = super::super::Batch::default();
        last.push("INSERT INTO rate_limits (key, window_ends, hits) VALUES ('first', 0, 1)");
        let failed = first.commit_with(last).await.unwrap_err();
        assert!(failed.to_string().contains("rolled back"), "{failed}");
        assert!(second.await.unwrap().is_err(), "its trip failed");
        change(&pool, "next").await.commit().await.unwrap();
        assert_eq!(saved(&scratch).await, ["next"]);
        pool.close().await;
    }

    /// The next writer's first trip runs the held change's last
    /// statements ahead of its own, skipping their rows, and reads what
    /// they wrote.
    #[tokio::test]
    async fn the_next_writer_reads_what_the_held_changes_last_statements_wrote() {
        let scratch = Scratch::new("carried-read").await;
        let pool = connect(&scratch.url).await.unwrap();
        let first = change(&pool, "first").await;
        let second = behind(&pool, |pool| async move {
            let (tx, seen) = super::super::begin_write_with::<(i64,)>(&pool, |first| {
                first.push("SELECT hits FROM rate_limits WHERE key = 'last'");
            })
            .await
            .unwrap();
            tx.commit().await.unwrap();
            seen
        });
        until_waiting(&pool, 1).await;
        let mut last = super::super::Batch::default();
        last.push(
            "INSERT INTO rate_limits (key, window_ends, hits) VALUES ('last', 0, 7) RETURNING hits",
        );
        first.commit_with(last).await.unwrap();
        assert_eq!(second.await.unwrap(), Some((7,)));
        assert_eq!(saved(&scratch).await, ["first", "last"]);
        pool.close().await;
    }

    /// When the next writer's own statements fail after the held change's
    /// last ones ran in its trip, only its change is undone.
    #[tokio::test]
    async fn a_writer_failing_after_carried_statements_undoes_only_itself() {
        let scratch = Scratch::new("carried-then-fails").await;
        let pool = connect(&scratch.url).await.unwrap();
        let first = change(&pool, "first").await;
        let second = behind(&pool, |pool| async move {
            super::super::begin_write_with::<(i64,)>(&pool, |first| {
                first
                    .push("INSERT INTO rate_limits (key, window_ends, hits) VALUES ('last', 0, 1)");
            })
            .await
            .map(drop)
        });
        until_waiting(&pool, 1).await;
        let mut last = super::super::Batch::default();
        last.push("INSERT INTO rate_limits (key, window_ends, hits) VALUES ('last', 0, 1)");
        let committing = tokio::spawn(first.commit_with(last));
        assert!(second.await.unwrap().is_err(), "the key is taken");
        committing.await.unwrap().unwrap();
        assert_eq!(saved(&scratch).await, ["first", "last"]);
        pool.close().await;
    }

    /// A trip tells that the statements carried ahead of a change's own
    /// have run once all of them have, and not when one of them fails.
    #[tokio::test]
    async fn carried_statements_are_reported_run_only_once_all_have() {
        let scratch = Scratch::new("sent").await;
        let pool = connect(&scratch.url).await.unwrap();
        let insert = "INSERT INTO rate_limits (key, window_ends, hits) VALUES ($1, 0, 1)";
        let mut tx = super::super::begin_write(&pool).await.unwrap();
        for (keys, run) in [(["a", "b"], true), (["c", "c"], false)] {
            let mut carried = super::super::Batch::default();
            for key in keys {
                carried.push(insert).bind(key);
            }
            let mut trip = super::super::Batch::after(carried.into_pending().unwrap());
            trip.push("SELECT COUNT(*) FROM rate_limits");
            let mut sent = 0;
            let answered = trip
                .into_pending()
                .unwrap()
                .fetch_carrying(&mut tx, || sent += 1)
                .await;
            assert_eq!(answered.is_ok(), run, "{keys:?}");
            assert_eq!(sent, usize::from(run), "{keys:?}");
        }
    }

    /// A writer dropped in the trip that carries a held change's last
    /// statements leaves no half of them: the changes held are either
    /// answered committed with all of them saved, or told they failed with
    /// none saved. The held change is a savepoint (a change is held before
    /// it), which a rollback of only the dropped writer's change would
    /// undo while its group went on to commit.
    #[tokio::test]
    async fn a_writer_dropped_while_carrying_leaves_no_half_change() {
        let scratch = Scratch::new("carried-cut").await;
        let pool = connect(&scratch.url).await.unwrap();
        let zero = change(&pool, "zero").await;
        let first = behind(&pool, |pool| async move { change(&pool, "first").await });
        until_waiting(&pool, 1).await;
        let zero = tokio::spawn(zero.commit());
        let first = first.await.unwrap();
        let mut second = Box::pin(super::super::begin_write(&pool));
        assert!(
            futures::poll!(&mut second).is_pending(),
            "it waits for the turn"
        );
        let mut last = super::super::Batch::default();
        for key in ["last-1", "last-2", "last-3"] {
            last.push("INSERT INTO rate_limits (key, window_ends, hits) VALUES ($1, 0, 1)")
                .bind(key);
        }
        let first = tokio::spawn(first.commit_with(last));
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Takes the turn and sends the carrying trip, then is dropped.
        let _ = futures::poll!(&mut second);
        drop(second);
        let answered = [zero.await.unwrap().is_ok(), first.await.unwrap().is_ok()];
        let saved = saved(&scratch).await;
        match answered {
            [true, true] => assert_eq!(saved, ["first", "last-1", "last-2", "last-3", "zero"]),
            [false, false] => assert!(saved.is_empty(), "{saved:?} saved"),
            _ => panic!("one change of a group answered otherwise: {answered:?}"),
        }
        pool.close().await;
    }

    /// A turn for writes outside a change (sessions, rate limits, lone
    /// statements) first commits the changes held in it: a write through
    /// the other connection does not wait behind their open transaction.
    #[tokio::test]
    async fn a_turn_for_other_writes_commits_the_changes_held_in_it() {
        let scratch = Scratch::new("held-then-lone").await;
        let pool = connect(&scratch.url).await.unwrap();
        let first = change(&pool, "first").await;
        let lone = behind(&pool, |pool| async move {
            let _turn = super::super::take_turn(&pool).await.unwrap();
            sqlx::query("INSERT INTO rate_limits (key, window_ends, hits) VALUES ('lone', 0, 1)")
                .execute(&writer(&pool))
                .await
        });
        until_waiting(&pool, 1).await;
        first.commit().await.unwrap();
        tokio::time::timeout(Duration::from_secs(2), lone)
            .await
            .expect("the write waited behind the held change")
            .unwrap()
            .unwrap();
        assert_eq!(saved(&scratch).await, ["first", "lone"]);
        pool.close().await;
    }

    /// Begins a transaction on the write connection in a turn, and leaves it
    /// open as a writer dropped where no rollback could be started would.
    async fn leave_open(pool: &SqlitePool) {
        let mut turn = super::super::take_turn(pool).await.unwrap();
        let conn = write_connection(pool, &mut turn).await.unwrap();
        sqlx::query("BEGIN IMMEDIATE").execute(conn).await.unwrap();
        turn.open = true;
    }

    /// A transaction left open on the write connection is ended by the
    /// next writer: its change and a lone write after it are committed.
    #[tokio::test]
    async fn a_transaction_left_open_is_ended_by_the_next_writer() {
        let scratch = Scratch::new("left-open").await;
        let pool = connect(&scratch.url).await.unwrap();
        leave_open(&pool).await;
        let mut tx = super::super::begin_write(&pool).await.unwrap();
        sqlx::query("INSERT INTO rate_limits (key, window_ends, hits) VALUES ('change', 0, 1)")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        leave_open(&pool).await;
        super::super::write(
            &pool,
            sqlx::query("INSERT INTO rate_limits (key, window_ends, hits) VALUES ('lone', 0, 1)"),
        )
        .await
        .unwrap();
        let mut elsewhere = SqliteConnection::connect(&scratch.url).await.unwrap();
        let seen: Vec<String> = sqlx::query_scalar("SELECT key FROM rate_limits ORDER BY key")
            .fetch_all(&mut elsewhere)
            .await
            .unwrap();
        assert_eq!(seen, ["change", "lone"]);
        pool.close().await;
    }

    /// What commits leave in the WAL reaches the database file with no
    /// commit copying it: a write's marker shows up in the main file, in
    /// a few seconds at most, although SQLite's own checkpoint is off.
    #[tokio::test]
    async fn the_wal_is_copied_into_the_database_file_in_the_background() {
        let scratch = Scratch::new("checkpoint").await;
        let pool = connect(&scratch.url).await.unwrap();
        let off: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(off, 0, "no commit checkpoints");
        let marker = format!("marker-{}", uuid::Uuid::new_v4().simple());
        sqlx::query("INSERT INTO rate_limits (key, window_ends, hits) VALUES ($1, 0, 1)")
            .bind(&marker)
            .execute(&pool)
            .await
            .unwrap();
        let file = scratch.dir.join("checkpoint.db");
        let in_file = || {
            std::fs::read(&file).is_ok_and(|bytes| {
                bytes
                    .windows(marker.len())
                    .any(|window| window == marker.as_bytes())
            })
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !in_file() {
            assert!(
                std::time::Instant::now() < deadline,
                "the write never left the WAL"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        pool.close().await;
    }

    /// Under steady writes the WAL still starts over from its first page
    /// once it is long: the copy into the database file ends whole in a
    /// turn of its own, which a checkpoint beside the writers never does.
    #[tokio::test]
    async fn the_wal_starts_over_under_steady_writes() {
        use std::io::Read;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let scratch = Scratch::new("wal-restart").await;
        let pool = connect(&scratch.url).await.unwrap();
        let wal = scratch.dir.join("wal-restart.db-wal");
        // Bytes 12..16 of the WAL's header count the times it started over.
        let restarts = || {
            let mut header = [0u8; 16];
            std::fs::File::open(&wal)
                .and_then(|mut file| file.read_exact(&mut header))
                .map_or(0, |()| {
                    u32::from_be_bytes(header[12..16].try_into().unwrap())
                })
        };
        let writing = Arc::new(AtomicBool::new(true));
        let written = Arc::new(AtomicUsize::new(0));
        let writer = tokio::spawn({
            let (pool, writing, written) = (pool.clone(), writing.clone(), written.clone());
            async move {
                while writing.load(Ordering::SeqCst) {
                    super::super::write(
                        &pool,
                        sqlx::query(
                            "INSERT INTO rate_limits (key, window_ends, hits) VALUES ($1, 0, 1)",
                        )
                        .bind(uuid::Uuid::new_v4().to_string()),
                    )
                    .await
                    .unwrap();
                    written.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        // Once writes flow and have filled the WAL (each appends a page at
        // least), count from there: a copy before them ends whole anyway.
        let deadline = Instant::now() + Duration::from_secs(30);
        while written.load(Ordering::SeqCst) < WAL_TO_START_OVER as usize {
            assert!(Instant::now() < deadline, "the writes never filled the WAL");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let before = restarts();
        // One round here, the background's once a second: either counts.
        // (Rounds a few milliseconds apart would each have little to copy,
        // and one of them could end whole between two writes by chance.)
        checkpoint(&pool).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while restarts() == before {
            assert!(
                Instant::now() < deadline,
                "the WAL never started over in {} writes",
                written.load(Ordering::SeqCst)
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        writing.store(false, Ordering::SeqCst);
        writer.await.unwrap();
        pool.close().await;
    }

    /// Users who existed before search moved to integer keys (0017) are
    /// found after it, renamed ones by their new name, deleted ones no more.
    #[tokio::test]
    async fn search_keys_carry_existing_users_and_follow_changes() {
        let scratch = Scratch::new("search-keys").await;
        let pool = crate::server::db::migrated_before(&scratch, "search rows").await;
        for (name, email) in [("Ann Lee", "ann@acme.io"), ("Bo Ng", "bo@acme.io")] {
            sqlx::query(
                "INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, '2026-12-01')",
            )
            .bind(uuid::Uuid::new_v4())
            .bind(email)
            .bind(name)
            .execute(&pool)
            .await
            .unwrap();
        }
        MIGRATOR.run(&pool).await.unwrap();
        let found = |words: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, String>(
                    "SELECT u.email FROM users_search \
                     JOIN user_search_rows r ON r.id = users_search.rowid \
                     JOIN users u ON u.id = r.user_id \
                     WHERE users_search MATCH $1 ORDER BY u.email",
                )
                .bind(words)
                .fetch_all(&pool)
                .await
                .unwrap()
            }
        };
        assert_eq!(found("acme").await, ["ann@acme.io", "bo@acme.io"]);
        sqlx::query("UPDATE users SET name = 'Ann Park' WHERE email = 'ann@acme.io'")
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(found("park").await, ["ann@acme.io"]);
        assert!(found("lee").await.is_empty());
        sqlx::query("DELETE FROM users WHERE email = 'bo@acme.io'")
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(found("acme").await, ["ann@acme.io"]);
        // The deleted user's key (the highest) is taken again by the next.
        sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, 'cy@acme.io', 'Cy Ode', '2026-12-02')")
            .bind(uuid::Uuid::new_v4())
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("UPDATE users SET email = 'ann@park.io' WHERE email = 'ann@acme.io'")
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(found("acme").await, ["cy@acme.io"]);
        assert_eq!(found("park").await, ["ann@park.io"]);
        assert_eq!(found("bo").await, Vec::<String>::new());
        let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_search_rows")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(keys, 2, "a deleted user's key goes too");
        pool.close().await;
    }

    /// Writes of the shapes an invitation and its acceptance make: the
    /// invitation, its mail, the membership and the change of status. A
    /// table's checks run on every write of their columns, so these stand
    /// for the server's own statements.
    const INVITATION_WRITES: [&str; 4] = [
        "INSERT INTO invitations (id, org_id, email, role, invited_by, created_at, sent_at, expires_at, sign_in_provider)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $6, $7)",
        "INSERT INTO outbox (message_id, to_addr, subject, text_body, html_body, next_attempt_at, created_at)
         VALUES ($1, 'a@acme.io', 's', 't', 'h', $2, $2)",
        "INSERT INTO memberships (org_id, user_id, role, status, joined_at) VALUES ($1, $2, $3, 'active', $4)",
        "UPDATE invitations SET status = $1 WHERE id = $2",
    ];

    /// The checks of the rows an invitation and its acceptance write build
    /// no temporary b-tree (0020): SQLite builds one for each IN list of
    /// three or more, each time a statement runs.
    #[tokio::test]
    async fn invitation_writes_build_no_temporary_table() {
        let scratch = Scratch::new("checks").await;
        let pool = connect(&scratch.url).await.unwrap();
        for sql in INVITATION_WRITES {
            let opcodes: Vec<String> = sqlx::query(&format!("EXPLAIN {sql}"))
                .fetch_all(&pool)
                .await
                .unwrap()
                .iter()
                .map(|row| sqlx::Row::get(row, "opcode"))
                .collect();
            assert!(opcodes.len() > 10, "{sql} was explained: {opcodes:?}");
            assert!(
                !opcodes.iter().any(|op| op == "OpenEphemeral"),
                "{sql}: {opcodes:?}"
            );
        }
        pool.close().await;
    }

    /// Sets `column` of every row of `table` to each of `taken`, then to
    /// `refused`, which its check must refuse.
    async fn takes_only(
        pool: &SqlitePool,
        table: &str,
        column: &str,
        taken: &[&str],
        refused: &str,
    ) {
        let set = format!("UPDATE {table} SET {column} = $1");
        for value in taken {
            let done = sqlx::query(&set).bind(value).execute(pool).await;
            assert!(done.is_ok(), "{table}.{column} {value}: {done:?}");
        }
        let done = sqlx::query(&set).bind(refused).execute(pool).await;
        assert!(done.is_err(), "{table}.{column} took {refused}");
    }

    /// The checks rewritten without lists (0020) refuse what they refused
    /// and take what they took, and rows from before stay whole.
    #[tokio::test]
    async fn checks_without_lists_take_the_same_values() {
        let scratch = Scratch::new("checks-kept").await;
        let pool = crate::server::db::migrated_before(&scratch, "checks without lists").await;
        let (org, user) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        sqlx::query("INSERT INTO organizations (id, name, slug, created_at) VALUES ($1, 'Acme', 'acme', '2026-12-01')")
            .bind(org)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, 'ann@acme.io', 'Ann', '2026-12-01')")
            .bind(user)
            .execute(&pool)
            .await
            .unwrap();
        let [invitation, mail, membership, _] = INVITATION_WRITES;
        let invite = |email: &'static str, role: &'static str, provider: &'static str| {
            sqlx::query(invitation)
                .bind(uuid::Uuid::now_v7())
                .bind(org)
                .bind(email)
                .bind(role)
                .bind(user)
                .bind("2026-12-01")
                .bind(provider)
        };
        invite("before@acme.io", "admin", "google")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(mail)
            .bind("before")
            .bind("2026-12-01")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(membership)
            .bind(org)
            .bind(user)
            .bind("admin")
            .bind("2026-12-01")
            .execute(&pool)
            .await
            .unwrap();
        MIGRATOR.run(&pool).await.unwrap();

        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(check, "ok");
        let kept: (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM invitations WHERE role = 'admin'),
                    (SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) FROM memberships WHERE role = 'admin')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(kept, (1, 1, 1));
        for (n, role) in ["owner", "admin", "member"].into_iter().enumerate() {
            let email = ["o@acme.io", "a@acme.io", "m@acme.io"][n];
            let provider = ["any", "google", "entra"][n];
            invite(email, role, provider).execute(&pool).await.unwrap();
        }
        for (role, provider) in [("guest", "any"), ("member", "github"), ("Admin", "any")] {
            let refused = invite("x@acme.io", role, provider).execute(&pool).await;
            assert!(refused.is_err(), "{role} {provider} was taken");
        }
        let statuses = [
            "pending", "accepted", "declined", "revoked", "expired", "failed",
        ];
        takes_only(&pool, "invitations", "status", &statuses, "lost").await;
        takes_only(
            &pool,
            "outbox",
            "status",
            &["pending", "sent", "failed"],
            "queued",
        )
        .await;
        takes_only(
            &pool,
            "memberships",
            "role",
            &["owner", "admin", "member"],
            "guest",
        )
        .await;
        pool.close().await;
    }
}
