use crate::ui::layout::PublicFrame;
use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any path no route matches, with an HTTP 404 status.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }

    view! {
        <Title text="Page not found" />
        <PublicFrame>
            <section class="empty-state">
                <p class="empty-code" aria-hidden="true">"404"</p>
                <h1>"Page not found"</h1>
                <p>"The address may be mistyped, or the page may have moved."</p>
                <a class="btn btn-primary" href="/">"Back to start"</a>
            </section>
        </PublicFrame>
    }
}
