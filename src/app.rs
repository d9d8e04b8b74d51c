//! The HTML shell, the root component and the route table.

use crate::ui::layout::WorkspaceShell;
use crate::ui::pages::{
    account::AccountPage, audit::AuditPage, landing::LandingPage, login::LoginPage,
    members::MembersPage, new_workspace::NewWorkspacePage, not_found::NotFoundPage,
    setup::SetupPage, variables::VariablesPage, workflow::WorkflowPage, workflows::WorkflowsPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment,
};

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Every route renders in `SsrMode::Async`: the server waits for the page's
/// data, so pages arrive complete (no flash of empty content) and a
/// redirect (to `/login`, say) is a real HTTP redirect.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="varvault" href="/pkg/varvault.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "varvault".to_string() } else { format!("{page} · varvault") }
        } />
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=StaticSegment("") view=LandingPage ssr=SsrMode::Async />
                <Route path=StaticSegment("setup") view=SetupPage ssr=SsrMode::Async />
                <Route path=StaticSegment("login") view=LoginPage ssr=SsrMode::Async />
                <Route path=StaticSegment("account") view=AccountPage ssr=SsrMode::Async />
                <Route
                    path=StaticSegment("new-workspace")
                    view=NewWorkspacePage
                    ssr=SsrMode::Async
                />
                <ParentRoute
                    path=(StaticSegment("w"), ParamSegment("ws"))
                    view=WorkspaceShell
                    ssr=SsrMode::Async
                >
                    <Route path=StaticSegment("variables") view=VariablesPage />
                    <Route path=StaticSegment("members") view=MembersPage />
                    <Route path=StaticSegment("audit") view=AuditPage />
                    <Route path=StaticSegment("workflows") view=WorkflowsPage />
                    <Route path=(StaticSegment("workflows"), ParamSegment("id")) view=WorkflowPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
