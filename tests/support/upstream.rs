//! A real HTTP server on 127.0.0.1 (or another loopback address) that
//! records what it gets and answers in the ways upstreams do: echoing,
//! encoding, redirecting, stalling.

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::any;
use axum::Router;
use base64::Engine;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// What the upstream received, one entry per request.
#[derive(Clone, Default)]
pub struct Upstream {
    hits: Arc<Mutex<Vec<(String, HeaderMap, String)>>>,
}

impl Upstream {
    pub fn hits(&self) -> Vec<(String, HeaderMap, String)> {
        self.hits.lock().unwrap().clone()
    }
}

async fn record(State(up): State<Upstream>, req: Request) -> (HeaderMap, String, String) {
    let (parts, body) = req.into_parts();
    let body =
        String::from_utf8_lossy(&axum::body::to_bytes(body, 1 << 20).await.unwrap()).into_owned();
    let path = parts.uri.to_string();
    up.hits
        .lock()
        .unwrap()
        .push((path.clone(), parts.headers.clone(), body.clone()));
    (parts.headers, path, body)
}

/// An echo server: `/echo` answers with what it got, in JSON and in a
/// header; `/b64` with base64 and URL-encoded forms; `/encodings` with the
/// bearer token in every encoding the redactor knows; `/big?n=N` with the
/// token N times; `/static` with the same text whatever it got;
/// `/redirect` sends to another host; `/slow` never answers in time;
/// `/status?code=N` answers with status N.
pub async fn start_upstream() -> (SocketAddr, Upstream) {
    start_upstream_on([127, 0, 0, 1]).await
}

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim_start_matches("Bearer ")
        .to_string()
}

/// Every spelling of `token` an upstream might echo.
pub fn encodings(token: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let json_u: String = token
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let html_dec: String = token.chars().map(|c| format!("&#{};", c as u32)).collect();
    let html_hex: String = token
        .chars()
        .map(|c| format!("&#x{:X};", c as u32))
        .collect();
    let pct: String = token.bytes().map(|b| format!("%{b:02x}")).collect();
    vec![
        token.to_string(),
        token.to_uppercase(),
        token.to_lowercase(),
        STANDARD.encode(format!("user:{token}")),
        STANDARD.encode(format!("u:{token}")),
        STANDARD.encode(format!("us:{token}")),
        URL_SAFE_NO_PAD.encode(token),
        hex::encode(token),
        hex::encode_upper(token),
        json_u,
        html_dec,
        html_hex,
        pct,
    ]
}

pub async fn start_upstream_on(ip: [u8; 4]) -> (SocketAddr, Upstream) {
    let up = Upstream::default();
    async fn echo(s: State<Upstream>, req: Request) -> impl IntoResponse {
        let (headers, path, body) = record(s, req).await;
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let json = serde_json::json!({ "path": path, "authorization": auth, "body": body });
        ([("x-echo-auth", auth)], axum::Json(json))
    }
    async fn b64(s: State<Upstream>, req: Request) -> String {
        let (headers, _, _) = record(s, req).await;
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let token = auth.trim_start_matches("Bearer ");
        let b64 = base64::engine::general_purpose::STANDARD.encode(token);
        let url: String = token
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        format!("b64={b64} url={url}")
    }
    async fn redirect(
        s: State<Upstream>,
        Query(q): Query<HashMap<String, String>>,
        req: Request,
    ) -> Redirect {
        record(s, req).await;
        Redirect::temporary(
            q.get("to")
                .map(String::as_str)
                .unwrap_or("http://localhost/"),
        )
    }
    async fn slow(s: State<Upstream>, req: Request) -> StatusCode {
        record(s, req).await;
        tokio::time::sleep(std::time::Duration::from_secs(20)).await;
        StatusCode::OK
    }
    async fn all_encodings(s: State<Upstream>, req: Request) -> String {
        let (headers, _, _) = record(s, req).await;
        encodings(&bearer(&headers)).join("\n")
    }
    async fn big(
        s: State<Upstream>,
        Query(q): Query<HashMap<String, String>>,
        req: Request,
    ) -> String {
        let (headers, _, _) = record(s, req).await;
        let n = q.get("n").and_then(|n| n.parse().ok()).unwrap_or(1);
        bearer(&headers).repeat(n)
    }
    async fn fixed(s: State<Upstream>, req: Request) -> &'static str {
        record(s, req).await;
        "the same answer for everyone"
    }
    async fn status(
        s: State<Upstream>,
        Query(q): Query<HashMap<String, String>>,
        req: Request,
    ) -> StatusCode {
        record(s, req).await;
        q.get("code")
            .and_then(|c| c.parse().ok())
            .and_then(|c| StatusCode::from_u16(c).ok())
            .unwrap_or(StatusCode::OK)
    }
    async fn not_found(s: State<Upstream>, req: Request) -> StatusCode {
        record(s, req).await;
        StatusCode::NOT_FOUND
    }
    let app = Router::new()
        .fallback(not_found)
        .route("/echo", any(echo))
        .route("/encodings", any(all_encodings))
        .route("/big", any(big))
        .route("/static", any(fixed))
        .route("/b64", any(b64))
        .route("/redirect", any(redirect))
        .route("/slow", any(slow))
        .route("/status", any(status))
        .with_state(up.clone());
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((ip, 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, up)
}
