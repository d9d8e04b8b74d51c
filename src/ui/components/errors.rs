//! Showing a server function's outcome.

use crate::error::AppError;
use leptos::prelude::*;

/// An inline error line for a failed action, announced to screen readers.
#[component]
pub fn ActionError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|err| {
            view! {
                <p class="form-error" role="alert">
                    {err.to_string()}
                </p>
            }
        })
    }
}

/// The error of an action's last result, if it failed.
pub fn last_error<T, S>(value: S) -> Signal<Option<AppError>>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.get().and_then(|r| r.err()))
}

/// The error a plain form post to server function `path` came back with:
/// without WASM, a failed server function redirects back to the form's
/// page with its error in the query (`__path`, `__err`). Server only;
/// islands get it as a prop.
pub fn error_from_url(path: &str) -> Option<AppError> {
    #[cfg(feature = "ssr")]
    {
        use base64::Engine;
        let query = leptos_router::hooks::use_query_map().get_untracked();
        if query.get("__path").as_deref() != Some(path) {
            return None;
        }
        let bytes = base64::engine::general_purpose::URL_SAFE
            .decode(query.get("__err")?)
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = path;
        None
    }
}
