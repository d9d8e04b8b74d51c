//! `/w/{ws}/variables`: the Variables panel (its table and panels land
//! with the secret store).

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn VariablesPage() -> impl IntoView {
    view! {
        <Title text="Variables" />
        <h1>"Variables"</h1>
        <section class="empty-state card">
            <h2>"No variables yet"</h2>
            <p class="muted">"Variables and secrets of this workspace will be listed here."</p>
        </section>
    }
}
