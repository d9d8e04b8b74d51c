//! The frame around every page: skip link, header with navigation, main.

use leptos::prelude::*;

/// Sections of a workspace; the links become live as their pages land.
const NAV: [&str; 5] = ["Variables", "Workflows", "Members", "Audit log", "Account"];

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="app-header">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                "varvault"
            </a>
            <nav aria-label="Main">
                <ul class="nav-list">
                    {NAV
                        .iter()
                        .map(|label| {
                            view! {
                                <li>
                                    <span class="nav-link" aria-disabled="true">
                                        {*label}
                                    </span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
        </header>
        <main id="main" class="app-main" tabindex="-1">
            {children()}
        </main>
    }
}
