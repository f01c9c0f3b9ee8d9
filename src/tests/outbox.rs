use chrono::Utc;
use sqlx::SqlitePool;
use std::sync::Arc;
use std::time::Duration;

use crate::domain::Email;
use crate::server::config::{Config, MailTransportConfig};
use crate::server::mail::outbox::{self, DeliveryStatus, OutboxRow};
use crate::server::mail::{enqueue, transport::Transport, worker, OutgoingMail};
use crate::server::testing;

/// Longer than any healthy pass in these tests; a pass that takes this long hangs.
const HANG: Duration = Duration::from_secs(10);

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        to: Email::parse(to).unwrap(),
        subject: "Hello".into(),
        text: "Open http://127.0.0.1:3000/x".into(),
        html: "<p>Open</p>".into(),
    }
}

#[sqlx::test]
async fn file_transport_writes_one_eml_per_message(pool: SqlitePool) {
    let state = testing::state(pool.clone());
    let id = enqueue(&mut pool.acquire().await.unwrap(), &mail("ann@example.com"))
        .await
        .unwrap();
    let transport = Transport::from_config(&state.config.mail).unwrap();
    assert_eq!(
        worker::deliver_due(&pool, &transport, &state.config)
            .await
            .unwrap(),
        1
    );
    let row = outbox::get(&mut pool.acquire().await.unwrap(), id)
        .await
        .unwrap();
    assert_eq!(DeliveryStatus::from_db(&row.status), DeliveryStatus::Sent);
    assert!(
        row.text_body.is_empty() && row.html_body.is_empty(),
        "delivered bodies (with their secret links) are not kept"
    );
    let MailTransportConfig::File { dir } = &state.config.mail else {
        unreachable!()
    };
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(
        eml.contains("text/plain") && eml.contains("text/html"),
        "both parts present"
    );
    // Nothing left to deliver.
    assert_eq!(
        worker::deliver_due(&pool, &transport, &state.config)
            .await
            .unwrap(),
        0
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[sqlx::test]
async fn failing_delivery_is_retried_with_backoff_then_marked_failed(pool: SqlitePool) {
    let state = testing::state(pool.clone());
    let id = enqueue(&mut pool.acquire().await.unwrap(), &mail("ann@example.com"))
        .await
        .unwrap();
    let transport = testing::refused_smtp();
    let max = state.config.mail_max_attempts as i64;
    for attempt in 1..=max {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        worker::deliver_due(&pool, &transport, &state.config)
            .await
            .unwrap();
        let row = outbox::get(&mut pool.acquire().await.unwrap(), id)
            .await
            .unwrap();
        assert_eq!(row.attempts, attempt);
        assert!(
            row.last_error
                .as_deref()
                .unwrap_or_default()
                .contains("SMTP"),
            "{:?}",
            row.last_error
        );
        let expected = if attempt < max {
            DeliveryStatus::Pending
        } else {
            DeliveryStatus::Failed
        };
        assert_eq!(DeliveryStatus::from_db(&row.status), expected);
    }
    // A failed message is not tried again.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(
        worker::deliver_due(&pool, &transport, &state.config)
            .await
            .unwrap(),
        0
    );
}

#[sqlx::test]
async fn retry_waits_for_its_backoff(pool: SqlitePool) {
    let mut state = testing::state(pool.clone());
    std::sync::Arc::make_mut(&mut state.config).mail_retry_base =
        std::time::Duration::from_secs(60);
    enqueue(&mut pool.acquire().await.unwrap(), &mail("ann@example.com"))
        .await
        .unwrap();
    let transport = testing::refused_smtp();
    assert_eq!(
        worker::deliver_due(&pool, &transport, &state.config)
            .await
            .unwrap(),
        1
    );
    // The next attempt is a minute away, so nothing is due now.
    assert_eq!(
        worker::deliver_due(&pool, &transport, &state.config)
            .await
            .unwrap(),
        0
    );
}

/// One worker pass that must end within `HANG`, so a hang fails the test.
async fn pass(pool: &SqlitePool, transport: &Transport, config: &Config) -> usize {
    tokio::time::timeout(HANG, worker::deliver_due(pool, transport, config))
        .await
        .expect("the worker pass hung")
        .expect("the worker pass could read the outbox")
}

async fn row(pool: &SqlitePool, id: i64) -> OutboxRow {
    outbox::get(&mut pool.acquire().await.unwrap(), id)
        .await
        .unwrap()
}

#[sqlx::test]
async fn a_silent_mail_server_is_a_failed_attempt_retried_until_marked_failed(pool: SqlitePool) {
    let smtp = testing::SilentSmtp::start().await;
    let mut state = testing::state(pool.clone());
    let config = Arc::make_mut(&mut state.config);
    config.mail_send_timeout = Duration::from_millis(300);
    config.mail_retry_base = Duration::from_millis(500);
    let id = enqueue(&mut pool.acquire().await.unwrap(), &mail("ann@example.com"))
        .await
        .unwrap();
    let max = i64::from(config.mail_max_attempts);
    for attempt in 1..=max {
        let wait = row(&pool, id).await.next_attempt_at - Utc::now();
        tokio::time::sleep(wait.to_std().unwrap_or_default()).await;
        assert_eq!(pass(&pool, &smtp.transport, config).await, 1);
        let row = row(&pool, id).await;
        assert_eq!(row.attempts, attempt);
        assert_eq!(
            row.last_error.as_deref(),
            Some("the mail server did not answer within 300 ms")
        );
        if attempt < max {
            assert_eq!(DeliveryStatus::from_db(&row.status), DeliveryStatus::Pending);
            assert!(row.next_attempt_at > Utc::now(), "retried after a backoff");
        } else {
            assert_eq!(DeliveryStatus::from_db(&row.status), DeliveryStatus::Failed);
        }
    }
}
