//! varvault: workspace variables and secrets for workflow API blocks.
//!
//! One crate built twice: with `ssr` for the server (axum, sqlx, crypto) and
//! with `hydrate` for the browser (WASM). See ARCHITECTURE.md for the map.

pub mod api;
pub mod app;
pub mod error;
pub mod model;
pub mod template;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the WASM bundle: attaches the reactive app to the
/// server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Tells end-to-end tests (and anyone curious) that the page is live.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
