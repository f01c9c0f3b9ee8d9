//! Writes a change makes without waiting for their answers, sent together.
//!
//! Each statement run in a write turn is a trip to the database, and every
//! writer behind waits for it: on SQLite two thread wake-ups, on PostgreSQL
//! a network round trip. The rows a change stores once its checks have
//! passed (an invitation, its links, its mail, its audit event) answer
//! nothing it needs, so they are collected here and sent at once: on SQLite
//! as one multi-statement query (one trip), on PostgreSQL one after another.

use sqlx::error::BoxDynError;
use sqlx::{Arguments, Database, Encode, FromRow, Type};

use super::{Conn, Db, Pending};

/// Statements to run in order, in the caller's transaction, by [`Batch::run`].
#[derive(Default)]
pub struct Batch {
    pending: Pending,
    /// The first value that could not be encoded, reported by [`Batch::run`].
    failed: Option<BoxDynError>,
}

impl Batch {
    /// Adds one statement (no `;` between two), with placeholders `$1`,
    /// `$2`..., bound in order by the [`Statement`] answered.
    pub fn push(&mut self, sql: &str) -> Statement<'_> {
        Statement {
            args: self.pending.statement(sql, self.failed.is_none()),
            failed: &mut self.failed,
        }
    }

    /// A batch whose statements follow `earlier`'s in the same trip.
    #[cfg(not(feature = "postgres"))]
    pub(super) fn after(earlier: Pending) -> Self {
        Self {
            pending: earlier.carried(),
            failed: None,
        }
    }

    /// Runs the statements in the order they were pushed; nothing when there are none.
    pub async fn run(self, conn: &mut Conn) -> Result<(), sqlx::Error> {
        self.into_pending()?.run(conn).await
    }

    /// Runs the statements in order and answers the row the last one
    /// yields, if any: a read that needs what the writes before it did,
    /// in the same trip. The statements before it must yield no rows.
    pub async fn fetch_optional<T>(self, conn: &mut Conn) -> Result<Option<T>, sqlx::Error>
    where
        T: for<'r> FromRow<'r, <Db as Database>::Row>,
    {
        let row = self.into_pending()?.fetch_optional(conn).await?;
        row.as_ref().map(T::from_row).transpose()
    }

    /// The statements to run, or the value that could not be encoded.
    pub(super) fn into_pending(self) -> Result<Pending, sqlx::Error> {
        match self.failed {
            Some(err) => Err(sqlx::Error::Encode(err)),
            None => Ok(self.pending),
        }
    }
}

/// One statement of a [`Batch`], taking its values.
pub struct Statement<'b> {
    args: &'b mut <Db as sqlx::Database>::Arguments<'static>,
    failed: &'b mut Option<BoxDynError>,
}

impl Statement<'_> {
    /// Binds the next placeholder.
    pub fn bind<T>(self, value: T) -> Self
    where
        T: Encode<'static, Db> + Type<Db> + 'static,
    {
        if let Err(err) = self.args.add(value) {
            self.failed.get_or_insert(err);
        }
        self
    }
}

/// The failure of a batch whose statements yield more than its last
/// statement's one row.
pub(super) fn only_the_last_answers() -> sqlx::Error {
    sqlx::Error::Protocol("a batch answers one row, from its last statement".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::{begin_write, begin_write_with, connect, Scratch};

    /// Statements run in order with their own values, however many each
    /// has; a later one sees what an earlier one wrote, and the last one's
    /// row is answered.
    #[tokio::test]
    async fn a_batch_runs_its_statements_in_order_with_their_own_values() {
        let scratch = Scratch::new("batch").await;
        let pool = connect(&scratch.url).await.unwrap();
        let mut tx = begin_write(&pool).await.unwrap();
        let mut batch = Batch::default();
        batch
            .push("INSERT INTO rate_limits (key, window_ends, hits) VALUES ($1, $2, $3)")
            .bind("first")
            .bind(10_i64)
            .bind(1_i64);
        batch.push("INSERT INTO rate_limits (key, window_ends, hits) SELECT $2, window_ends + $1, hits + 1 FROM rate_limits WHERE key = $3")
            .bind(5_i64)
            .bind("second".to_owned())
            .bind("first");
        batch
            .push("UPDATE rate_limits SET hits = hits * 10 WHERE key = $1")
            .bind("second");
        batch
            .push("SELECT window_ends, hits FROM rate_limits WHERE key = $1")
            .bind("second");
        let second: Option<(i64, i64)> = batch.fetch_optional(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        // Made from the first row (10, 1), then multiplied.
        assert_eq!(second, Some((15, 20)));
    }

    /// A change begun with its first statements and committed with its
    /// last: what the first read is answered, and when the last fail,
    /// nothing of the change is kept and the next writer begins cleanly.
    #[tokio::test]
    async fn a_change_whose_last_writes_fail_keeps_none_of_it() {
        let scratch = Scratch::new("batch-ends").await;
        let pool = connect(&scratch.url).await.unwrap();
        let insert = "INSERT INTO rate_limits (key, window_ends, hits) VALUES ($1, 0, 1)";
        let (tx, hits) = begin_write_with::<(i64,)>(&pool, |first| {
            first
                .push(&format!("{insert} RETURNING hits"))
                .bind("begun");
        })
        .await
        .unwrap();
        assert_eq!(hits, Some((1,)));
        let mut last = Batch::default();
        last.push(insert).bind("last");
        last.push(insert).bind("begun");
        assert!(tx.commit_with(last).await.is_err(), "the key is taken");
        let next = begin_write(&pool).await.unwrap();
        let mut last = Batch::default();
        last.push(insert).bind("next");
        next.commit_with(last).await.unwrap();
        let kept: Vec<String> = sqlx::query_scalar("SELECT key FROM rate_limits")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(kept, ["next"]);
    }

    /// A batch answers the row of its last statement only: a row from an
    /// earlier one fails it, whether the last finds a row or none, rather
    /// than ending the query there or standing in for the last one's.
    #[tokio::test]
    async fn a_row_before_the_last_statement_fails_the_batch() {
        let scratch = Scratch::new("early-row").await;
        let pool = connect(&scratch.url).await.unwrap();
        for (n, last_finds) in ["early-0", "nothing"].into_iter().enumerate() {
            let mut tx = begin_write(&pool).await.unwrap();
            let mut batch = Batch::default();
            batch
                .push("INSERT INTO rate_limits (key, window_ends, hits) VALUES ($1, 0, 1) RETURNING hits")
                .bind(format!("early-{n}"));
            batch
                .push("SELECT hits FROM rate_limits WHERE key = $1")
                .bind(last_finds);
            let answered = batch.fetch_optional::<(i64,)>(&mut tx).await;
            assert!(answered.is_err(), "{last_finds}: answered {answered:?}");
        }
    }

    /// A failing statement fails the batch, and its transaction undoes
    /// what the statements before it did.
    #[tokio::test]
    async fn a_failing_statement_fails_the_batch() {
        let scratch = Scratch::new("batch-fails").await;
        let pool = connect(&scratch.url).await.unwrap();
        let mut tx = begin_write(&pool).await.unwrap();
        let mut batch = Batch::default();
        for _ in 0..2 {
            batch
                .push("INSERT INTO rate_limits (key, window_ends, hits) VALUES ($1, 0, 1)")
                .bind("twice");
        }
        assert!(batch.run(&mut tx).await.is_err());
        drop(tx);
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
}
