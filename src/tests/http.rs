use axum::body::Body;
use axum::http::{header, Request};

use super::support::Client;
use crate::error::AppError;
use crate::server::db::Pool;

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn signed_out_calls_are_refused(pool: Pool) {
    let mut client = Client::new(pool).await;
    for endpoint in [
        "create_organization",
        "switch_organization",
        "organization",
        "resend_verification",
    ] {
        let reply = client
            .call(endpoint, &[("name", "Acme"), ("slug", "acme")])
            .await;
        assert_eq!(reply.status, 401, "{endpoint}");
        assert_eq!(reply.error(), Some(AppError::SignedOut), "{endpoint}");
    }
    let me = client.call("current_user", &[]).await;
    assert_eq!((me.status, me.body.clone()), (200, serde_json::Value::Null));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn bad_input_is_a_typed_4xx(pool: Pool) {
    let mut client = Client::new(pool).await;
    let reply = client
        .call(
            "sign_up",
            &[
                ("name", "Ann"),
                ("email", "nope"),
                ("password", "long enough"),
            ],
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(matches!(reply.error(), Some(AppError::Invalid { ref field, .. }) if field == "email"));
    let reply = client
        .call(
            "sign_up",
            &[
                ("name", "Ann"),
                ("email", "a@example.com"),
                ("password", "short"),
            ],
        )
        .await;
    assert!(
        matches!(reply.error(), Some(AppError::Invalid { ref field, .. }) if field == "password")
    );
    // A missing argument is a request error, not a crash.
    let reply = client.call("sign_up", &[("name", "Ann")]).await;
    assert_eq!(reply.status, 400, "{:?}", reply.body);
    let (status, _, page) = client.sign_in_with("a@example.com", "whatever1").await;
    assert_eq!(status, 401);
    assert!(
        page.contains(&AppError::WrongCredentials.to_string()),
        "{page}"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn session_is_renewed_at_sign_in_and_ended_at_sign_out(pool: Pool) {
    let mut ann = Client::new(pool).await;
    ann.sign_up("Ann", "ann@example.com").await;
    assert_eq!(
        ann.call("current_user", &[]).await.body["email"],
        "ann@example.com"
    );
    ann.call("sign_out", &[]).await;
    assert_eq!(
        ann.call("current_user", &[]).await.body,
        serde_json::Value::Null
    );
    // The address as typed, in other case.
    ann.sign_in("Ann@Example.com").await;
    assert_eq!(ann.call("current_user", &[]).await.body["name"], "Ann");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn session_cookie_is_http_only_and_lax(pool: Pool) {
    let client = Client::new(pool).await;
    let body = "name=Ann&email=ann%40example.com&password=correct+horse";
    let response = client
        .raw(
            Request::post("/api/sign_up")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http base URL: {cookie}");
    assert_eq!(
        response.headers().get(header::REFERRER_POLICY).unwrap(),
        "same-origin"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn cross_site_posts_are_refused(pool: Pool) {
    let client = Client::new(pool).await;
    let response = client
        .raw(
            Request::post("/sign-in")
                .header(header::ORIGIN, "https://evil.example")
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("email=a%40example.com&password=xxxxxxxx"))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), 403);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn members_cannot_read_or_switch_to_other_organizations(pool: Pool) {
    let mut ann = Client::new(pool).await;
    ann.sign_up("Ann", "ann@example.com").await;
    let acme = ann.create_org("Acme").await;
    let mut bob = ann.fresh();
    bob.sign_up("Bob", "bob@example.com").await;
    let globex = bob.create_org("Globex").await;

    for endpoint in ["organization", "switch_organization"] {
        let reply = bob.call(endpoint, &[("slug", &acme)]).await;
        assert_eq!(
            (reply.status, reply.error()),
            (404, Some(AppError::NotFound("Organization".into()))),
            "{endpoint}"
        );
    }
    // Bob's active organization did not change.
    assert_eq!(
        bob.call("current_user", &[]).await.body["active_org"],
        globex.as_str()
    );
    // Ann switches between her own organizations.
    let second = ann.create_org("Acme Labs").await;
    assert_eq!(
        ann.call("current_user", &[]).await.body["active_org"],
        second.as_str()
    );
    let reply = ann.call("switch_organization", &[("slug", &acme)]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        ann.call("current_user", &[]).await.body["active_org"],
        acme.as_str()
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_page_of_another_organization_renders_not_found(pool: Pool) {
    let mut ann = Client::new(pool).await;
    ann.sign_up("Ann", "ann@example.com").await;
    let acme = ann.create_org("Secret Acme").await;
    let mut bob = ann.fresh();
    bob.sign_up("Bob", "bob@example.com").await;
    let reply = bob.call("organization", &[("slug", &acme)]).await;
    assert!(!reply.body.to_string().contains("Secret Acme"));
}

/// The router over a site directory (removed by the caller) whose `pkg/`
/// holds one built file, `name`.
async fn router_over_built_file(
    pool: Pool,
    name: &str,
    hashed_names: bool,
) -> (std::path::PathBuf, axum::Router) {
    let site = std::env::temp_dir().join(format!("gatehouse-site-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg").join(name), b"\0asm\x01\0\0\0").unwrap();
    let mut state = super::support::state(pool);
    state.leptos_options = leptos::prelude::LeptosOptions::builder()
        .output_name("gatehouse")
        .site_root(site.to_str().unwrap())
        .hash_files(hashed_names)
        .build();
    (site, crate::router::build(state).await.unwrap())
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn built_files_never_carry_another_pages_redirect(pool: Pool) {
    use axum::http::{HeaderValue, StatusCode};
    use leptos::prelude::{provide_context, Owner};
    use leptos_axum::ResponseOptions;
    use tower::ServiceExt;

    let (site, router) = router_over_built_file(pool, "gatehouse.wasm", false).await;
    // A page rendered on this thread just redirected, and its reactive owner
    // is still the thread's current one when the WASM is asked for.
    let page = Owner::new();
    page.set();
    let redirect = ResponseOptions::default();
    redirect.set_status(StatusCode::FOUND);
    redirect.insert_header(header::LOCATION, HeaderValue::from_static("/onboarding"));
    provide_context(redirect);
    let response = router
        .oneshot(
            Request::get("/pkg/gatehouse.wasm")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    std::fs::remove_dir_all(&site).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get(header::LOCATION), None);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/wasm"
    );
    // Unhashed names are the same on every build: revalidated, never kept.
    assert_eq!(
        response.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-cache"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn answers_are_compressed_when_the_client_accepts_it(pool: Pool) {
    let client = Client::new(pool).await;
    let request = |encoding: &str| {
        Request::get("/api/v1/openapi.json")
            .header(header::ACCEPT_ENCODING, encoding)
            .body(Body::empty())
            .unwrap()
    };
    for (asked, got) in [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let response = client.raw(request(asked)).await;
        assert_eq!(response.status(), 200);
        let encoding = response
            .headers()
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(encoding.as_deref(), got, "{asked}");
    }
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn hashed_built_files_are_kept_for_good_and_a_missing_one_never(pool: Pool) {
    use axum::http::StatusCode;
    use tower::ServiceExt;

    let (site, router) = router_over_built_file(pool, "gatehouse.abc123.wasm", true).await;
    let get = |path: &str| {
        router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
    };
    let found = get("/pkg/gatehouse.abc123.wasm").await.unwrap();
    let missing = get("/pkg/gatehouse.def456.wasm").await.unwrap();
    std::fs::remove_dir_all(&site).unwrap();
    assert_eq!(found.status(), StatusCode::OK);
    assert_eq!(
        found.headers().get(header::CACHE_CONTROL).unwrap(),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        found.headers().get(header::VARY).unwrap(),
        "accept-encoding"
    );
    // A name not built yet (a deploy under way) must not be remembered as missing.
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        missing.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-cache"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn the_health_check_answers_while_the_database_does(pool: Pool) {
    use axum::http::StatusCode;
    use tower::ServiceExt;

    let router = crate::router::build(super::support::state(pool.clone()))
        .await
        .unwrap();
    let health = || {
        router
            .clone()
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
    };
    assert_eq!(health().await.unwrap().status(), StatusCode::OK);
    pool.close().await;
    assert_eq!(
        health().await.unwrap().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}
