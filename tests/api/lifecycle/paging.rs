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

/// Names sort as a person reads them: `T_2` before `T_10` (issue 26),
/// across page boundaries both ways, ties (`T_2`, `T_02`) by the name.
#[tokio::test]
async fn names_are_listed_in_natural_order_across_pages() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let mut names: Vec<String> = (1..=55).map(|n| format!("T_{n}")).collect();
    names.extend(["T_02", "T_002", "T_2B", "T_", "TA"].map(String::from));
    // Made out of order, so the insertion order cannot pass for sorted.
    for name in names.iter().rev() {
        app.create_ok(&[("kind", "plain"), ("name", name), ("value", "x")])
            .await;
    }
    let mut expected = vec!["T_".to_string(), "T_1".to_string(), "T_002".to_string()];
    expected.extend(["T_02", "T_2", "T_2B"].map(String::from));
    expected.extend((3..=55).map(|n| format!("T_{n}")));
    expected.push("TA".to_string());

    let first = list_with(&app, &[]).await;
    let second = list_with(&app, &[("after", first.next.as_deref().unwrap())]).await;
    assert_eq!(second.next, None);
    let listed: Vec<String> = first
        .variables
        .iter()
        .chain(&second.variables)
        .map(|v| v.name.clone())
        .collect();
    assert_eq!(listed, expected);
    let back = list_with(&app, &[("before", second.prev.as_deref().unwrap())]).await;
    assert_eq!(back.variables, first.variables);

    // A database from before the natural-order migration gets its keys
    // when it migrates again (the app writes what SQL cannot).
    sqlx::query("UPDATE variables SET sort_key = ''")
        .execute(app.db.pool())
        .await
        .unwrap();
    app.db.migrate().await.unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM variables WHERE sort_key = ''")
            .await,
        0
    );
    let again = list_with(&app, &[]).await;
    assert_eq!(again.variables, first.variables);
}
