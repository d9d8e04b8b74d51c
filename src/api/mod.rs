//! Thin `#[server]` functions, grouped by page. Each gathers its request
//! context, proves the caller's role (`RequestCtx::member` or
//! `signed_in`), calls one domain function in `server/` and maps the
//! result. Domain errors are already `AppError`s.

pub mod audit;
pub mod auth;
pub mod members;
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
