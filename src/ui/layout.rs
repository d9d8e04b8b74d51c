//! The frames around pages, rendered on the server only: a plain one for
//! set-up, sign-in and errors, and the signed-in one with the workspace
//! switcher and navigation. No island here: the switcher is a `<details>`
//! and "Sign out" a plain form, so the header works before (and without)
//! the WASM.

use crate::api::auth::get_session_info;
use crate::error::AppError;
use crate::model::{Role, SessionInfo};
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::{use_location, use_params_map};

fn brand() -> impl IntoView {
    view! {
        <a class="brand" href="/">
            <span class="brand-mark" aria-hidden="true">"◆"</span>
            "varvault"
        </a>
    }
}

/// For pages outside any workspace: set-up, sign-in, 404.
#[component]
pub fn PublicFrame(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="app-header">{brand()}</header>
        <main id="main" class="app-main" tabindex="-1">
            {children()}
        </main>
    }
}

/// The current workspace's slug from the URL (`/w/{ws}/...`), or empty.
/// Server components only (islands get it as a prop).
pub fn workspace_slug() -> String {
    use_params_map()
        .get_untracked()
        .get("ws")
        .unwrap_or_default()
}

/// The signed-in frame for `/w/{ws}/...` pages.
#[component]
pub fn WorkspaceShell() -> impl IntoView {
    view! {
        <AppShell>
            <Outlet />
        </AppShell>
    }
}

/// Loads who is signed in; sends visitors who are not to `/login`, and
/// members of other workspaces to a "no access" message.
#[component]
pub fn AppShell(children: ChildrenFn) -> impl IntoView {
    let slug = use_params_map().get_untracked().get("ws");
    let path = use_location().pathname.get_untracked();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Suspense fallback=|| view! { <header class="app-header">{brand()}</header> }>
            {
                let children = children.clone();
                let slug = slug.clone();
                let path = path.clone();
                Suspend::new(async move {
                    match get_session_info().await {
                        Err(AppError::Unauthenticated) => {
                            view! { <Redirect path="/login" /> }.into_any()
                        }
                        Err(err) => {
                            view! {
                                <header class="app-header">{brand()}</header>
                                <main id="main" class="app-main">
                                    <p class="form-error" role="alert">{err.to_string()}</p>
                                </main>
                            }
                                .into_any()
                        }
                        Ok(info) => {
                            let allowed = slug.as_deref().is_none_or(|s| info.workspace(s).is_some());
                            view! {
                                <AppHeader info=info current=slug path=path />
                                <main id="main" class="app-main" tabindex="-1">
                                    {if allowed {
                                        children().into_any()
                                    } else {
                                        view! { <NoAccess /> }.into_any()
                                    }}
                                </main>
                            }
                                .into_any()
                        }
                    }
                })
            }
        </Suspense>
    }
}

#[component]
fn NoAccess() -> impl IntoView {
    view! {
        <section class="empty-state">
            <h1>"You don't have access to this page"</h1>
            <p>"This workspace does not exist, or you are not one of its members."</p>
            <a class="btn btn-primary" href="/">"Go to your workspace"</a>
        </section>
    }
}

/// A link of the main navigation, marked current on its own page.
fn nav_link(href: String, label: &'static str, path: &str) -> impl IntoView {
    let current = (path == href).then_some("page");
    view! {
        <li>
            <a href=href aria-current=current>
                {label}
            </a>
        </li>
    }
}

#[component]
fn AppHeader(info: SessionInfo, current: Option<String>, path: String) -> impl IntoView {
    let here = current
        .as_deref()
        .and_then(|slug| info.workspace(slug))
        .cloned();
    let can_create = info.is_owner_somewhere();
    let switcher_label = here
        .as_ref()
        .map(|w| w.name.clone())
        .unwrap_or_else(|| "Workspaces".to_string());
    let options = info
        .workspaces
        .iter()
        .map(|w| {
            let is_current = Some(&w.slug) == current.as_ref();
            view! {
                <li>
                    <a
                        href=format!("/w/{}/variables", w.slug)
                        aria-current=is_current.then_some("true")
                    >
                        <span>{w.name.clone()}</span>
                        <span class="muted small">{w.role.label()}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    let nav = here.map(|w| {
        let base = format!("/w/{}", w.slug);
        let admin = (w.role >= Role::Admin).then(|| {
            view! {
                {nav_link(format!("{base}/audit"), "Audit log", &path)}
                {nav_link(format!("{base}/tokens"), "Tokens", &path)}
                {nav_link(format!("{base}/settings"), "Settings", &path)}
            }
        });
        view! {
            {nav_link(format!("{base}/variables"), "Variables", &path)}
            {nav_link(format!("{base}/workflows"), "Workflows", &path)}
            {nav_link(format!("{base}/members"), "Members", &path)}
            {admin}
        }
    });

    view! {
        <header class="app-header">
            {brand()}
            <details class="switcher">
                <summary aria-label=format!("Workspace: {switcher_label}. Switch workspace")>
                    {switcher_label.clone()}
                </summary>
                <div class="switcher-menu">
                    <ul>{options}</ul>
                    {can_create
                        .then(|| {
                            view! {
                                <a class="switcher-new" href="/new-workspace">
                                    "New workspace"
                                </a>
                            }
                        })}
                </div>
            </details>
            // On a phone the navigation and the user collapse into "Menu"
            // (a `<details>`: no script); on a wide screen the stylesheet
            // shows them whatever its state.
            <details class="nav-menu">
                <summary class="btn btn-quiet nav-toggle">"Menu"</summary>
                <div class="nav-body">
                    <nav aria-label="Main" class="main-nav">
                        <ul class="nav-list">
                            {nav}
                            {nav_link("/account".to_string(), "Account", &path)}
                        </ul>
                    </nav>
                    <div class="header-user">
                        <span class="muted" title=info.email.clone()>{info.display_name.clone()}</span>
                        // A plain form: the server function ends the session and
                        // answers with a redirect to /login.
                        <form method="post" action="/api/logout">
                            <button class="btn btn-quiet" type="submit">"Sign out"</button>
                        </form>
                    </div>
                </div>
            </details>
        </header>
    }
}
