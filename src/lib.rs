//! Gatehouse: the members-and-invitations console of a multi-tenant SaaS.
//!
//! One crate compiled twice: to native code with the `ssr` feature (axum
//! server, storage, mail) and to WASM with `hydrate` (the console UI).

pub mod api;
pub mod app;
pub mod domain;
pub mod error;
pub mod model;
#[cfg(feature = "ssr")]
pub mod router;
#[cfg(feature = "ssr")]
pub mod server;
pub mod ui;

/// Browser entry: hydrates the server-rendered console.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazily loaded routes, so hydration waits for the page's code.
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a page has a body");
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        ui::client_only::page_hydrated();
        // Controls ignore the pointer until this is set (see style/main.css),
        // so a click before hydration waits instead of being lost.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}

#[cfg(all(test, feature = "ssr"))]
mod tests;
