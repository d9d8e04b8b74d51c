//! The Response region under a block: status, time, headers and body, or
//! the refusal — all already redacted by the server.

use crate::model::RunResult;
use leptos::prelude::*;

#[component]
pub fn ResponseView(response: RwSignal<Option<Result<RunResult, String>>>) -> impl IntoView {
    view! {
        <section class="response" role="region" aria-label="Response">
            {move || match response.get() {
                None => view! { <p class="muted small">"Send the request to see the response here."</p> }.into_any(),
                Some(Err(message)) => view! { <p class="form-error">{message}</p> }.into_any(),
                Some(Ok(r)) => view! {
                    <p class="response-status">
                        <strong>{format!("{} {}", r.status, r.status_text)}</strong>
                        <span class="muted">{format!(" · {} ms", r.duration_ms)}</span>
                        {r.truncated.then(|| view! { <span class="muted">" · first 1 MiB shown"</span> })}
                    </p>
                    {r.notes.iter().map(|n| view! { <p class="run-note" role="note">{n.clone()}</p> }).collect_view()}
                    <details>
                        <summary>{format!("Headers ({})", r.headers.len())}</summary>
                        <dl class="response-headers mono">
                            {r.headers.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                        </dl>
                    </details>
                    <pre class="response-body mono">{r.body.clone()}</pre>
                }.into_any(),
            }}
        </section>
    }
}
