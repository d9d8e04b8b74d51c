//! Security headers of every response: a Content-Security-Policy with a
//! fresh nonce per page, `no-store` on pages, HSTS behind https.

use crate::server::web::state::Settings;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use std::sync::Arc;

/// The policy of a page whose inline scripts carry `nonce`. Scripts: this
/// origin's bundles and the nonce'd hydration script only (no inline
/// script without it, no eval but WebAssembly's); nothing may frame a page,
/// change its base URL or post its forms elsewhere.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// Makes the page's nonce (handed to Leptos' render through the request,
/// see [`nonce_of`]) and sets the headers on the answer. Pages carry plain
/// values, member emails and client addresses: no cache keeps them.
pub async fn security_headers(
    State(settings): State<Arc<Settings>>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&nonce)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if settings
        .public_origin
        .as_deref()
        .is_some_and(|o| o.starts_with("https://"))
    {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// The nonce [`security_headers`] made for this request; provided to the
/// render so Leptos' hydration script carries the one the header allows.
pub fn nonce_of(parts: &axum::http::request::Parts) -> Option<Nonce> {
    parts.extensions.get::<Nonce>().cloned()
}
