//! `/setup`: the first owner account, once.

use crate::api::auth::{get_landing, SetupOwner};
use crate::model::Landing;
use crate::ui::components::errors::{last_error, ActionError};
use crate::ui::layout::PublicFrame;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn SetupPage() -> impl IntoView {
    let landing = Resource::new(|| (), |_| get_landing());
    let setup = ServerAction::<SetupOwner>::new();
    let error = last_error(setup.value());
    let pending = setup.pending();

    view! {
        <Title text="Set up" />
        <PublicFrame>
            <Suspense>
                {move || {
                    landing
                        .get()
                        .map(|result| match result {
                            Ok(Landing::Setup { needs_token }) => {
                                view! {
                                    <section class="auth-card card">
                                        <h1>"Create the owner account"</h1>
                                        <p class="muted">
                                            "This account owns the first workspace. You can add members once you are in."
                                        </p>
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
                                    </section>
                                }
                                    .into_any()
                            }
                            _ => view! { <Redirect path="/login" /> }.into_any(),
                        })
                }}
            </Suspense>
        </PublicFrame>
    }
}
