//! Server entry: configuration, database, mail worker, router.

#[cfg(feature = "ssr")]
fn main() -> Result<(), String> {
    gatehouse::server::runtime::build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?
        .block_on(serve())
}

#[cfg(feature = "ssr")]
async fn serve() -> Result<(), String> {
    use gatehouse::server::{
        config::Config, db, identity::providers::Providers, mail, state::AppState, sweeps,
    };
    use std::net::SocketAddr;
    use std::sync::Arc;

    let _ = dotenvy::dotenv();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into()),
        )
        .init();

    let leptos_options = leptos::prelude::get_configuration(None)
        .map_err(|e| e.to_string())?
        .leptos_options;
    let addr = leptos_options.site_addr;
    let config = Arc::new(Config::from_env(&addr.to_string())?);
    let pool = db::connect(&config.database_url)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", config.database_for_log()))?;
    let transport = mail::transport::Transport::from_config(&config.mail)?;
    let state = AppState {
        leptos_options,
        pool: pool.clone(),
        config: config.clone(),
        mail: mail::MailWaker::default(),
        providers: Arc::new(Providers::new(config.providers.clone())),
    };
    tokio::spawn(mail::worker::run(
        pool,
        transport,
        config.clone(),
        state.mail.clone(),
    ));
    let sessions = state.pool.clone();
    let app = gatehouse::router::build(state)
        .await
        .map_err(|e| e.to_string())?;
    // After build: it creates the session table.
    tokio::spawn(sweeps::run(sessions));

    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!(
        "Gatehouse listening on http://{addr} (links use {})",
        config.base_url
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| e.to_string())
}

#[cfg(not(feature = "ssr"))]
pub fn main() {
    // The browser bundle starts from `lib.rs::hydrate`.
}
