//! Database and HTTP-level tests over a fresh SQLite per test (`#[sqlx::test]`).

mod accounts;
mod http;
mod organizations;
mod outbox;

use sqlx::SqlitePool;

/// The newest outbox message to `to`: (subject, text body).
pub async fn last_mail_to(pool: &SqlitePool, to: &str) -> (String, String) {
    sqlx::query_as("SELECT subject, text_body FROM outbox WHERE to_addr = ? ORDER BY id DESC LIMIT 1")
        .bind(to)
        .fetch_one(pool)
        .await
        .expect("a mail was queued")
}

/// The first link in a text that contains `marker`, made relative to the site.
pub fn link_path(text: &str, marker: &str) -> String {
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("http") && w.contains(marker))
        .expect("mail contains the link");
    let after_scheme = link.split_once("://").unwrap().1;
    format!("/{}", after_scheme.split_once('/').unwrap().1)
}
