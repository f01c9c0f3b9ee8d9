//! Issue 10's defects that are not about one area: panics and stalls never
//! leave a request unanswered, and one client cannot lock others out.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::BodyExt;

use super::support;
use crate::error::AppError;
use crate::router;
use crate::server::accounts;
use crate::server::db::Pool;
use crate::server::safety_net::Deadlines;
use crate::server::state::AppState;

/// A body that sends one piece and then never another.
fn stalling_body() -> Body {
    use futures::stream::{self, StreamExt};
    let first = axum::body::Bytes::from_static(b"<p>half a page");
    Body::from_stream(
        stream::once(async { Ok::<_, std::io::Error>(first) }).chain(stream::pending()),
    )
}

async fn panics() -> &'static str {
    panic!("deliberate test panic")
}

async fn misbehaving_app(pool: Pool) -> Router {
    let extra = Router::<AppState>::new()
        .route("/test/panic", get(panics))
        .route("/api/test_panic", post(panics))
        .route(
            "/test/never",
            get(|| async { std::future::pending::<&'static str>().await }),
        )
        .route("/test/stall", get(|| async { stalling_body() }));
    let deadlines = Deadlines {
        headers: Duration::from_millis(300),
        body_idle: Duration::from_millis(300),
    };
    router::build_with(support::state(pool), extra, deadlines)
        .await
        .expect("router builds")
}

/// Sends `request` and reads the whole answer, failing if that takes a second.
async fn within_a_second(
    app: &Router,
    request: Request<Body>,
) -> (StatusCode, Result<String, String>) {
    use tower::ServiceExt;
    tokio::time::timeout(Duration::from_secs(1), async {
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
            .map_err(|e| e.to_string());
        (status, body)
    })
    .await
    .expect("answered within a second")
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_panicking_handler_is_answered_500_and_the_server_keeps_serving(pool: Pool) {
    let app = misbehaving_app(pool).await;
    let get = |path: &str| Request::get(path).body(Body::empty()).unwrap();

    let (status, body) = within_a_second(&app, get("/test/panic")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.unwrap().contains("Something went wrong on our side"));

    let call = Request::post("/api/test_panic")
        .body(Body::empty())
        .unwrap();
    let (status, body) = within_a_second(&app, call).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let err: AppError = serde_json::from_str(&body.unwrap()).expect("a typed error");
    assert_eq!(err, AppError::Internal);

    let (status, _) = within_a_second(&app, get("/sign-in")).await;
    assert_eq!(status, StatusCode::OK, "still serving after two panics");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_response_that_never_starts_or_stalls_is_cut_off(pool: Pool) {
    let app = misbehaving_app(pool).await;
    let get = |path: &str| Request::get(path).body(Body::empty()).unwrap();
    let (status, _) = within_a_second(&app, get("/test/never")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, body) = within_a_second(&app, get("/test/stall")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.is_err(),
        "a stalled body ends with an error, not silence"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_client_over_its_limit_cannot_lock_someone_elses_account(pool: Pool) {
    let state = support::state(pool);
    crate::tests::user(&state, "victim@example.com").await;
    let client_limit = state.config.sign_in_limit * 10;
    // The attacker spends its own allowance on invented addresses...
    for n in 0..client_limit {
        let email = format!("invented-{n}@example.com");
        let _ = accounts::sign_in(&state, &email, "guess guess", "attacker").await;
    }
    // ...and then aims at the victim: every try is refused before it counts.
    for _ in 0..state.config.sign_in_limit * 2 {
        let refused =
            accounts::sign_in(&state, "victim@example.com", "guess guess", "attacker").await;
        assert!(
            matches!(refused, Err(AppError::RateLimited { .. })),
            "{refused:?}"
        );
    }
    let victim =
        accounts::sign_in(&state, "victim@example.com", "long enough", "victim-laptop").await;
    assert!(victim.is_ok(), "{victim:?}");
}

/// Building an application walks its pages with their data loads switched
/// off, process-wide (leptos_server's `SuppressResourceLoad`): a page whose
/// load first ran meanwhile, in another application of the process, waited
/// forever, and its request was cut off after 30 s. Tests build one
/// application each, two at a time, so one test in twenty failed so. The
/// route list is now made once per process.
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn pages_render_while_another_application_is_built(pool: Pool) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let mut ann = support::Client::new(pool.clone()).await;
    ann.sign_up("Ann", "ann@example.com").await;
    let slug = ann.create_org("Acme").await;
    let done = Arc::new(AtomicBool::new(false));
    let builder = std::thread::spawn({
        let (done, options) = (done.clone(), pool.connect_options());
        move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let pool = Pool::connect_with((*options).clone()).await.unwrap();
                for _ in 0..200 {
                    if done.load(Ordering::SeqCst) {
                        break;
                    }
                    let _built = router::build(support::state(pool.clone())).await.unwrap();
                }
            });
        }
    });
    for n in 0..40 {
        let page = tokio::time::timeout(
            Duration::from_secs(10),
            ann.page(&format!("/orgs/{slug}/members")),
        )
        .await;
        assert!(page.is_ok(), "page {n} never finished");
    }
    done.store(true, Ordering::SeqCst);
    builder.join().unwrap();
}
