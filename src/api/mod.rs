//! Thin `#[server]` functions, grouped by page. Each gathers its request
//! context, proves the caller's role (`RequestCtx::member` or
//! `signed_in`), calls one domain function in `server/` and maps the
//! result. Domain errors are already `AppError`s.

pub mod audit;
pub mod auth;
pub mod members;
pub mod settings;
pub mod tokens;
pub mod variables;
pub mod workflows;
pub mod workspaces;

/// Runs a server function's body; a failure sets the answer's HTTP status
/// from its variant, where the error is made (not by reading bodies back
/// in a middleware).
#[cfg(feature = "ssr")]
pub(crate) async fn respond<T>(
    body: impl std::future::Future<Output = Result<T, crate::error::AppError>>,
) -> Result<T, crate::error::AppError> {
    let result = body.await;
    if let Err(err) = &result {
        err.set_status();
    }
    result
}

/// For a plain HTML form (sent without script), answers with a redirect
/// to `path` (302, replacing an error's status: the page it leads to says
/// what happened). Script callers get their result as usual.
#[cfg(feature = "ssr")]
pub(crate) fn form_redirect(path: &str) {
    let plain_form =
        leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|req| {
            req.headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        });
    if plain_form {
        leptos_axum::redirect(path);
    }
}
