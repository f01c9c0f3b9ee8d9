//! Organization single sign-on over HTTP: domain claims, provisioning within
//! the seats, teams that follow groups, Require SSO, and invitations to
//! claimed addresses.

use serde_json::{json, Value};

use super::fake_provider::{app, signed_in_as, through, FakeProvider, Spoil};
use super::support::Client;
use crate::domain::identity::{ProviderKind, SignInMethod};
use crate::domain::Role;
use crate::error::AppError;
use crate::model::invitations::InvitationRequest;
use crate::model::sso::SsoConnectionRequest;
use crate::server::actor::Member;
use crate::server::db::Pool;
use crate::server::invitations::{self, link};
use crate::server::members::{self, Removal};
use crate::server::sso::settings;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// An owner at corp.test with a verified address and an organization whose
/// single sign-on is the Entra provider in `TENANT`, claiming corp.test.
async fn connected(client: &Client, require_sso: bool) -> (Member, String) {
    let mut owner = client.fresh();
    owner.sign_up("Olga", "olga@corp.test").await;
    let slug = owner.create_org("Corp").await;
    let pool = &client.state.pool;
    let user = super::user_by_email(pool, "olga@corp.test").await;
    let unverified = super::member(pool, &user, &slug).await;
    let refused = settings::claim_domain(pool, &unverified, "corp.test")
        .await
        .unwrap_err();
    assert!(
        refused
            .field_message("domain")
            .is_some_and(|m| m.contains("not verified")),
        "{refused:?}"
    );
    sqlx::query("UPDATE users SET email_verified_at = $1 WHERE id = $2")
        .bind(chrono::Utc::now())
        .bind(user.id)
        .execute(pool)
        .await
        .unwrap();
    let owner = super::member(
        pool,
        &super::user_by_email(pool, "olga@corp.test").await,
        &slug,
    )
    .await;
    let other = settings::claim_domain(pool, &owner, "other.test")
        .await
        .unwrap_err();
    assert!(
        other.field_message("domain").is_some(),
        "only the domain of their own address"
    );
    settings::claim_domain(pool, &owner, "Corp.Test")
        .await
        .unwrap();
    let request = SsoConnectionRequest {
        provider: "entra".into(),
        tenant_id: TENANT.into(),
        default_role: Role::Member,
        require_sso,
        issuer: String::new(),
        client_id: String::new(),
        client_secret: String::new(),
    };
    settings::connect(&client.state, &owner, request)
        .await
        .unwrap();
    (owner, slug)
}

fn corp(sub: &str, email: &str, groups: &[&str]) -> Value {
    json!({ "sub": sub, "tid": TENANT, "oid": sub, "email": email, "xms_edov": true, "groups": groups })
}

/// Signs `browser` in through the Entra test provider as `claims` say,
/// nothing tampered with.
async fn by_entra(
    browser: &mut Client,
    entra: &FakeProvider,
    query: &str,
    claims: Value,
) -> (u16, Option<String>, String) {
    through(browser, entra, "entra", query, claims, Spoil::Nothing).await
}

async fn teams_of(pool: &Pool, email: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id JOIN users u ON u.id = tm.user_id
         WHERE u.email = $1 ORDER BY t.name",
    )
    .bind(email)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_domain_belongs_to_one_organization(pool: Pool) {
    let entra = FakeProvider::start(true).await;
    let client = app(pool.clone(), &[(&entra, ProviderKind::Entra)]).await;
    connected(&client, false).await;
    let mut rival = client.fresh();
    rival.sign_up("Rita", "rita@corp.test").await;
    let slug = rival.create_org("Rival").await;
    sqlx::query("UPDATE users SET email_verified_at = $1 WHERE email = 'rita@corp.test'")
        .bind(chrono::Utc::now())
        .execute(&pool)
        .await
        .unwrap();
    let rita = super::member(
        &pool,
        &super::user_by_email(&pool, "rita@corp.test").await,
        &slug,
    )
    .await;
    let refused = settings::claim_domain(&pool, &rita, "corp.test")
        .await
        .unwrap_err();
    assert!(
        refused
            .field_message("domain")
            .is_some_and(|m| m.contains("another organization")),
        "{refused:?}"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn sso_sign_in_adds_people_within_the_seats_and_their_teams_follow_their_groups(pool: Pool) {
    let entra = FakeProvider::start(true).await;
    let client = app(pool.clone(), &[(&entra, ProviderKind::Entra)]).await;
    let (owner, slug) = connected(&client, false).await;
    let data = crate::server::teams::create(&pool, &owner, "Data")
        .await
        .unwrap();
    let design = crate::server::teams::create(&pool, &owner, "Design")
        .await
        .unwrap();
    settings::map_group(&pool, &owner, "data-scientists", data)
        .await
        .unwrap();

    let mut nia = client.fresh();
    let (status, to, body) = by_entra(
        &mut nia,
        &entra,
        "",
        corp("e-nia", "nia@corp.test", &["data-scientists"]),
    )
    .await;
    assert_eq!((status, to), (303, Some(format!("/orgs/{slug}"))), "{body}");
    let role: String = sqlx::query_scalar("SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'nia@corp.test'")
        .fetch_one(&pool).await.unwrap();
    assert_eq!(role, "member");
    assert_eq!(teams_of(&pool, "nia@corp.test").await, ["Data"]);

    // A hand-made membership of an unmapped team stays; the mapped one follows the groups.
    let nia_id = super::user_by_email(&pool, "nia@corp.test").await.id;
    sqlx::query("INSERT INTO team_members (team_id, user_id, added_at) VALUES ($1, $2, $3)")
        .bind(design)
        .bind(nia_id)
        .bind(chrono::Utc::now())
        .execute(&pool)
        .await
        .unwrap();
    let mut again = client.fresh();
    by_entra(&mut again, &entra, "", corp("e-nia", "nia@corp.test", &[])).await;
    assert_eq!(teams_of(&pool, "nia@corp.test").await, ["Design"]);
    let changes: Vec<String> = sqlx::query_scalar("SELECT action || ' ' || details FROM audit_events WHERE target = 'nia@corp.test' AND action LIKE 'team.%' ORDER BY id")
        .fetch_all(&pool).await.unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(
        changes[0].starts_with("team.member_added Data")
            && changes[1].starts_with("team.member_removed Data"),
        "{changes:?}"
    );

    // Another tenant, or an address outside the claimed domain, joins nothing.
    let mut outsider = client.fresh();
    by_entra(&mut outsider, &entra, "", json!({ "sub": "e-x", "tid": "0b5e1f1c-0000-4000-8000-000000000001", "email": "xan@corp.test", "xms_edov": true })).await;
    by_entra(
        &mut outsider,
        &entra,
        "",
        corp("e-y", "yan@elsewhere.test", &["data-scientists"]),
    )
    .await;
    let members: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE status = 'active'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(members, 2, "Olga and Nia");

    // No free seat: a clear page, no membership, and the owners are told.
    sqlx::query("UPDATE organizations SET seat_limit = 2")
        .execute(&pool)
        .await
        .unwrap();
    let mut late = client.fresh();
    let (status, _, body) =
        by_entra(&mut late, &entra, "", corp("e-late", "lou@corp.test", &[])).await;
    assert_eq!(status, 403);
    assert!(body.contains("has no free seat"), "{body}");
    let notice: String = sqlx::query_scalar(
        "SELECT message FROM notifications WHERE user_id = $1 AND kind = 'seats_full'",
    )
    .bind(owner.user.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(notice.contains("lou@corp.test"), "{notice}");
    assert_eq!(signed_in_as(&mut late).await, None);
}

/// Someone removed (their grants and teams kept, as the admin chose) who
/// signs in through single sign-on again rejoins with none of them.
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_removed_member_back_through_sso_starts_without_their_old_access(pool: Pool) {
    let entra = FakeProvider::start(true).await;
    let client = app(pool.clone(), &[(&entra, ProviderKind::Entra)]).await;
    let (owner, _) = connected(&client, false).await;
    let design = crate::server::teams::create(&pool, &owner, "Design")
        .await
        .unwrap();
    let sign_in = || {
        let mut nia = client.fresh();
        let entra = &entra;
        async move { by_entra(&mut nia, entra, "", corp("e-nia", "nia@corp.test", &[])).await }
    };
    sign_in().await;
    let nia = super::user_by_email(&pool, "nia@corp.test").await.id;
    sqlx::query("INSERT INTO team_members (team_id, user_id, added_at) VALUES ($1, $2, $3)")
        .bind(design)
        .bind(nia)
        .bind(chrono::Utc::now())
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO grants (org_id, user_id, permission) VALUES ($1, $2, 'logs:view')")
        .bind(owner.org.id)
        .bind(nia)
        .execute(&pool)
        .await
        .unwrap();
    let held = || async {
        let (grants, teams): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM grants WHERE user_id = $1),
                    (SELECT COUNT(*) FROM team_members WHERE user_id = $1)",
        )
        .bind(nia)
        .fetch_one(&pool)
        .await
        .unwrap();
        (grants, teams)
    };
    let removal = Removal {
        user_id: nia,
        expected: Some(Role::Member),
        remove_from_projects: false,
        revoke_their_invitations: false,
    };
    members::remove(&client.state, &owner, removal)
        .await
        .unwrap();
    assert_eq!(held().await, (1, 1), "kept while they are away");

    let (status, _, body) = sign_in().await;
    assert_eq!(status, 303, "{body}");
    let status: String =
        sqlx::query_scalar("SELECT status FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(owner.org.id)
            .bind(nia)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "active");
    assert_eq!(held().await, (0, 0));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn require_sso_opens_the_organization_only_in_an_sso_session(pool: Pool) {
    let entra = FakeProvider::start(true).await;
    let client = app(pool.clone(), &[(&entra, ProviderKind::Entra)]).await;
    let (_owner, slug) = connected(&client, true).await;
    let mut nia = client.fresh();
    by_entra(&mut nia, &entra, "", corp("e-nia", "nia@corp.test", &[])).await;
    assert_eq!(
        nia.call("organization", &[("slug", &slug)]).await.status,
        200
    );
    // Nia sets a password (as a reset link would; Olga's hash is one of
    // "correct horse battery") and signs in with it instead.
    let olga_hash: String = sqlx::query_scalar("SELECT hash FROM passwords")
        .fetch_one(&pool)
        .await
        .unwrap();
    let nia_id = super::user_by_email(&pool, "nia@corp.test").await.id;
    sqlx::query("INSERT INTO passwords (user_id, hash, changed_at) VALUES ($1, $2, $3)")
        .bind(nia_id)
        .bind(olga_hash)
        .bind(chrono::Utc::now())
        .execute(&pool)
        .await
        .unwrap();
    let mut by_password = client.fresh();
    by_password.sign_in("nia@corp.test").await;
    let refused = by_password.call("organization", &[("slug", &slug)]).await;
    assert_eq!(refused.status, 403);
    match refused.error() {
        Some(AppError::SsoRequired { start, .. }) => assert!(
            start.starts_with("/auth/entra/start?next=/orgs/"),
            "{start}"
        ),
        other => panic!("expected SsoRequired, got {other:?}"),
    }
    // The owner, in the same domain and signed in with a password, is held to it too.
    let mut olga = client.fresh();
    olga.sign_in("olga@corp.test").await;
    let answer = olga.call("organization", &[("slug", &slug)]).await;
    assert_eq!(answer.status, 403, "{:?}", answer.body);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_email_invitation_to_a_claimed_address_is_accepted_through_sso(pool: Pool) {
    let entra = FakeProvider::start(true).await;
    let client = app(pool.clone(), &[(&entra, ProviderKind::Entra)]).await;
    let (owner, slug) = connected(&client, false).await;
    let issued = invitations::create(
        &client.state,
        &owner,
        InvitationRequest::plain("ivy@corp.test", Role::Admin),
    )
    .await
    .unwrap();
    let token = super::secret_of(&issued.link);
    let details = link::preview(&pool, &client.state.providers, &token, None)
        .await
        .unwrap();
    // An "Any" invitation: single sign-on comes from the claimed domain alone.
    assert_eq!(details.sign_in, SignInMethod::Any);
    assert!(details.single_sign_on);
    assert_eq!(details.sign_in_with.map(|p| p.id), Some("entra".to_owned()));
    // A password account of the address is sent to SSO.
    let ivy = super::user(&client.state, "ivy@corp.test").await;
    let refused = link::accept(&pool, token.as_str(), &ivy, None)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AppError::Forbidden(ref m) if m.contains("single sign-on")),
        "{refused:?}"
    );
    let mut browser = client.fresh();
    let (status, to, body) = by_entra(
        &mut browser,
        &entra,
        &format!("?invitation={token}"),
        corp("e-ivy", "ivy@corp.test", &[]),
    )
    .await;
    assert_eq!((status, to), (303, Some(format!("/orgs/{slug}"))), "{body}");
    let role: String = sqlx::query_scalar("SELECT m.role FROM memberships m WHERE m.user_id = $1")
        .bind(ivy.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        role, "admin",
        "the invitation's role, not the connection's default"
    );
}

/// Someone invited with a team and a permission who joins through single
/// sign-on first, then accepts, still gets what the invitation carries.
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_invitation_accepted_after_joining_through_sso_still_brings_its_access(pool: Pool) {
    let entra = FakeProvider::start(true).await;
    let client = app(pool.clone(), &[(&entra, ProviderKind::Entra)]).await;
    let (owner, slug) = connected(&client, false).await;
    let data = crate::server::teams::create(&pool, &owner, "Data")
        .await
        .unwrap();
    let mut request = InvitationRequest::plain("ivy@corp.test", Role::Member);
    request.teams = vec![data];
    request.permissions = vec![crate::domain::access::Permission::parse("logs:view").unwrap()];
    let issued = invitations::create(&client.state, &owner, request)
        .await
        .unwrap();
    let token = super::secret_of(&issued.link);
    let grants = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT g.permission FROM grants g JOIN users u ON u.id = g.user_id WHERE u.email = 'ivy@corp.test'",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let mut browser = client.fresh();
    let (status, to, body) = by_entra(
        &mut browser,
        &entra,
        "",
        corp("e-ivy", "ivy@corp.test", &[]),
    )
    .await;
    assert_eq!((status, to), (303, Some(format!("/orgs/{slug}"))), "{body}");
    assert!(teams_of(&pool, "ivy@corp.test").await.is_empty());
    assert!(grants().await.is_empty());

    let (status, to, body) = by_entra(
        &mut browser,
        &entra,
        &format!("?invitation={token}"),
        corp("e-ivy", "ivy@corp.test", &[]),
    )
    .await;
    assert_eq!((status, to), (303, Some(format!("/orgs/{slug}"))), "{body}");
    assert_eq!(teams_of(&pool, "ivy@corp.test").await, ["Data"]);
    assert_eq!(grants().await, ["logs:view"]);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_organizations_own_provider_is_checked_then_signs_its_people_in(pool: Pool) {
    let entra = FakeProvider::start(true).await;
    let own = FakeProvider::start(false).await;
    let client = app(pool.clone(), &[(&entra, ProviderKind::Entra)]).await;
    let (owner, slug) = connected(&client, false).await;
    let request = |issuer: &str, client_id: &str, secret: &str| SsoConnectionRequest {
        provider: crate::model::sso::OWN_PROVIDER.into(),
        tenant_id: String::new(),
        default_role: Role::Admin,
        require_sso: false,
        issuer: issuer.into(),
        client_id: client_id.into(),
        client_secret: secret.into(),
    };
    let refused = settings::connect(
        &client.state,
        &owner,
        request("ftp://idp.corp.test", "", ""),
    )
    .await
    .unwrap_err();
    for field in ["issuer", "client_id", "client_secret"] {
        assert!(
            refused.field_message(field).is_some(),
            "{field}: {refused:?}"
        );
    }
    let unreachable = settings::connect(
        &client.state,
        &owner,
        request("http://127.0.0.1:9", "app", "s3cret"),
    )
    .await
    .unwrap_err();
    assert!(
        unreachable
            .field_message("issuer")
            .is_some_and(|m| m.contains("did not answer")),
        "{unreachable:?}"
    );
    settings::connect(
        &client.state,
        &owner,
        request(&own.base, super::fake_provider::CLIENT_ID, "s3cret"),
    )
    .await
    .unwrap();
    // Saving again without retyping the secret keeps it.
    settings::connect(
        &client.state,
        &owner,
        request(&own.base, super::fake_provider::CLIENT_ID, ""),
    )
    .await
    .unwrap();
    let shown = settings::load(&client.state, &owner).await.unwrap();
    let own_id = crate::server::sso::connections::own_provider_id(owner.org.id);
    assert_eq!(
        shown.connection.as_ref().map(|c| c.provider.id.clone()),
        Some(own_id.clone())
    );
    assert_eq!(
        shown.own_redirect_uri,
        format!("http://127.0.0.1:3000/auth/{own_id}/callback")
    );

    // A work address finds its organization's provider; another domain does not.
    let mut nia = client.fresh();
    let (status, provider, _) = nia
        .post_form("/sign-in", &[("address", "Nia@Corp.test"), ("next", "/")])
        .await;
    assert_eq!(status, 303);
    assert_eq!(provider, Some(format!("/auth/{own_id}/start?next=/")));
    let (status, _, page) = nia
        .post_form(
            "/sign-in",
            &[("address", "nia@elsewhere.test"), ("next", "/")],
        )
        .await;
    assert!((400..500).contains(&status), "{status}");
    // The address stays in its field, marked as refused.
    assert!(page.contains(r#"value="nia@elsewhere.test""#), "{page}");
    assert!(page.contains(r#"aria-invalid="true""#), "{page}");
    // Anyone can make an organization and point it at a provider they run:
    // it vouches only inside its claimed domains, and never opens an
    // account it did not make or was not linked to.
    let mut attacker = client.fresh();
    for (email, says) in [
        ("victim@elsewhere.test", "did not vouch"),
        ("olga@corp.test", "Sign in to your account first"),
    ] {
        let claims =
            json!({ "sub": format!("own-{email}"), "email": email, "email_verified": true });
        let (status, _, body) =
            through(&mut attacker, &own, &own_id, "", claims, Spoil::Nothing).await;
        assert_eq!(status, 403, "{email}");
        assert!(body.contains(says), "{email}: {body}");
        assert_eq!(signed_in_as(&mut attacker).await, None);
    }
    let public = settings::claim_domain(&pool, &owner, "gmail.com")
        .await
        .unwrap_err();
    assert!(
        public
            .field_message("domain")
            .is_some_and(|m| m.contains("public mail")),
        "{public:?}"
    );
    let claims = json!({ "sub": "own-nia", "email": "nia@corp.test", "email_verified": true });
    let (status, to, body) = through(&mut nia, &own, &own_id, "", claims, Spoil::Nothing).await;
    assert_eq!((status, to), (303, Some(format!("/orgs/{slug}"))), "{body}");
    let role: String = sqlx::query_scalar("SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'nia@corp.test'")
        .fetch_one(&pool).await.unwrap();
    assert_eq!(role, "admin", "the connection's default role");
}
