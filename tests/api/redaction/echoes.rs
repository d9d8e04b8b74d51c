//! Every placement against every echo an upstream makes, and ordinary
//! answers left as they were.

use super::*;

#[tokio::test]
async fn every_placement_and_every_echo_keeps_the_secret_in() {
    let full = [
        "&", "=", "+", "%", "\\", "\"", "<", ">", "#", "/", " ", "\n",
    ];
    let header_safe = ["&", "=", "+", "%", "\\", "\"", "<", ">", "#", "/", " "];
    let url_safe = ["=", "\"", "<", ">", "/", " ", "*"];
    let suite = Suite::new(vec![canary(&full), canary(&header_safe), canary(&url_safe)]).await;
    let modes = [
        "raw", "xml", "json", "json-u", "truncate", "split", "gzip", "br", "range", "utf16",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (name, value) in suite.canaries.clone() {
        for p in PLACEMENTS {
            for mode in modes {
                let b = placed(&suite.s, suite.up, mode, &name, p);
                let result = suite.run(&b).await;
                if !accepts(p, &value) {
                    let err = result.expect_err(&format!("{p:?} should refuse {name}"));
                    assert!(err.contains(&name) || err.contains("Header value"), "{err}");
                    break;
                }
                let r = result.unwrap_or_else(|e| panic!("{name} {p:?} {mode}: {e}"));
                let what = outcome(&r);
                if what == "withheld" {
                    suite.resume().await;
                }
                seen.insert((mode, what));
            }
        }
    }
    // Every kind of echo was seen doing what it should.
    for (mode, what) in [
        ("raw", "replaced"),
        ("xml", "replaced"),
        ("json", "replaced"),
        ("json-u", "replaced"),
        ("gzip", "replaced"),
        ("br", "replaced"),
        ("truncate", "withheld"),
        ("split", "withheld"),
        ("range", "withheld"),
        ("utf16", "not text"),
    ] {
        assert!(
            seen.contains(&(mode, what)),
            "{mode} never {what}: {seen:?}"
        );
    }
    // Stored by one run, read back by another that sends no secret.
    let (name, _) = suite.canaries[1].clone();
    let b = placed(&suite.s, suite.up, "store", &name, Placement::Header);
    suite.run(&b).await.unwrap();
    assert!(suite.echoer.stored.lock().unwrap().contains("Bearer"));
    let read = block(
        suite.s.block_id,
        &format!("http://{}/read", suite.up),
        &[],
        "",
    );
    let r = suite.run(&read).await.unwrap();
    assert_eq!(outcome(&r), "withheld", "{r:?}");
    assert_eq!(
        r.notes,
        [format!(
            "The response was withheld: it contained part of {name}"
        )]
    );
    suite.finish().await;
}

#[tokio::test]
async fn ordinary_answers_pass_unchanged_beside_every_kind_of_secret() {
    let s = Scene::new().await;
    let dir = format!("{}/tests/fixtures/secrets", env!("CARGO_MANIFEST_DIR"));
    let mut created = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('-', "_")
            .to_uppercase();
        let text = std::fs::read_to_string(&path).unwrap();
        let values: Vec<(String, String)> = if stem.ends_with("_KEYS") {
            text.lines()
                .enumerate()
                .map(|(i, l)| (format!("{stem}_{i}"), l.to_string()))
                .collect()
        } else {
            vec![(stem, text)]
        };
        for (name, value) in values {
            s.app
                .create_ok(&[
                    ("kind", "secret"),
                    ("name", &name),
                    ("value", &value),
                    ("visibility", "masked"),
                ])
                .await;
            created += 1;
        }
    }
    assert!(created > 100);
    let up = start_oracle().await;
    for name in [
        "tickets.json",
        "token.json",
        "certificate.pem",
        "status.html",
    ] {
        let want = std::fs::read_to_string(format!(
            "{}/tests/fixtures/answers/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let url = format!("http://{up}/answer/{name}");
        let b = block(
            s.block_id,
            &url,
            &[("Authorization", "Bearer {{secret:TOKEN}}")],
            "",
        );
        let res = s.app.save_block(&s.editor, &b).await;
        assert_eq!(res.status(), 200);
        let r: RunResult = s
            .app
            .run_block(&s.editor, s.block_id)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(r.notes, Vec::<String>::new(), "{name}");
        assert_eq!(r.body, want, "{name}");
    }
    s.finish().await;
}
