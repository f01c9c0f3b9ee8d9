//! The background worker that drains the outbox, retrying with backoff.

use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

use super::outbox::{self, OutboxRow};
use super::transport::Transport;
use crate::server::config::Config;
use crate::server::db::{self, Pool};

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
pub async fn run(pool: Pool, transport: Transport, config: Arc<Config>, waker: MailWaker) {
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

/// Messages one pass takes at most, so the worker comes back to its loop
/// regularly even behind a long backlog.
const PASS_SIZE: usize = 50;

/// The moment `delay` from now.
fn after(delay: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1))
}

/// One pass over the due messages; returns how many were handled. Each one is
/// claimed (attempt counted, leased) before it is sent, then its outcome is
/// recorded: a crash in between sends it again once the lease runs out, with
/// the same Message-ID, rather than losing it.
pub async fn deliver_due(
    pool: &Pool,
    transport: &Transport,
    config: &Config,
) -> Result<usize, sqlx::Error> {
    // Retried messages become due after the pass started, so a pass tries
    // each message at most once.
    let started = Utc::now();
    let mut handled = 0;
    let mut blanked = false;
    while handled < PASS_SIZE {
        let mut tx = db::begin_write(pool).await?;
        let claimed = outbox::claim_next(&mut tx, started, after(config.mail_lease)).await?;
        tx.commit().await?;
        let Some(row) = claimed else { break };
        let result = send_within_deadline(transport, config, &row).await;
        blanked |= record_attempt(pool, &row, result, config).await?;
        handled += 1;
    }
    if blanked {
        clear_overwritten(pool).await;
    }
    Ok(handled)
}

/// Erases what the database still keeps of the bodies just blanked, link
/// secrets included (see [`db::clear_overwritten`]). A busy database only
/// leaves them until a later pass, so it is logged rather than failing this one.
async fn clear_overwritten(pool: &Pool) {
    const LEFT: &str = "blanked mail bodies stay in the database's log until a later pass";
    match db::clear_overwritten(pool).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!("the database was busy (another connection held it); {LEFT}"),
        Err(err) => tracing::warn!(error = %err, "clearing overwritten mail failed; {LEFT}"),
    }
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

/// Writes the outcome of the attempt `row` was claimed for; after the last
/// one the message, and whatever it was delivering, is marked failed with the
/// reason. Returns whether the message is finished and its bodies blanked.
async fn record_attempt(
    pool: &Pool,
    row: &OutboxRow,
    result: Result<(), String>,
    config: &Config,
) -> Result<bool, sqlx::Error> {
    let mut tx = db::begin_write(pool).await?;
    let finished = match result {
        Ok(()) => {
            // Bodies carry secret links; once delivered they are not kept.
            sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, last_error = NULL, text_body = '', html_body = '' WHERE id = $2")
                .bind(Utc::now())
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
            true
        }
        Err(reason) if row.attempts >= i64::from(config.mail_max_attempts) => {
            tracing::warn!(outbox_id = row.id, %reason, "mail delivery gave up");
            sqlx::query("UPDATE outbox SET status = 'failed', last_error = $1, text_body = '', html_body = '' WHERE id = $2")
                .bind(&reason)
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
            crate::server::invitations::store::delivery_failed(&mut tx, row.id, &reason).await?;
            true
        }
        Err(reason) => {
            let delay = backoff(config.mail_retry_base, row.attempts as u32);
            tracing::info!(outbox_id = row.id, %reason, retry_in_ms = delay.as_millis() as u64, "mail delivery will be retried");
            sqlx::query("UPDATE outbox SET last_error = $1, next_attempt_at = $2 WHERE id = $3")
                .bind(&reason)
                .bind(after(delay))
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
            false
        }
    };
    tx.commit().await?;
    Ok(finished)
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
