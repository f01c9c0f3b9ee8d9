//! The HTTP phase: the real router on 127.0.0.1, driven by one and by eight
//! keep-alive clients, as an integrator's service and people's browsers
//! would drive it. Invitations are created through `/api/v1` with an API
//! key; invitees sign in with the sign-in form and open their invitation
//! (not timed), then accept through the console's server function with
//! their session cookie. With
//! `BENCH_REPLICAS=2` two routers, each with its own pool over the same
//! database, take turns answering (request `i` goes to router `i % 2`).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gatehouse::domain::api_key::ApiScope;
use gatehouse::domain::Role;
use gatehouse::model::api_keys::ApiKeyRequest;
use gatehouse::model::invitations::InvitationRequest;
use gatehouse::server::actor::Member;
use gatehouse::server::api_keys;
use gatehouse::server::state::AppState;

/// Requests per measured row: (clients, invitations created, accepted).
const ROUNDS: [(usize, usize, usize); 2] = [(1, 400, 200), (8, 2_000, 600)];
const READS: usize = 200;

/// Latencies of one measured row and the wall time it took.
struct Row {
    latencies: Vec<Duration>,
    wall: Duration,
}

impl std::fmt::Display for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let pct = |p: f64| sorted[((sorted.len() as f64 - 1.0) * p).round() as usize];
        write!(
            f,
            "p50 {:>7.2} ms  p99 {:>7.2} ms  {:>8.0} req/s",
            pct(0.5).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            sorted.len() as f64 / self.wall.as_secs_f64()
        )
    }
}

/// Runs `work(i)` for every `i < count` on `clients` concurrent workers and
/// times each call; any failed call stops the bench.
async fn drive<F, Fut>(count: usize, clients: usize, work: F) -> Row
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (next, work) = (next.clone(), work.clone());
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return mine;
                    }
                    let t = Instant::now();
                    work(i).await;
                    mine.push(t.elapsed());
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(count);
    for worker in workers {
        latencies.extend(worker.await.expect("a bench worker panicked"));
    }
    Row {
        latencies,
        wall: started.elapsed(),
    }
}

/// A client of the servers at `bases`; request `i` goes to `bases[i % n]`.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    bases: Arc<Vec<String>>,
}

/// A sent request's status, the session cookie it set (if any) and its body.
struct Answer {
    status: u16,
    cookie: Option<String>,
    text: String,
}

impl Client {
    fn base(&self, i: usize) -> &str {
        &self.bases[i % self.bases.len()]
    }

    /// A POST from our own origin, as the console's pages send them.
    fn post(&self, i: usize, path: &str) -> reqwest::RequestBuilder {
        let base = self.base(i);
        self.http
            .post(format!("{base}{path}"))
            .header("origin", base)
            .header("accept", "application/json")
    }

    async fn send(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the bench server answers");
        let status = response.status().as_u16();
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        let text = response.text().await.unwrap_or_default();
        Answer {
            status,
            cookie,
            text,
        }
    }

    async fn get(&self, i: usize, path: &str, key: &str) {
        let response = self
            .http
            .get(format!("{}{path}", self.base(i)))
            .header("authorization", format!("Bearer {key}"))
            .send()
            .await
            .expect("the bench server answers");
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        response.bytes().await.unwrap();
    }
}

/// Serves `state` on a free port of 127.0.0.1; answers its base URL.
async fn serve(state: AppState) -> (String, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = gatehouse::router::build(state).await.unwrap();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    (format!("http://{addr}"), server)
}

/// Measures the HTTP rows for the organization `actor` acts in, through
/// `replicas` routers over the database at `url`.
pub async fn run(state: AppState, url: &str, replicas: usize, actor: &Member, password_hash: &str) {
    let mut bases = Vec::new();
    let mut servers = Vec::new();
    for n in 0..replicas.max(1) {
        let mut state = state.clone();
        if n > 0 {
            state.pool = gatehouse::server::db::connect(url).await.unwrap();
        }
        let (base, server) = serve(state).await;
        bases.push(base);
        servers.push(server);
    }
    let client = Client {
        // Signing in answers 303 with the session cookie: read it, do not follow.
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(16)
            .build()
            .unwrap(),
        bases: Arc::new(bases),
    };
    let key = api_keys::create(
        &state.pool,
        actor,
        ApiKeyRequest {
            name: "Bench".into(),
            scopes: vec![ApiScope::MembersRead, ApiScope::InvitationsWrite],
            expires_in_days: None,
        },
    )
    .await
    .unwrap()
    .secret;
    let slug = actor.org.slug.clone();
    let tag = uuid::Uuid::new_v4().simple().to_string();

    for (clients, creates, accepts) in ROUNDS {
        let links = Arc::new(Mutex::new(vec![String::new(); creates]));
        let invite = {
            let (client, key, slug, tag) = (client.clone(), key.clone(), slug.clone(), tag.clone());
            let links = links.clone();
            move |i: usize| {
                let (client, key, slug, tag) =
                    (client.clone(), key.clone(), slug.clone(), tag.clone());
                let links = links.clone();
                async move {
                    let email = format!("http{clients}-{i}-{tag}@example.com");
                    let body =
                        serde_json::to_string(&InvitationRequest::plain(&email, Role::Member))
                            .unwrap();
                    let answer = Client::send(
                        client
                            .post(i, &format!("/api/v1/orgs/{slug}/invitations"))
                            .bearer_auth(&key)
                            .header("content-type", "application/json")
                            .body(body),
                    )
                    .await;
                    assert_eq!(answer.status, 201, "create: {}", answer.text);
                    let issued: serde_json::Value = serde_json::from_str(&answer.text).unwrap();
                    let link = issued["link"]
                        .as_str()
                        .expect("the answer carries the link");
                    links.lock().unwrap()[i] = link.rsplit('/').next().unwrap().to_owned();
                }
            }
        };
        let row = drive(creates, clients, invite).await;
        println!(
            "  {:<32} {row}",
            format!("HTTP create invitation, c={clients}")
        );

        // The first `accepts` invitees sign in and open their invitation
        // (untimed), then accept.
        let mut invitees = Vec::with_capacity(accepts);
        for i in 0..accepts {
            let email = format!("http{clients}-{i}-{tag}@example.com");
            let secret = links.lock().unwrap()[i].clone();
            super::confirmed_user(&state.pool, &email, Some(password_hash)).await;
            invitees.push((email, secret));
        }
        let cookies = Arc::new(
            futures::future::join_all(invitees.chunks(accepts.div_ceil(4)).map(|chunk| {
                let client = client.clone();
                let chunk = chunk.to_vec();
                async move {
                    let mut cookies = Vec::new();
                    for (email, secret) in chunk {
                        let answer = Client::send(
                            client
                                .post(0, "/sign-in")
                                .form(&[("email", email.as_str()), ("password", super::PASSWORD)]),
                        )
                        .await;
                        assert_eq!(answer.status, 303, "sign in: {}", answer.text);
                        let cookie = answer.cookie.expect("signing in sets the session cookie");
                        // They open the link's page, as a person does before
                        // pressing Accept; that request, not the accept, notes
                        // them active (once a minute).
                        let page = Client::send(
                            client
                                .post(0, "/api/invitation_preview")
                                .header("cookie", &cookie)
                                .form(&[("token", &secret)]),
                        )
                        .await;
                        assert_eq!(page.status, 200, "invitation page: {}", page.text);
                        cookies.push((cookie, secret));
                    }
                    cookies
                }
            }))
            .await
            .concat(),
        );
        let accept = {
            let client = client.clone();
            move |i: usize| {
                let (client, cookies) = (client.clone(), cookies.clone());
                async move {
                    let (cookie, secret) = &cookies[i];
                    let answer = Client::send(
                        client
                            .post(i, "/api/accept_invitation")
                            .header("cookie", cookie)
                            .form(&[("token", secret)]),
                    )
                    .await;
                    assert_eq!(answer.status, 200, "accept: {}", answer.text);
                }
            }
        };
        let row = drive(accepts, clients, accept).await;
        println!(
            "  {:<32} {row}",
            format!("HTTP accept invitation, c={clients}")
        );

        for (label, query) in [
            ("list first page", ""),
            ("search \"member12\"", "?search=member12"),
        ] {
            let path = format!("/api/v1/orgs/{slug}/members{query}");
            let read = {
                let (client, key) = (client.clone(), key.clone());
                move |i| {
                    let (client, key, path) = (client.clone(), key.clone(), path.clone());
                    async move { client.get(i, &path, &key).await }
                }
            };
            let row = drive(READS, clients, read).await;
            println!("  {:<32} {row}", format!("HTTP {label}, c={clients}"));
        }
    }
    for server in servers {
        server.abort();
    }
}
