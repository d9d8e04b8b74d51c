//! The HTML shell, the root component and the route table.

use crate::ui::layout::WorkspaceShell;
use crate::ui::pages::{
    account::AccountPage, audit::AuditPage, history::HistoryPage, landing::LandingPage,
    login::LoginPage, members::MembersPage, new_workspace::NewWorkspacePage,
    not_found::NotFoundPage, settings::SettingsPage, setup::SetupPage, tokens::TokensPage,
    variables::VariablesPage, workflow::WorkflowPage, workflows::WorkflowsPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment,
};

/// The browser bundle a page needs, by path: each holds only the islands
/// of its kind of page (cargo features `bundle-*`). `None`: the page has
/// no island and loads no WASM at all.
pub fn bundle_for(path: &str) -> Option<&'static str> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["login"] | ["setup"] | ["account"] | ["new-workspace"] => Some("forms"),
        ["w", _, "variables"] | ["w", _, "variables", _, "history"] => Some("vars"),
        ["w", _, "workflows", _] => Some("flow"),
        ["w", _, "workflows"] => Some("workflows"),
        ["w", _, "members"] => Some("members"),
        ["w", _, "tokens"] => Some("automation"),
        _ => None,
    }
}

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let path = use_context::<axum::http::request::Parts>()
        .map(|parts| parts.uri.path().to_string())
        .unwrap_or_default();
    let bundle = bundle_for(&path);
    let scripts = bundle.map(|name| {
        let mut options = options.clone();
        options.output_name = format!("varvault_{name}").into();
        view! { <HydrationScripts options islands=true /> }
    });
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                {scripts}
                <MetaTags />
            </head>
            // A page with nothing to hydrate is live as it arrives.
            <body data-hydrated=bundle.is_none().then_some("")>
                <App />
            </body>
        </html>
    }
}

/// Rendered on the server only (islands mode): every route renders in
/// `SsrMode::Async`, so pages arrive complete and a redirect (to `/login`,
/// say) is a real HTTP redirect. Navigation is a full page load; the
/// interactive parts are `#[island]`s, hydrated in the browser.
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
                    <Route
                        path=(StaticSegment("variables"), ParamSegment("id"), StaticSegment("history"))
                        view=HistoryPage
                    />
                    <Route path=StaticSegment("members") view=MembersPage />
                    <Route path=StaticSegment("audit") view=AuditPage />
                    <Route path=StaticSegment("settings") view=SettingsPage />
                    <Route path=StaticSegment("tokens") view=TokensPage />
                    <Route path=StaticSegment("workflows") view=WorkflowsPage />
                    <Route path=(StaticSegment("workflows"), ParamSegment("id")) view=WorkflowPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[cfg(test)]
mod tests {
    use super::bundle_for;

    #[test]
    fn each_page_loads_its_own_bundle_or_none() {
        assert_eq!(bundle_for("/login"), Some("forms"));
        assert_eq!(bundle_for("/w/acme/variables"), Some("vars"));
        assert_eq!(bundle_for("/w/acme/variables/7/history"), Some("vars"));
        assert_eq!(bundle_for("/w/acme/workflows/3"), Some("flow"));
        assert_eq!(bundle_for("/w/acme/workflows"), Some("workflows"));
        assert_eq!(bundle_for("/w/acme/members"), Some("members"));
        assert_eq!(bundle_for("/w/acme/tokens"), Some("automation"));
        assert_eq!(bundle_for("/w/acme/audit"), None);
        assert_eq!(bundle_for("/w/acme/settings"), None);
        assert_eq!(bundle_for("/"), None);
        assert_eq!(bundle_for("/no/such/page"), None);
    }
}
