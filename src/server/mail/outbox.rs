//! The outbox table: mail waiting to be delivered, with attempts and errors.

use chrono::{DateTime, Utc};

use crate::domain::Email;
use crate::server::db::{Batch, Conn};

/// A message to send: always both a plain-text and an HTML part.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Delivery state of one outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Sent,
    Failed,
}

impl DeliveryStatus {
    /// Parses the stored spelling.
    pub fn from_db(s: &str) -> Self {
        match s {
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// One row of the outbox as the worker sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    /// Left part of the Message-ID header, the same on every attempt.
    pub message_id: String,
    pub to_addr: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attempts: i64,
    pub status: String,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
}

/// Adds `mail` to the outbox with the rest of `batch`, so it commits or
/// rolls back with the change that caused it. Answers its message id, by
/// which the change's other statements find the row (`SELECT id FROM
/// outbox WHERE message_id = ...`) without waiting for it to be written.
pub fn enqueue_in(batch: &mut Batch, mail: OutgoingMail) -> String {
    // Time-ordered, as invitation ids are (see `invitations::store`).
    let message_id = uuid::Uuid::now_v7().simple().to_string();
    let now = Utc::now();
    batch
        .push(
            "INSERT INTO outbox (message_id, to_addr, subject, text_body, html_body, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(message_id.clone())
        .bind(mail.to.to_string())
        .bind(mail.subject)
        .bind(mail.text)
        .bind(mail.html)
        .bind(now)
        .bind(now);
    message_id
}

/// Takes the oldest message due by `due_by` for one attempt, the one way rows
/// are taken: counts the attempt and leases the row until `lease_until` in one
/// committed statement before anything is sent. A crash during or after the
/// send therefore leaves a row that is not due again until the lease runs out,
/// and two workers can never take the same row.
pub async fn claim_next(
    conn: &mut Conn,
    due_by: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<OutboxRow>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1
         WHERE id = (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 ORDER BY id LIMIT 1)
         RETURNING id, message_id, to_addr, subject, text_body, html_body, attempts, status, last_error, next_attempt_at",
    )
    .bind(lease_until)
    .bind(due_by)
    .fetch_optional(conn)
    .await
}

/// Reads one row (tests and the console's delivery column).
pub async fn get(conn: &mut Conn, id: i64) -> Result<OutboxRow, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, message_id, to_addr, subject, text_body, html_body, attempts, status, last_error, next_attempt_at
         FROM outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}
