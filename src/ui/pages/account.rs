//! `/account`: the signed-in user changes their own password.

use crate::api::auth::ChangePassword;
use crate::ui::components::errors::{last_error, ActionError};
use crate::ui::layout::AppShell;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Account" />
        <AppShell>
            <AccountForm />
        </AppShell>
    }
}

#[component]
fn AccountForm() -> impl IntoView {
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
