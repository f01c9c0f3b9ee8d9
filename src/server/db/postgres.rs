//! PostgreSQL, for several replicas over one database.
//!
//! Changes serialize on one transaction-scoped advisory lock, taken by every
//! write transaction before its first statement: the same one-writer-at-a-time
//! order SQLite's write lock gives, now across every replica, so each
//! read-check-write rule (seats, the last owner, one pending invitation per
//! address, one membership from many accepts) holds as it does on SQLite.
//! Reads never wait for it. Lone statements through `db::write` (a rate-limit
//! hit, a last-used time) are atomic by themselves and do not take it.

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgConnection, PgPool, Postgres};
use std::str::FromStr;
use std::time::Duration;

pub type Db = Postgres;
pub type Pool = PgPool;
pub type Conn = PgConnection;

/// The PostgreSQL schema's steps. sqlx holds an advisory lock while it
/// migrates, so of several replicas starting at once exactly one applies them.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// The advisory lock every write transaction holds ("GATEHOUS" in ASCII).
const WRITE_LOCK: i64 = 0x4741_5445_484f_5553;

/// How long a writer waits for the lock behind other replicas.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Connects to the database at `url` and migrates it.
pub async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(PgConnectOptions::from_str(url)?)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// Names the database for the write queue: its server and name.
pub fn database_name(pool: &PgPool) -> String {
    let options = pool.connect_options();
    format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default()
    )
}

/// The pool writes go through: any of its connections, as each write
/// holds the advisory lock.
pub fn writer(pool: &PgPool) -> PgPool {
    pool.clone()
}

/// What the turn at the write lock holds: nothing, as any pooled
/// connection may write.
pub type Writer = ();

/// Nothing is left open in a turn, and no change waits in one for a later
/// COMMIT: a transaction holds its own connection and commits itself.
pub(super) async fn ready(
    turn: super::Turn,
    _for: super::TurnFor,
) -> Result<super::Turn, sqlx::Error> {
    Ok(turn)
}

/// A change's COMMIT, made.
pub(super) struct Committed;

impl Committed {
    pub(super) async fn wait(self) -> Result<(), sqlx::Error> {
        Ok(())
    }
}

/// A write transaction on a pooled connection, holding the write lock (an
/// advisory lock) until it commits or rolls back; `None` once it has.
pub struct OpenTx(Option<sqlx::Transaction<'static, Postgres>>);

impl OpenTx {
    pub(super) fn new() -> Self {
        Self(None)
    }

    /// Begins, then runs the statements `first` pushes once the lock is
    /// held; answers the row the last one yields. Fails rather than wait
    /// longer than `LOCK_WAIT` for the lock.
    pub(super) async fn begin(
        &mut self,
        pool: &PgPool,
        _turn: &mut super::Turn,
        first: impl FnOnce(&mut super::Batch),
    ) -> Result<Option<PgRow>, sqlx::Error> {
        let tx = self.0.insert(pool.begin().await?);
        // One round trip: the volatile subquery sets the timeout before the
        // lock is waited for.
        sqlx::query(
            "SELECT pg_advisory_xact_lock($1) FROM (SELECT set_config('lock_timeout', $2, true)) AS timeout",
        )
        .bind(WRITE_LOCK)
        .bind(format!("{}s", LOCK_WAIT.as_secs()))
        .execute(&mut **tx)
        .await?;
        let mut batch = super::Batch::default();
        first(&mut batch);
        batch.into_pending()?.fetch_optional(tx).await
    }

    /// Runs `last`, then commits; rolls back if any of `last` failed (see
    /// [`Self::abandon`]).
    pub(super) async fn commit(
        mut self,
        mut turn: super::Turn,
        last: Pending,
    ) -> Result<Committed, sqlx::Error> {
        if let Err(err) = last.run(self.conn_mut(&mut turn)).await {
            self.abandon(turn);
            return Err(err);
        }
        self.take().commit().await?;
        Ok(Committed)
    }

    /// Rolls back a transaction dropped open (a refused change, a cancelled
    /// request). sqlx only queues the ROLLBACK, so the turn is held until it
    /// has run; otherwise the next writer would wait for the advisory lock
    /// (as it does, at most `LOCK_WAIT`, after a cancelled commit, or with
    /// no runtime to run the rollback on).
    pub(super) fn abandon(self, turn: super::Turn) {
        let (Some(tx), Ok(runtime)) = (self.0, tokio::runtime::Handle::try_current()) else {
            return;
        };
        runtime.spawn(async move {
            let _ = tx.rollback().await;
            drop(turn);
        });
    }

    fn take(&mut self) -> sqlx::Transaction<'static, Postgres> {
        self.0
            .take()
            .expect("a transaction is open until it is consumed")
    }

    pub(super) fn conn(&self, _turn: &super::Turn) -> &PgConnection {
        self.0
            .as_deref()
            .expect("a transaction is open until it is consumed")
    }

    pub(super) fn conn_mut(&mut self, _turn: &mut super::Turn) -> &mut PgConnection {
        self.0
            .as_deref_mut()
            .expect("a transaction is open until it is consumed")
    }
}

/// Runs one statement on any pooled connection, in the caller's turn.
pub(super) async fn execute_in_turn<'q>(
    pool: &PgPool,
    _turn: &mut super::Turn,
    statement: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
) -> Result<sqlx::postgres::PgQueryResult, sqlx::Error> {
    statement.execute(pool).await
}

/// The statements of a [`super::Batch`], run one after another: PostgreSQL
/// takes no multi-statement query with values.
#[derive(Default)]
pub(super) struct Pending(Vec<(String, PgArguments)>);

impl Pending {
    pub(super) fn statement(&mut self, sql: &str, _all_encoded: bool) -> &mut PgArguments {
        self.0.push((sql.to_owned(), PgArguments::default()));
        &mut self.0.last_mut().expect("pushed above").1
    }

    pub(super) async fn run(self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        for (sql, args) in self.0 {
            sqlx::query_with(&sql, args).execute(&mut *conn).await?;
        }
        Ok(())
    }

    pub(super) async fn fetch_optional(
        mut self,
        conn: &mut PgConnection,
    ) -> Result<Option<PgRow>, sqlx::Error> {
        let Some((sql, args)) = self.0.pop() else {
            return Ok(None);
        };
        // As on SQLite, only the last statement may yield a row, and one.
        for (sql, args) in self.0 {
            if !sqlx::query_with(&sql, args)
                .fetch_all(&mut *conn)
                .await?
                .is_empty()
            {
                return Err(super::batch::only_the_last_answers());
            }
        }
        let mut rows = sqlx::query_with(&sql, args).fetch_all(conn).await?;
        if rows.len() > 1 {
            return Err(super::batch::only_the_last_answers());
        }
        Ok(rows.pop())
    }
}

/// PostgreSQL keeps an overwritten row's old version until vacuum reclaims
/// it; there is no file to empty from here, so this only reports done.
pub async fn clear_overwritten(_pool: &PgPool) -> Result<bool, sqlx::Error> {
    Ok(true)
}

/// A time column as a keyset cursor's sort key: fixed-width UTC text, which
/// sorts as time does (cursors carry text on both databases).
pub fn time_key(column: &str) -> String {
    format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')")
}

/// What goes around a cursor's time key (a parameter) to compare it with its
/// column: the time again, so the column's index orders and cuts the page.
pub const TIME_FROM_KEY: (&str, &str) = ("(", "::timestamp AT TIME ZONE 'UTC')");

/// The values of `expr` over a group, joined by U+001F (never in a name).
pub fn joined(expr: &str) -> String {
    format!("string_agg({expr}, '\u{1f}')")
}

/// Pushes a FROM clause of the members (`m`) whose name, or address unless
/// `names_only`, has words beginning with each piece of `search` (it joins
/// their users as `u` to match them); `false`, pushing nothing, when no
/// piece has a letter or digit.
///
/// Words are split as the `users_search` index splits them (at anything not a
/// letter, digit or combining mark), so a piece is a phrase of words, its
/// last one a prefix ("ann.lee@acme" is ann, lee, acme in a row), and never
/// query syntax; `fold_marks` folds case and diacritics on both sides.
pub fn push_member_search<'a>(
    qb: &mut sqlx::QueryBuilder<'a, Postgres>,
    search: &str,
    names_only: bool,
) -> bool {
    let pieces: Vec<String> = search
        .split_whitespace()
        .filter_map(|piece| {
            let words: Vec<String> = piece
                .split(|c: char| !(c.is_alphanumeric() || is_combining_mark(c)))
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .map(str::to_owned)
                .collect();
            (!words.is_empty()).then(|| format!("{}:*", words.join(" <-> ")))
        })
        .collect();
    if pieces.is_empty() {
        return false;
    }
    let email = if names_only { "''" } else { "u.email" };
    qb.push(format!(
        " FROM memberships m JOIN users u ON u.id = m.user_id \
         AND search_words(u.name, {email}) @@ to_tsquery('simple', fold_marks("
    ))
    .push_bind(pieces.join(" & "))
    .push("))");
    true
}

/// The combining diacritical marks `fold_marks` removes (U+0300 to U+036F).
fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// A database of its own for a test that opens it more than once, as
/// several replicas would: a new database on the tests' server (whose
/// cluster is thrown away after the run).
#[cfg(test)]
pub struct Scratch {
    pub url: String,
}

#[cfg(test)]
impl Scratch {
    pub async fn new(name: &str) -> Self {
        use sqlx::migrate::MigrateDatabase;
        let server = std::env::var("DATABASE_URL")
            .expect("DATABASE_URL names the PostgreSQL server of the tests");
        let (base, _) = server
            .rsplit_once('/')
            .expect("DATABASE_URL ends in a database name");
        let url = format!("{base}/gatehouse_{name}_{}", uuid::Uuid::new_v4().simple());
        Postgres::create_database(&url).await.unwrap();
        Self { url }
    }

    /// Opens the database with no migrations run.
    pub async fn unmigrated(&self) -> PgPool {
        PgPool::connect(&self.url).await.unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write transaction holds the write lock and waits at most
    /// `LOCK_WAIT` for locks, set in the one round trip that takes it.
    #[tokio::test]
    async fn a_write_holds_the_lock_and_waits_for_it_at_most_lock_wait() {
        let scratch = Scratch::new("write_lock").await;
        let pool = connect(&scratch.url).await.unwrap();
        let mut tx = super::super::begin_write(&pool).await.unwrap();
        let timeout: String = sqlx::query_scalar("SHOW lock_timeout")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(timeout, format!("{}s", LOCK_WAIT.as_secs()));
        let held: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted",
        )
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert_eq!(held, 1);
        tx.commit().await.unwrap();
        let after: String = sqlx::query_scalar("SHOW lock_timeout")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_ne!(after, timeout, "the timeout is the transaction's own");
        pool.close().await;
    }
}
