//! `/setup`: the first owner account, once.

use crate::api::auth::get_landing;
use crate::model::Landing;
use crate::ui::components::errors::error_from_url;
use crate::ui::islands::forms::SetupForm;
use crate::ui::layout::PublicFrame;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn SetupPage() -> impl IntoView {
    let failed = error_from_url("/api/setup_owner").map(|e| e.to_string());
    view! {
        <Title text="Set up" />
        <PublicFrame>
            <Suspense>
                {Suspend::new(async move {
                    match get_landing().await {
                        Ok(Landing::Setup { needs_token }) => view! {
                            <section class="auth-card card">
                                <h1>"Create the owner account"</h1>
                                <p class="muted">
                                    "This account owns the first workspace. You can add members once you are in."
                                </p>
                                <SetupForm needs_token=needs_token failed=failed.clone() />
                            </section>
                        }
                            .into_any(),
                        _ => view! { <Redirect path="/login" /> }.into_any(),
                    }
                })}
            </Suspense>
        </PublicFrame>
    }
}
