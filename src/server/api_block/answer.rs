//! An upstream's answer, as the Response region may show it: the body
//! read and decoded within bounds (`body`), the whole values of the
//! secrets the run sent replaced, and the whole answer withheld if any
//! other piece of any secret is left (`redaction::Screen`).

use super::body;
use crate::server::redaction::{Screen, Seen, MARGIN};
use std::sync::Arc;

/// The Response region shows at most this much of a body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// What may be shown of an answer.
#[derive(Debug)]
pub struct Shown {
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub truncated: bool,
    pub notes: Vec<String>,
}

#[derive(Debug)]
pub enum Screened {
    Shown(Shown),
    /// Something of this secret was left: nothing of the headers or body
    /// is shown.
    Withheld(Seen),
}

/// Reads and screens `response`.
pub async fn screen(
    response: reqwest::Response,
    screen: Arc<Screen>,
) -> Result<Screened, reqwest::Error> {
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| {
            let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (k.as_str().to_string(), value)
        })
        .collect();
    let body = body::read(response, BODY_LIMIT + MARGIN).await?;
    // Linear in the answer but CPU-bound: off the async workers.
    let screened = tokio::task::spawn_blocking(move || screen_read(&screen, headers, body)).await;
    Ok(screened.unwrap_or_else(|e| {
        tracing::error!(error = %e, "screening an answer");
        Screened::Shown(Shown {
            headers: Vec::new(),
            body: String::new(),
            truncated: false,
            notes: vec!["The answer could not be screened; not shown".into()],
        })
    }))
}

fn screen_read(screen: &Screen, headers: Vec<(String, String)>, body: body::Body) -> Screened {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (screen.redact(k), screen.redact(v)))
        .collect();
    let mut notes = Vec::new();
    let (text, complete) = match body::as_text(body) {
        Ok((text, complete)) => (screen.redact(&text), complete),
        Err(note) => {
            notes.push(note);
            (String::new(), true)
        }
    };
    // What would be shown is what is screened: a window that starts in
    // it and ends past the cut shows less than a window.
    let (body, truncated) = cut(text, complete);
    let all = headers
        .iter()
        .flat_map(|(k, v)| [k.as_str(), v.as_str()])
        .chain([body.as_str()]);
    if let Some(seen) = screen.leaked(all) {
        return Screened::Withheld(seen);
    }
    Screened::Shown(Shown {
        headers,
        body,
        truncated,
        notes,
    })
}

/// The body to show: at most [`BODY_LIMIT`] bytes. When the read stopped
/// early (`complete` false), its last [`MARGIN`] bytes are dropped
/// whatever they hold: they may end in the start of a window too short to
/// be found, and dropping only what looks like one would tell a right
/// guess from a wrong one.
pub fn cut(mut body: String, complete: bool) -> (String, bool) {
    let mut keep = body.len();
    if !complete {
        keep = keep.saturating_sub(MARGIN);
    }
    let truncated = !complete || keep > BODY_LIMIT;
    keep = keep.min(BODY_LIMIT);
    while !body.is_char_boundary(keep) {
        keep -= 1;
    }
    body.truncate(keep);
    (body, truncated)
}
