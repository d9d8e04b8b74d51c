//! Components and pages. Nothing under `ui/` imports `server/`: the UI talks
//! to the server only through the `#[server]` functions in `api/`.

pub mod components;
pub mod format;
pub mod layout;
pub mod pages;
