//! The `/api/v1` JSON API through the real router: organization API keys,
//! their scopes, their creator's current access, problem details, paging and
//! the per-key rate limit.

use serde_json::{json, Value};

use super::support::{urlencode, Client};
use crate::domain::api_key::is_well_formed;
use crate::domain::Role;
use crate::server::db::Pool;

/// Creates a key in `slug` as the signed-in user; returns (reply body, secret).
pub(super) async fn create_key(
    client: &mut Client,
    slug: &str,
    name: &str,
    scopes: &[&str],
    days: Option<u32>,
) -> String {
    let reply = client
        .call_json(
            "create_api_key",
            json!({ "slug": slug, "request": { "name": name, "scopes": scopes, "expires_in_days": days } }),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["secret"].as_str().unwrap().to_owned()
}

/// An invitation request as a script sends it: an address and the member role.
pub(super) fn invite(email: &str) -> Value {
    serde_json::to_value(crate::model::invitations::InvitationRequest::plain(
        email,
        Role::Member,
    ))
    .unwrap()
}

pub(super) const ALL: &[&str] = &[
    "members:read",
    "members:write",
    "invitations:read",
    "invitations:write",
    "activity:read",
];

/// Ann owns Acme, signed in.
pub(super) async fn acme(pool: &Pool) -> Client {
    let mut ann = Client::new(pool.clone()).await;
    ann.sign_up("Ann", "ann@example.com").await;
    ann.create_org("Acme").await;
    ann
}

pub(super) async fn id_of(pool: &Pool, table_sql: &str, key: &str) -> uuid::Uuid {
    sqlx::query_scalar(table_sql)
        .bind(key)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_key_is_shown_once_and_listed_by_its_last_four(pool: Pool) {
    let mut ann = acme(&pool).await;
    let secret = create_key(&mut ann, "acme", "CI", &["members:read"], Some(30)).await;
    assert!(
        secret.starts_with("ghk_") && is_well_formed(&secret),
        "{secret}"
    );
    let listed = ann.call("list_api_keys", &[("slug", "acme")]).await;
    assert_eq!(listed.status, 200);
    let key = &listed.body[0];
    assert_eq!(key["name"], "CI");
    assert_eq!(key["last_four"], &secret[secret.len() - 4..]);
    assert_eq!(key["created_by"], "Ann");
    assert_eq!(key["scopes"], json!(["members:read"]));
    assert!(!listed.body.to_string().contains(&secret));
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret_hash FROM api_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, crate::server::token::hash_secret(&secret));

    let org = ann
        .rest("GET", "/api/v1/orgs/acme", Some(&secret), None)
        .await;
    assert_eq!(org.status, 200, "{:?}", org.body);
    assert_eq!(org.body["name"], "Acme");
    let used = ann.call("list_api_keys", &[("slug", "acme")]).await;
    assert!(used.body[0]["last_used_at"].is_string());
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn missing_wrong_revoked_and_expired_keys_are_401(pool: Pool) {
    let mut ann = acme(&pool).await;
    let path = "/api/v1/orgs/acme/members";
    let detail = ann.rest("GET", path, None, None).await.problem(401);
    assert!(detail.contains("Authorization: Bearer"), "{detail}");

    let secret = create_key(&mut ann, "acme", "CI", ALL, None).await;
    assert_eq!(ann.rest("GET", path, Some(&secret), None).await.status, 200);
    // A typo fails the checksum; a well-formed key nobody issued is unknown.
    // (The typed character differs from the one it replaces, whatever the key.)
    let typed = if &secret[10..11] == "x" { "y" } else { "x" };
    let typo = format!("{}{typed}{}", &secret[..10], &secret[11..]);
    assert!(ann
        .rest("GET", path, Some(&typo), None)
        .await
        .problem(401)
        .contains("copied whole"));
    let unknown = crate::domain::api_key::format_secret("0123456789abcdefghijABCDEFGHIJ01");
    assert!(ann
        .rest("GET", path, Some(&unknown), None)
        .await
        .problem(401)
        .contains("not known"));

    let key_id = id_of(&pool, "SELECT id FROM api_keys WHERE name = $1", "CI").await;
    let revoked = ann
        .call(
            "revoke_api_key",
            &[("slug", "acme"), ("id", &key_id.to_string())],
        )
        .await;
    assert_eq!(revoked.status, 200, "{:?}", revoked.body);
    assert!(ann
        .rest("GET", path, Some(&secret), None)
        .await
        .problem(401)
        .contains("revoked"));

    let later = create_key(&mut ann, "acme", "Nightly", ALL, Some(1)).await;
    assert_eq!(ann.rest("GET", path, Some(&later), None).await.status, 200);
    sqlx::query("UPDATE api_keys SET expires_at = $1 WHERE name = 'Nightly'")
        .bind(chrono::Utc::now() - chrono::Duration::minutes(1))
        .execute(&pool)
        .await
        .unwrap();
    assert!(ann
        .rest("GET", path, Some(&later), None)
        .await
        .problem(401)
        .contains("expired"));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_scope_that_does_not_cover_the_call_is_403(pool: Pool) {
    let mut ann = acme(&pool).await;
    let secret = create_key(&mut ann, "acme", "Reader", &["members:read"], None).await;
    assert_eq!(
        ann.rest("GET", "/api/v1/orgs/acme/members", Some(&secret), None)
            .await
            .status,
        200
    );
    let detail = ann
        .rest("GET", "/api/v1/orgs/acme/invitations", Some(&secret), None)
        .await
        .problem(403);
    assert!(detail.contains("invitations:read"), "{detail}");
    let invite = invite("x@example.com");
    ann.rest(
        "POST",
        "/api/v1/orgs/acme/invitations",
        Some(&secret),
        Some(invite),
    )
    .await
    .problem(403);
    let none: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(none, 0);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn another_organizations_data_is_404(pool: Pool) {
    let mut ann = acme(&pool).await;
    let acme_key = create_key(&mut ann, "acme", "CI", ALL, None).await;
    let mut bob = ann.fresh();
    bob.sign_up("Bob", "bob@example.com").await;
    bob.create_org("Globex").await;
    let reply = ann
        .rest("GET", "/api/v1/orgs/globex/members", Some(&acme_key), None)
        .await;
    assert_eq!(reply.problem(404), "Organization not found.");
    ann.rest("GET", "/api/v1/orgs/nowhere", Some(&acme_key), None)
        .await
        .problem(404);
    // Another organization's invitation id is not found either.
    let globex_key = create_key(&mut bob, "globex", "CI", ALL, None).await;
    let invite = invite("x@example.com");
    let created = bob
        .rest(
            "POST",
            "/api/v1/orgs/globex/invitations",
            Some(&globex_key),
            Some(invite),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["invitation_id"].as_str().unwrap();
    ann.rest(
        "DELETE",
        &format!("/api/v1/orgs/acme/invitations/{id}"),
        Some(&acme_key),
        None,
    )
    .await
    .problem(404);
    ann.rest(
        "GET",
        "/api/v1/orgs/acme/nothing-here",
        Some(&acme_key),
        None,
    )
    .await
    .problem(404);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_narrowed_creator_narrows_the_key_and_a_removed_one_kills_it(pool: Pool) {
    let mut ann = acme(&pool).await;
    let org = id_of(
        &pool,
        "SELECT id FROM organizations WHERE slug = $1",
        "acme",
    )
    .await;
    let mut cleo = ann.fresh();
    cleo.sign_up("Cleo", "cleo@example.com").await;
    let cleo_id = id_of(
        &pool,
        "SELECT id FROM users WHERE email = $1",
        "cleo@example.com",
    )
    .await;
    super::join(&pool, org, cleo_id, Role::Admin).await;
    let secret = create_key(&mut cleo, "acme", "Onboarding", ALL, None).await;
    let path = "/api/v1/orgs/acme/invitations";
    assert_eq!(
        ann.rest("POST", path, Some(&secret), Some(invite("a@example.com")))
            .await
            .status,
        201
    );

    // Activity names the key and its creator.
    let activity = ann
        .call(
            "list_activity",
            &[("slug", "acme"), ("action", "invitation.created")],
        )
        .await;
    assert_eq!(
        activity.body["items"][0]["actor"],
        "API key Onboarding (created by Cleo)"
    );

    let narrowed = ann
        .call(
            "change_role",
            &[
                ("slug", "acme"),
                ("user_id", &cleo_id.to_string()),
                ("role", "member"),
                ("expected_role", "admin"),
            ],
        )
        .await;
    assert_eq!(narrowed.status, 200, "{:?}", narrowed.body);
    ann.rest("POST", path, Some(&secret), Some(invite("b@example.com")))
        .await
        .problem(403);
    ann.rest("GET", path, Some(&secret), None)
        .await
        .problem(403);

    let removed = ann
        .call(
            "remove_member",
            &[
                ("slug", "acme"),
                ("user_id", &cleo_id.to_string()),
                ("expected_role", "member"),
                ("remove_from_projects", "false"),
                ("revoke_their_invitations", "false"),
            ],
        )
        .await;
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    let detail = ann
        .rest("GET", "/api/v1/orgs/acme", Some(&secret), None)
        .await
        .problem(401);
    assert!(detail.contains("no longer in the organization"), "{detail}");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn bad_input_is_a_problem_with_the_consoles_message(pool: Pool) {
    let mut ann = acme(&pool).await;
    let secret = create_key(&mut ann, "acme", "CI", ALL, None).await;
    let path = "/api/v1/orgs/acme/invitations";
    let bad_email = invite("not an address");
    let reply = ann.rest("POST", path, Some(&secret), Some(bad_email)).await;
    reply.problem(400);
    assert_eq!(reply.body["field"], "email");
    // Several refused inputs are all listed.
    let mut two_bad = invite("not an address");
    two_bad["notify_email"] = json!("nor this");
    let reply = ann.rest("POST", path, Some(&secret), Some(two_bad)).await;
    reply.problem(400);
    let fields: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "notify_email"]);
    assert_eq!(
        ann.rest("POST", path, Some(&secret), Some(json!({ "email": 1 })))
            .await
            .body["field"],
        "body"
    );
    assert_eq!(
        ann.rest("GET", &format!("{path}?status=lost"), Some(&secret), None)
            .await
            .body["field"],
        "status"
    );
    assert_eq!(
        ann.rest("GET", &format!("{path}?limit=0"), Some(&secret), None)
            .await
            .body["field"],
        "limit"
    );
    assert_eq!(
        ann.rest("GET", &format!("{path}?limit=x"), Some(&secret), None)
            .await
            .body["field"],
        "limit"
    );
    assert_eq!(
        ann.rest("GET", &format!("{path}?after=junk"), Some(&secret), None)
            .await
            .body["field"],
        "after"
    );
    let members = ann
        .rest(
            "GET",
            "/api/v1/orgs/acme/members?sort=age",
            Some(&secret),
            None,
        )
        .await;
    assert!(members.problem(400).contains("expected `name` or `joined`"));
    assert_eq!(members.body["field"], "sort");

    // Creating a key checks its input too.
    for request in [
        json!({ "name": "", "scopes": ["members:read"], "expires_in_days": null }),
        json!({ "name": "CI", "scopes": [], "expires_in_days": null }),
        json!({ "name": "CI", "scopes": ["members:read"], "expires_in_days": 0 }),
    ] {
        let reply = ann
            .call_json(
                "create_api_key",
                json!({ "slug": "acme", "request": request }),
            )
            .await;
        assert_eq!(reply.status, 400, "{:?}", reply.body);
    }
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn invitation_pages_lose_and_repeat_nothing_and_revoke_works(pool: Pool) {
    let mut ann = acme(&pool).await;
    let secret = create_key(&mut ann, "acme", "CI", ALL, None).await;
    let path = "/api/v1/orgs/acme/invitations";
    for n in 0..5 {
        let body = invite(&format!("p{n}@example.com"));
        assert_eq!(
            ann.rest("POST", path, Some(&secret), Some(body))
                .await
                .status,
            201
        );
    }
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let page = ann
            .rest(
                "GET",
                &format!("{path}?limit=2&status=pending&after={after}"),
                Some(&secret),
                None,
            )
            .await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        for item in page.body["items"].as_array().unwrap() {
            seen.push(item["email"].as_str().unwrap().to_owned());
        }
        match page.body["next"].as_str() {
            Some(next) => after = urlencode(next),
            None => break,
        }
        // A row added meanwhile is newer: it never shows up on a later page.
        let body = invite(&format!("new{}@example.com", seen.len()));
        assert_eq!(
            ann.rest("POST", path, Some(&secret), Some(body))
                .await
                .status,
            201
        );
    }
    let expected: Vec<String> = (0..5).rev().map(|n| format!("p{n}@example.com")).collect();
    assert_eq!(seen, expected);

    let list: Value = ann
        .rest(
            "GET",
            &format!("{path}?status=pending&limit=200"),
            Some(&secret),
            None,
        )
        .await
        .body;
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let revoked = ann
        .rest("DELETE", &format!("{path}/{id}"), Some(&secret), None)
        .await;
    assert_eq!(revoked.status, 204);
    let status: String = sqlx::query_scalar("SELECT status FROM invitations WHERE id = $1")
        .bind(id.parse::<uuid::Uuid>().unwrap())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "revoked");
    ann.rest("DELETE", &format!("{path}/not-an-id"), Some(&secret), None)
        .await
        .problem(404);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn each_key_has_its_own_rate_limit_answered_429_with_retry_after(pool: Pool) {
    let mut ann = Client::with_config(pool.clone(), |c| c.api_key_limit = 3).await;
    ann.sign_up("Ann", "ann@example.com").await;
    ann.create_org("Acme").await;
    let first = create_key(&mut ann, "acme", "One", ALL, None).await;
    let second = create_key(&mut ann, "acme", "Two", ALL, None).await;
    for _ in 0..3 {
        assert_eq!(
            ann.rest("GET", "/api/v1/orgs/acme", Some(&first), None)
                .await
                .status,
            200
        );
    }
    let limited = ann
        .rest("GET", "/api/v1/orgs/acme", Some(&first), None)
        .await;
    limited.problem(429);
    assert!(limited
        .retry_after
        .as_deref()
        .and_then(|s| s.parse::<u64>().ok())
        .is_some_and(|s| s > 0));
    assert_eq!(
        ann.rest("GET", "/api/v1/orgs/acme", Some(&second), None)
            .await
            .status,
        200
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn members_page_like_the_console(pool: Pool) {
    let mut ann = acme(&pool).await;
    let org = id_of(
        &pool,
        "SELECT id FROM organizations WHERE slug = $1",
        "acme",
    )
    .await;
    for name in ["bo", "cy", "di"] {
        let user = super::user(&ann.state, &format!("{name}@example.com")).await;
        super::join(&pool, org, user.id, Role::Member).await;
    }
    let secret = create_key(&mut ann, "acme", "CI", &["members:read"], None).await;
    let first = ann
        .rest(
            "GET",
            "/api/v1/orgs/acme/members?role=member&sort=name",
            Some(&secret),
            None,
        )
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["total"], 3);
    let search = ann
        .rest(
            "GET",
            "/api/v1/orgs/acme/members?search=cy",
            Some(&secret),
            None,
        )
        .await;
    assert_eq!(search.body["total"], 1);
}

/// The labels the Playwright journey (end2end/tests/api-keys.spec.ts) uses.
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn settings_shows_api_keys_to_admins_only(pool: Pool) {
    let ann = acme(&pool).await;
    let html = ann.page("/orgs/acme/settings").await;
    for label in [
        "API keys",
        r#"<label for="api-key-name">Key name</label>"#,
        "<legend>Scopes</legend>",
        "members:read",
        "invitations:write",
        r#"<label for="api-key-expiry">Expires after</label>"#,
        "Create API key",
    ] {
        assert!(html.contains(label), "{label} missing from Settings");
    }
    let org = id_of(
        &pool,
        "SELECT id FROM organizations WHERE slug = $1",
        "acme",
    )
    .await;
    let mut dee = ann.fresh();
    dee.sign_up("Dee", "dee@example.com").await;
    let dee_id = id_of(
        &pool,
        "SELECT id FROM users WHERE email = $1",
        "dee@example.com",
    )
    .await;
    super::join(&pool, org, dee_id, Role::Member).await;
    let html = dee.page("/orgs/acme/settings").await;
    assert!(html.contains("Seat limit") && !html.contains("Create API key"));
    // Nor may a member create one by calling the server function.
    let reply = dee
        .call_json("create_api_key", json!({ "slug": "acme", "request": { "name": "Mine", "scopes": ["members:read"], "expires_in_days": null } }))
        .await;
    assert_eq!(reply.status, 403);
}
