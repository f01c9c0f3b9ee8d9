//! The background worker that drains the outbox, retrying with backoff.

use chrono::Utc;
use sqlx::SqlitePool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

use super::outbox::{self, OutboxRow};
use super::transport::Transport;
use crate::server::config::Config;

/// Wakes the worker right after a transaction that enqueued mail commits.
#[derive(Clone, Default)]
pub struct MailWaker(Arc<Notify>);

impl MailWaker {
    /// Asks the worker to look at the outbox now.
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// Delay before attempt `attempts + 1`: base, 2x base, 4x base … capped at one hour.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
    base.saturating_mul(factor).min(Duration::from_secs(3600))
}

/// Runs forever: delivers due mail, then sleeps until woken or for a second.
pub async fn run(pool: SqlitePool, transport: Transport, config: Arc<Config>, waker: MailWaker) {
    loop {
        match deliver_due(&pool, &transport, &config).await {
            Ok(_) => {}
            Err(err) => tracing::error!(error = %err, "mail worker could not read the outbox"),
        }
        tokio::select! {
            _ = waker.0.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// One pass over the due messages; returns how many were handled.
pub async fn deliver_due(
    pool: &SqlitePool,
    transport: &Transport,
    config: &Config,
) -> Result<usize, sqlx::Error> {
    let rows = outbox::due(&mut *pool.acquire().await?, Utc::now(), 50).await?;
    for row in &rows {
        let result = send_within_deadline(transport, config, row).await;
        record_attempt(pool, row, result, config).await?;
    }
    Ok(rows.len())
}

/// Sends `row`, giving up after `MAIL_SEND_TIMEOUT_SECS`: lettre's own timeout
/// does not cover every phase, and a server that accepts the connection but
/// never answers would otherwise hold the worker, and all mail, forever.
async fn send_within_deadline(
    transport: &Transport,
    config: &Config,
    row: &OutboxRow,
) -> Result<(), String> {
    let deadline = config.mail_send_timeout;
    tokio::time::timeout(deadline, transport.send(&config.mail_from, row))
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "the mail server did not answer within {}",
                duration_text(deadline)
            ))
        })
}

/// "30 s"; "300 ms" when not a whole number of seconds.
fn duration_text(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

/// Writes the outcome of one attempt; after the last one the message, and
/// whatever it was delivering, is marked failed with the reason.
async fn record_attempt(
    pool: &SqlitePool,
    row: &OutboxRow,
    result: Result<(), String>,
    config: &Config,
) -> Result<(), sqlx::Error> {
    let now = Utc::now();
    let attempts = row.attempts + 1;
    let mut tx = pool.begin().await?;
    match result {
        Ok(()) => {
            // Bodies carry secret links; once delivered they are not kept.
            sqlx::query("UPDATE outbox SET status = 'sent', attempts = ?, sent_at = ?, last_error = NULL, text_body = '', html_body = '' WHERE id = ?")
                .bind(attempts)
                .bind(now)
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
        }
        Err(reason) if attempts >= i64::from(config.mail_max_attempts) => {
            tracing::warn!(outbox_id = row.id, %reason, "mail delivery gave up");
            sqlx::query("UPDATE outbox SET status = 'failed', attempts = ?, last_error = ?, text_body = '', html_body = '' WHERE id = ?")
                .bind(attempts)
                .bind(&reason)
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
            crate::server::invitations::store::delivery_failed(&mut tx, row.id, &reason).await?;
        }
        Err(reason) => {
            let delay = backoff(config.mail_retry_base, attempts as u32);
            tracing::info!(outbox_id = row.id, %reason, retry_in_ms = delay.as_millis() as u64, "mail delivery will be retried");
            let next =
                now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1));
            sqlx::query(
                "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
            )
            .bind(attempts)
            .bind(&reason)
            .bind(next)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let base = Duration::from_secs(10);
        assert_eq!(backoff(base, 1), Duration::from_secs(10));
        assert_eq!(backoff(base, 2), Duration::from_secs(20));
        assert_eq!(backoff(base, 3), Duration::from_secs(40));
        assert_eq!(backoff(base, 30), Duration::from_secs(3600));
    }

    #[test]
    fn deadlines_read_in_seconds_or_milliseconds() {
        assert_eq!(duration_text(Duration::from_secs(30)), "30 s");
        assert_eq!(duration_text(Duration::from_millis(300)), "300 ms");
    }
}
