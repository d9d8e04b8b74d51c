//! Reading an answer's body so the redactor can see all of it (SPEC §5):
//! varvault alone asks for a coding (blocks may not set
//! `Accept-Encoding`), only for those it decodes, and decodes them within
//! bounds: output cut at what will be shown, decoder windows of at most
//! 8 MiB. A body is shown only when it is then UTF-8 text; what cannot be
//! read that way is not shown, since it could not be screened.

use std::io::Read;

/// What varvault asks upstreams for.
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";
/// Compressed bytes read at most.
const ENCODED_LIMIT: usize = 4 * 1024 * 1024;
/// The largest decoder window: 2^23 bytes (8 MiB).
const MAX_WINDOW_LOG: u32 = 23;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    Deflate,
    Brotli,
    Zstd,
}

/// The body as read: at most `keep` bytes, whether that was all of it,
/// and why it cannot be shown, if it cannot.
#[derive(Debug, Default)]
pub struct Body {
    pub bytes: Vec<u8>,
    pub complete: bool,
    pub problem: Option<&'static str>,
}

const UNKNOWN_CODING: &str = "The body is in an encoding varvault does not read; not shown";
const UNDECODABLE: &str = "The body could not be decoded; not shown";
const WIDE_WINDOW: &str =
    "The body is compressed with a window larger than varvault reads (8 MiB); not shown";

/// The codings of `Content-Encoding`, in the order they were applied;
/// `Err` for one varvault does not decode.
fn codings(headers: &reqwest::header::HeaderMap) -> Result<Vec<Coding>, ()> {
    let mut out = Vec::new();
    for value in headers.get_all(reqwest::header::CONTENT_ENCODING) {
        let text = value.to_str().map_err(|_| ())?;
        for name in text.split(',').map(|s| s.trim().to_ascii_lowercase()) {
            out.push(match name.as_str() {
                "" | "identity" => continue,
                "gzip" | "x-gzip" => Coding::Gzip,
                "deflate" => Coding::Deflate,
                "br" => Coding::Brotli,
                "zstd" => Coding::Zstd,
                _ => return Err(()),
            });
        }
    }
    if out.len() > 2 {
        return Err(());
    }
    Ok(out)
}

/// Reads up to `limit` bytes of the raw body; whether that was all.
async fn read_raw(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > limit {
            body.truncate(limit);
            return Ok((body, false));
        }
    }
    Ok((body, true))
}

/// Reads the body: at most `keep` bytes once decoded.
pub async fn read(mut response: reqwest::Response, keep: usize) -> Result<Body, reqwest::Error> {
    let codings = codings(response.headers());
    let Ok(codings) = codings else {
        let (bytes, complete) = read_raw(&mut response, keep).await?;
        return Ok(Body {
            bytes,
            complete,
            problem: Some(UNKNOWN_CODING),
        });
    };
    if codings.is_empty() {
        let (bytes, complete) = read_raw(&mut response, keep).await?;
        return Ok(Body {
            bytes,
            complete,
            problem: None,
        });
    }
    let (raw, raw_complete) = read_raw(&mut response, ENCODED_LIMIT).await?;
    // Decoding is CPU work: off the async workers.
    let decoded =
        tokio::task::spawn_blocking(move || decode_all(&codings, raw, raw_complete, keep)).await;
    Ok(decoded.unwrap_or_else(|_| Body {
        problem: Some(UNDECODABLE),
        ..Body::default()
    }))
}

/// Undoes `codings` (last applied first), each output bounded.
fn decode_all(codings: &[Coding], mut bytes: Vec<u8>, mut complete: bool, keep: usize) -> Body {
    for (i, coding) in codings.iter().enumerate().rev() {
        let cap = if i == 0 { keep } else { ENCODED_LIMIT };
        match decode(*coding, &bytes, complete, cap) {
            Ok((out, done)) => {
                bytes = out;
                complete = done;
            }
            Err(problem) => {
                return Body {
                    bytes: Vec::new(),
                    complete: false,
                    problem: Some(problem),
                }
            }
        }
    }
    Body {
        bytes,
        complete,
        problem: None,
    }
}

/// The window size a brotli stream declares (RFC 7932, 9.1), as a power
/// of two; `None` for the large-window extension.
fn brotli_window_log(first: u8) -> Option<u32> {
    if first & 1 == 0 {
        return Some(16);
    }
    match (first >> 1) & 7 {
        0 => match (first >> 4) & 7 {
            0 => Some(17),
            1 => None,
            m => Some(8 + m as u32),
        },
        n => Some(17 + n as u32),
    }
}

/// Whether a deflate body has zlib's header (RFC 1950), as servers
/// usually send it, rather than raw deflate.
fn is_zlib(bytes: &[u8]) -> bool {
    matches!(bytes, [a, b, ..] if a & 0x0f == 8 && (u16::from(*a) << 8 | u16::from(*b)) % 31 == 0)
}

/// One coding undone: at most `cap` bytes, and whether that is all.
fn decode(
    coding: Coding,
    input: &[u8],
    input_complete: bool,
    cap: usize,
) -> Result<(Vec<u8>, bool), &'static str> {
    let reader: Box<dyn Read + '_> = match coding {
        Coding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
        Coding::Deflate if is_zlib(input) => Box::new(flate2::read::ZlibDecoder::new(input)),
        Coding::Deflate => Box::new(flate2::read::DeflateDecoder::new(input)),
        Coding::Brotli => {
            match input.first().map(|b| brotli_window_log(*b)) {
                Some(Some(log)) if log <= MAX_WINDOW_LOG => {}
                Some(_) => return Err(WIDE_WINDOW),
                None => {}
            }
            Box::new(brotli_decompressor::Decompressor::new(input, 4096))
        }
        Coding::Zstd => {
            let mut d = zstd::stream::read::Decoder::new(input).map_err(|_| UNDECODABLE)?;
            d.window_log_max(MAX_WINDOW_LOG).map_err(|_| UNDECODABLE)?;
            Box::new(d)
        }
    };
    let mut out = Vec::new();
    let read = reader.take(cap as u64 + 1).read_to_end(&mut out);
    let more = out.len() > cap;
    out.truncate(cap);
    match read {
        Ok(_) => Ok((out, input_complete && !more)),
        // A stream cut short (the raw read stopped): what came so far.
        Err(_) if !input_complete || more => Ok((out, false)),
        Err(_) => Err(UNDECODABLE),
    }
}

/// The body as text, if it is text: UTF-8 (a character cut at the end of
/// an incomplete read aside) without NUL or control characters but tab,
/// CR and LF. Otherwise the note that says so.
pub fn as_text(body: Body) -> Result<(String, bool), String> {
    if let Some(problem) = body.problem {
        return Err(problem.to_string());
    }
    let n = body.bytes.len();
    let not_text = || format!("The body ({n} bytes) is not UTF-8 text; not shown");
    let mut bytes = body.bytes;
    if let Err(e) = std::str::from_utf8(&bytes) {
        if body.complete || e.error_len().is_some() {
            return Err(not_text());
        }
        bytes.truncate(e.valid_up_to());
    }
    let text = String::from_utf8(bytes).map_err(|_| not_text())?;
    if text
        .chars()
        .any(|c| c.is_ascii_control() && !matches!(c, '\t' | '\r' | '\n'))
    {
        return Err(not_text());
    }
    Ok((text, body.complete))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn codings_are_undone_in_reverse_within_the_cap() {
        let text = b"hello world ".repeat(1000);
        let once = gzip(&text);
        let body = decode_all(&[Coding::Gzip], once.clone(), true, 1 << 20);
        assert_eq!((body.bytes.as_slice(), body.complete), (&text[..], true));
        let twice = gzip(&once);
        let body = decode_all(&[Coding::Gzip, Coding::Gzip], twice, true, 100);
        assert_eq!((body.bytes.len(), body.complete), (100, false));
        let zstd = zstd::encode_all(&text[..], 3).unwrap();
        let body = decode_all(&[Coding::Zstd], zstd, true, 1 << 20);
        assert_eq!(body.bytes, text);
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let bomb = gzip(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 1 << 20);
        let body = decode_all(&[Coding::Gzip], bomb, true, 1 << 20);
        assert_eq!((body.bytes.len(), body.complete), (1 << 20, false));
    }

    #[test]
    fn wide_windows_and_broken_streams_are_refused() {
        // A brotli stream declaring WBITS 24 (16 MiB): first byte 0b0000_1111.
        assert_eq!(brotli_window_log(0b0000_1111), Some(24));
        assert_eq!(brotli_window_log(0b0000_1101), Some(23));
        assert_eq!(brotli_window_log(0), Some(16));
        assert_eq!(brotli_window_log(0b0001_0001), None);
        let body = decode_all(&[Coding::Brotli], vec![0b0000_1111, 0, 0], true, 100);
        assert_eq!(body.problem, Some(WIDE_WINDOW));
        let body = decode_all(&[Coding::Gzip], b"not gzip".to_vec(), true, 100);
        assert_eq!(body.problem, Some(UNDECODABLE));
    }

    #[test]
    fn only_text_is_shown() {
        let body = |bytes: &[u8], complete| Body {
            bytes: bytes.to_vec(),
            complete,
            problem: None,
        };
        assert_eq!(
            as_text(body(b"ok\tfine\r\n", true)).unwrap().0,
            "ok\tfine\r\n"
        );
        // UTF-16 text, a NUL, an escape character, invalid UTF-8.
        for bad in [&b"h\0i\0"[..], b"a\0b", b"\x1b[31m", b"\xff\xfe"] {
            let err = as_text(body(bad, true)).unwrap_err();
            assert!(err.ends_with("is not UTF-8 text; not shown"), "{err}");
        }
        // A character cut by the read is dropped, not refused.
        let (text, complete) = as_text(body("é".as_bytes()[..1].as_ref(), false)).unwrap();
        assert_eq!((text.as_str(), complete), ("", false));
    }
}
