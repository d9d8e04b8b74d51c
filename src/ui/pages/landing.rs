//! `/`: sends each visitor where they belong.

use crate::api::auth::get_landing;
use crate::model::Landing;
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn LandingPage() -> impl IntoView {
    view! {
        <Suspense>
            {Suspend::new(async move {
                let path = match get_landing().await {
                    Ok(Landing::Setup { .. }) => "/setup".to_string(),
                    Ok(Landing::SignIn) | Err(_) => "/login".to_string(),
                    Ok(Landing::Workspace { slug }) => format!("/w/{slug}/variables"),
                };
                view! { <Redirect path=path /> }
            })}
        </Suspense>
    }
}
