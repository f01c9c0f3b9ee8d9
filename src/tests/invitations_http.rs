use super::support::{Client, SESSIONS};
use crate::domain::Role;
use crate::error::AppError;
use crate::server::db::Pool;

/// Ann owns "acme"; returns her client.
pub(super) async fn acme(pool: Pool) -> Client {
    let mut ann = Client::new(pool).await;
    ann.sign_up("Ann", "ann@example.com").await;
    ann.create_org("Acme").await;
    ann
}

/// The arguments of `create_invitation` for a plain invitation; `role` as
/// the wire spells it, so a test can also send one that does not exist.
pub(super) fn invitation(slug: &str, email: &str, role: &str) -> serde_json::Value {
    serde_json::json!({
        "slug": slug,
        "request": {
            "email": email,
            "role": role,
            "note": "",
            "notify_email": "",
            "teams": [],
            "permissions": [],
        },
    })
}

async fn user_id(pool: &Pool, email: &str) -> uuid::Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn org_id(pool: &Pool, slug: &str) -> uuid::Uuid {
    sqlx::query_scalar("SELECT id FROM organizations WHERE slug = $1")
        .bind(slug)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_member_cannot_invite_and_an_admin_cannot_invite_an_owner(pool: Pool) {
    let ann = acme(pool.clone()).await;
    let mut bob = ann.fresh();
    bob.sign_up("Bob", "bob@example.com").await;
    super::join(
        &pool,
        org_id(&pool, "acme").await,
        user_id(&pool, "bob@example.com").await,
        Role::Member,
    )
    .await;
    let reply = bob
        .call_json(
            "create_invitation",
            invitation("acme", "x@example.com", "member"),
        )
        .await;
    assert_eq!(reply.status, 403, "{:?}", reply.body);
    sqlx::query("UPDATE memberships SET role = 'admin' WHERE user_id = $1")
        .bind(user_id(&pool, "bob@example.com").await)
        .execute(&pool)
        .await
        .unwrap();
    // The new role counts on the very next request.
    let reply = bob
        .call_json(
            "create_invitation",
            invitation("acme", "x@example.com", "owner"),
        )
        .await;
    assert_eq!(reply.status, 403);
    assert!(matches!(reply.error(), Some(AppError::Forbidden(m)) if m.contains("Only owners")));
    let reply = bob
        .call_json(
            "create_invitation",
            invitation("acme", "x@example.com", "admin"),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_admin_of_one_organization_cannot_touch_anothers_invitations(pool: Pool) {
    let mut ann = acme(pool.clone()).await;
    let created = ann
        .call_json(
            "create_invitation",
            invitation("acme", "x@example.com", "member"),
        )
        .await;
    let id = created.body["invitation_id"].as_str().unwrap().to_owned();
    let mut eve = ann.fresh();
    eve.sign_up("Eve", "eve@example.com").await;
    eve.create_org("Evil Corp").await;
    for endpoint in ["revoke_invitation", "resend_invitation"] {
        // Through her own organization: the invitation is not there.
        let reply = eve
            .call(endpoint, &[("slug", "evil-corp"), ("id", &id)])
            .await;
        assert_eq!(reply.status, 404, "{endpoint} {:?}", reply.body);
        // Through Acme: she is not a member.
        let reply = eve.call(endpoint, &[("slug", "acme"), ("id", &id)]).await;
        assert_eq!(reply.status, 404, "{endpoint}");
    }
    let reply = eve
        .call(
            "list_invitations",
            &[("slug", "acme"), ("status", ""), ("after", "")],
        )
        .await;
    assert_eq!(reply.status, 404);
    let list = ann
        .call(
            "list_invitations",
            &[("slug", "acme"), ("status", "pending"), ("after", "")],
        )
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn list_responses_never_carry_the_secret(pool: Pool) {
    let mut ann = acme(pool).await;
    let created = ann
        .call_json(
            "create_invitation",
            invitation("acme", "x@example.com", "member"),
        )
        .await;
    let secret = super::secret_of(created.body["link"].as_str().unwrap());
    let list = ann
        .call(
            "list_invitations",
            &[("slug", "acme"), ("status", ""), ("after", "")],
        )
        .await;
    assert!(!list.body.to_string().contains(&secret));
    let bad = ann
        .call(
            "list_invitations",
            &[("slug", "acme"), ("status", "lost"), ("after", "")],
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn dead_tokens_cannot_be_accepted_or_declined(pool: Pool) {
    let mut ann = acme(pool.clone()).await;
    let mut bob = ann.fresh();
    bob.sign_up("Bob", "bob@example.com").await;
    let form = invitation("acme", "bob@example.com", "member");
    // Revoked.
    let revoked = ann.call_json("create_invitation", form.clone()).await;
    let id = revoked.body["invitation_id"].as_str().unwrap().to_owned();
    ann.call("revoke_invitation", &[("slug", "acme"), ("id", &id)])
        .await;
    // Replaced by a resend.
    let replaced = ann.call_json("create_invitation", form.clone()).await;
    let id = replaced.body["invitation_id"].as_str().unwrap().to_owned();
    let fresh = ann
        .call("resend_invitation", &[("slug", "acme"), ("id", &id)])
        .await;
    // Expired (the fresh one, after its time passes).
    sqlx::query("UPDATE invitations SET expires_at = $1 WHERE status = 'pending'")
        .bind(chrono::Utc::now() - chrono::Duration::seconds(1))
        .execute(&pool)
        .await
        .unwrap();
    for reply in [&revoked, &replaced, &fresh] {
        let token = super::secret_of(reply.body["link"].as_str().unwrap());
        let accepted = bob.call("accept_invitation", &[("token", &token)]).await;
        assert_eq!(accepted.status, 409, "{:?}", accepted.body);
        let (declined, _, page) = bob
            .post_form(&format!("/invite/{token}/decline"), &[])
            .await;
        assert_eq!(declined, 409, "{page}");
    }
    let unknown = bob.call("accept_invitation", &[("token", "made-up")]).await;
    assert_eq!(unknown.status, 404);
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(members, 1);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn accepting_switches_the_console_to_the_organization(pool: Pool) {
    let mut ann = acme(pool).await;
    let created = ann
        .call_json(
            "create_invitation",
            invitation("acme", "bob@example.com", "admin"),
        )
        .await;
    assert_eq!(created.status, 200);
    let token = super::mailed_secret(&ann.state.pool, "bob@example.com").await;
    let mut bob = ann.fresh();
    let signed_out = bob.call("accept_invitation", &[("token", &token)]).await;
    assert_eq!(signed_out.status, 401);
    let preview = bob.call("invitation_preview", &[("token", &token)]).await;
    assert_eq!(
        (
            preview.body["org_name"].as_str(),
            preview.body["state"].as_str()
        ),
        (Some("Acme"), Some("Open"))
    );
    bob.sign_up("Bob", "bob@example.com").await;
    let accepted = bob.call("accept_invitation", &[("token", &token)]).await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
    let me = bob.call("current_user", &[]).await;
    assert_eq!(me.body["active_org"], "acme");
    assert_eq!(me.body["email_verified"], true);
    let members = ann
        .call_json(
            "list_members",
            serde_json::json!({ "slug": "acme", "filter": {} }),
        )
        .await;
    assert_eq!(members.body["total"], 2);
}

/// Accepting opens the console on the organization joined, over one the
/// person already had, within the accept's own change: their session is not
/// written again, and the choice outlives signing out.
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn accepting_opens_the_organization_without_writing_the_session(pool: Pool) {
    let mut ann = acme(pool.clone()).await;
    let created = ann
        .call_json(
            "create_invitation",
            invitation("acme", "bob@example.com", "member"),
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let token = super::mailed_secret(&pool, "bob@example.com").await;
    let mut bob = ann.fresh();
    bob.sign_up("Bob", "bob@example.com").await;
    // Sorts first, so a console that forgot the accept would open on it.
    bob.create_org("Abacus").await;
    assert_eq!(
        bob.call("current_user", &[]).await.body["active_org"],
        "abacus"
    );
    let read = format!("SELECT id, data, CAST(expiry_date AS TEXT) FROM {SESSIONS} ORDER BY id");
    let sessions = || sqlx::query_as::<_, (String, Vec<u8>, String)>(&read).fetch_all(&pool);
    let before = sessions().await.unwrap();
    let accepted = bob.call("accept_invitation", &[("token", &token)]).await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
    assert_eq!(sessions().await.unwrap(), before, "no session was written");
    assert_eq!(
        bob.call("current_user", &[]).await.body["active_org"],
        "acme"
    );
    bob.call("sign_out", &[]).await;
    bob.sign_in("bob@example.com").await;
    assert_eq!(
        bob.call("current_user", &[]).await.body["active_org"],
        "acme"
    );
    // Accepting again, after opening another organization, opens it again.
    let switched = bob.call("switch_organization", &[("slug", "abacus")]).await;
    assert_eq!(switched.status, 200, "{:?}", switched.body);
    let again = bob.call("accept_invitation", &[("token", &token)]).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(
        bob.call("current_user", &[]).await.body["active_org"],
        "acme"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn token_lookups_are_rate_limited(pool: Pool) {
    let ann = acme(pool).await;
    let mut probe = ann.fresh();
    let limit = ann.state.config.token_lookup_limit;
    for _ in 0..limit {
        probe
            .call("invitation_preview", &[("token", "guess")])
            .await;
    }
    let reply = probe
        .call("invitation_preview", &[("token", "guess")])
        .await;
    assert_eq!(reply.status, 429);
}

/// Signs up `email` as a new person (unverified) and invites them into Acme;
/// returns their client and the shareable link's secret the inviter saw.
async fn invited_newcomer(ann: &mut Client, name: &str, email: &str) -> (Client, String) {
    let created = ann
        .call_json("create_invitation", invitation("acme", email, "member"))
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let mut newcomer = ann.fresh();
    newcomer.sign_up(name, email).await;
    let shared = super::secret_of(created.body["link"].as_str().unwrap());
    (newcomer, shared)
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_unverified_account_cannot_accept_with_the_copy_link(pool: Pool) {
    let mut ann = acme(pool.clone()).await;
    let (mut bob, shared) = invited_newcomer(&mut ann, "Bob", "bob@example.com").await;
    let refused = bob.call("accept_invitation", &[("token", &shared)]).await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(
        refused.error(),
        Some(AppError::Forbidden(
            "Confirm your email address first: open the link we sent to bob@example.com, or the invitation link in your mail.".into()
        ))
    );
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(members, 1, "only Ann");
    // Once the address is confirmed, the copy link works.
    let (_, text) = super::last_mail_to(&pool, "bob@example.com").await;
    let verify = super::link_path(&text, "/verify-email/");
    let token = verify.trim_start_matches("/verify-email/");
    let verified = bob.call("verify_email", &[("token", token)]).await;
    assert_eq!(verified.status, 200, "{:?}", verified.body);
    let accepted = bob.call("accept_invitation", &[("token", &shared)]).await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_removed_member_opening_their_used_link_is_told_it_was_used(pool: Pool) {
    let mut ann = acme(pool.clone()).await;
    let (mut bob, _) = invited_newcomer(&mut ann, "Bob", "bob@example.com").await;
    let mailed = super::mailed_secret(&pool, "bob@example.com").await;
    let accepted = bob.call("accept_invitation", &[("token", &mailed)]).await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
    let bob_id = user_id(&pool, "bob@example.com").await.to_string();
    let removed = ann
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
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    let used = "This invitation was already used, and the account that accepted it is no longer a member of the organization. To join again, ask one of its admins for a new invitation.";
    for endpoint in ["invitation_preview", "accept_invitation"] {
        let reply = bob.call(endpoint, &[("token", &mailed)]).await;
        assert_eq!(reply.status, 409, "{endpoint} {:?}", reply.body);
        assert_eq!(
            reply.error(),
            Some(AppError::Conflict(used.into())),
            "{endpoint}"
        );
        assert!(
            !reply.body.to_string().contains("Acme"),
            "{endpoint} {:?}",
            reply.body
        );
    }
    // Signed out, the link says the same.
    let reply = bob
        .fresh()
        .call("invitation_preview", &[("token", &mailed)])
        .await;
    assert_eq!(reply.error(), Some(AppError::Conflict(used.into())));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_unknown_role_or_permission_is_bad_input(pool: Pool) {
    let mut ann = acme(pool).await;
    let mut unknown_permission = invitation("acme", "x@example.com", "member");
    unknown_permission["request"]["permissions"] = serde_json::json!(["root:all"]);
    for arguments in [
        invitation("acme", "x@example.com", "root"),
        unknown_permission,
    ] {
        let reply = ann.call_json("create_invitation", arguments).await;
        assert_eq!(reply.status, 400, "{:?}", reply.body);
    }
}
