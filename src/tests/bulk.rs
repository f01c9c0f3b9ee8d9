//! Bulk invitations over HTTP: dry run, a full batch, per-row outcomes, seats
//! under concurrent batches.

use serde_json::{json, Value};

use super::support::Client;
use crate::domain::bulk::{parse_bulk, BulkLine};
use crate::domain::Role;
use crate::model::invitations::{BulkOutcome, BulkReport};
use crate::server::db::Pool;

/// Ann owns "acme" with `seats` seats; returns her client.
async fn acme(pool: &Pool, seats: i64) -> Client {
    let mut ann = Client::new(pool.clone()).await;
    ann.sign_up("Ann", "ann@example.com").await;
    ann.create_org("Acme").await;
    sqlx::query("UPDATE organizations SET seat_limit = $1 WHERE slug = 'acme'")
        .bind(seats)
        .execute(pool)
        .await
        .unwrap();
    ann
}

fn batch(rows: &[BulkLine], dry_run: bool) -> Value {
    json!({
        "slug": "acme",
        "request": { "rows": rows, "role": "member", "teams": [], "dry_run": dry_run },
    })
}

async fn send(client: &mut Client, rows: &[BulkLine], dry_run: bool) -> BulkReport {
    let reply = client.call_json("bulk_invite", batch(rows, dry_run)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    serde_json::from_value(reply.body).unwrap()
}

pub(super) async fn count(pool: &Pool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

pub(super) async fn pending(pool: &Pool) -> i64 {
    count(
        pool,
        "SELECT COUNT(*) FROM invitations WHERE status = 'pending'",
    )
    .await
}

async fn invitation_mails(pool: &Pool) -> i64 {
    count(
        pool,
        "SELECT COUNT(*) FROM outbox WHERE text_body LIKE '%/invite/%'",
    )
    .await
}

fn addresses(n: usize, domain: &str) -> Vec<BulkLine> {
    (0..n)
        .map(|i| BulkLine::address(&format!("p{i}@{domain}")))
        .collect()
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_dry_run_reports_and_changes_nothing(pool: Pool) {
    let mut ann = acme(&pool, 10).await;
    let report = send(&mut ann, &addresses(3, "x.test"), true).await;
    assert!(report.dry_run);
    assert!(report
        .rows
        .iter()
        .all(|r| r.outcome == BulkOutcome::WillInvite));
    assert_eq!(report.invited(), 3);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM invitations").await, 0);
    assert_eq!(invitation_mails(&pool).await, 0);
    let events = "SELECT COUNT(*) FROM audit_events WHERE action LIKE 'invitation.%'";
    assert_eq!(count(&pool, events).await, 0);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn five_hundred_rows_commit_in_one_request(pool: Pool) {
    let mut ann = acme(&pool, 1000).await;
    let report = send(&mut ann, &addresses(500, "x.test"), false).await;
    assert_eq!(report.rows.len(), 500);
    assert!(report
        .rows
        .iter()
        .all(|r| matches!(r.outcome, BulkOutcome::Invited { .. })));
    assert_eq!(pending(&pool).await, 500);
    assert_eq!(invitation_mails(&pool).await, 500);
    let created = "SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.created'";
    assert_eq!(count(&pool, created).await, 500);
    let details: String =
        sqlx::query_scalar("SELECT details FROM audit_events WHERE action = 'invitation.bulk'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(details, "invited 500");
    // One more row is over the bound, refused as a whole.
    let reply = ann
        .call_json("bulk_invite", batch(&addresses(501, "y.test"), true))
        .await;
    assert_eq!(reply.status, 400, "{:?}", reply.body);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn each_row_gets_its_own_outcome(pool: Pool) {
    // Seats: Ann and Bob are members, Carl is invited: 3 of 6 used.
    let mut ann = acme(&pool, 6).await;
    let mut bob = ann.fresh();
    bob.sign_up("Bob", "bob@example.com").await;
    let (org, bob_id): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "SELECT (SELECT id FROM organizations WHERE slug = 'acme'), (SELECT id FROM users WHERE email = 'bob@example.com')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    super::join(&pool, org, bob_id, Role::Admin).await;
    let carl = send(&mut ann, &[BulkLine::address("carl@example.com")], false).await;
    let BulkOutcome::Invited {
        invitation_id: carl,
    } = carl.rows[0].outcome
    else {
        panic!("Carl was not invited: {carl:?}");
    };
    let text = "not-an-address\n\
                d1@example.com, D1@example.com; ann@example.com\n\
                carl@example.com\n\
                zed@example.com,owner,,\n\
                d2@example.com\nd3@example.com\nd4@example.com\n\
                eve@example.com,,NoSuchTeam,";
    let rows = parse_bulk(text).unwrap();
    let expected = |committed: bool| {
        // Invited rows carry new ids, checked below.
        let invites = (!committed).then_some(BulkOutcome::WillInvite);
        vec![
            ("not-an-address", None),
            ("d1@example.com", invites.clone()),
            (
                "D1@example.com",
                Some(BulkOutcome::Repeated { first_row: 2 }),
            ),
            ("ann@example.com", Some(BulkOutcome::AlreadyMember)),
            (
                "carl@example.com",
                Some(BulkOutcome::AlreadyInvited {
                    invitation_id: carl,
                }),
            ),
            ("zed@example.com", None),
            ("d2@example.com", invites.clone()),
            ("d3@example.com", invites.clone()),
            ("d4@example.com", Some(BulkOutcome::NoSeatLeft)),
            ("eve@example.com", None),
        ]
    };
    for dry_run in [true, false] {
        let report = send(&mut bob, &rows, dry_run).await;
        let got: Vec<_> = report.rows.iter().map(|r| r.email.as_str()).collect();
        let want: Vec<_> = expected(!dry_run).iter().map(|(e, _)| *e).collect();
        assert_eq!(got, want);
        for (row, (_, outcome)) in report.rows.iter().zip(expected(!dry_run)) {
            if let Some(outcome) = outcome {
                assert_eq!(row.outcome, outcome, "{}", row.email);
            }
        }
        assert!(matches!(
            &report.rows[0].outcome,
            BulkOutcome::Invalid { .. }
        ));
        assert!(
            matches!(&report.rows[5].outcome, BulkOutcome::NotAllowed { reason } if reason.contains("Only owners"))
        );
        assert!(
            matches!(&report.rows[9].outcome, BulkOutcome::Invalid { reason } if reason.contains("NoSuchTeam"))
        );
        assert_eq!(report.invited(), 3);
        if !dry_run {
            for i in [1, 6, 7] {
                assert!(matches!(
                    report.rows[i].outcome,
                    BulkOutcome::Invited { .. }
                ));
            }
        }
    }
    assert_eq!(pending(&pool).await, 4);
    let bulk = "SELECT details FROM audit_events WHERE action = 'invitation.bulk' ORDER BY id";
    let details: Vec<String> = sqlx::query_scalar(bulk).fetch_all(&pool).await.unwrap();
    assert_eq!(
        details.last().unwrap(),
        "invalid 2, invited 3, repeated 1, already members 1, already invited 1, not allowed 1, no seat left 1"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn concurrent_batches_never_exceed_the_seats(pool: Pool) {
    // Ann holds one of ten seats; three batches of five race for the other nine.
    let ann = acme(&pool, 10).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut client = ann.fresh();
        client.sign_in("ann@example.com").await;
        clients.push(client);
    }
    let lists: Vec<Vec<BulkLine>> = ["a.test", "b.test", "c.test"]
        .iter()
        .map(|d| addresses(5, d))
        .collect();
    let calls = clients
        .iter_mut()
        .zip(&lists)
        .map(|(client, rows)| client.call_json("bulk_invite", batch(rows, false)));
    let replies = futures::future::join_all(calls).await;
    let mut invited = 0;
    let mut no_seat = 0;
    for reply in replies {
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        let report: BulkReport = serde_json::from_value(reply.body).unwrap();
        invited += report.invited();
        no_seat += report
            .rows
            .iter()
            .filter(|r| r.outcome == BulkOutcome::NoSeatLeft)
            .count();
    }
    assert_eq!((invited, no_seat), (9, 6));
    assert_eq!(pending(&pool).await, 9);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_member_without_the_invite_permission_is_refused_as_a_whole(pool: Pool) {
    let ann = acme(&pool, 10).await;
    let mut bob = ann.fresh();
    bob.sign_up("Bob", "bob@example.com").await;
    let (org, bob_id): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "SELECT (SELECT id FROM organizations WHERE slug = 'acme'), (SELECT id FROM users WHERE email = 'bob@example.com')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    super::join(&pool, org, bob_id, Role::Member).await;
    let reply = bob
        .call_json("bulk_invite", batch(&addresses(2, "x.test"), true))
        .await;
    assert_eq!(reply.status, 403, "{:?}", reply.body);
}
