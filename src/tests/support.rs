//! Test support: the real router over a fresh database, and a cookie-keeping client.

use axum::body::Body;
use axum::http::{header, Request};
use axum::Router;
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

use crate::server::config::Config;
use crate::server::db::Pool;
use crate::server::mail::MailWaker;
use crate::server::state::AppState;

/// The session store's table.
#[cfg(not(feature = "postgres"))]
pub const SESSIONS: &str = "tower_sessions";
#[cfg(feature = "postgres")]
pub const SESSIONS: &str = "tower_sessions.session";

/// State over `pool` with file mail into a fresh temporary directory.
pub fn state(pool: Pool) -> AppState {
    state_with(pool, test_config())
}

/// The tests' configuration, with file mail into a fresh temporary directory.
fn test_config() -> Config {
    show_server_logs();
    let dir = std::env::temp_dir().join(format!("gatehouse-test-mail-{}", uuid::Uuid::new_v4()));
    Config::for_tests(dir.to_str().unwrap_or("/tmp"))
}

/// Prints the server's warnings and errors into the output of the test
/// that caused them, which the test runner shows when it fails: a refused
/// request's "Internal" then comes with its cause.
fn show_server_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_test_writer()
        .try_init();
}

/// State over `pool` with this configuration.
fn state_with(pool: Pool, config: Config) -> AppState {
    AppState {
        leptos_options: LeptosOptions::builder().output_name("gatehouse").build(),
        pool,
        providers: Arc::new(crate::server::identity::providers::Providers::new(
            config.providers.clone(),
        )),
        config: Arc::new(config),
        mail: MailWaker::default(),
    }
}

/// An SMTP transport whose every delivery fails at once: port 9 on
/// loopback, where nothing listens.
pub fn refused_smtp() -> crate::server::mail::transport::Transport {
    crate::server::mail::transport::Transport::from_config(
        &crate::server::config::MailTransportConfig::Smtp {
            url: "smtp://127.0.0.1:9".into(),
        },
    )
    .expect("a valid SMTP URL")
}

/// An SMTP server that accepts connections and never says a word, like a
/// stuck relay; it stops when dropped.
pub struct SilentSmtp {
    /// A transport that delivers to it.
    pub transport: crate::server::mail::transport::Transport,
    /// Signalled when a connection is accepted.
    pub accepted: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl SilentSmtp {
    /// Listens on a free loopback port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let port = listener.local_addr().expect("a bound port").port();
        let accepted = Arc::new(tokio::sync::Notify::new());
        let signal = accepted.clone();
        let task = tokio::spawn(async move {
            // Held, never read or written, so every client waits for a greeting.
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
                signal.notify_one();
            }
        });
        let transport = crate::server::mail::transport::Transport::from_config(
            &crate::server::config::MailTransportConfig::Smtp {
                url: format!("smtp://127.0.0.1:{port}"),
            },
        )
        .expect("a valid SMTP URL");
        Self {
            transport,
            accepted,
            task,
        }
    }
}

impl Drop for SilentSmtp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One answer from a server function.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The typed error in the body, if the call failed.
    pub fn error(&self) -> Option<crate::error::AppError> {
        (self.status >= 400)
            .then(|| serde_json::from_value(self.body.clone()).ok())
            .flatten()
    }
}

/// One answer from `/api/v1`.
#[derive(Debug)]
pub struct RestReply {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub headers: header::HeaderMap,
    pub body: Value,
}

impl RestReply {
    /// Asserts a problem-details answer with `status`; returns its `detail`.
    pub fn problem(&self, status: u16) -> String {
        assert_eq!(self.status, status, "{:?}", self.body);
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/problem+json")
        );
        assert_eq!(self.body["status"], status);
        assert!(self.body["type"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(self.body["title"].as_str().is_some_and(|t| !t.is_empty()));
        self.body["detail"].as_str().expect("a detail").to_owned()
    }
}

/// A browser-like client of the real router: keeps the session cookie.
pub struct Client {
    pub state: AppState,
    router: Router,
    cookie: Option<String>,
}

/// Form fields as a browser encodes them.
fn form_body(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The password of every account [`Client::sign_up`] opens.
pub const PASSWORD: &str = "correct horse battery";

impl Client {
    /// A signed-out client of a fresh application over `pool`.
    pub async fn new(pool: Pool) -> Self {
        Self::with_config(pool, |_| {}).await
    }

    /// A signed-out client of a fresh application whose configuration
    /// `adjust` changed (lower rate limits, for example).
    pub async fn with_config(pool: Pool, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = test_config();
        adjust(&mut config);
        let state = state_with(pool, config);
        let router = crate::router::build(state.clone())
            .await
            .expect("router builds");
        Self {
            state,
            router,
            cookie: None,
        }
    }

    /// Another signed-out client of the same application.
    pub fn fresh(&self) -> Self {
        Self {
            state: self.state.clone(),
            router: self.router.clone(),
            cookie: None,
        }
    }

    /// Calls `/api/<endpoint>` with form fields, as the browser does.
    pub async fn call(&mut self, endpoint: &str, form: &[(&str, &str)]) -> Reply {
        self.post(
            endpoint,
            "application/x-www-form-urlencoded",
            form_body(form),
        )
        .await
    }

    /// Calls a JSON-encoded `/api/<endpoint>` with its arguments as one object.
    pub async fn call_json(&mut self, endpoint: &str, arguments: Value) -> Reply {
        self.post(endpoint, "application/json", arguments.to_string())
            .await
    }

    async fn post(&mut self, endpoint: &str, content_type: &str, body: String) -> Reply {
        let mut request = Request::post(format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        self.remember_cookie(&response);
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Reply { status, body }
    }

    /// A `/api/v1` request with `key` as its bearer token and an optional
    /// JSON body; the session cookie is not sent.
    pub async fn rest(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> RestReply {
        self.rest_with(method, path, key, body, &[]).await
    }

    /// [`Self::rest`] with extra request headers.
    pub async fn rest_with(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> RestReply {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(key) = key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let response = self.raw(request.body(body).unwrap()).await;
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &header::HeaderValue| v.to_str().unwrap().to_owned())
        };
        let content_type = header_text(header::CONTENT_TYPE);
        let retry_after = header_text(header::RETRY_AFTER);
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        RestReply {
            status,
            content_type,
            retry_after,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    fn remember_cookie(&mut self, response: &axum::response::Response) {
        if let Some(set) = response.headers().get(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            self.cookie = if pair.ends_with('=') {
                None
            } else {
                Some(pair)
            };
        }
    }

    /// A GET as a browser follows a link: the cookie goes along and comes
    /// back; answers (status, Location, body).
    pub async fn visit(&mut self, path: &str) -> (u16, Option<String>, String) {
        self.navigate(Request::get(path)).await
    }

    /// A form POST with no fields from a page at `origin`.
    pub async fn submit(&mut self, path: &str, origin: &str) -> (u16, Option<String>, String) {
        self.navigate(Request::post(path).header(header::ORIGIN, origin))
            .await
    }

    /// A plain HTML form posted to `path`, as a browser sends it from a page
    /// without the console's code; answers (status, Location, body).
    pub async fn post_form(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, Option<String>, String) {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html");
        self.send(request, Body::from(form_body(form))).await
    }

    /// Signs in through the sign-in page's form; answers as [`Self::post_form`].
    pub async fn sign_in_with(
        &mut self,
        email: &str,
        password: &str,
    ) -> (u16, Option<String>, String) {
        self.post_form("/sign-in", &[("email", email), ("password", password)])
            .await
    }

    async fn navigate(
        &mut self,
        request: axum::http::request::Builder,
    ) -> (u16, Option<String>, String) {
        self.send(request, Body::empty()).await
    }

    async fn send(
        &mut self,
        mut request: axum::http::request::Builder,
        body: Body,
    ) -> (u16, Option<String>, String) {
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = self.raw(request.body(body).unwrap()).await;
        self.remember_cookie(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            location,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    /// The HTML of the page at `path` as the signed-in user sees it.
    pub async fn page(&self, path: &str) -> String {
        let mut request = Request::get(path);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = self.raw(request.body(Body::empty()).unwrap()).await;
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// A raw request through the whole router (pages, headers).
    pub async fn raw(&self, request: Request<Body>) -> axum::response::Response {
        self.router.clone().oneshot(request).await.unwrap()
    }

    /// Signs up (and so in) a new account with [`PASSWORD`]; panics if that fails.
    pub async fn sign_up(&mut self, name: &str, email: &str) -> &mut Self {
        let reply = self
            .call(
                "sign_up",
                &[("name", name), ("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(reply.status, 200, "sign up failed: {:?}", reply.body);
        self
    }

    /// Signs in with [`PASSWORD`]; panics if that fails.
    pub async fn sign_in(&mut self, email: &str) -> &mut Self {
        let (status, _, page) = self.sign_in_with(email, PASSWORD).await;
        assert_eq!(status, 303, "sign in failed: {page}");
        self
    }

    /// Creates an organization as the signed-in user; returns its slug.
    pub async fn create_org(&mut self, name: &str) -> String {
        let reply = self.call("create_organization", &[("name", name)]).await;
        assert_eq!(
            reply.status, 200,
            "create organization failed: {:?}",
            reply.body
        );
        reply.body["slug"].as_str().unwrap().to_owned()
    }
}

/// Percent-encodes a form value or a query parameter.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
