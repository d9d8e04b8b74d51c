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

use crate::scene::Scene;
use crate::support::*;
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

mod echoes;
mod guessing;

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
            s.app
                .create_ok(&[
                    ("kind", "secret"),
                    ("name", &name),
                    ("value", &value),
                    ("visibility", "restricted"),
                    ("allowed_hosts", "127.0.0.1"),
                ])
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
        let res = self.s.app.save_block(&self.s.editor, b).await;
        let status = res.status();
        let text = res.text().await.unwrap();
        // The saved block comes back as the editor typed it.
        self.check(&text.replace(&b.url, ""), "save");
        if status != 200 {
            return Err(text);
        }
        let res = self.s.app.run_block(&self.s.editor, self.s.block_id).await;
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
