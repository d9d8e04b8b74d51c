//! The interactive parts of pages, hydrated in the browser. Each module
//! goes into one browser bundle (a cargo feature); the server has them
//! all. Props are serialised into the page: never a secret's value.

use leptos::prelude::*;

#[cfg(any(
    feature = "ssr",
    feature = "bundle-members",
    feature = "bundle-workflows"
))]
pub mod admin;
#[cfg(any(feature = "ssr", feature = "bundle-forms"))]
pub mod forms;
// Rendered in the browser only, on demand (see `import::mount_import_env`).
#[cfg(feature = "bundle-automation")]
pub mod import;
#[cfg(any(feature = "ssr", feature = "bundle-automation"))]
pub mod tokens;
#[cfg(any(feature = "ssr", feature = "bundle-vars"))]
pub mod variables;
#[cfg(any(feature = "ssr", feature = "bundle-flow"))]
pub mod workflow;

/// False in the server's HTML, true once the island runs in the browser:
/// a control that needs WASM is disabled until it can work, so a click
/// before then is not lost silently.
pub fn hydrated() -> ReadSignal<bool> {
    let (ready, set_ready) = signal(false);
    Effect::new(move |_| set_ready.set(true));
    ready
}

/// Loads the current page again: after a change, the server renders the
/// fresh rows (they are not part of any island).
pub fn reload_page() {
    #[cfg(feature = "hydrate")]
    let _ = window().location().reload();
}
