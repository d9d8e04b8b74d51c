//! Forms of the account pages: sign-in, set-up, password, new workspace.
//! Each is an `ActionForm`, so it also works as a plain HTML form (the
//! server function answers a form post with a redirect); with WASM the
//! error shows in place.

use crate::api::auth::{ChangePassword, Login, SetupOwner};
use crate::api::workspaces::CreateWorkspace;
use crate::error::AppError;
use crate::ui::components::errors::{last_error, ActionError};
use leptos::prelude::*;

/// The form works as a plain HTML form too (the server function answers a
/// form post with a redirect); with WASM the error shows without a reload.
#[island]
pub fn LoginForm(failed: Option<String>) -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = last_error(login.value());
    let shown = Signal::derive(move || error.get().or_else(|| failed.clone().map(AppError::rule)));
    let pending = login.pending();
    view! {
        <ActionForm action=login attr:class="form">
            <label class="field">
                <span>"Email"</span>
                <input type="email" name="email" required autocomplete="username" />
            </label>
            <label class="field">
                <span>"Password"</span>
                <input type="password" name="password" required autocomplete="current-password" />
            </label>
            <ActionError error=shown />
            <button class="btn btn-primary" type="submit" disabled=pending>
                "Sign in"
            </button>
        </ActionForm>
    }
}

/// Works as a plain form too; with WASM errors show without a reload.
#[island]
pub fn SetupForm(needs_token: bool, failed: Option<String>) -> impl IntoView {
    let setup = ServerAction::<SetupOwner>::new();
    let last = last_error(setup.value());
    let error = Signal::derive(move || last.get().or_else(|| failed.clone().map(AppError::rule)));
    let pending = setup.pending();
    view! {
        <ActionForm action=setup attr:class="form">
            {needs_token
                .then(|| {
                    view! {
                        <div class="field">
                            <label class="field">
                                <span>"Setup token"</span>
                                <input
                                    name="setup_token"
                                    required
                                    autocomplete="off"
                                    spellcheck="false"
                                    aria-describedby="token-hint"
                                />
                            </label>
                            <small id="token-hint" class="muted">
                                "Printed in the server log at start, so only the operator can set up."
                            </small>
                        </div>
                    }
                })}
            <label class="field">
                <span>"Email"</span>
                <input type="email" name="email" required autocomplete="username" />
            </label>
            <label class="field">
                <span>"Name"</span>
                <input name="name" required maxlength="100" autocomplete="name" />
            </label>
            <div class="field">
                <label class="field">
                    <span>"Password"</span>
                    <input
                        type="password"
                        name="password"
                        required
                        minlength="12"
                        maxlength="256"
                        autocomplete="new-password"
                        aria-describedby="password-hint"
                    />
                </label>
                <small id="password-hint" class="muted">"12 to 256 characters."</small>
            </div>
            <label class="field">
                <span>"Workspace name"</span>
                <input name="workspace_name" required maxlength="100" />
            </label>
            <ActionError error=error />
            <button class="btn btn-primary" type="submit" disabled=pending>
                "Create owner account"
            </button>
        </ActionForm>
    }
}

/// An island: the form works without WASM too (a plain post).
#[island]
pub fn AccountForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = last_error(change.value());
    let pending = change.pending();
    let done = move || matches!(change.value().get(), Some(Ok(())));

    view! {
        <h1>"Account"</h1>
        <section class="card narrow" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <p class="muted">"Changing it signs you out everywhere else."</p>
            <ActionForm action=change attr:class="form">
                <label class="field">
                    <span>"Current password"</span>
                    <input type="password" name="current_password" required autocomplete="current-password" />
                </label>
                <div class="field">
                    <label class="field">
                        <span>"New password"</span>
                        <input
                            type="password"
                            name="new_password"
                            required
                            minlength="12"
                            maxlength="256"
                            autocomplete="new-password"
                            aria-describedby="new-password-hint"
                        />
                    </label>
                    <small id="new-password-hint" class="muted">"12 to 256 characters."</small>
                </div>
                <ActionError error=error />
                <Show when=done>
                    <p class="form-ok" role="status">
                        "Password changed. Your other sessions have ended."
                    </p>
                </Show>
                <button class="btn btn-primary" type="submit" disabled=pending>
                    "Change password"
                </button>
            </ActionForm>
        </section>
    }
}

/// An island: the form works without WASM too (a plain post).
#[island]
pub fn NewWorkspaceForm() -> impl IntoView {
    let create = ServerAction::<CreateWorkspace>::new();
    let error = last_error(create.value());
    let pending = create.pending();
    view! {
        <h1>"New workspace"</h1>
        <section class="card narrow">
            <p class="muted">
                "A workspace keeps its own variables, secrets, workflows and members. You will be its owner."
            </p>
            <ActionForm action=create attr:class="form">
                <label class="field">
                    <span>"Workspace name"</span>
                    <input name="name" required maxlength="100" />
                </label>
                <ActionError error=error />
                <button class="btn btn-primary" type="submit" disabled=pending>
                    "Create workspace"
                </button>
            </ActionForm>
        </section>
    }
}
