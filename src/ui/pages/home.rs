use crate::ui::components::status_check::StatusCheck;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Variables & secrets for your workflows"</h1>
            <p class="lead">
                "Keep API tokens encrypted, use them in API blocks by name, "
                "and never read a restricted secret back."
            </p>
        </section>
        <StatusCheck />
    }
}
