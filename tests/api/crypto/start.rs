//! The master key checked at start: a wrong key, a database bound to its
//! first key, two instances with different keys.

use super::*;

#[tokio::test]
async fn a_wrong_master_key_stops_start_up_and_changes_nothing() {
    let app = spawn_app().await;
    app.setup_owner().await;
    app.seed().await;
    let db_file = app.dir().join("varvault.db");
    let sqlite = app.db_url().starts_with("sqlite");
    app.db.close().await;
    let before = settled(sqlite, &db_file).await;

    let wrong = master::generate_file(&app.dir().join("wrong.key")).unwrap();
    let wrong_id = MasterKey::new(wrong).id().to_string();
    let wrong_path = app.dir().join("wrong.key");
    for args in [&["serve"][..], &["migrate"], &["check"]] {
        let out = app.cli(
            args,
            &[
                ("VARVAULT_MASTER_KEY_FILE", wrong_path.to_str().unwrap()),
                ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let msg = text(&out);
        assert!(
            msg.contains("is not the one this database was encrypted with"),
            "{msg}"
        );
        assert!(msg.contains(&wrong_id), "{msg}");
        assert!(!msg.contains("panicked"), "{msg}");
    }
    assert_eq!(
        settled(sqlite, &db_file).await,
        before,
        "the database file changed"
    );

    // With no key at all, an encrypted database never gets a new one.
    std::fs::rename(key_path(app.dir()), app.dir().join("moved.key")).unwrap();
    let out = app.cli(&["migrate"], &[("VARVAULT_MASTER_KEY_FILE", "")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("no master key was given"),
        "{}",
        text(&out)
    );
    assert!(!key_path(app.dir()).exists(), "a second key was generated");
}

#[tokio::test]
async fn a_database_is_bound_to_its_first_master_key_before_any_secret() {
    // Set up, but no secret yet: no data key exists.
    let app = spawn_app().await;
    app.setup_owner().await;
    app.db.close().await;
    let first_id = MasterKey::new(master::read_file(&key_path(app.dir())).unwrap())
        .id()
        .to_string();
    let other = app.dir().join("other.key");
    master::generate_file(&other).unwrap();
    let out = app.cli(
        &["migrate"],
        &[("VARVAULT_MASTER_KEY_FILE", other.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(&first_id), "{}", text(&out));

    // A lost default key is not silently replaced by a new one.
    std::fs::rename(key_path(app.dir()), app.dir().join("moved.key")).unwrap();
    let out = app.cli(&["migrate"], &[("VARVAULT_MASTER_KEY_FILE", "")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!key_path(app.dir()).exists(), "a second key was generated");
    std::fs::rename(app.dir().join("moved.key"), key_path(app.dir())).unwrap();

    // Rotation moves the binding to the new key, in its transaction.
    let out = app.cli(
        &[
            "rotate-master-key",
            "--new-key-file",
            other.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = app.cli(
        &["migrate"],
        &[("VARVAULT_MASTER_KEY_FILE", other.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = app.cli(&["migrate"], &[]);
    assert_eq!(out.status.code(), Some(1), "the old key: {}", text(&out));
}

#[tokio::test]
async fn two_instances_starting_with_different_keys_cannot_both_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir).await;
    let config = |key: &str| {
        let mut c = test_config(&dir, url.clone());
        c.master_key = MasterKeySource::File(dir.path().join(key));
        master::generate_file(&dir.path().join(key)).unwrap();
        c
    };
    let (a, b) = (config("a.key"), config("b.key"));
    let (a, b) = tokio::join!(
        varvault::server::web::startup::Application::build(a),
        varvault::server::web::startup::Application::build(b)
    );
    let started = [a.is_ok(), b.is_ok()];
    assert_eq!(
        started.iter().filter(|ok| **ok).count(),
        1,
        "exactly one key binds the database: {:?} {:?}",
        a.as_ref().err().map(|e| e.to_string()),
        b.as_ref().err().map(|e| e.to_string())
    );
    let err = a.err().or(b.err()).unwrap().to_string();
    assert!(
        err.contains("is not the one this database was encrypted with"),
        "{err}"
    );
}
