//! `make bench`: throughput and latency of member listing, invite, accept and
//! a bulk invitation of 500 rows in one call at 1k, 10k and 100k members, on
//! a real SQLite file, called in process and then over HTTP (see [`http`]).
//! Prints a table; it is a measurement, not a test.

mod http;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use gatehouse::domain::bulk::{BulkLine, MAX_BULK_ROWS};
use gatehouse::domain::Role;
use gatehouse::model::invitations::{BulkRequest, InvitationRequest};
use gatehouse::model::members::{MemberFilter, MemberSort};
use gatehouse::server::actor::{Member, User};
use gatehouse::server::config::Config;
use gatehouse::server::identity::providers::Providers;
use gatehouse::server::invitations::{self, bulk, link};
use gatehouse::server::members::{self, MemberQuery};
use gatehouse::server::organizations;
use gatehouse::server::state::AppState;
use gatehouse::server::{db, fixtures, mail::MailWaker, password};
use sqlx::migrate::MigrateDatabase;
use uuid::Uuid;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];
const SAMPLES: usize = 50;
/// Bulk calls per size, each inviting [`MAX_BULK_ROWS`] new addresses.
const BULK_SAMPLES: usize = 5;

fn stats(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let total: Duration = samples.iter().sum();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    format!(
        "p50 {:>7.2} ms  p95 {:>7.2} ms  {:>8.0} ops/s",
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.95).as_secs_f64() * 1e3,
        samples.len() as f64 / total.as_secs_f64()
    )
}

/// A fresh database per size: a SQLite file in `dir`, or with
/// `BENCH_POSTGRES_URL` (a server, e.g. `postgres://bench@127.0.0.1:5432`)
/// a new database on it.
fn database_url(dir: &std::path::Path, n: usize) -> String {
    match std::env::var("BENCH_POSTGRES_URL") {
        Ok(server) => format!(
            "{}/gatehouse_bench_{n}_{}",
            server.trim_end_matches('/'),
            Uuid::new_v4().simple()
        ),
        Err(_) => format!("sqlite://{}/bench-{n}.db", dir.display()),
    }
}

/// The password of every bench user that signs in.
const PASSWORD: &str = "correct-horse-battery-staple";

/// A user with a confirmed address (accepting with the shareable link needs
/// one) and, when given, [`PASSWORD`]'s hash.
async fn confirmed_user(pool: &db::Pool, email: &str, password_hash: Option<&str>) -> User {
    let id = Uuid::new_v4();
    let now = Utc::now();
    sqlx::query(
        "INSERT INTO users (id, email, name, created_at, email_verified_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(email)
    .bind(email)
    .bind(now)
    .bind(now)
    .execute(pool)
    .await
    .unwrap();
    if let Some(hash) = password_hash {
        sqlx::query("INSERT INTO passwords (user_id, hash, changed_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(hash)
            .bind(now)
            .execute(pool)
            .await
            .unwrap();
    }
    User {
        id,
        email: email.to_owned(),
        name: email.to_owned(),
        email_verified_at: Some(now),
        last_active_at: None,
        active_org_id: None,
    }
}

/// Runs on the server's own runtime (see `gatehouse::server::runtime`).
fn main() {
    gatehouse::server::runtime::build()
        .expect("an async runtime")
        .block_on(bench());
}

async fn bench() {
    let dir = std::env::temp_dir().join(format!("gatehouse-bench-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    // `BENCH_REPLICAS=2` answers the HTTP rows through two routers.
    let replicas: usize = std::env::var("BENCH_REPLICAS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    println!(
        "Gatehouse bench: {} in {}, {SAMPLES} samples per row, HTTP through {replicas} router(s)",
        if std::env::var("BENCH_POSTGRES_URL").is_ok() {
            "PostgreSQL"
        } else {
            "SQLite file"
        },
        dir.display()
    );
    let password_hash = password::hash(PASSWORD.into()).await.unwrap().0;
    // `BENCH_SIZES=1000,100000` measures only those sizes.
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|_| SIZES.to_vec());
    for n in sizes {
        let url = database_url(&dir, n);
        <db::Db as MigrateDatabase>::create_database(&url)
            .await
            .unwrap();
        let pool = db::connect(&url).await.unwrap();
        let mut config = Config::for_tests(dir.join("mail").to_str().unwrap());
        config.invite_limit = u32::MAX;
        config.api_key_limit = u32::MAX;
        config.sign_in_limit = u32::MAX;
        config.token_lookup_limit = u32::MAX;
        let state = AppState {
            leptos_options: leptos::config::LeptosOptions::builder()
                .output_name("gatehouse")
                .build(),
            pool: pool.clone(),
            config: Arc::new(config),
            mail: MailWaker::default(),
            providers: Arc::new(Providers::new(Vec::new())),
        };
        let owner = confirmed_user(&pool, "owner@example.com", None).await;
        let org = organizations::create(&pool, owner.id, "Bench")
            .await
            .unwrap();
        let started = Instant::now();
        fixtures::seed_members(&pool, org.id, n, "Member")
            .await
            .unwrap();
        let seeded = started.elapsed();
        sqlx::query("UPDATE organizations SET seat_limit = 10000000")
            .execute(&pool)
            .await
            .unwrap();
        if cfg!(feature = "postgres") {
            // PostgreSQL plans by statistics that autovacuum gathers in the
            // background; a database seeded a moment ago has none yet.
            sqlx::query("ANALYZE").execute(&pool).await.unwrap();
        }
        let actor = Member {
            user: owner.clone(),
            org: organizations::view(&pool, owner.id, &org.slug)
                .await
                .unwrap(),
            api_key: None,
        };
        println!("\n{n} members (seeded in {:.1} s)", seeded.as_secs_f64());

        for (label, search, sort) in [
            ("list first page, by name", "", MemberSort::Name),
            ("list first page, by joined", "", MemberSort::Joined),
            ("search \"member12\"", "member12", MemberSort::Name),
        ] {
            let query = MemberQuery::parse(&MemberFilter {
                search: search.into(),
                sort,
                ..MemberFilter::default()
            })
            .unwrap();
            let mut samples = Vec::new();
            for _ in 0..SAMPLES {
                let t = Instant::now();
                let page = members::list(&pool, &actor, &query).await.unwrap();
                samples.push(t.elapsed());
                assert!(!page.items.is_empty());
            }
            println!("  {label:<32} {}", stats(samples));
        }
        let first = MemberQuery::parse(&MemberFilter::default()).unwrap();
        let mid = members::list(&pool, &actor, &first).await.unwrap();
        let query = MemberQuery::parse(&MemberFilter {
            after: mid.next.unwrap_or_default(),
            ..MemberFilter::default()
        })
        .unwrap();
        let mut samples = Vec::new();
        for _ in 0..SAMPLES {
            let t = Instant::now();
            members::list(&pool, &actor, &query).await.unwrap();
            samples.push(t.elapsed());
        }
        println!("  {:<32} {}", "list second page (keyset)", stats(samples));

        let mut invites = Vec::new();
        let mut samples = Vec::new();
        for i in 0..SAMPLES {
            let email = format!("invitee{i}@example.com");
            let t = Instant::now();
            let issued = invitations::create(
                &state,
                &actor,
                InvitationRequest::plain(&email, Role::Member),
            )
            .await
            .unwrap();
            samples.push(t.elapsed());
            invites.push((email, issued.link));
        }
        println!("  {:<32} {}", "invite", stats(samples));
        let mut samples = Vec::new();
        for (email, issued) in invites {
            let invitee = confirmed_user(&pool, &email, None).await;
            let secret = issued.rsplit('/').next().unwrap().to_owned();
            let t = Instant::now();
            link::accept(&pool, &secret, &invitee, None).await.unwrap();
            samples.push(t.elapsed());
        }
        println!("  {:<32} {}", "accept", stats(samples));
        let mut samples = Vec::new();
        for batch in 0..BULK_SAMPLES {
            let rows = (0..MAX_BULK_ROWS)
                .map(|i| BulkLine::address(&format!("bulk{batch}-{i}@example.com")))
                .collect();
            let request = BulkRequest {
                rows,
                role: Role::Member,
                teams: Vec::new(),
                dry_run: false,
            };
            let t = Instant::now();
            let report = bulk::bulk_invite(&state, &actor, request).await.unwrap();
            samples.push(t.elapsed());
            assert_eq!(report.invited(), MAX_BULK_ROWS);
        }
        println!(
            "  {:<32} {}",
            "bulk invite, 500 rows (1 call)",
            stats(samples)
        );
        // The seat check once counted every pending invitation: invite again
        // with the bulk rows pending.
        let mut samples = Vec::new();
        for i in 0..SAMPLES {
            let request = InvitationRequest::plain(&format!("late{i}@example.com"), Role::Member);
            let t = Instant::now();
            invitations::create(&state, &actor, request).await.unwrap();
            samples.push(t.elapsed());
        }
        let label = format!("invite, {} pending", BULK_SAMPLES * MAX_BULK_ROWS);
        println!("  {label:<32} {}", stats(samples));
        http::run(state, &url, replicas, &actor, &password_hash).await;
        pool.close().await;
        let _ = <db::Db as MigrateDatabase>::drop_database(&url).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
