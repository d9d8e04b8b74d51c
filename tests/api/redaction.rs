//! Redaction that holds against what upstreams really echo (SPEC §5). An
//! editor sends a restricted secret to its allowed host, an upstream
//! that decodes and re-encodes like real servers do (query, form and
//! cookie parsing, XML/HTML escaping, JSON `\/` and `\uXXXX`, truncation,
//! a split at `=`, store and read back, gzip and br bodies, a 206 slice,
//! UTF-16), against a real server process at trace level. Canaries are
//! random and hold `+ & % \ " < > = # /`, spaces, a newline and non-ASCII;
//! each is tried in every placement that accepts it, and the others
//! refuse it. No answer, audit entry or log line may hold a 6-character
//! piece of one, in any case or the decodings a reader would try.

use crate::api_block::block;
use crate::exfiltration::Scene;
use crate::helpers::*;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use rand::Rng;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use varvault::model::{KeyValue, RunResult};

/// What every piece of the echoed text is made of.
#[derive(Clone, Default)]
struct Echoer {
    stored: Arc<Mutex<String>>,
}

/// Everything a request carried that a server would read as values: the
/// path's last part, query and form pairs (decoded), cookie values and the
/// `Authorization` header.
async fn values(req: Request) -> Vec<String> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let mut out = Vec::new();
    if let Some(last) = parts.uri.path().rsplit('/').next() {
        let decoded: Vec<u8> = url::form_urlencoded::parse(format!("x={last}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned().into_bytes())
            .unwrap_or_default();
        out.push(String::from_utf8_lossy(&decoded).into_owned());
    }
    for (k, v) in url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
        out.push(format!("{k}={v}"));
    }
    for (k, v) in url::form_urlencoded::parse(&body) {
        out.push(format!("{k}={v}"));
    }
    for c in parts.headers.get_all("cookie") {
        for pair in c.to_str().unwrap_or("").split(';') {
            out.push(pair.trim().to_string());
        }
    }
    if let Some(a) = parts.headers.get("authorization") {
        out.push(String::from_utf8_lossy(a.as_bytes()).into_owned());
    }
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn json_u(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            c => c
                .encode_utf16(&mut [0; 2])
                .iter()
                .for_each(|u| out.push_str(&format!("\\u{u:04x}"))),
        }
    }
    out
}

/// Answers with what it was sent, transformed as `mode` says.
async fn echo(State(e): State<Echoer>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let mode = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let all = values(req).await.join("\n");
    let text = |t: String| ([("content-type", "text/plain; charset=utf-8")], t).into_response();
    match mode {
        "raw" => text(all),
        "xml" => text(format!("<echo>{}</echo>", xml_escape(&all))),
        "json" => axum::Json(serde_json::json!({ "echo": all })).into_response(),
        "json-u" => text(format!("{{\"echo\":\"{}\"}}", json_u(&all))),
        // "invalid token sk_live_51Hx..." as real APIs write it.
        "truncate" => text(format!(
            "invalid token {}...",
            all.chars()
                .rev()
                .take(14)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>()
        )),
        "split" => text(
            all.lines()
                .filter_map(|l| l.split_once('='))
                .map(|(_, v)| v)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        "store" => {
            *e.stored.lock().unwrap() = all;
            text("stored".into())
        }
        "read" => text(e.stored.lock().unwrap().clone()),
        "gzip" => {
            let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            g.write_all(all.as_bytes()).unwrap();
            ([("content-encoding", "gzip")], g.finish().unwrap()).into_response()
        }
        "br" => {
            let mut out = Vec::new();
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 20);
                w.write_all(all.as_bytes()).unwrap();
            }
            ([("content-encoding", "br")], out).into_response()
        }
        "range" => {
            let bytes = all.as_bytes();
            let slice = bytes[bytes.len().saturating_sub(20)..].to_vec();
            (
                StatusCode::PARTIAL_CONTENT,
                [("content-range", "bytes */*")],
                slice,
            )
                .into_response()
        }
        "utf16" => {
            let bytes: Vec<u8> = all.encode_utf16().flat_map(u16::to_le_bytes).collect();
            ([("content-type", "text/plain; charset=utf-16le")], bytes).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start_echoer() -> (SocketAddr, Echoer) {
    let e = Echoer::default();
    let app = Router::new()
        .route("/{mode}", any(echo))
        .route("/{mode}/{*rest}", any(echo))
        .with_state(e.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, e)
}

/// Random segments of letters, digits and a symbol each (so each carries
/// a window), joined by `joints`.
fn canary(joints: &[&str]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    const SYMBOLS: &[u8] = b"!$*~^|";
    let mut rng = rand::thread_rng();
    let mut out = String::new();
    for (i, joint) in joints.iter().chain([&""]).enumerate() {
        let mut seg: Vec<u8> = (0..9)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())])
            .collect();
        seg.insert(
            rng.gen_range(1..9),
            SYMBOLS[rng.gen_range(0..SYMBOLS.len())],
        );
        if i == 2 {
            out.push_str("Äö");
        }
        out.push_str(std::str::from_utf8(&seg).unwrap());
        out.push_str(joint);
    }
    out
}

/// Every way a reader would look at `text`: as it is, form-decoded and
/// with HTML's entities read; lower case, `+` as a space.
fn readings(text: &str) -> Vec<String> {
    let form: String =
        url::form_urlencoded::parse(format!("x={}", text.replace('&', "%26")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
    let html = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    [text.to_string(), form, html]
        .into_iter()
        .map(|t| t.to_lowercase().replace('+', " "))
        .collect()
}

/// No 6-character piece of `canary` in any reading of `text`.
fn assert_no_piece(text: &str, canary: &str, what: &str) {
    let chars: Vec<char> = canary.to_lowercase().replace('+', " ").chars().collect();
    for reading in readings(text) {
        for piece in chars.windows(6) {
            let piece: String = piece.iter().collect();
            assert!(
                !reading.contains(&piece),
                "{what}: {piece:?} of the secret in: {}",
                &text[..text.len().min(1500)]
            );
        }
    }
}

/// Where a block may put a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    UrlPath,
    UrlQuery,
    QueryRow,
    Header,
    Cookie,
    FormBody,
}

const PLACEMENTS: [Placement; 6] = [
    Placement::UrlPath,
    Placement::UrlQuery,
    Placement::QueryRow,
    Placement::Header,
    Placement::Cookie,
    Placement::FormBody,
];

/// The block that sends `{{secret:NAME}}` in `placement` to `mode`.
fn placed(
    s: &Scene,
    up: SocketAddr,
    mode: &str,
    name: &str,
    p: Placement,
) -> varvault::model::BlockInput {
    let secret = format!("{{{{secret:{name}}}}}");
    let base = format!("http://{up}/{mode}");
    let mut b = match p {
        Placement::UrlPath => block(s.block_id, &format!("{base}/v/{secret}"), &[], ""),
        Placement::UrlQuery => block(s.block_id, &format!("{base}?t={secret}"), &[], ""),
        Placement::QueryRow => block(s.block_id, &base, &[], ""),
        Placement::Header => block(
            s.block_id,
            &base,
            &[("Authorization", &format!("Bearer {secret}"))],
            "",
        ),
        Placement::Cookie => block(s.block_id, &base, &[("Cookie", &format!("t={secret}"))], ""),
        Placement::FormBody => block(
            s.block_id,
            &base,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            &format!("t={secret}"),
        ),
    };
    if p == Placement::QueryRow {
        b.query = vec![KeyValue {
            name: "t".into(),
            value: secret,
        }];
    }
    b
}

/// Whether `value` can stand in `p` at all: a header cannot carry a
/// newline; the URL holds it only percent-encoded exactly where it was.
fn accepts(p: Placement, value: &str) -> bool {
    match p {
        Placement::Header | Placement::Cookie => !value.contains(['\n', '\r']),
        Placement::UrlPath => {
            !value.contains(['\n', '\t', '#', '\\', '?', '%']) && !value.contains("./")
        }
        Placement::UrlQuery => !value.contains(['\n', '\t', '#', '&', '+', '%']),
        Placement::QueryRow | Placement::FormBody => true,
    }
}

/// A suite's scene with a secret per canary.
struct Suite {
    s: Scene,
    up: SocketAddr,
    echoer: Echoer,
    canaries: Vec<(String, String)>,
}

impl Suite {
    async fn new(canaries: Vec<String>) -> Suite {
        let s = Scene::new().await;
        let (up, echoer) = start_echoer().await;
        let mut named = Vec::new();
        for (i, value) in canaries.into_iter().enumerate() {
            let name = format!("CANARY_{i}");
            crate::variables::create_ok(
                &s.app,
                &[
                    ("kind", "secret"),
                    ("name", &name),
                    ("value", &value),
                    ("visibility", "restricted"),
                    ("allowed_hosts", "127.0.0.1"),
                ],
            )
            .await;
            named.push((name, value));
        }
        Suite {
            s,
            up,
            echoer,
            canaries: named,
        }
    }

    fn check(&self, text: &str, what: &str) {
        for (_, c) in &self.canaries {
            assert_no_piece(text, c, what);
        }
        self.s.check(text, what);
    }

    /// Saves and runs a block as the editor: the run's result or its
    /// error, each checked for pieces of every canary.
    async fn run(&self, b: &varvault::model::BlockInput) -> Result<RunResult, String> {
        let res = crate::api_block::save(&self.s.app, &self.s.editor, b).await;
        let status = res.status();
        let text = res.text().await.unwrap();
        // The saved block comes back as the editor typed it.
        self.check(&text.replace(&b.url, ""), "save");
        if status != 200 {
            return Err(text);
        }
        let res = crate::api_block::run(&self.s.app, &self.s.editor, self.s.block_id).await;
        let status = res.status();
        let text = res.text().await.unwrap();
        self.check(&text, "run");
        if status != 200 {
            return Err(text);
        }
        let r: RunResult = serde_json::from_str(&text).unwrap();
        for (k, v) in &r.headers {
            self.check(&format!("{k}: {v}"), "a header");
        }
        self.check(&r.body, "the body");
        Ok(r)
    }

    /// Runs a block that sends no secret to `url`.
    async fn run_at(&self, url: &str) -> Result<RunResult, String> {
        self.run(&block(self.s.block_id, url, &[], "")).await
    }

    /// The owner resumes the editor's runs (withheld answers pause them).
    async fn resume(&self) {
        let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'eve@example.com'")
            .fetch_one(self.s.app.db.pool())
            .await
            .unwrap();
        let res = self
            .s
            .app
            .call(
                "resume_runs",
                &[("workspace", WORKSPACE), ("user_id", &id.to_string())],
            )
            .await;
        assert_eq!(res.status(), 200);
    }

    async fn finish(self) {
        let log = std::fs::read_to_string(&self.s.log).unwrap();
        for (_, c) in &self.canaries {
            assert_no_piece(&log, c, "the server log");
        }
        let audit: Vec<(String, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT action, target_name, detail FROM audit_log")
                .fetch_all(self.s.app.db.pool())
                .await
                .unwrap();
        self.check(&format!("{audit:?}"), "the audit log");
        self.s.finish().await;
    }
}

/// What an answer did with the secret: replaced it, was withheld, or was
/// not shown as text.
fn outcome(r: &RunResult) -> &'static str {
    if r.notes
        .iter()
        .any(|n| n.starts_with("The response was withheld"))
    {
        "withheld"
    } else if r.notes.iter().any(|n| n.contains("not UTF-8 text")) {
        "not text"
    } else if r.body.contains("[REDACTED:") || r.headers.iter().any(|h| h.1.contains("[REDACTED:"))
    {
        "replaced"
    } else {
        "shown"
    }
}

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

/// An upstream of the attacker's own: `/oracle?piece=P` answers the 62
/// one-character extensions of `P`, raw and in base64; `/answer/NAME` one
/// of the ordinary answers of `tests/fixtures/answers`.
async fn start_oracle() -> SocketAddr {
    use axum::extract::Query;
    use base64::Engine;
    use std::collections::HashMap;
    async fn oracle(Query(q): Query<HashMap<String, String>>) -> String {
        let piece = q.get("piece").cloned().unwrap_or_default();
        let mut out = String::new();
        for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".chars() {
            let guess = format!("{piece}{c}");
            let b64 = base64::engine::general_purpose::STANDARD.encode(&guess);
            out.push_str(&format!("{guess} {b64}\n"));
        }
        out
    }
    async fn answer(axum::extract::Path(name): axum::extract::Path<String>) -> String {
        let path = format!(
            "{}/tests/fixtures/answers/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).unwrap()
    }
    let app = Router::new()
        .route("/oracle", any(oracle))
        .route("/answer/{name}", any(answer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn guessing_one_character_at_a_time_is_one_loud_rate_limited_bit() {
    // A segment mixing in a symbol: its windows are 8 characters.
    let value = format!(
        "Xk9{}Qz7Lm2Pw4Ty8",
        ['!', '$', '*'][rand::thread_rng().gen_range(0..3)]
    );
    let suite = Suite::new(vec![value.clone()]).await;
    let oracle = start_oracle().await;
    let url = |piece: &str| format!("http://{oracle}/oracle?piece={piece}");
    // A wrong piece: the answer is shown (that is the one bit).
    let r = suite.run_at(&url("Zz9Zz9Z")).await.unwrap();
    assert_eq!(outcome(&r), "shown");
    assert!(r.body.contains("Zz9Zz9ZA"));
    // Right pieces whose next character is among the 62: withheld, and
    // each answer the same note whichever extension was right.
    let pieces: Vec<String> = (4..value.len() - 7)
        .map(|i| value[i..i + 7].to_string())
        .filter(|p| !p.contains(['!', '$', '*']))
        .take(3)
        .collect();
    assert_eq!(pieces.len(), 3, "{value}");
    let mut answers = Vec::new();
    for piece in &pieces {
        let r = suite.run_at(&url(piece)).await.unwrap();
        assert_eq!(outcome(&r), "withheld", "{piece}");
        answers.push((r.status, r.headers, r.body, r.notes));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_eq!(
        answers[0].3,
        ["The response was withheld: it contained part of CANARY_0"]
    );
    // The fourth run in a day is refused, before anything is sent.
    let err = suite.run_at(&url("Zz9Zz9Z")).await.unwrap_err();
    assert!(
        err.contains("Runs are paused after 3 withheld responses"),
        "{err}"
    );
    let entries: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'response.withheld' \
         AND actor_email = 'eve@example.com' AND target_name = 'CANARY_0'",
    )
    .fetch_one(suite.s.app.db.pool())
    .await
    .unwrap();
    assert_eq!(entries, 3);
    // The members page says so, and an owner resumes the runs there.
    let page = suite
        .s
        .app
        .get(&format!("/w/{WORKSPACE}/members"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Runs paused") && page.contains("Resume runs of Test editor"),
        "members page"
    );
    suite.resume().await;
    assert_eq!(
        outcome(&suite.run_at(&url("Zz9Zz9Z")).await.unwrap()),
        "shown"
    );
    let resumed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'runs.resumed'")
            .fetch_one(suite.s.app.db.pool())
            .await
            .unwrap();
    assert_eq!(resumed, 1);
    // An editor cannot resume anyone's runs.
    let res = suite
        .s
        .app
        .call_with(
            &suite.s.editor,
            "resume_runs",
            &[("workspace", WORKSPACE), ("user_id", "1")],
        )
        .await;
    assert_eq!(res.status(), 403);
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
            crate::variables::create_ok(
                &s.app,
                &[
                    ("kind", "secret"),
                    ("name", &name),
                    ("value", &value),
                    ("visibility", "masked"),
                ],
            )
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
        let res = crate::api_block::save(&s.app, &s.editor, &b).await;
        assert_eq!(res.status(), 200);
        let r: RunResult = crate::api_block::run(&s.app, &s.editor, s.block_id)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(r.notes, Vec::<String>::new(), "{name}");
        assert_eq!(r.body, want, "{name}");
    }
    s.finish().await;
}

#[tokio::test]
async fn a_workspaces_secrets_hold_at_most_two_mib_of_values() {
    let app = spawn_app().await;
    app.setup_owner().await;
    let big = "v".repeat(64 * 1024);
    for i in 0..32 {
        crate::variables::create_ok(
            &app,
            &[
                ("kind", "secret"),
                ("name", &format!("BIG_{i}")),
                ("value", &big),
                ("visibility", "masked"),
            ],
        )
        .await;
    }
    let res = crate::variables::create(
        &app,
        &app.client,
        &[
            ("kind", "secret"),
            ("name", "ONE_MORE"),
            ("value", "12345678"),
            ("visibility", "masked"),
        ],
    )
    .await;
    let (status, err) = app_error(res).await;
    assert_eq!(status, 400);
    assert_eq!(err.field(), Some("value"));
    assert!(err.to_string().contains("at most 2 MiB"), "{err}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM variables WHERE name = 'ONE_MORE'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing stored");
    // Plain variables do not count.
    crate::variables::create_ok(
        &app,
        &[("kind", "plain"), ("name", "PLAIN"), ("value", &big)],
    )
    .await;
}
