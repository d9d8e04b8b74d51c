//! The Variables page paged and searched on the server.

use super::*;

#[tokio::test]
async fn the_list_is_paged_and_searched_on_the_server() {
    let app = spawn_app().await;
    app.setup_owner().await;
    for n in 0..120 {
        app.create_ok(&[
            ("kind", "plain"),
            ("name", &format!("VAR_{n:03}")),
            ("value", "x"),
        ])
        .await;
    }
    let first = list_with(&app, &[]).await;
    assert_eq!(first.variables.len(), 50);
    assert_eq!(first.variables[0].name, "VAR_000");
    assert_eq!(first.prev, None);
    let next = first.next.clone().expect("a second page");
    let second = list_with(&app, &[("after", &next)]).await;
    assert_eq!(second.variables[0].name, "VAR_050");
    let third = list_with(&app, &[("after", second.next.as_deref().unwrap())]).await;
    assert_eq!(third.variables.len(), 20);
    assert_eq!(third.next, None);
    let back = list_with(&app, &[("before", third.prev.as_deref().unwrap())]).await;
    assert_eq!(back.variables, second.variables);
    let back = list_with(&app, &[("before", back.prev.as_deref().unwrap())]).await;
    assert_eq!(back.variables[0].name, "VAR_000");
    assert_eq!(back.prev, None);
    // Search narrows in the database, `_` included literally.
    let found = list_with(&app, &[("search", "var_11")]).await;
    let names: Vec<_> = found.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names.len(), 10);
    assert!(names.iter().all(|n| n.starts_with("VAR_11")));
    assert_eq!(found.next, None);
    // The page carries the cursor links, the search and the filter.
    let html = app
        .get(&format!("/w/{WORKSPACE}/variables?q=VAR&after={next}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("VAR_050") && !html.contains("VAR_049"),
        "{html}"
    );
    assert!(html.contains(&format!(
        "/w/{WORKSPACE}/variables?q=VAR&amp;before=var_050"
    )));
    assert!(html.contains(&format!("/w/{WORKSPACE}/variables?q=VAR&amp;after=var_099")));
}
