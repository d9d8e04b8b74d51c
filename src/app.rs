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

/// The browser bundles, one per kind of page: each is the cargo feature
/// `bundle-<name>` and holds only its pages' islands. `.ci/build.sh` and
/// the browser clippy in `.ci/test.sh` build the `bundle-*` features of
/// Cargo.toml, which a test holds equal to [`Bundle::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bundle {
    /// Sign-in, set-up, the password and a new workspace.
    Forms,
    /// The Variables page and a secret's history.
    Vars,
    /// A workflow's block editor.
    Flow,
    /// The workflow list's "New workflow" and "Delete".
    Workflows,
    /// The Members page's controls.
    Members,
    /// "Create token", and the Variables page's "Import .env" on its
    /// first click.
    Automation,
}

impl Bundle {
    pub const ALL: [Bundle; 6] = [
        Bundle::Forms,
        Bundle::Vars,
        Bundle::Flow,
        Bundle::Workflows,
        Bundle::Members,
        Bundle::Automation,
    ];

    /// The name in its feature and files: `bundle-vars`, `varvault_vars.wasm`.
    pub fn name(self) -> &'static str {
        match self {
            Bundle::Forms => "forms",
            Bundle::Vars => "vars",
            Bundle::Flow => "flow",
            Bundle::Workflows => "workflows",
            Bundle::Members => "members",
            Bundle::Automation => "automation",
        }
    }

    /// The bundle a page needs, by path. `None`: the page has no island
    /// and loads no WASM at all.
    pub fn for_path(path: &str) -> Option<Bundle> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match parts.as_slice() {
            ["login"] | ["setup"] | ["account"] | ["new-workspace"] => Some(Bundle::Forms),
            ["w", _, "variables"] | ["w", _, "variables", _, "history"] => Some(Bundle::Vars),
            ["w", _, "workflows", _] => Some(Bundle::Flow),
            ["w", _, "workflows"] => Some(Bundle::Workflows),
            ["w", _, "members"] => Some(Bundle::Members),
            ["w", _, "tokens"] => Some(Bundle::Automation),
            _ => None,
        }
    }
}

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let path = use_context::<axum::http::request::Parts>()
        .map(|parts| parts.uri.path().to_string())
        .unwrap_or_default();
    let bundle = Bundle::for_path(&path);
    let scripts = bundle.map(|bundle| {
        let mut options = options.clone();
        options.output_name = format!("varvault_{}", bundle.name()).into();
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
    use super::Bundle;

    fn bundle(path: &str) -> Option<&'static str> {
        Bundle::for_path(path).map(Bundle::name)
    }

    #[test]
    fn each_page_loads_its_own_bundle_or_none() {
        assert_eq!(bundle("/login"), Some("forms"));
        assert_eq!(bundle("/w/acme/variables"), Some("vars"));
        assert_eq!(bundle("/w/acme/variables/7/history"), Some("vars"));
        assert_eq!(bundle("/w/acme/workflows/3"), Some("flow"));
        assert_eq!(bundle("/w/acme/workflows"), Some("workflows"));
        assert_eq!(bundle("/w/acme/members"), Some("members"));
        assert_eq!(bundle("/w/acme/tokens"), Some("automation"));
        assert_eq!(bundle("/w/acme/audit"), None);
        assert_eq!(bundle("/w/acme/settings"), None);
        assert_eq!(bundle("/"), None);
        assert_eq!(bundle("/no/such/page"), None);
    }

    /// The build script and the browser clippy build Cargo.toml's
    /// `bundle-*` features: they must be exactly the bundles pages load.
    #[test]
    fn cargo_features_are_the_bundles() {
        let manifest = include_str!("../Cargo.toml");
        let mut features: Vec<&str> = manifest
            .lines()
            .filter_map(|l| l.strip_prefix("bundle-")?.split_once(" = ").map(|(n, _)| n))
            .collect();
        let mut names: Vec<&str> = Bundle::ALL.iter().map(|b| b.name()).collect();
        features.sort_unstable();
        names.sort_unstable();
        assert_eq!(features, names);
    }
}
