//! Every page that has islands loads a bundle holding them. The list of
//! pages is the router's own (`generate_route_list`), so a new page is
//! checked without being named here, and the islands are checked against
//! the built bundles' exports, so a page routed to the wrong bundle (or to
//! none, by a path missing from `app::Bundle::for_path`) fails here
//! instead of silently staying dead in the browser. Needs the release
//! bundles (`.ci/build.sh --site-only`), like the size check.

use crate::page_weight::site_root;
use crate::support::*;
use std::collections::BTreeSet;

/// The `data-component` of each island on a page: the name of the
/// function the bundle exports to hydrate it.
fn islands(html: &str) -> BTreeSet<String> {
    html.split("<leptos-island")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>')?];
            let start = tag.find("data-component=\"")? + 16;
            Some(tag[start..start + tag[start..].find('"')?].to_string())
        })
        .collect()
}

/// The bundles a page loads: `/pkg/varvault_<name>.js`.
fn bundles(html: &str) -> BTreeSet<String> {
    html.split("/pkg/varvault_")
        .skip(1)
        .filter_map(|rest| Some(rest[..rest.find(".js")?].to_string()))
        .filter(|name| name.chars().all(|c| c.is_ascii_lowercase()))
        .collect()
}

#[tokio::test]
async fn every_page_with_islands_loads_a_bundle_that_holds_them() {
    let root = site_root();
    let app = spawn_app_with(|c| c.site_root = root.clone()).await;
    let routes: Vec<String> = leptos_axum::generate_route_list(varvault::app::App)
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert!(routes.len() >= 10, "the router's pages: {routes:?}");

    // Each page is looked at by whoever can open it: before set-up, and
    // after it as the owner and as a visitor. A page that only redirects
    // (`/`) has nothing to hydrate.
    let before = new_client();
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut redirects: Vec<String> = Vec::new();
    for route in &routes {
        if !route.contains(['{', ':']) {
            let res = app.page(&before, route).await;
            if res.status().is_redirection() {
                redirects.push(route.clone());
            } else if res.status() == 200 {
                seen.push((route.clone(), res.text().await.unwrap()));
            }
        }
    }
    app.setup_owner().await;
    let secret = app
        .create_ok(&[
            ("name", "API_KEY"),
            ("kind", "secret"),
            ("value", "bundle-check-value"),
            ("visibility", "masked"),
        ])
        .await;
    let (workflow, _) = app.workflow(&app.client).await;
    let owner = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    for route in &routes {
        let path = fill_params(route, secret.id.to_string(), workflow.to_string());
        for client in [&owner, &new_client()] {
            let res = app.page(client, &path).await;
            if res.status().is_redirection() {
                redirects.push(route.clone());
            } else if res.status() == 200 {
                seen.push((route.clone(), res.text().await.unwrap()));
            }
        }
    }

    for route in &routes {
        assert!(
            seen.iter().any(|(r, _)| r == route) || redirects.contains(route),
            "{route} answered neither a page nor a redirect: teach this test how to open it"
        );
    }
    let mut with_islands = 0;
    for (route, html) in &seen {
        let islands = islands(html);
        let bundles = bundles(html);
        if islands.is_empty() {
            continue;
        }
        with_islands += 1;
        assert_eq!(bundles.len(), 1, "{route} loads one bundle: {bundles:?}");
        let bundle = bundles.iter().next().unwrap();
        let glue = std::fs::read_to_string(root.join(format!("pkg/varvault_{bundle}.js")))
            .expect("the bundle's JS");
        for island in &islands {
            assert!(
                glue.contains(island.as_str()),
                "{route} has the island {island}, which varvault_{bundle} does not hold"
            );
        }
    }
    assert!(with_islands >= 6, "pages with islands: {with_islands}");
}

/// A route's path with its parameters filled in (`{ws}` or `:ws`).
fn fill_params(route: &str, secret: String, workflow: String) -> String {
    route
        .split('/')
        .enumerate()
        .map(|(i, part)| {
            let param = part.trim_start_matches(':').trim_matches(['{', '}']);
            if param == part {
                return part.to_string();
            }
            let parent = route.split('/').nth(i - 1).unwrap_or("");
            match (param, parent) {
                ("ws", _) => WORKSPACE.to_string(),
                ("id", "variables") => secret.clone(),
                ("id", "workflows") => workflow.clone(),
                _ => panic!("{route}: a new route parameter; teach this test a value for it"),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}
