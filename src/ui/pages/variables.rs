//! `/w/{ws}/variables`: the Variables panel (SPEC §4), rendered on the
//! server a page of 50 rows at a time, names in natural order: the search
//! and the filter are a GET form (which `public/variables.js` answers in
//! place, without a page load) and the pages plain links (keyset), so they
//! cost no WASM; the eyes and the row actions are islands.

use crate::api::variables::list_variables;
use crate::model::{
    Day, Expiry, ListFilter, SecretHealth, VariableId, VariableKind, VariableView,
    VariablesPage as Page, Visibility,
};
use crate::ui::components::reveal::{lock_icon, DOTS};
use crate::ui::format::{now_ms, time_ago, urlencode, utc_minutes};
use crate::ui::islands::variables::{RevealCell, VariableActions};
use crate::ui::layout::workspace_slug;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Default)]
struct Query {
    search: String,
    filter: ListFilter,
    after: Option<String>,
    before: Option<String>,
}

impl Query {
    fn is_narrowed(&self) -> bool {
        !self.search.is_empty() || self.filter != ListFilter::All
    }

    /// This search and filter, from a cursor.
    fn link(&self, workspace: &str, cursor: (&str, &str)) -> String {
        let mut params = Vec::new();
        if !self.search.is_empty() {
            params.push(format!("q={}", urlencode(&self.search)));
        }
        if self.filter != ListFilter::All {
            params.push(format!("filter={}", self.filter.as_str()));
        }
        params.push(format!("{}={}", cursor.0, urlencode(cursor.1)));
        format!("/w/{workspace}/variables?{}", params.join("&"))
    }
}

#[component]
pub fn VariablesPage() -> impl IntoView {
    let workspace = workspace_slug();
    let q = use_query_map().get_untracked();
    let query = Query {
        search: q.get("q").unwrap_or_default(),
        filter: q
            .get("filter")
            .and_then(|f| ListFilter::parse(&f))
            .unwrap_or_default(),
        after: q.get("after").filter(|c| !c.is_empty()),
        before: q.get("before").filter(|c| !c.is_empty()),
    };
    view! {
        <Title text="Variables" />
        <Suspense fallback=|| view! { <p class="muted">"Loading variables…"</p> }>
            {
                let workspace = workspace.clone();
                let query = query.clone();
                Suspend::new(async move {
                    let result = list_variables(
                        workspace.clone(),
                        query.search.clone(),
                        query.filter,
                        query.after.clone(),
                        query.before.clone(),
                    )
                    .await;
                    match result {
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        Ok(page) => view! { <VariablesView workspace=workspace page=page query=query /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

#[component]
fn VariablesView(workspace: String, page: Page, query: Query) -> impl IntoView {
    let can_write_secrets = page.can_write_secrets;
    let create = |label: &str| {
        view! {
            <VariableActions
                workspace=workspace.clone()
                variable=None
                can_write_secrets=can_write_secrets
                label=label.to_string()
            />
        }
    };
    let head = view! {
        <div class="page-head">
            <h1>"Variables"</h1>
            {can_write_secrets.then(|| view! { <ImportLauncher workspace=workspace.clone() /> })}
            {create("Create New")}
        </div>
        // Search in place, "Import .env" and the Versions region.
        <script type="module" src="/variables.js" nonce=leptos::nonce::use_nonce()></script>
    };
    let first_page = query.after.is_none() && query.before.is_none();
    if page.variables.is_empty() && first_page && !query.is_narrowed() {
        return view! {
            {head}
            <section class="empty-state card">
                <h2>"No variables yet"</h2>
                <p class="muted">
                    "Keep API tokens and settings here, then use them in API blocks by name."
                </p>
                {create("Create your first variable")}
            </section>
        }
        .into_any();
    }
    let today = Day::of_ms(now_ms());
    let prev = page
        .prev
        .as_deref()
        .map(|c| query.link(&workspace, ("before", c)));
    let next = page
        .next
        .as_deref()
        .map(|c| query.link(&workspace, ("after", c)));
    let empty = page.variables.is_empty();
    let health = page.health;
    let rows = page
        .variables
        .into_iter()
        .map(|v| {
            let h = health
                .iter()
                .find(|(id, _)| *id == v.id)
                .map(|(_, h)| h.clone());
            row(&workspace, v, h, can_write_secrets, today)
        })
        .collect_view();
    let filter_box = |f: ListFilter, label: &'static str| {
        view! {
            <label class="check">
                <input type="checkbox" name="filter" value=f.as_str() checked=query.filter == f />
                {label}
            </label>
        }
    };
    view! {
        {head}
        <form
            method="get"
            action=format!("/w/{workspace}/variables")
            class="toolbar"
            role="search"
            id="variables-search"
        >
            <label class="search">
                <span class="visually-hidden">"Search variables"</span>
                <input
                    type="search"
                    name="q"
                    placeholder="Search variables"
                    aria-label="Search variables"
                    value=query.search.clone()
                />
            </label>
            {filter_box(ListFilter::Expiring, "Expiring soon")}
            {filter_box(ListFilter::Failing, "Failing")}
            <button class="btn" type="submit">"Search"</button>
        </form>
        <p id="variables-status" class="visually-hidden" role="status"></p>
        // What a search replaces in place (`public/variables.js`).
        <div class="variables-results">
        <div class="table-wrap card">
            <table class="table variables-table cards">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Visibility"</th>
                        <th scope="col">"Value"</th>
                        <th scope="col">"Last updated"</th>
                        <th scope="col">"Usage"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {rows}
                    {empty.then(|| view! {
                        <tr>
                            <td colspan="7" class="muted">"No variable matches this search."</td>
                        </tr>
                    })}
                </tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Variable pages">
            {prev.map(|href| view! { <a href=href class="btn">"Previous"</a> })}
            {next.map(|href| view! { <a href=href class="btn">"Next"</a> })}
        </nav>
        </div>
    }
    .into_any()
}

/// The badges of a secret's life: expiry, then failing runs.
fn life_badges(v: &VariableView, health: Option<&SecretHealth>, today: Day) -> impl IntoView {
    let expiry = v
        .expires_on
        .as_deref()
        .and_then(Day::parse)
        .map(|day| Expiry::on(day, today))
        // SPEC §9: a badge within 14 days of the date, and once past it.
        .filter(|e| e.is_soon());
    let expiry = expiry.map(|e| {
        let class = match e {
            Expiry::Expired => "badge badge-expired",
            _ => "badge badge-expiring",
        };
        view! { <span class=class title=format!("Expires on {}", v.expires_on.clone().unwrap_or_default())>{e.label()}</span> }
    });
    let failing = health.and_then(|h| h.failing.clone()).map(|f| {
        view! {
            <span class="badge badge-failing">"Failing"</span>
            <div class="small failing-note">
                {format!("{}, from {}", capitalise(&f.reason()), f.blocks.join(", "))}
            </div>
        }
    });
    (expiry, failing)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// How the runs that sent a secret went, in a line.
fn health_line(health: Option<&SecretHealth>) -> Option<String> {
    let h = health?;
    let last = match h.last_status {
        Some(status) => format!("Last answer {status}"),
        None => "Last request got no answer".to_string(),
    };
    let when = h.last_at.map(utc_minutes).unwrap_or_default();
    Some(format!(
        "{last} ({when}); {} of the last {} refused",
        h.refused, h.runs
    ))
}

fn row(
    workspace: &str,
    v: VariableView,
    health: Option<SecretHealth>,
    can_write_secrets: bool,
    today: Day,
) -> impl IntoView {
    let may_write = match v.kind {
        VariableKind::Plain => true,
        VariableKind::Secret => can_write_secrets,
    };
    let value_cell = match (v.kind, v.visibility) {
        (VariableKind::Plain, _) => view! {
            // A plain value is not secret: the whole of it is its title.
            <span class="plain-value mono" title=v.value.clone()>{v.value.clone().unwrap_or_default()}</span>
        }
        .into_any(),
        (VariableKind::Secret, Some(Visibility::Masked)) => view! {
            <RevealCell
                workspace=workspace.to_string()
                id=v.id
                name=format!("value of {}", v.name)
                version=None
            />
        }
        .into_any(),
        (VariableKind::Secret, _) => view! {
            <div class="value-cell">
                <span class="dots" aria-label="Hidden value">{DOTS}</span>
                <span class="restricted-note">{lock_icon()} "Restricted"</span>
            </div>
        }
        .into_any(),
    };
    let badge = v.visibility.map(|vis| {
        view! { <span class=format!("badge badge-{}", vis.as_str())>{vis.label()}</span> }
    });
    let updated = view! {
        {time_ago(v.updated_at, now_ms())}
        {v.updated_by.as_ref().map(|n| view! { <div class="muted">"by " {n.clone()}</div> })}
    };
    let usage = match v.usage_count {
        1 => "Used in 1 block".to_string(),
        n => format!("Used in {n} blocks"),
    };
    let badges = life_badges(&v, health.as_ref(), today);
    let health_line = health_line(health.as_ref());
    let history = history_link(workspace, v.id, &v.name);
    let id = v.id.to_string();
    let name = v.name.clone();
    let description = v.description.clone();
    let kind = v.kind.label();
    let actions = may_write.then(|| {
        view! {
            <VariableActions
                workspace=workspace.to_string()
                variable=Some(v)
                can_write_secrets=can_write_secrets
                label=String::new()
            />
        }
    });
    view! {
        <tr data-variable=id>
            <td data-label="Name">
                <span class="mono var-name">{name}</span>
                {(!description.is_empty()).then(|| view! { <div class="muted small">{description}</div> })}
            </td>
            <td data-label="Kind">{kind}</td>
            <td data-label="Visibility"><div class="badges">{badge} {badges}</div></td>
            <td data-label="Value">{value_cell}</td>
            <td data-label="Last updated" class="small"><div>{updated}</div></td>
            <td data-label="Usage" class="small">
                <div>
                    {usage}
                    {health_line.map(|l| view! { <div class="muted">{l}</div> })}
                </div>
            </td>
            <td class="actions">{history} {actions}</td>
        </tr>
    }
}

fn history_link(workspace: &str, id: VariableId, name: &str) -> impl IntoView {
    view! {
        <a
            class="btn btn-quiet btn-small"
            href=format!("/w/{workspace}/variables/{id}/history")
            aria-label=format!("History of {name}")
        >
            "History"
        </a>
    }
}

/// "Import .env" (owners and admins). Its dialog is rendered in the browser
/// by the automation bundle (`islands::import`), which `public/variables.js`
/// loads on the first click rather than with the page: the Variables page's
/// first load has no room for it.
#[component]
fn ImportLauncher(workspace: String) -> impl IntoView {
    let pkg = use_context::<LeptosOptions>()
        .map(|o| o.site_pkg_dir.to_string())
        .unwrap_or_else(|| "pkg".into());
    view! {
        <span class="import-env" data-workspace=workspace data-pkg=format!("/{pkg}")>
            <button id="import-env-open" class="btn" type="button">"Import .env"</button>
        </span>
    }
}
