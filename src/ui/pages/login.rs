//! `/login`.

use crate::api::auth::{get_landing, Login};
use crate::model::Landing;
use crate::ui::components::errors::{last_error, ActionError};
use crate::ui::layout::PublicFrame;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn LoginPage() -> impl IntoView {
    let landing = Resource::new(|| (), |_| get_landing());
    let login = ServerAction::<Login>::new();
    let error = last_error(login.value());
    let pending = login.pending();

    view! {
        <Title text="Sign in" />
        <PublicFrame>
            <Suspense>
                {move || {
                    landing
                        .get()
                        .map(|result| match result {
                            Ok(Landing::Setup { .. }) => view! { <Redirect path="/setup" /> }.into_any(),
                            Ok(Landing::Workspace { slug }) => {
                                view! { <Redirect path=format!("/w/{slug}/variables") /> }.into_any()
                            }
                            _ => {
                                view! {
                                    <section class="auth-card card">
                                        <h1>"Sign in"</h1>
                                        <ActionForm action=login attr:class="form">
                                            <label class="field">
                                                <span>"Email"</span>
                                                <input type="email" name="email" required autocomplete="username" />
                                            </label>
                                            <label class="field">
                                                <span>"Password"</span>
                                                <input
                                                    type="password"
                                                    name="password"
                                                    required
                                                    autocomplete="current-password"
                                                />
                                            </label>
                                            <ActionError error=error />
                                            <button class="btn btn-primary" type="submit" disabled=pending>
                                                "Sign in"
                                            </button>
                                        </ActionForm>
                                    </section>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </PublicFrame>
    }
}
