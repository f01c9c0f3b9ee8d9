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
    leptos::mount::hydrate_body(app::App);
    // Controls ignore the pointer until this is set (see style/main.css), so a
    // click before hydration waits instead of being lost.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;
