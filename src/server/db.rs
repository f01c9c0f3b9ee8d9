//! The SQLite pool: WAL, foreign keys and secure delete on, migrations applied at start-up.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

use crate::error::AppError;

/// Opens (creating if needed) the database at `url` and migrates it.
pub async fn connect(url: &str) -> Result<SqlitePool, sqlx::Error> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
            }
        }
    }
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // Zero deleted and overwritten content, so a blanked mail body (with
        // its link secret) leaves no readable copy in the page it lived in.
        .pragma("secure_delete", "ON")
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    sqlx::migrate!().run(&pool).await?;
    Ok(pool)
}

/// Opens a write transaction that takes SQLite's write lock at once
/// (`BEGIN IMMEDIATE`), so read-check-write sequences cannot interleave.
pub async fn begin_write(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
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
