//! One attacker's setting, shared by the exfiltration, redaction and
//! self-call tests: the app in a process at trace level, an owner, an
//! editor, a restricted secret with a random canary value, one block.

use crate::support::*;
use rand::Rng;
use reqwest::Client;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Child;
use varvault::model::{KeyValue, VariablesPage};

pub(crate) const TOKEN: &str = "TOKEN";

fn random_canary() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    loop {
        let c: String = (0..24)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        // Mixed case, so a lower-cased copy differs from the value.
        if c.chars().any(|c| c.is_ascii_uppercase()) && c.chars().any(|c| c.is_ascii_lowercase()) {
            return c;
        }
    }
}

/// Fails when `text`, with what the attacker typed taken out, holds any
/// 6-byte piece of `canary` in any letter case.
pub(crate) fn assert_no_piece(text: &str, canary: &str, typed: &[String], what: &str) {
    let mut hay = text.to_lowercase();
    for t in typed {
        hay = hay.replace(&t.to_lowercase(), "");
    }
    let canary = canary.to_lowercase();
    for piece in canary.as_bytes().windows(6) {
        let piece = std::str::from_utf8(piece).unwrap();
        if let Some(at) = hay.find(piece) {
            let from = hay[..at]
                .char_indices()
                .rev()
                .nth(300)
                .map_or(0, |(i, _)| i);
            let to = hay[at..]
                .char_indices()
                .nth(300)
                .map_or(hay.len(), |(i, _)| at + i);
            panic!(
                "{what}: a piece of the secret ({piece}) is in: …{}…",
                &hay[from..to]
            );
        }
    }
    assert_no_canary(text, &canary);
}

/// One attacker's setting: the app in a process at trace level, an owner,
/// an editor, a restricted secret allowed to 127.0.0.1 only, one block.
pub(crate) struct Scene {
    pub(crate) app: TestApp,
    pub(crate) server: Option<Child>,
    pub(crate) log: PathBuf,
    pub(crate) editor: Client,
    pub(crate) canary: String,
    pub(crate) good: SocketAddr,
    pub(crate) good_up: Upstream,
    pub(crate) evil: SocketAddr,
    pub(crate) evil_up: Upstream,
    pub(crate) block_id: varvault::model::BlockId,
    /// Everything the attacker typed (plain values, templates).
    pub(crate) typed: Vec<String>,
}

impl Scene {
    pub(crate) async fn new() -> Scene {
        Scene::with_env(&[]).await
    }

    pub(crate) async fn with_env(envs: &[(&str, &str)]) -> Scene {
        let mut app = spawn_app().await;
        let log = app.dir().join("server.log");
        let server = app.serve_in_a_process_with(&log, envs).await;
        app.setup_owner().await;
        let (good, good_up) = start_upstream_on([127, 0, 0, 1]).await;
        let (evil, evil_up) = start_upstream_on([127, 0, 0, 2]).await;
        let canary = random_canary();
        app.create_ok(&[
            ("kind", "secret"),
            ("name", TOKEN),
            ("value", &canary),
            ("visibility", "restricted"),
            ("allowed_hosts", "127.0.0.1"),
        ])
        .await;
        let editor = app.member("eve@example.com", "editor").await;
        let (_, block_id) = app.workflow(&editor).await;
        Scene {
            app,
            server: Some(server),
            log,
            editor,
            canary,
            good,
            good_up,
            evil,
            evil_up,
            block_id,
            typed: Vec::new(),
        }
    }

    pub(crate) fn check(&self, text: &str, what: &str) {
        assert_no_piece(text, &self.canary, &self.typed, what);
    }

    /// Sets plain variable `name` as the editor.
    pub(crate) async fn var(&mut self, name: &str, value: &str) {
        self.typed.push(value.to_string());
        let page: VariablesPage = self
            .app
            .call_with(&self.editor, "list_variables", &[("workspace", WORKSPACE)])
            .await
            .json()
            .await
            .unwrap();
        let res = match page.variables.iter().find(|v| v.name == name) {
            Some(v) => {
                self.app
                    .call_with(
                        &self.editor,
                        "update_variable",
                        &[
                            ("workspace", WORKSPACE),
                            ("id", &v.id.to_string()),
                            ("value", value),
                        ],
                    )
                    .await
            }
            None => {
                self.app
                    .call_with(
                        &self.editor,
                        "create_variable",
                        &[
                            ("workspace", WORKSPACE),
                            ("kind", "plain"),
                            ("name", name),
                            ("value", value),
                        ],
                    )
                    .await
            }
        };
        assert_eq!(res.status(), 200);
    }

    /// Saves the block as the editor: the status and the answer's text.
    pub(crate) async fn save(
        &mut self,
        url: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        self.typed.push(url.to_string());
        let b = block(self.block_id, url, headers, body);
        let res = self.app.save_block(&self.editor, &b).await;
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        self.check(&text, &format!("save of {url:?}"));
        (status, text)
    }

    /// Writes the block straight into the database, as data saved before
    /// a rule existed would be.
    pub(crate) async fn store(&mut self, url: &str, headers: &[(&str, &str)], body: &str) {
        self.typed.push(url.to_string());
        let headers: Vec<KeyValue> = headers
            .iter()
            .map(|(n, v)| KeyValue {
                name: n.to_string(),
                value: v.to_string(),
            })
            .collect();
        sqlx::query("UPDATE api_blocks SET url = $1, headers = $2, body = $3 WHERE id = $4")
            .bind(url)
            .bind(serde_json::to_string(&headers).unwrap())
            .bind(body)
            .bind(self.block_id)
            .execute(self.app.db.pool())
            .await
            .unwrap();
    }

    /// Runs the block as the editor: the status and the answer's text.
    pub(crate) async fn run(&self) -> (u16, String) {
        let res = self.app.run_block(&self.editor, self.block_id).await;
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        self.check(&text, "run");
        (status, text)
    }

    /// Stops the server and scans what it left: its log, the audit log,
    /// and what the attacker's upstream received.
    pub(crate) async fn finish(mut self) {
        // What the editor can read back: every variable's listed value.
        let listed = self
            .app
            .call_with(&self.editor, "list_variables", &[("workspace", WORKSPACE)])
            .await
            .text()
            .await
            .unwrap();
        self.check(&listed, "the variables the editor lists");
        if let Some(mut server) = self.server.take() {
            server.kill().unwrap();
            server.wait().unwrap();
        }
        let logs = std::fs::read_to_string(&self.log).unwrap();
        assert!(
            logs.contains("TRACE") || logs.contains("DEBUG"),
            "trace log kept"
        );
        self.check(&logs, "server log");
        let audit: Vec<(String, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT action, target_name, detail FROM audit_log")
                .fetch_all(self.app.db.pool())
                .await
                .unwrap();
        assert!(!audit.is_empty());
        self.check(&format!("{audit:?}"), "audit log");

        for (path, headers, body) in self.evil_up.hits() {
            self.check(
                &format!("{path} {headers:?} {body}"),
                "the attacker's upstream",
            );
        }
    }
}

pub(crate) fn refused(status: u16, text: &str, what: &str) {
    assert_eq!(status, 400, "{what} should be refused: {text}");
}
