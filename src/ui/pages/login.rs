//! `/login`.

use crate::api::auth::get_landing;
use crate::error::AppError;
use crate::model::Landing;
use crate::ui::components::errors::error_from_url;
use crate::ui::islands::forms::LoginForm;
use crate::ui::layout::PublicFrame;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// The one sign-in failure message (a link could carry any text in the
/// URL; only this one is shown from there).
const SIGN_IN_FAILED: &str = "Invalid email or password";

#[component]
pub fn LoginPage() -> impl IntoView {
    // Without WASM the form posts, and a failure comes back in the URL.
    let failed = error_from_url("/api/login").map(|err| match err {
        AppError::Invalid { message, .. } if message == SIGN_IN_FAILED => message,
        _ => "Sign-in failed; try again".to_string(),
    });
    view! {
        <Title text="Sign in" />
        <PublicFrame>
            <Suspense>
                {Suspend::new(async move {
                    match get_landing().await {
                        Ok(Landing::Setup { .. }) => view! { <Redirect path="/setup" /> }.into_any(),
                        Ok(Landing::Workspace { slug }) => {
                            view! { <Redirect path=format!("/w/{slug}/variables") /> }.into_any()
                        }
                        _ => view! {
                            <section class="auth-card card">
                                <h1>"Sign in"</h1>
                                <LoginForm failed=failed.clone() />
                            </section>
                        }
                            .into_any(),
                    }
                })}
            </Suspense>
        </PublicFrame>
    }
}
