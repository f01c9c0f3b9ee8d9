use super::support::Client;
use crate::domain::Role;
use crate::server::db::Pool;

async fn id_of(pool: &Pool, email: &str) -> String {
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap();
    id.to_string()
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn authorization_comes_from_the_session_not_the_request(pool: Pool) {
    let mut ann = Client::new(pool.clone()).await;
    ann.sign_up("Ann", "ann@example.com").await;
    ann.create_org("Acme").await;
    let org: uuid::Uuid = sqlx::query_scalar("SELECT id FROM organizations")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut bob = ann.fresh();
    bob.sign_up("Bob", "bob@example.com").await;
    let bob_id = id_of(&pool, "bob@example.com").await;
    super::join(&pool, org, bob_id.parse().unwrap(), Role::Member).await;
    let ann_id = id_of(&pool, "ann@example.com").await;

    // A member cannot promote themselves, whatever they send.
    let reply = bob
        .call(
            "change_role",
            &[
                ("slug", "acme"),
                ("user_id", &bob_id),
                ("role", "owner"),
                ("expected_role", "member"),
            ],
        )
        .await;
    assert_eq!(reply.status, 403);
    let reply = bob
        .call(
            "remove_member",
            &[
                ("slug", "acme"),
                ("user_id", &ann_id),
                ("expected_role", "owner"),
                ("remove_from_projects", "false"),
                ("revoke_their_invitations", "false"),
            ],
        )
        .await;
    assert_eq!(reply.status, 403);
    let reply = bob
        .call("list_activity", &[("slug", "acme"), ("action", "")])
        .await;
    assert_eq!(reply.status, 403);

    // A stranger gets "not found".
    let mut eve = ann.fresh();
    eve.sign_up("Eve", "eve@example.com").await;
    let reply = eve
        .call(
            "change_role",
            &[
                ("slug", "acme"),
                ("user_id", &bob_id),
                ("role", "admin"),
                ("expected_role", "member"),
            ],
        )
        .await;
    assert_eq!(reply.status, 404);

    // The owner removes Bob; his next request has no access.
    let reply = ann
        .call(
            "remove_member",
            &[
                ("slug", "acme"),
                ("user_id", &bob_id),
                ("expected_role", "member"),
                ("remove_from_projects", "true"),
                ("revoke_their_invitations", "false"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        bob.call("organization", &[("slug", "acme")]).await.status,
        404
    );
    assert_eq!(
        bob.call("current_user", &[]).await.body["active_org"],
        serde_json::Value::Null
    );
    // Removing again is a conflict, not a crash.
    let reply = ann
        .call(
            "remove_member",
            &[
                ("slug", "acme"),
                ("user_id", &bob_id),
                ("expected_role", "member"),
                ("remove_from_projects", "false"),
                ("revoke_their_invitations", "false"),
            ],
        )
        .await;
    assert_eq!(reply.status, 409);
    let reply = ann
        .call(
            "list_activity",
            &[("slug", "acme"), ("action", "member.removed")],
        )
        .await;
    assert_eq!(reply.body["items"][0]["target"], "bob@example.com");
    let seats = ann.call("seats", &[("slug", "acme")]).await;
    assert_eq!(seats.body["active"], 1);
}
