//! An upstream's answer, as the Response region may show it: the body
//! read and decoded within bounds (`body`), the whole values of the
//! secrets the run sent replaced, and the whole answer withheld if any
//! other piece of any secret is left (`redaction::Screen`).

use super::body;
use crate::server::rules::redaction::{Screen, Seen, MARGIN};
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
    let mut seen = Vec::new();
    let mut one = |text: &str, limit: usize| {
        let scan = screen.scan(text);
        seen.extend(screen.leaked_in(&scan, limit));
        screen.redacted(&scan, text, limit)
    };
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (one(k, k.len()), one(v, v.len())))
        .collect();
    let mut notes = Vec::new();
    let (body, truncated) = match body::as_text(body) {
        Ok((text, complete)) => {
            // What would be shown is what is screened: a window that
            // starts in it and ends past the cut shows less than a window.
            let (limit, truncated) = shown_len(&text, complete);
            (one(&text, limit), truncated)
        }
        Err(note) => {
            notes.push(note);
            (String::new(), false)
        }
    };
    if let Some(first) = seen.into_iter().min() {
        return Screened::Withheld(first);
    }
    let (body, cut) = cap(body);
    Screened::Shown(Shown {
        headers,
        body,
        truncated: truncated || cut,
        notes,
    })
}

/// How much of a body read in full (`complete`) or not may be shown, in
/// bytes of the text as read; and whether that is less than all of it.
/// When the read stopped early its last [`MARGIN`] bytes are dropped
/// whatever they hold: they may end in the start of a window too short to
/// be found, and dropping only what looks like one would tell a right
/// guess from a wrong one.
fn shown_len(text: &str, complete: bool) -> (usize, bool) {
    let mut keep = text.len();
    if !complete {
        keep = keep.saturating_sub(MARGIN);
    }
    let truncated = !complete || keep > BODY_LIMIT;
    keep = keep.min(BODY_LIMIT);
    while !text.is_char_boundary(keep) {
        keep -= 1;
    }
    (keep, truncated)
}

/// At most [`BODY_LIMIT`] bytes once redacted (labels are longer than
/// some values).
fn cap(mut body: String) -> (String, bool) {
    if body.len() <= BODY_LIMIT {
        return (body, false);
    }
    let mut keep = BODY_LIMIT;
    while !body.is_char_boundary(keep) {
        keep -= 1;
    }
    body.truncate(keep);
    (body, true)
}
