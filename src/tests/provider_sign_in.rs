//! Sign-in through identity providers over HTTP, against a provider in the
//! test process: every refused callback leaves no session, and the linking
//! rule holds at the database.

use serde_json::{json, Value};

use super::fake_provider::{app, signed_in_as, through, FakeProvider, Spoil};
use super::support::Client;
use crate::domain::identity::{ProviderKind, SignInChoice};
use crate::domain::Role;
use crate::error::AppError;
use crate::model::invitations::InvitationRequest;
use crate::server::db::Pool;
use crate::server::invitations::{self, link};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

async fn identities(pool: &Pool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM identities")
        .fetch_one(pool)
        .await
        .unwrap()
}

fn gmail(sub: &str, email: &str) -> Value {
    json!({ "sub": sub, "email": email, "email_verified": true, "name": "Ann Example" })
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn google_sign_in_makes_a_verified_account_and_finds_it_again(pool: Pool) {
    let google = FakeProvider::start(false).await;
    let mut client = app(pool.clone(), &[(&google, ProviderKind::Google)]).await;
    let (status, to, body) = through(
        &mut client,
        &google,
        "google",
        "?next=/onboarding",
        gmail("g-1", "ann@gmail.com"),
        Spoil::Nothing,
    )
    .await;
    assert_eq!(
        (status, to.as_deref()),
        (303, Some("/onboarding")),
        "{body}"
    );
    assert_eq!(
        signed_in_as(&mut client).await.as_deref(),
        Some("ann@gmail.com")
    );
    let verified: bool = sqlx::query_scalar("SELECT email_verified_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM passwords WHERE user_id = users.id) FROM users WHERE email = 'ann@gmail.com'")
        .fetch_one(&pool).await.unwrap();
    assert!(
        verified,
        "a provider account is verified and has no password"
    );

    let mut again = client.fresh();
    let (status, _, _) = through(
        &mut again,
        &google,
        "google",
        "",
        gmail("g-1", "ann@gmail.com"),
        Spoil::Nothing,
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        signed_in_as(&mut again).await.as_deref(),
        Some("ann@gmail.com")
    );
    assert_eq!(
        identities(&pool).await,
        1,
        "the same (issuer, subject) is one identity"
    );
    // No password: a password sign-in fails like a wrong one.
    let (status, _, page) = again.fresh().sign_in_with("ann@gmail.com", "").await;
    assert_eq!(status, 401);
    assert!(
        page.contains(&AppError::WrongCredentials.to_string()),
        "{page}"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn refused_callbacks_say_why_and_leave_no_session(pool: Pool) {
    let google = FakeProvider::start(false).await;
    let client = app(pool.clone(), &[(&google, ProviderKind::Google)]).await;
    let cases = [
        (Spoil::Nonce, "nonce differs"),
        (Spoil::Issuer, "issuer differs"),
        (Spoil::Expired, "expired"),
    ];
    for (spoil, says) in cases {
        let mut browser = client.fresh();
        let (status, _, body) = through(
            &mut browser,
            &google,
            "google",
            "",
            gmail("g-2", "bob@gmail.com"),
            spoil,
        )
        .await;
        assert_eq!(status, 403, "{spoil:?}");
        assert!(body.contains(says), "{spoil:?}: {body}");
        assert_eq!(signed_in_as(&mut browser).await, None, "{spoil:?}");
    }

    // A state that is not the one this browser started with.
    let mut browser = client.fresh();
    let (_, location, _) = browser.visit("/auth/google/start").await;
    let callback = google.authorize(
        &location.unwrap(),
        gmail("g-2", "bob@gmail.com"),
        Spoil::Nothing,
    );
    let forged = format!("{}x", callback);
    let (status, _, body) = browser.visit(&forged).await;
    assert_eq!(status, 403);
    assert!(body.contains("state differs"), "{body}");
    assert_eq!(signed_in_as(&mut browser).await, None);

    // A callback replayed: its sign-in was used up (even by a failure), and
    // a code replayed into a new sign-in is refused by the provider.
    let (status, _, body) = browser.visit(&callback).await;
    assert_eq!(status, 403);
    assert!(body.contains("already used"), "{body}");
    let mut fresh = client.fresh();
    let (_, location, _) = fresh.visit("/auth/google/start").await;
    let ok = google.authorize(
        &location.unwrap(),
        gmail("g-2", "bob@gmail.com"),
        Spoil::Nothing,
    );
    assert_eq!(fresh.visit(&ok).await.0, 303);
    let (_, location, _) = fresh.visit("/auth/google/start").await;
    let state = location
        .unwrap()
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let code = ok
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let (status, _, body) = fresh
        .visit(&format!("/auth/google/callback?code={code}&state={state}"))
        .await;
    assert_eq!(status, 403);
    assert!(body.contains("refused the sign-in code"), "{body}");
    assert_eq!(
        identities(&pool).await,
        1,
        "only the one good sign-in linked anything"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_entra_token_must_come_from_the_issuer_of_its_tenant(pool: Pool) {
    let entra = FakeProvider::start(true).await;
    let client = app(pool.clone(), &[(&entra, ProviderKind::Entra)]).await;
    let claims = json!({ "sub": "e-1", "tid": TENANT, "oid": "o-1", "email": "ann@contoso.test", "xms_edov": true });
    let mut browser = client.fresh();
    let (status, _, body) = through(
        &mut browser,
        &entra,
        "entra",
        "",
        claims.clone(),
        Spoil::TenantIssuer,
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("does not match its tenant"), "{body}");
    assert_eq!(signed_in_as(&mut browser).await, None);

    let (status, _, body) =
        through(&mut browser, &entra, "entra", "", claims, Spoil::Nothing).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(
        signed_in_as(&mut browser).await.as_deref(),
        Some("ann@contoso.test")
    );
    let (issuer, tid): (String, String) = sqlx::query_as("SELECT issuer, tid FROM identities")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        (issuer, tid),
        (format!("{}/{TENANT}/v2.0", entra.base), TENANT.to_owned())
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_unvouched_email_claim_never_links_or_verifies(pool: Pool) {
    let google = FakeProvider::start(false).await;
    let entra = FakeProvider::start(true).await;
    let mut owner = app(
        pool.clone(),
        &[
            (&google, ProviderKind::Google),
            (&entra, ProviderKind::Entra),
        ],
    )
    .await;
    owner.sign_up("Ann", "ann@acme.test").await;
    let unvouched = [
        // Google says verified, but acme.test is not a Workspace domain of this account.
        (
            &google,
            "google",
            json!({ "sub": "g-9", "email": "ann@acme.test", "email_verified": true }),
        ),
        (
            &google,
            "google",
            json!({ "sub": "g-9", "email": "ann@acme.test", "email_verified": false, "hd": "acme.test" }),
        ),
        // An Entra tenant can put any address on an account: no xms_edov, no vouching.
        (
            &entra,
            "entra",
            json!({ "sub": "e-9", "tid": TENANT, "email": "ann@acme.test" }),
        ),
    ];
    for (provider, id, claims) in unvouched {
        let mut attacker = owner.fresh();
        let (status, _, body) = through(
            &mut attacker,
            provider,
            id,
            "",
            claims.clone(),
            Spoil::Nothing,
        )
        .await;
        assert_eq!(status, 403, "{claims}");
        assert!(body.contains("did not vouch"), "{body}");
        assert_eq!(signed_in_as(&mut attacker).await, None, "{claims}");
    }
    assert_eq!(identities(&pool).await, 0);
    let verified: bool = sqlx::query_scalar(
        "SELECT email_verified_at IS NOT NULL FROM users WHERE email = 'ann@acme.test'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(!verified);

    // Signed in and confirmed, Ann links the same Entra account to herself:
    // that is hers to say. Linking is a POST from our own pages only.
    let claims = json!({ "sub": "e-9", "tid": TENANT, "email": "ann@acme.test" });
    let (status, _, body) = owner
        .submit("/auth/entra/link", "https://evil.example")
        .await;
    assert_eq!(status, 403, "a cross-site POST is refused: {body}");
    let (_, location, _) = owner
        .submit("/auth/entra/link", "http://127.0.0.1:3000")
        .await;
    let callback = entra.authorize(&location.unwrap(), claims.clone(), Spoil::Nothing);
    let (status, _, body) = owner.visit(&callback).await;
    assert_eq!(status, 403);
    assert!(body.contains("Confirm your email first"), "{body}");
    sqlx::query("UPDATE users SET email_verified_at = $1 WHERE email = 'ann@acme.test'")
        .bind(chrono::Utc::now())
        .execute(&pool)
        .await
        .unwrap();
    let (_, location, _) = owner
        .submit("/auth/entra/link", "http://127.0.0.1:3000")
        .await;
    let callback = entra.authorize(&location.unwrap(), claims.clone(), Spoil::Nothing);
    let (status, to, _) = owner.visit(&callback).await;
    assert_eq!((status, to.as_deref()), (303, Some("/account")));
    assert_eq!(identities(&pool).await, 1);
    // A GET cannot link: `link=true` on the sign-in start is just a sign-in.
    let mut other = owner.fresh();
    other.sign_up("Bo", "bo@acme.test").await;
    let (status, _, _) = through(
        &mut other,
        &entra,
        "entra",
        "?link=true",
        json!({ "sub": "e-bo", "tid": TENANT, "email": "bo@acme.test" }),
        Spoil::Nothing,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(identities(&pool).await, 1);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_vouched_address_ends_an_unproven_password_on_its_account(pool: Pool) {
    let google = FakeProvider::start(false).await;
    let mut squatter = app(pool.clone(), &[(&google, ProviderKind::Google)]).await;
    // Someone registers Ann's address first and waits; they never saw her mail.
    squatter.sign_up("Not Ann", "ann@gmail.com").await;
    let mut ann = squatter.fresh();
    let (status, _, _) = through(
        &mut ann,
        &google,
        "google",
        "",
        gmail("g-3", "ann@gmail.com"),
        Spoil::Nothing,
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        signed_in_as(&mut ann).await.as_deref(),
        Some("ann@gmail.com")
    );
    assert_eq!(
        signed_in_as(&mut squatter).await,
        None,
        "the squatter's session ended"
    );
    let (status, _, page) = squatter
        .fresh()
        .sign_in_with("ann@gmail.com", "correct horse battery")
        .await;
    assert_eq!(status, 401, "their password is gone");
    assert!(
        page.contains(&AppError::WrongCredentials.to_string()),
        "{page}"
    );
}

/// An owner with an organization; answers the owner's client and the slug.
async fn org_with_owner(client: &Client) -> (Client, String) {
    let mut owner = client.fresh();
    owner.sign_up("Olga", "olga@corp.test").await;
    let slug = owner.create_org("Corp").await;
    (owner, slug)
}

async fn invite(
    client: &Client,
    slug: &str,
    email: &str,
    choice: SignInChoice,
    tenant: &str,
) -> Result<String, AppError> {
    let owner = super::user_by_email(&client.state.pool, "olga@corp.test").await;
    let actor = super::member(&client.state.pool, &owner, slug).await;
    let request = InvitationRequest {
        sign_in: choice,
        tenant_id: tenant.into(),
        ..InvitationRequest::plain(email, Role::Member)
    };
    invitations::create(&client.state, &actor, request)
        .await
        .map(|issued| super::secret_of(&issued.link))
}

async fn status_of(pool: &Pool, email: &str) -> String {
    sqlx::query_scalar("SELECT status FROM invitations WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_google_invitation_is_redeemed_by_signing_in_and_a_mismatch_keeps_it_open(pool: Pool) {
    let google = FakeProvider::start(false).await;
    let entra = FakeProvider::start(true).await;
    let client = app(
        pool.clone(),
        &[
            (&google, ProviderKind::Google),
            (&entra, ProviderKind::Entra),
        ],
    )
    .await;
    let (_owner, slug) = org_with_owner(&client).await;
    let token = invite(&client, &slug, "ann@gmail.com", SignInChoice::Google, "")
        .await
        .unwrap();
    let query = format!("?invitation={token}");

    // Another Google account: a page that names both, the invitation stays open.
    let mut browser = client.fresh();
    let (status, _, body) = through(
        &mut browser,
        &google,
        "google",
        &query,
        gmail("g-b", "bob@gmail.com"),
        Spoil::Nothing,
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        body.contains("expects Google as ann@gmail.com") && body.contains("bob@gmail.com"),
        "{body}"
    );
    assert!(body.contains("Sign in with another account"), "{body}");
    assert_eq!(signed_in_as(&mut browser).await, None);
    // The right address through another provider is no better.
    let (status, _, body) = through(
        &mut browser,
        &entra,
        "entra",
        &query,
        json!({ "sub": "e-a", "tid": TENANT, "email": "ann@gmail.com", "xms_edov": true }),
        Spoil::Nothing,
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("You signed in with Entra"), "{body}");
    assert_eq!(status_of(&pool, "ann@gmail.com").await, "pending");
    // A password account of the invited address cannot accept it either.
    let ann = super::user(&client.state, "ann@gmail.com").await;
    let refused = link::accept(&pool, token.as_str(), &ann, None)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AppError::Forbidden(ref m) if m.contains("signing in with Google")),
        "{refused:?}"
    );

    // The invited Google account: redeemed on the callback, no further click.
    let (status, to, _) = through(
        &mut browser,
        &google,
        "google",
        &query,
        gmail("g-a", "ann@gmail.com"),
        Spoil::Nothing,
    )
    .await;
    assert_eq!((status, to), (303, Some(format!("/orgs/{slug}"))));
    assert_eq!(status_of(&pool, "ann@gmail.com").await, "accepted");
    assert_eq!(
        signed_in_as(&mut browser).await.as_deref(),
        Some("ann@gmail.com")
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_entra_invitation_names_a_tenant_that_must_match(pool: Pool) {
    let entra = FakeProvider::start(true).await;
    let client = app(pool.clone(), &[(&entra, ProviderKind::Entra)]).await;
    let (_owner, slug) = org_with_owner(&client).await;
    let bad = invite(
        &client,
        &slug,
        "ann@contoso.test",
        SignInChoice::Entra,
        "not-a-guid",
    )
    .await
    .unwrap_err();
    assert!(bad.field_message("tenant_id").is_some(), "{bad:?}");
    let unconfigured = invite(&client, &slug, "ann@contoso.test", SignInChoice::Google, "")
        .await
        .unwrap_err();
    assert!(
        unconfigured
            .field_message("sign_in")
            .is_some_and(|m| m.contains("not set up")),
        "{unconfigured:?}"
    );

    let token = invite(
        &client,
        &slug,
        "ann@contoso.test",
        SignInChoice::Entra,
        &TENANT.to_uppercase(),
    )
    .await
    .unwrap();
    let query = format!("?invitation={token}");
    let other_tenant = "0b5e1f1c-0000-4000-8000-000000000001";
    let mut browser = client.fresh();
    let (status, _, body) = through(
        &mut browser,
        &entra,
        "entra",
        &query,
        json!({ "sub": "e-x", "tid": other_tenant, "email": "ann@contoso.test", "xms_edov": true }),
        Spoil::Nothing,
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        body.contains(&format!("tenant {other_tenant}"))
            && body.contains(&format!("tenant {TENANT}")),
        "{body}"
    );
    assert_eq!(status_of(&pool, "ann@contoso.test").await, "pending");

    let (status, to, _) = through(
        &mut browser,
        &entra,
        "entra",
        &query,
        json!({ "sub": "e-y", "tid": TENANT, "email": "ann@contoso.test", "xms_edov": true }),
        Spoil::Nothing,
    )
    .await;
    assert_eq!((status, to), (303, Some(format!("/orgs/{slug}"))));
    assert_eq!(status_of(&pool, "ann@contoso.test").await, "accepted");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn the_last_way_to_sign_in_cannot_be_removed(pool: Pool) {
    let google = FakeProvider::start(false).await;
    let mut client = app(pool.clone(), &[(&google, ProviderKind::Google)]).await;
    through(
        &mut client,
        &google,
        "google",
        "",
        gmail("g-4", "cy@gmail.com"),
        Spoil::Nothing,
    )
    .await;
    let methods = client.call("my_sign_in_methods", &[]).await;
    assert_eq!(methods.body["has_password"], false);
    let id = methods.body["identities"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = client.call("unlink_identity", &[("id", &id)]).await;
    assert_eq!(refused.status, 409, "{:?}", refused.body);
    assert_eq!(identities(&pool).await, 1);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn the_api_takes_and_shows_the_sign_in_method(pool: Pool) {
    let google = FakeProvider::start(false).await;
    let mut ann = app(pool.clone(), &[(&google, ProviderKind::Google)]).await;
    ann.sign_up("Ann", "ann@example.com").await;
    ann.create_org("Acme").await;
    let key = super::api_v1::create_key(&mut ann, "acme", "CI", super::api_v1::ALL, None).await;
    let path = "/api/v1/orgs/acme/invitations";
    let with = |sign_in: &str, tenant: &str| {
        let mut body = super::api_v1::invite("gus@gmail.com");
        body["sign_in"] = json!(sign_in);
        body["tenant_id"] = json!(tenant);
        body
    };
    let detail = ann
        .rest("POST", path, Some(&key), Some(with("entra", "not-a-guid")))
        .await
        .problem(400);
    assert!(detail.contains("Tenant ID is a GUID"), "{detail}");
    let detail = ann
        .rest("POST", path, Some(&key), Some(with("entra", TENANT)))
        .await
        .problem(400);
    assert!(detail.contains("not set up"), "{detail}");
    let created = ann
        .rest("POST", path, Some(&key), Some(with("google", "")))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let listed = ann.rest("GET", path, Some(&key), None).await;
    assert_eq!(
        listed.body["items"][0]["sign_in"],
        json!({ "provider": "google" }),
        "{:?}",
        listed.body
    );
    let activity: String =
        sqlx::query_scalar("SELECT details FROM audit_events WHERE action = 'invitation.created'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(activity, "member, sign in with Google");
}
