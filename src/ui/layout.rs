//! The frames around pages: a plain one for set-up, sign-in and errors,
//! and the signed-in one with the workspace switcher and navigation.

use crate::api::auth::{get_session_info, Logout};
use crate::error::AppError;
use crate::model::{Role, SessionInfo};
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_params_map;

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

/// The signed-in user's session, for pages inside the app shell.
pub type SessionResource = Resource<Result<SessionInfo, AppError>>;

/// The current workspace's slug from the URL (`/w/{ws}/...`), if any.
pub fn workspace_slug() -> Signal<Option<String>> {
    let params = use_params_map();
    Signal::derive(move || params.read().get("ws"))
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
    let info: SessionResource = Resource::new(|| (), |_| get_session_info());
    provide_context(info);
    let slug = workspace_slug();
    let children = StoredValue::new(children);

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Suspense fallback=|| view! { <header class="app-header">{brand()}</header> }>
            {move || {
                info.get()
                    .map(|result| match result {
                        Err(AppError::Unauthenticated) => view! { <Redirect path="/login" /> }.into_any(),
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
                            let current = slug.get();
                            let allowed = current.as_deref().is_none_or(|s| info.workspace(s).is_some());
                            view! {
                                <AppHeader info=info.clone() current=current />
                                <main id="main" class="app-main" tabindex="-1">
                                    {if allowed {
                                        children.with_value(|c| c()).into_any()
                                    } else {
                                        view! { <NoAccess /> }.into_any()
                                    }}
                                </main>
                            }
                                .into_any()
                        }
                    })
            }}
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

#[component]
fn AppHeader(info: SessionInfo, current: Option<String>) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
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
        let audit = (w.role >= Role::Admin).then(|| {
            view! { <li><A href=format!("{base}/audit")>"Audit log"</A></li> }
        });
        view! {
            <li><A href=format!("{base}/variables")>"Variables"</A></li>
            <li><A href=format!("{base}/workflows")>"Workflows"</A></li>
            <li><A href=format!("{base}/members")>"Members"</A></li>
            {audit}
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
            <nav aria-label="Main" class="main-nav">
                <ul class="nav-list">
                    {nav}
                    <li><A href="/account">"Account"</A></li>
                </ul>
            </nav>
            <div class="header-user">
                <span class="muted" title=info.email.clone()>{info.display_name.clone()}</span>
                <ActionForm action=logout>
                    <button class="btn btn-quiet" type="submit">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
    }
}
