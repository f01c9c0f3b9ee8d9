use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;

use super::support;
use crate::domain::Email;
use crate::server::config::{Config, MailTransportConfig};
use crate::server::db::Batch;
use crate::server::db::Pool;
use crate::server::mail::outbox::{self, DeliveryStatus, OutboxRow};
use crate::server::mail::{enqueue_in, transport::Transport, worker, OutgoingMail};

/// Longer than any healthy pass in these tests; a pass that takes this long hangs.
const HANG: Duration = Duration::from_secs(10);

/// Puts `mail` in the outbox by itself; answers its row id.
async fn enqueue(pool: &Pool, mail: OutgoingMail) -> i64 {
    let mut batch = Batch::default();
    let message_id = enqueue_in(&mut batch, mail);
    batch.run(&mut pool.acquire().await.unwrap()).await.unwrap();
    sqlx::query_scalar("SELECT id FROM outbox WHERE message_id = $1")
        .bind(message_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        to: Email::parse(to).unwrap(),
        subject: "Hello".into(),
        text: "Open http://127.0.0.1:3000/x".into(),
        html: "<p>Open</p>".into(),
    }
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn file_transport_writes_one_eml_per_message(pool: Pool) {
    let state = support::state(pool.clone());
    let id = enqueue(&pool, mail("ann@example.com")).await;
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

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn failing_delivery_is_retried_with_backoff_then_marked_failed(pool: Pool) {
    let state = support::state(pool.clone());
    let id = enqueue(&pool, mail("ann@example.com")).await;
    let transport = support::refused_smtp();
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

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn retry_waits_for_its_backoff(pool: Pool) {
    let mut state = support::state(pool.clone());
    std::sync::Arc::make_mut(&mut state.config).mail_retry_base =
        std::time::Duration::from_secs(60);
    enqueue(&pool, mail("ann@example.com")).await;
    let transport = support::refused_smtp();
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
async fn pass(pool: &Pool, transport: &Transport, config: &Config) -> usize {
    tokio::time::timeout(HANG, worker::deliver_due(pool, transport, config))
        .await
        .expect("the worker pass hung")
        .expect("the worker pass could read the outbox")
}

async fn row(pool: &Pool, id: i64) -> OutboxRow {
    outbox::get(&mut pool.acquire().await.unwrap(), id)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_silent_mail_server_is_a_failed_attempt_retried_until_marked_failed(pool: Pool) {
    let smtp = support::SilentSmtp::start().await;
    let mut state = support::state(pool.clone());
    let config = Arc::make_mut(&mut state.config);
    config.mail_send_timeout = Duration::from_millis(300);
    config.mail_retry_base = Duration::from_millis(500);
    let id = enqueue(&pool, mail("ann@example.com")).await;
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
            assert_eq!(
                DeliveryStatus::from_db(&row.status),
                DeliveryStatus::Pending
            );
            assert!(row.next_attempt_at > Utc::now(), "retried after a backoff");
        } else {
            assert_eq!(DeliveryStatus::from_db(&row.status), DeliveryStatus::Failed);
        }
    }
}

/// The Message-ID header of every `.eml` file in `dir`.
fn message_ids_in(dir: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|file| std::fs::read_to_string(file.unwrap().path()).unwrap())
        .map(|eml| {
            eml.lines()
                .find_map(|line| line.strip_prefix("Message-ID: "))
                .expect("every mail has a Message-ID")
                .to_owned()
        })
        .collect()
}

fn mail_dir(config: &Config) -> &str {
    let MailTransportConfig::File { dir } = &config.mail else {
        unreachable!("tests write mail to files")
    };
    dir
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_message_is_claimed_before_it_is_sent(pool: Pool) {
    let smtp = support::SilentSmtp::start().await;
    let mut state = support::state(pool.clone());
    Arc::make_mut(&mut state.config).mail_send_timeout = Duration::from_secs(60);
    let id = enqueue(&pool, mail("ann@example.com")).await;
    let started = Utc::now();
    let worker_pass = {
        let (pool, transport, config) =
            (pool.clone(), smtp.transport.clone(), state.config.clone());
        tokio::spawn(async move { worker::deliver_due(&pool, &transport, &config).await })
    };
    tokio::time::timeout(HANG, smtp.accepted.notified())
        .await
        .expect("the worker connects to the mail server");
    let during_send = row(&pool, id).await;
    // The process dies while the mail server may already have the message.
    worker_pass.abort();
    assert_eq!(
        during_send.attempts, 1,
        "the attempt is counted before sending"
    );
    assert!(
        during_send.next_attempt_at > started + chrono::Duration::minutes(2),
        "leased for longer than a send may take: {}",
        during_send.next_attempt_at
    );
    let files = Transport::from_config(&state.config.mail).unwrap();
    assert_eq!(
        pass(&pool, &files, &state.config).await,
        0,
        "not sent again while the lease runs"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn every_mail_carries_the_message_id_chosen_at_enqueue(pool: Pool) {
    let state = support::state(pool.clone());
    let id = enqueue(&pool, mail("ann@example.com")).await;
    let stored: String = sqlx::query_scalar("SELECT message_id FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let transport = Transport::from_config(&state.config.mail).unwrap();
    assert_eq!(pass(&pool, &transport, &state.config).await, 1);
    assert_eq!(
        message_ids_in(mail_dir(&state.config)),
        [format!("<{stored}@gatehouse.test>")],
        "the stored id at the From domain"
    );
    std::fs::remove_dir_all(mail_dir(&state.config)).unwrap();
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_send_cut_short_by_a_crash_is_sent_again_after_its_lease_with_the_same_message_id(
    pool: Pool,
) {
    let state = support::state(pool.clone());
    let transport = Transport::from_config(&state.config.mail).unwrap();
    let id = enqueue(&pool, mail("ann@example.com")).await;
    // A worker claims the message, the mail server takes it, and the process
    // dies before the outcome is recorded.
    let lease_until = Utc::now() + chrono::Duration::milliseconds(300);
    let claimed = outbox::claim_next(&mut pool.acquire().await.unwrap(), Utc::now(), lease_until)
        .await
        .unwrap()
        .expect("the message is due");
    transport
        .send(&state.config.mail_from, &claimed)
        .await
        .unwrap();
    assert_eq!(pass(&pool, &transport, &state.config).await, 0, "leased");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        pass(&pool, &transport, &state.config).await,
        1,
        "the lease ran out"
    );
    assert_eq!(
        pass(&pool, &transport, &state.config).await,
        0,
        "sent once more, not again"
    );
    let row = row(&pool, id).await;
    assert_eq!(DeliveryStatus::from_db(&row.status), DeliveryStatus::Sent);
    assert_eq!(row.attempts, 2);
    let ids = message_ids_in(mail_dir(&state.config));
    assert_eq!(ids.len(), 2);
    assert_eq!(
        ids[0], ids[1],
        "the copy is recognisable as the same message"
    );
    std::fs::remove_dir_all(mail_dir(&state.config)).unwrap();
}

/// What SQLite's files keep; PostgreSQL keeps old row versions until vacuum.
#[cfg(not(feature = "postgres"))]
mod sqlite_files {
    use super::*;
    use crate::server::{db, token::SecretToken};

    /// The SQLite files of the database at `db` (main file, WAL, shared memory)
    /// that contain `secret` as written.
    fn database_files_holding(db: &std::path::Path, secret: &str) -> Vec<String> {
        ["", "-wal", "-shm"]
            .iter()
            .map(|suffix| format!("{}{suffix}", db.display()))
            .filter(|path| {
                std::fs::read(path).is_ok_and(|bytes| {
                    bytes
                        .windows(secret.len())
                        .any(|window| window == secret.as_bytes())
                })
            })
            .collect()
    }

    #[tokio::test]
    async fn delivered_link_secrets_leave_no_trace_in_the_database_files() {
        let dir = std::env::temp_dir().join(format!("gatehouse-test-db-{}", uuid::Uuid::new_v4()));
        let db_file = dir.join("gatehouse.db");
        let pool = db::connect(&format!("sqlite://{}", db_file.display()))
            .await
            .unwrap();
        let config = Config::for_tests(dir.join("mail").to_str().unwrap());
        let transport = Transport::from_config(&config.mail).unwrap();
        // Short and long bodies: long ones spill into SQLite overflow pages.
        let secrets: Vec<String> = (0..12).map(|_| SecretToken::generate().secret).collect();
        for (i, secret) in secrets.iter().enumerate() {
            let link = format!("http://127.0.0.1:3000/invite/{secret}");
            let padding = "Welcome aboard. ".repeat(if i % 2 == 0 { 1 } else { 500 });
            let mail = OutgoingMail {
                text: format!("{padding}\n\nAccept or decline: {link}\n"),
                html: format!("<p>{padding}</p><p><a href=\"{link}\">{link}</a></p>"),
                ..mail("ann@example.com")
            };
            enqueue(&pool, mail).await;
        }
        assert!(
            secrets
                .iter()
                .all(|secret| !database_files_holding(&db_file, secret).is_empty()),
            "queued secrets are on disk, so the search below can find them"
        );
        while pass(&pool, &transport, &config).await > 0 {}
        for secret in &secrets {
            assert_eq!(
                database_files_holding(&db_file, secret),
                Vec::<String>::new(),
                "a delivered link secret is still on disk"
            );
        }
        pool.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
