//! Bulk invitations through `/api/v1`: dry run, a full batch of 500, per-row
//! outcomes, and `Idempotency-Key` making retries safe.

use serde_json::{json, Value};

use super::api_v1::{acme, create_key, ALL};
use super::bulk::{count, pending};
use super::support::{Client, RestReply};
use crate::server::db::Pool;

const PATH: &str = "/api/v1/orgs/acme/invitations/bulk";

fn batch(emails: &[String], dry_run: bool) -> Value {
    let rows: Vec<Value> = emails
        .iter()
        .map(|e| json!({ "email": e, "role": null, "teams": [], "note": "" }))
        .collect();
    json!({ "rows": rows, "role": "member", "teams": [], "dry_run": dry_run })
}

fn emails(n: usize, tag: &str) -> Vec<String> {
    (0..n).map(|i| format!("{tag}{i}@example.com")).collect()
}

async fn send(ann: &Client, key: &str, body: Value, idempotency: Option<&str>) -> RestReply {
    let headers: Vec<(&str, &str)> = idempotency
        .map(|k| ("Idempotency-Key", k))
        .into_iter()
        .collect();
    ann.rest_with("POST", PATH, Some(key), Some(body), &headers)
        .await
}

fn outcomes(reply: &RestReply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match &r["outcome"] {
            Value::String(s) => s.clone(),
            Value::Object(o) => o.keys().next().unwrap().clone(),
            other => panic!("{other}"),
        })
        .collect()
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_dry_run_changes_nothing_and_mixed_rows_come_back_one_by_one(pool: Pool) {
    let mut ann = acme(&pool).await;
    let secret = create_key(&mut ann, "acme", "CI", ALL, None).await;
    let rows = vec![
        "new@example.com".to_owned(),
        "not an address".to_owned(),
        "ann@example.com".to_owned(),
        "NEW@example.com".to_owned(),
    ];
    let dry = send(&ann, &secret, batch(&rows, true), None).await;
    assert_eq!(
        outcomes(&dry),
        ["WillInvite", "Invalid", "AlreadyMember", "Repeated"]
    );
    assert_eq!(pending(&pool).await, 0);
    let sent = send(&ann, &secret, batch(&rows, false), None).await;
    assert_eq!(
        outcomes(&sent),
        ["Invited", "Invalid", "AlreadyMember", "Repeated"]
    );
    assert_eq!(pending(&pool).await, 1);
    let reader = create_key(&mut ann, "acme", "Reader", &["invitations:read"], None).await;
    send(&ann, &reader, batch(&rows, true), None)
        .await
        .problem(403);
    let too_many = send(&ann, &secret, batch(&emails(501, "x"), true), None).await;
    assert!(too_many.problem(400).contains("500"));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn five_hundred_rows_commit_in_one_request(pool: Pool) {
    let mut ann = acme(&pool).await;
    sqlx::query("UPDATE organizations SET seat_limit = 1000")
        .execute(&pool)
        .await
        .unwrap();
    let secret = create_key(&mut ann, "acme", "CI", ALL, None).await;
    let reply = send(&ann, &secret, batch(&emails(500, "p"), false), None).await;
    assert!(outcomes(&reply).iter().all(|o| o == "Invited"));
    assert_eq!(pending(&pool).await, 500);
    let events = count(
        &pool,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.bulk'",
    )
    .await;
    assert_eq!(events, 1);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_repeated_idempotency_key_returns_the_first_answer(pool: Pool) {
    let mut ann = acme(&pool).await;
    let secret = create_key(&mut ann, "acme", "CI", ALL, None).await;
    let body = batch(&emails(3, "p"), false);
    let first = send(&ann, &secret, body.clone(), Some("batch-1")).await;
    assert_eq!(outcomes(&first), ["Invited", "Invited", "Invited"]);
    assert!(first.headers.get("idempotent-replayed").is_none());
    let mails = count(&pool, "SELECT COUNT(*) FROM outbox").await;

    let retry = send(&ann, &secret, body.clone(), Some("batch-1")).await;
    assert_eq!(retry.body, first.body, "the first answer, word for word");
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    assert_eq!(pending(&pool).await, 3);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM outbox").await, mails);

    // The key names that request only.
    let other = send(
        &ann,
        &secret,
        batch(&emails(4, "p"), false),
        Some("batch-1"),
    )
    .await;
    assert!(other.problem(400).contains("different request"));
    let bad = send(&ann, &secret, body.clone(), Some("")).await;
    assert_eq!(
        bad.problem(400),
        "Send an Idempotency-Key of 1 to 255 visible ASCII characters, such as a UUID."
    );
    // Another key of the same organization has keys of its own.
    let second = create_key(&mut ann, "acme", "Other", ALL, None).await;
    let theirs = send(&ann, &second, body, Some("batch-1")).await;
    assert_eq!(
        outcomes(&theirs),
        ["AlreadyInvited", "AlreadyInvited", "AlreadyInvited"]
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_failed_request_keeps_nothing_so_its_retry_runs(pool: Pool) {
    let mut ann = acme(&pool).await;
    let secret = create_key(&mut ann, "acme", "CI", ALL, None).await;
    sqlx::query("UPDATE organizations SET seat_limit = 1")
        .execute(&pool)
        .await
        .unwrap();
    // Ann holds the only seat: every row is reported, none dropped.
    let full = send(&ann, &secret, batch(&emails(2, "p"), false), Some("k")).await;
    assert_eq!(outcomes(&full), ["NoSeatLeft", "NoSeatLeft"]);
    // An empty batch is refused, and the key stays free for a real one.
    let empty = json!({ "rows": [], "role": "member", "teams": [], "dry_run": false });
    send(&ann, &secret, empty.clone(), Some("fresh"))
        .await
        .problem(400);
    sqlx::query("UPDATE organizations SET seat_limit = 10")
        .execute(&pool)
        .await
        .unwrap();
    let stored = count(
        &pool,
        "SELECT COUNT(*) FROM idempotent_requests WHERE key = 'fresh'",
    )
    .await;
    assert_eq!(stored, 0);
    let concurrent = futures::future::join_all(
        (0..4).map(|_| send(&ann, &secret, batch(&emails(3, "c"), false), Some("same"))),
    )
    .await;
    // One ran; the others got its answer or were told it is still running.
    for reply in &concurrent {
        assert!(matches!(reply.status, 200 | 409), "{:?}", reply.body);
    }
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM invitations WHERE email LIKE 'c%'"
        )
        .await,
        3
    );
}
