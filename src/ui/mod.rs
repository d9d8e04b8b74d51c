//! Components and pages. Nothing under `ui/` imports `server/`: the UI talks
//! to the server only through the `#[server]` functions in `api/`.
//!
//! Pages and their frames render on the server only (islands mode); the
//! browser bundles hold just `islands/` and the components they use, one
//! bundle per kind of page (see `app::Bundle`).

pub mod components;
pub mod format;
pub mod islands;
#[cfg(feature = "ssr")]
pub mod layout;
#[cfg(feature = "ssr")]
pub mod pages;
