//! The properties the fuzz targets in `fuzz/` check (cargo-fuzz runs them
//! for minutes, see `fuzz/run.sh`; `cargo test` replays their saved corpus
//! and regressions). Each takes raw bytes and panics when a property of
//! the guarded code breaks: these are oracles, not "does not crash".
//!
//! Compiled only for tests and fuzzing (`--cfg fuzzing`).

use crate::server::api_block::placement::{self, Destination};
use crate::server::api_block::redact::Redactor;
use crate::server::api_block::{cut_redacted, BODY_LIMIT};
use crate::server::hosts::HostPattern;
use crate::template::{self, RefKind};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Splits fuzz input into `n` strings at 0xFF bytes (never valid UTF-8).
fn parts(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data
        .splitn(n, |b| *b == 0xFF)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    out.resize(n, String::new());
    out
}

/// The template parser: an exact round trip, and choosing a secret in the
/// picker leaves exactly that one secret.
pub fn template(data: &[u8]) {
    let [text, cursor] = <[String; 2]>::try_from(parts(data, 2)).expect("two parts");
    let Ok(pieces) = template::parse(&text) else {
        return;
    };
    assert_eq!(template::render(&pieces), text, "round trip");
    for kind in [RefKind::Secret, RefKind::Var] {
        for name in template::refs(&pieces, kind) {
            assert!(crate::model::check_variable_name(&name).is_ok(), "{name:?}");
        }
    }
    if template::refs(&pieces, RefKind::Secret).len() <= 1 {
        let at = cursor.len().checked_sub(1);
        let (out, end) = template::insert_secret(&text, "PICKED", at);
        let again = template::parse(&out).expect("an inserted secret parses");
        assert_eq!(
            template::refs(&again, RefKind::Secret),
            ["PICKED"],
            "{out:?}"
        );
        assert!(out.is_char_boundary(end) && out[..end].ends_with("{{secret:PICKED}}"));
    }
}

fn authority(d: &Destination) -> (String, String, Option<String>, String, Option<u16>) {
    (
        d.url.scheme().to_string(),
        d.url.username().to_string(),
        d.url.password().map(str::to_string),
        d.host_str().to_string(),
        d.url.port_or_known_default(),
    )
}

/// The URL placement check: for any template, variable and secret value,
/// the run is refused or goes where it would with any other secret value
/// (scheme, user, host and port never depend on the secret), the URL it
/// sends is exactly the filled template parsed, and a URL the save
/// accepted with the secret in it never puts the secret in the authority.
pub fn placement(data: &[u8]) {
    let [url, secret, var] = <[String; 3]>::try_from(parts(data, 3)).expect("three parts");
    let Ok(pieces) = template::parse(&url) else {
        let none = BTreeMap::new();
        assert!(placement::resolve(&url, &none, &BTreeMap::new()).is_err());
        return;
    };
    // Every referenced name has a value, as at a run (which refuses a
    // block whose references are missing before it gets here).
    let names = |kind| -> Vec<String> {
        let names = template::refs(&pieces, kind);
        names.iter().map(|n| n.to_ascii_lowercase()).collect()
    };
    let vars: BTreeMap<String, String> = names(RefKind::Var)
        .into_iter()
        .map(|n| (n, var.clone()))
        .collect();
    let with = |value: &str| {
        let secrets: BTreeMap<String, &str> = names(RefKind::Secret)
            .into_iter()
            .map(|n| (n, value))
            .collect();
        placement::resolve(&url, &vars, &secrets)
    };
    let real = with(&secret);
    let benign = with("benign0value");
    match (&real, &benign) {
        (Ok(a), Ok(b)) => assert_eq!(authority(a), authority(b), "{url:?}"),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "the secret's value decided whether {url:?} runs: {:?} / {:?}",
            real.as_ref().err(),
            benign.as_ref().err()
        ),
    }
    // The authority is the benign run's, so the secret's value is not in
    // it (a substring test would also flag a template that spells the
    // value there by itself, as the first fuzz run found).
    let Ok(d) = real else { return };
    let mut filled = String::new();
    for p in &pieces {
        match p {
            template::Piece::Text(t) => filled.push_str(t),
            template::Piece::Ref {
                kind: RefKind::Secret,
                ..
            } => filled.push_str(&secret),
            template::Piece::Ref { .. } => filled.push_str(&var),
        }
    }
    assert_eq!(
        url::Url::parse(&filled).ok().as_ref(),
        Some(&d.url),
        "sent what the filled text parses to"
    );
    assert!(matches!(d.url.scheme(), "http" | "https"));
}

/// Spellings the fuzz input may choose for the secret.
fn spell(secret: &str, how: u8, around: &str) -> String {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine;
    match how % 12 {
        0 => secret.to_string(),
        1 => secret.to_uppercase(),
        2 => secret.to_lowercase(),
        3 => hex::encode(secret),
        4 => hex::encode_upper(secret),
        5 => STANDARD.encode(format!("{around}{secret}")),
        6 => URL_SAFE_NO_PAD.encode(secret),
        7 => secret.bytes().map(|b| format!("%{b:02X}")).collect(),
        8 => secret
            .encode_utf16()
            .map(|u| format!("\\u{u:04x}"))
            .collect(),
        9 => secret.chars().map(|c| format!("&#{};", c as u32)).collect(),
        10 => secret
            .chars()
            .map(|c| format!("&#x{:X};", c as u32))
            .collect(),
        _ => secret
            .chars()
            .enumerate()
            .map(|(i, c)| match i % 3 {
                0 => c.to_string(),
                1 => format!("&#{};", c as u32),
                _ => {
                    let mut b = [0u8; 4];
                    c.encode_utf8(&mut b)
                        .bytes()
                        .map(|b| format!("%{b:02x}"))
                        .collect()
                }
            })
            .collect(),
    }
}

/// A region the redactor replaced, decoded by a simple reference: HTML
/// entities, JSON escapes and percent-escapes, each in its own pass.
fn decode(region: &str) -> String {
    let mut text = region.to_string();
    for (name, c) in [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&apos;", "'"),
    ] {
        text = text.replace(name, c);
    }
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("&#") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let (radix, digits) = match after.strip_prefix(['x', 'X']) {
            Some(d) => (16, d),
            None => (10, after),
        };
        let end = digits.find(';').unwrap_or(0);
        match u32::from_str_radix(&digits[..end], radix)
            .ok()
            .and_then(char::from_u32)
        {
            Some(c) if end > 0 => {
                out.push(c);
                rest = &digits[end + 1..];
            }
            _ => {
                out.push_str("&#");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let json: String = format!("\"{}\"", out.replace('"', "\\\""));
    let text = serde_json::from_str::<String>(&json).unwrap_or(out);
    let bytes: Vec<u8> =
        url::form_urlencoded::parse(format!("x={}", text.replace('&', "%26")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned().into_bytes())
            .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

const MARK: char = '\u{FFFF}';

/// The redactor: every spelling inserted into ordinary text is gone after
/// redaction; everything it replaced spells a form of the secret; and a
/// body cut short shows nothing of a secret's start.
pub fn redactor(data: &[u8]) {
    let [secret, filler, choices] = <[String; 3]>::try_from(parts(data, 3)).expect("three parts");
    // The reference decoder cannot tell a secret's own `%`, `&`, `#`, `;`,
    // `\` or `+` from an escape; the unit tests cover values with them.
    if secret.len() < 8
        || secret.len() > 200
        || secret.contains([MARK, '%', '&', '#', ';', '\\', '+'])
    {
        return;
    }
    // Filler shares no character with the secret, so what is replaced can
    // only come from the insertions (or spell the secret by itself).
    let filler: String = filler
        .chars()
        .filter(|c| {
            !secret
                .to_lowercase()
                .contains(c.to_lowercase().collect::<String>().as_str())
                && !secret
                    .to_uppercase()
                    .contains(c.to_uppercase().collect::<String>().as_str())
                && *c != MARK
                && !"%&#;\\+xXuU0123456789abcdefABCDEF".contains(*c)
        })
        .collect();
    let r = Redactor::new([("S", secret.as_str())]);
    let label = "[REDACTED:S]";
    if filler.contains("[REDACTED") {
        return;
    }
    let mut text = String::new();
    let mut inserted = Vec::new();
    let chunks: Vec<&str> = filler.split('|').collect();
    for (i, chunk) in chunks.iter().enumerate() {
        text.push_str(chunk);
        if i + 1 < chunks.len() {
            let how = choices.as_bytes().get(i).copied().unwrap_or(i as u8);
            let form = spell(&secret, how, "us:");
            text.push_str(&form);
            inserted.push((how % 12, form));
        }
    }
    let out = r.redact(&text);
    let marked = out.replace(label, &MARK.to_string());
    for (how, form) in &inserted {
        match how {
            5 => {} // its first and last characters mix in neighbours
            0..=4 => assert!(
                !marked.to_lowercase().contains(&form.to_lowercase()),
                "{form:?} left in {out:?}"
            ),
            _ => assert!(!marked.contains(form.as_str()), "{form:?} left in {out:?}"),
        }
    }
    assert!(
        !marked.to_lowercase().contains(&secret.to_lowercase()),
        "the secret is left in {out:?}"
    );
    // Align the output on the input: each label replaced a region that
    // decodes to the secret, its hex or base64 at some alignment. Regions
    // may abut (base64 then hex shares an alphabet), so every split is
    // tried, remembering the ones that failed.
    let pieces: Vec<&str> = out.split(label).collect();
    assert!(text.starts_with(pieces[0]));
    let mut failed = std::collections::HashSet::new();
    assert!(
        aligns(&text, &secret, pieces[0].len(), &pieces[1..], &mut failed),
        "a replaced region does not spell the secret: {text:?} -> {out:?}"
    );
    // A body cut short shows no start of a spelling. (Base64 with a prefix
    // leaves the prefix's own characters, which may spell anything.)
    if inserted.iter().any(|(how, _)| *how == 5) {
        return;
    }
    for cut in [text.len() / 2, text.len().saturating_sub(3)] {
        let mut cut = cut;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let (shown, _) = cut_redacted(&r, &text[..cut], false);
        assert!(shown.len() <= BODY_LIMIT);
        let shown = shown.replace(label, &MARK.to_string()).to_lowercase();
        let lower = secret.to_lowercase();
        for piece in lower.as_bytes().windows(4) {
            if let Ok(piece) = std::str::from_utf8(piece) {
                assert!(
                    !shown.contains(piece),
                    "{piece:?} of the secret in {shown:?}"
                );
            }
        }
    }
}

/// Whether `text` from `at` on is, for each of `rest`, a region spelling
/// the secret followed by that piece of kept text.
fn aligns(
    text: &str,
    secret: &str,
    at: usize,
    rest: &[&str],
    failed: &mut std::collections::HashSet<(usize, usize)>,
) -> bool {
    let Some((next, after)) = rest.split_first() else {
        return at == text.len();
    };
    if failed.contains(&(at, rest.len())) {
        return false;
    }
    let longest = (at + secret.len() * 12 + 12).min(text.len());
    for end in at + 1..=longest {
        if !text.is_char_boundary(end) || !text[end..].starts_with(next) {
            continue;
        }
        let region = &text[at..end];
        if (spells_secret(region, secret) || spells_secret(&decode(region), secret))
            && aligns(text, secret, end + next.len(), after, failed)
        {
            return true;
        }
    }
    failed.insert((at, rest.len()));
    false
}

fn spells_secret(decoded: &str, secret: &str) -> bool {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    use base64::Engine;
    // Both: some letters change length in one direction only (ß → SS).
    if decoded.to_lowercase() == secret.to_lowercase()
        || decoded.to_uppercase() == secret.to_uppercase()
        || decoded.to_lowercase() == hex::encode(secret)
    {
        return true;
    }
    (0..3).any(|align| {
        [
            STANDARD.encode([&vec![0u8; align][..], secret.as_bytes()].concat()),
            URL_SAFE.encode([&vec![0u8; align][..], secret.as_bytes()].concat()),
        ]
        .iter()
        .any(|enc| enc.contains(decoded) && decoded.len() + 4 >= secret.len() * 4 / 3)
    })
}

/// The host-pattern matcher: patterns print in a form that parses back to
/// themselves; a match means the host is the pattern's name, a subdomain of
/// a wildcard's suffix, or the same IP address; no host with a path, user,
/// port or space matches; case does not matter.
pub fn host_patterns(data: &[u8]) {
    let [pattern, host] = <[String; 2]>::try_from(parts(data, 2)).expect("two parts");
    let Ok(p) = HostPattern::parse(&pattern) else {
        return;
    };
    assert_eq!(
        HostPattern::parse(&p.to_string()),
        Ok(p.clone()),
        "round trip"
    );
    let matched = p.matches(&host);
    if host.is_ascii() {
        assert_eq!(matched, p.matches(&host.to_ascii_uppercase()), "{host:?}");
    }
    if !matched {
        return;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    assert!(
        !host.contains(['/', '@', '?', '#', ' ', '\\'])
            && (!host.contains(':') || bare.parse::<IpAddr>().is_ok()),
        "{p} matched {host:?}"
    );
    match &p {
        HostPattern::Ip(ip) => assert_eq!(bare.parse::<IpAddr>().ok(), Some(*ip)),
        HostPattern::Exact(name) => {
            let ascii = idna::domain_to_ascii(bare.trim_end_matches('.')).unwrap();
            assert_eq!(&ascii, name);
        }
        HostPattern::Subdomains(suffix) => {
            let ascii = idna::domain_to_ascii(bare.trim_end_matches('.')).unwrap();
            assert!(
                ascii.ends_with(&format!(".{suffix}")) && ascii.len() > suffix.len() + 1,
                "{p} matched {host:?}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Replays every saved input of a target: the corpus cargo-fuzz grew
    /// (minimised) and the inputs that once failed.
    fn replay(target: &str, check: fn(&[u8])) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut n = 0;
        for dir in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                let result = std::panic::catch_unwind(|| check(&data));
                assert!(result.is_ok(), "{} fails", path.display());
                n += 1;
            }
        }
        assert!(n > 0, "no saved inputs for {target}");
    }

    #[test]
    fn template_corpus() {
        replay("template", super::template);
    }

    #[test]
    fn placement_corpus() {
        replay("placement", super::placement);
    }

    #[test]
    fn redactor_corpus() {
        replay("redactor", super::redactor);
    }

    #[test]
    fn host_patterns_corpus() {
        replay("host_patterns", super::host_patterns);
    }
}
