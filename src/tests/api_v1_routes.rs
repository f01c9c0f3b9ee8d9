//! The `/api/v1` routes beyond keys and invitation paging: the OpenAPI
//! document, member changes, teams, activity and resend, each through the
//! real router with a key.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::api_v1::{acme, create_key, id_of, invite, ALL};
use super::support::Client;
use crate::domain::Role;
use crate::server::db::Pool;

/// Every operation of `/api/v1`: what the document must list, no more.
const OPERATIONS: [&str; 12] = [
    "GET /api/v1/orgs/{slug}",
    "GET /api/v1/orgs/{slug}/members",
    "PATCH /api/v1/orgs/{slug}/members/{user_id}",
    "DELETE /api/v1/orgs/{slug}/members/{user_id}",
    "GET /api/v1/orgs/{slug}/invitations",
    "POST /api/v1/orgs/{slug}/invitations",
    "POST /api/v1/orgs/{slug}/invitations/bulk",
    "POST /api/v1/orgs/{slug}/invitations/{id}/resend",
    "DELETE /api/v1/orgs/{slug}/invitations/{id}",
    "GET /api/v1/orgs/{slug}/teams",
    "GET /api/v1/orgs/{slug}/teams/{team_id}/members",
    "GET /api/v1/orgs/{slug}/activity",
];

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn the_openapi_document_lists_every_route_and_each_is_served(pool: Pool) {
    let ann = acme(&pool).await;
    let doc = ann.rest("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(doc.status, 200);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut listed = BTreeSet::new();
    for (path, item) in doc.body["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            listed.insert(format!("{} {path}", method.to_uppercase()));
            assert!(
                operation["responses"]["4XX"].is_object(),
                "{method} {path} documents its problems"
            );
        }
    }
    let expected: BTreeSet<String> = OPERATIONS.iter().map(|o| o.to_string()).collect();
    assert_eq!(listed, expected);
    let schemas = doc.body["components"]["schemas"].as_object().unwrap();
    for schema in [
        "InvitationRequest",
        "BulkRequest",
        "BulkReport",
        "MemberPage",
        "ProblemBody",
        "Role",
    ] {
        assert!(schemas.contains_key(schema), "{schema} is described");
    }
    // Each documented operation is routed: without a key it asks for one
    // (an unrouted one would be the 404 "API route" problem).
    for operation in OPERATIONS {
        let (method, path) = operation.split_once(' ').unwrap();
        let path = path
            .replace("{slug}", "acme")
            .replace("{user_id}", &uuid::Uuid::nil().to_string())
            .replace("{team_id}", &uuid::Uuid::nil().to_string())
            .replace("{id}", &uuid::Uuid::nil().to_string());
        let detail = ann.rest(method, &path, None, None).await.problem(401);
        assert!(detail.contains("Bearer"), "{operation}: {detail}");
    }
    ann.rest("GET", "/api/v1/orgs/acme/nothing", None, None)
        .await
        .problem(404);
}

/// Bo, a member of Acme; returns his user id.
async fn bo(pool: &Pool, ann: &Client) -> uuid::Uuid {
    let org = id_of(pool, "SELECT id FROM organizations WHERE slug = $1", "acme").await;
    let bo = super::user(&ann.state, "bo@example.com").await;
    super::join(pool, org, bo.id, Role::Member).await;
    bo.id
}

async fn role_of(pool: &Pool, user: uuid::Uuid) -> (String, String) {
    sqlx::query_as("SELECT role, status FROM memberships WHERE user_id = $1")
        .bind(user)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_key_changes_roles_and_removes_members_as_the_console_does(pool: Pool) {
    let mut ann = acme(&pool).await;
    let bo = bo(&pool, &ann).await;
    let secret = create_key(&mut ann, "acme", "HR sync", ALL, None).await;
    let reader = create_key(&mut ann, "acme", "Reader", &["members:read"], None).await;
    let member = format!("/api/v1/orgs/acme/members/{bo}");

    let change = json!({ "role": "admin", "expected_role": "member" });
    ann.rest("PATCH", &member, Some(&reader), Some(change.clone()))
        .await
        .problem(403);
    let changed = ann
        .rest("PATCH", &member, Some(&secret), Some(change.clone()))
        .await;
    assert_eq!(changed.status, 204, "{:?}", changed.body);
    assert_eq!(role_of(&pool, bo).await.0, "admin");
    // The same request again saw a role that is no longer there.
    let stale = ann
        .rest("PATCH", &member, Some(&secret), Some(change))
        .await
        .problem(409);
    assert!(stale.contains("changed since"), "{stale}");
    let bad = ann
        .rest(
            "PATCH",
            &member,
            Some(&secret),
            Some(json!({ "role": "root" })),
        )
        .await;
    assert!(bad.problem(400).contains("role change"));
    assert_eq!(bad.body["field"], "body");
    // Without expected_role the change applies to whatever role they have.
    let plain = ann
        .rest(
            "PATCH",
            &member,
            Some(&secret),
            Some(json!({ "role": "member" })),
        )
        .await;
    assert_eq!(plain.status, 204, "{:?}", plain.body);

    // Ann is the last owner: the console's rule, the console's message.
    let last = ann
        .rest(
            "PATCH",
            &format!(
                "/api/v1/orgs/acme/members/{}",
                id_of(
                    &pool,
                    "SELECT id FROM users WHERE email = $1",
                    "ann@example.com"
                )
                .await
            ),
            Some(&secret),
            Some(json!({ "role": "admin" })),
        )
        .await
        .problem(409);
    assert!(last.contains("last owner"), "{last}");

    let removed = ann
        .rest(
            "DELETE",
            &format!("{member}?remove_from_projects=true&expected_role=member"),
            Some(&secret),
            None,
        )
        .await;
    assert_eq!(removed.status, 204, "{:?}", removed.body);
    assert_eq!(role_of(&pool, bo).await.1, "removed");
    ann.rest("DELETE", &member, Some(&secret), None)
        .await
        .problem(409);
    ann.rest(
        "DELETE",
        "/api/v1/orgs/acme/members/nobody",
        Some(&secret),
        None,
    )
    .await
    .problem(404);

    let activity = ann
        .rest(
            "GET",
            "/api/v1/orgs/acme/activity?action=member.removed",
            Some(&secret),
            None,
        )
        .await;
    assert_eq!(activity.status, 200, "{:?}", activity.body);
    let items = activity.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["target"], "bo@example.com");
    assert_eq!(items[0]["actor"], "API key HR sync (created by Ann)");
    assert!(items[0]["details"].as_str().unwrap().contains("project"));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn activity_pages_back_in_time_and_needs_its_scope(pool: Pool) {
    let mut ann = Client::with_config(pool.clone(), |c| c.invite_limit = 100).await;
    ann.sign_up("Ann", "ann@example.com").await;
    ann.create_org("Acme").await;
    let secret = create_key(&mut ann, "acme", "CI", ALL, None).await;
    let no_activity = create_key(&mut ann, "acme", "Inviter", &["invitations:write"], None).await;
    sqlx::query("UPDATE organizations SET seat_limit = 100")
        .execute(&pool)
        .await
        .unwrap();
    ann.rest(
        "GET",
        "/api/v1/orgs/acme/activity",
        Some(&no_activity),
        None,
    )
    .await
    .problem(403);
    for n in 0..55 {
        let reply = ann
            .rest(
                "POST",
                "/api/v1/orgs/acme/invitations",
                Some(&secret),
                Some(invite(&format!("p{n}@example.com"))),
            )
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
    }
    let path = "/api/v1/orgs/acme/activity?action=invitation.created";
    // Someone with an account who is not a member is named by the address
    // they were invited at, never by their account's name.
    super::user(&ann.state, "outsider@example.com").await;
    let outsider = ann
        .rest(
            "POST",
            "/api/v1/orgs/acme/invitations",
            Some(&secret),
            Some(invite("outsider@example.com")),
        )
        .await;
    assert_eq!(outsider.status, 201, "{:?}", outsider.body);
    let newest = ann.rest("GET", path, Some(&secret), None).await;
    assert_eq!(newest.body["items"][0]["target"], "outsider@example.com");
    assert!(
        newest.body["items"][0]["target_name"].is_null(),
        "{:?}",
        newest.body["items"][0]
    );
    sqlx::query("DELETE FROM audit_events WHERE target = 'outsider@example.com'")
        .execute(&pool)
        .await
        .unwrap();
    let first = ann.rest("GET", path, Some(&secret), None).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 50);
    assert_eq!(first.body["items"][0]["target"], "p54@example.com");
    let before = first.body["next_before"].as_i64().unwrap();
    let second = ann
        .rest(
            "GET",
            &format!("{path}&before={before}"),
            Some(&secret),
            None,
        )
        .await;
    let rest: Vec<&str> = second.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        rest,
        [
            "p4@example.com",
            "p3@example.com",
            "p2@example.com",
            "p1@example.com",
            "p0@example.com"
        ]
    );
    assert!(second.body["next_before"].is_null());
    ann.rest(
        "GET",
        "/api/v1/orgs/acme/activity?before=soon",
        Some(&secret),
        None,
    )
    .await
    .problem(400);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn teams_list_with_their_members(pool: Pool) {
    let mut ann = acme(&pool).await;
    bo(&pool, &ann).await;
    let ann_id = id_of(
        &pool,
        "SELECT id FROM users WHERE email = $1",
        "ann@example.com",
    )
    .await;
    let ann_user = crate::server::accounts::find(&pool, ann_id)
        .await
        .unwrap()
        .unwrap();
    let owner = super::member(&pool, &ann_user, "acme").await;
    let core = crate::server::teams::create(&pool, &owner, "Core")
        .await
        .unwrap();
    crate::server::teams::create(&pool, &owner, "Empty")
        .await
        .unwrap();
    crate::server::teams::add_member(&pool, &owner, core, "bo@example.com")
        .await
        .unwrap();
    let secret = create_key(&mut ann, "acme", "CI", &["members:read"], None).await;
    let teams = ann
        .rest("GET", "/api/v1/orgs/acme/teams", Some(&secret), None)
        .await;
    assert_eq!(teams.status, 200, "{:?}", teams.body);
    let names: Vec<&str> = teams
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Core", "Empty"]);
    let members = ann
        .rest(
            "GET",
            &format!("/api/v1/orgs/acme/teams/{core}/members"),
            Some(&secret),
            None,
        )
        .await;
    assert_eq!(
        members.body,
        json!([{ "user_id": members.body[0]["user_id"], "name": "bo", "email": "bo@example.com" }])
    );
    ann.rest(
        "GET",
        &format!("/api/v1/orgs/acme/teams/{}/members", uuid::Uuid::new_v4()),
        Some(&secret),
        None,
    )
    .await
    .problem(404);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn resend_issues_a_new_link(pool: Pool) {
    let mut ann = acme(&pool).await;
    let secret = create_key(&mut ann, "acme", "CI", ALL, None).await;
    let first: Value = ann
        .rest(
            "POST",
            "/api/v1/orgs/acme/invitations",
            Some(&secret),
            Some(invite("p@example.com")),
        )
        .await
        .body;
    let id = first["invitation_id"].as_str().unwrap();
    let again = ann
        .rest(
            "POST",
            &format!("/api/v1/orgs/acme/invitations/{id}/resend"),
            Some(&secret),
            None,
        )
        .await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_ne!(again.body["link"], first["link"]);
    ann.rest(
        "POST",
        &format!(
            "/api/v1/orgs/acme/invitations/{}/resend",
            uuid::Uuid::new_v4()
        ),
        Some(&secret),
        None,
    )
    .await
    .problem(404);
}
