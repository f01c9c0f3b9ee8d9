//! An OpenID Connect provider in the test process, on a loopback port:
//! discovery, keys and a token endpoint that checks PKCE and spends each
//! code once. Tests authorize directly (no login form) and can make the
//! ID token wrong in one way at a time.

use axum::extract::{Form, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey};
use openidconnect::{JsonWebKeyId, PrivateSigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::support::Client;
use crate::domain::identity::ProviderKind;
use crate::server::db::Pool;
use crate::server::identity::providers::ProviderConfig;

const KEY_PEM: &str = include_str!("fixtures/oidc-test-key.pem");
pub const CLIENT_ID: &str = "gatehouse-test";

/// One way to spoil the ID token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spoil {
    Nothing,
    Nonce,
    Issuer,
    Expired,
    /// Entra: the token's issuer names another tenant than its `tid`.
    TenantIssuer,
}

struct Grant {
    claims: Value,
    nonce: String,
    challenge: String,
    spoil: Spoil,
}

#[derive(Clone)]
struct Shared {
    issuer: String,
    templated: bool,
    codes: Arc<Mutex<HashMap<String, Grant>>>,
    key: Arc<CoreRsaPrivateSigningKey>,
}

pub struct FakeProvider {
    pub base: String,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeProvider {
    /// `templated` serves an Entra-style multi-tenant discovery document
    /// whose issuer is `{base}/{tenantid}/v2.0`.
    pub async fn start(templated: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let issuer = if templated {
            format!("{base}/{{tenantid}}/v2.0")
        } else {
            base.clone()
        };
        let key =
            CoreRsaPrivateSigningKey::from_pem(KEY_PEM, Some(JsonWebKeyId::new("test-key".into())))
                .expect("the test key parses");
        let shared = Shared {
            issuer,
            templated,
            codes: Default::default(),
            key: Arc::new(key),
        };
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            // Where Entra's multi-tenant endpoint keeps it (see `config`).
            .route(
                "/common/v2.0/.well-known/openid-configuration",
                get(discovery),
            )
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { base, shared, task }
    }

    /// This provider as the server's configuration of `kind`.
    pub fn config(&self, kind: ProviderKind) -> ProviderConfig {
        let id = match kind {
            ProviderKind::Google => "google",
            ProviderKind::Entra => "entra",
            ProviderKind::Generic => "corp",
        };
        ProviderConfig {
            id: id.into(),
            label: format!("{kind:?}"),
            kind,
            // Entra is configured by its multi-tenant endpoint, like `common`.
            issuer: if self.shared.templated {
                format!("{}/common/v2.0", self.base)
            } else {
                self.base.clone()
            },
            client_id: CLIENT_ID.into(),
            client_secret: "test-secret".into(),
            owner: crate::server::identity::providers::ProviderOwner::Operator,
        }
    }

    /// What the provider's login would do: answers the callback path (with
    /// code and state) for the authorization URL the server redirected to.
    pub fn authorize(&self, authorize_url: &str, claims: Value, spoil: Spoil) -> String {
        let url = reqwest_url(authorize_url);
        let param = |name: &str| {
            url.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("the authorization URL has {name}: {authorize_url}"))
        };
        assert_eq!(param("code_challenge_method"), "S256", "PKCE is used");
        let code = format!("code-{}", uuid::Uuid::new_v4());
        self.shared.codes.lock().unwrap().insert(
            code.clone(),
            Grant {
                claims,
                nonce: param("nonce"),
                challenge: param("code_challenge"),
                spoil,
            },
        );
        let redirect = param("redirect_uri");
        let path = redirect
            .split_once("://")
            .unwrap()
            .1
            .split_once('/')
            .unwrap()
            .1;
        format!("/{path}?code={code}&state={}", param("state"))
    }
}

/// The query pairs of a URL, decoded.
fn reqwest_url(url: &str) -> Vec<(String, String)> {
    let parsed = openidconnect::url::Url::parse(url).expect("a URL");
    parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn discovery(State(s): State<Shared>) -> Json<Value> {
    let base = s.issuer.replace("/{tenantid}/v2.0", "");
    Json(json!({
        "issuer": s.issuer,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

async fn jwks(State(s): State<Shared>) -> Json<CoreJsonWebKeySet> {
    Json(CoreJsonWebKeySet::new(vec![s.key.as_verification_key()]))
}

async fn token(
    State(s): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Json<Value>, (axum::http::StatusCode, Json<Value>)> {
    let refuse = || {
        (
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_grant" })),
        )
    };
    let code = form.get("code").ok_or_else(refuse)?;
    // Spent at first use, whatever happens next.
    let grant = s.codes.lock().unwrap().remove(code).ok_or_else(refuse)?;
    let verifier = form.get("code_verifier").ok_or_else(refuse)?;
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != grant.challenge {
        return Err(refuse());
    }
    let now = chrono::Utc::now().timestamp();
    let tid = grant
        .claims
        .get("tid")
        .and_then(Value::as_str)
        .unwrap_or("none")
        .to_owned();
    let issuer = match grant.spoil {
        Spoil::Issuer => "http://127.0.0.1:9/elsewhere".to_owned(),
        Spoil::TenantIssuer => s
            .issuer
            .replace("{tenantid}", "11111111-2222-3333-4444-555555555555"),
        _ => s.issuer.replace("{tenantid}", &tid),
    };
    let mut claims = json!({
        "iss": issuer,
        "aud": CLIENT_ID,
        "iat": now,
        "exp": if grant.spoil == Spoil::Expired { now - 600 } else { now + 300 },
        "nonce": if grant.spoil == Spoil::Nonce { "another-nonce".to_owned() } else { grant.nonce },
    });
    for (name, value) in grant.claims.as_object().unwrap() {
        claims[name] = value.clone();
    }
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": "test-key" });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = s
        .key
        .sign(
            &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            signing_input.as_bytes(),
        )
        .unwrap();
    Ok(Json(json!({
        "access_token": "access",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)),
    })))
}

/// The application with these providers configured.
pub async fn app(pool: Pool, providers: &[(&FakeProvider, ProviderKind)]) -> Client {
    let configs: Vec<_> = providers.iter().map(|(p, kind)| p.config(*kind)).collect();
    Client::with_config(pool, |c| c.providers = configs).await
}

/// Starts at `/auth/{id}/start{query}`, lets the provider sign in with
/// `claims`, and follows the callback: (status, Location, body).
pub async fn through(
    client: &mut Client,
    provider: &FakeProvider,
    id: &str,
    query: &str,
    claims: Value,
    spoil: Spoil,
) -> (u16, Option<String>, String) {
    let (status, location, body) = client.visit(&format!("/auth/{id}/start{query}")).await;
    assert_eq!(status, 303, "start redirects to the provider: {body}");
    let callback = provider.authorize(&location.unwrap(), claims, spoil);
    client.visit(&callback).await
}

pub async fn signed_in_as(client: &mut Client) -> Option<String> {
    let me = client.call("current_user", &[]).await;
    me.body["email"].as_str().map(str::to_owned)
}
