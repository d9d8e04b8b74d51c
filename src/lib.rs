//! varvault: workspace variables and secrets for workflow API blocks.
//!
//! One crate built twice: with `ssr` for the server (axum, sqlx, crypto) and
//! with `hydrate` for the browser (WASM). See ARCHITECTURE.md for the map.

// The workflow page's view types nest deeper than the default limit under
// the instrumented fuzz build (nightly, codegen-units=1).
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod app;
pub mod error;
pub mod model;
pub mod template;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the WASM bundle: hydrates the islands (the interactive
/// parts) of the server-rendered page; the rest stays plain HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // A server function that redirects (create a workflow, sign in) is a
    // full page load: there is no client-side router.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|to: &str| {
        let _ = leptos::prelude::window().location().set_href(to);
    });
    leptos::mount::hydrate_islands();
    // Tells end-to-end tests (and anyone curious) that the page is live.
    // The islands hydrate right after this function, in microtasks; a
    // timeout runs after all of them.
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "");
            }
        },
        std::time::Duration::ZERO,
    );
}
