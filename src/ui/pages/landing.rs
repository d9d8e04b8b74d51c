//! `/`: sends each visitor where they belong.

use crate::api::auth::get_landing;
use crate::model::Landing;
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn LandingPage() -> impl IntoView {
    let landing = Resource::new(|| (), |_| get_landing());
    view! {
        <Suspense>
            {move || {
                landing
                    .get()
                    .map(|result| {
                        let path = match result {
                            Ok(Landing::Setup { .. }) => "/setup".to_string(),
                            Ok(Landing::SignIn) | Err(_) => "/login".to_string(),
                            Ok(Landing::Workspace { slug }) => format!("/w/{slug}/variables"),
                        };
                        view! { <Redirect path=path /> }
                    })
            }}
        </Suspense>
    }
}
