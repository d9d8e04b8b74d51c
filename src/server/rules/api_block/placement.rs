//! Where the placeholders of an API block's URL land, decided by parsing
//! the URL the way the run sends it (WHATWG rules, the `url` crate), never
//! by reading the template's text (SPEC §5).
//!
//! Each placeholder that is not yet known is replaced by a *marker*:
//! random lowercase letters and digits, which no part of a URL escapes or
//! case-folds, so wherever the parser puts it, it can be found again. At
//! save both secrets and variables are markers; at run variables take
//! their values and secrets stay markers. A secret passes only when its
//! marker stands verbatim in the path, the query or the fragment, and the
//! URL filled with the real values parses to the same scheme, user, host
//! and port as the marked one.
//!
//! Errors name the field and the rule, never text made by filling the
//! template.

use crate::template::{self, Piece, RefKind};
use rand::Rng;
use std::collections::BTreeMap;
use url::{Position, Url};
use zeroize::Zeroizing;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    #[error(
        "URL: a secret may not stand in the scheme, host or port (nor in a user name or \
         password); put it in the path, the query, a header or the body"
    )]
    SecretInAuthority,
    #[error("URL: it is not a valid URL ({0})")]
    Invalid(url::ParseError),
    #[error("URL: it must start with http:// or https://")]
    Scheme,
    #[error("URL: it has no host")]
    NoHost,
    #[error("URL: a secret changes where the request goes once filled in; nothing was sent")]
    Moved,
    #[error("URL: {0}")]
    Template(template::TemplateError),
    #[error("URL: once filled in, it is larger than {} KiB", .0 / 1024)]
    TooLarge(usize),
    /// The filled URL does not hold the value, percent-encoded, exactly
    /// where its placeholder was (the parser dropped, moved or rewrote
    /// part of it).
    #[error("{0} cannot be placed in the URL; use a header or a query parameter row")]
    CannotPlace(String),
}

fn new_marker() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let tail: String = (0..24)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("vv{tail}")
}

/// Where a secret's marker ended up.
fn secret_is_placed_safely(url: &Url, marker: &str) -> bool {
    let authority = &url[..Position::BeforePath];
    let rest = &url[Position::BeforePath..];
    !authority.contains(marker) && rest.contains(marker)
}

fn check_scheme(url: &Url) -> Result<(), PlacementError> {
    match url.scheme() {
        "http" | "https" => Ok(()),
        _ => Err(PlacementError::Scheme),
    }
}

/// Text of the template with each placeholder replaced as `fill` says.
fn render_with(
    pieces: &[Piece<'_>],
    mut fill: impl FnMut(RefKind, &str) -> String,
) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::new());
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Ref { kind, name, .. } => out.push_str(&fill(*kind, name)),
        }
    }
    out
}

/// Whether the URL parses once every secret is `0`: then the marked one
/// failed only because a secret stands where digits belong (a port, an
/// IP address), which is in the authority.
fn only_digits_parse(pieces: &[Piece<'_>], var: impl Fn(&str) -> String) -> bool {
    let text = render_with(pieces, |kind, name| match kind {
        RefKind::Secret => "0".to_string(),
        RefKind::Var => var(name),
    });
    Url::parse(&text).is_ok()
}

/// The check at save: every placeholder is a marker. Where markers do not
/// parse (a port or an IP address wants digits), variables are tried as
/// `0`, then secrets too: a URL that parses only with a secret as digits
/// has it in the authority. One that parses only once its variables are
/// known (`{{var:BASE}}/x?k={{secret:T}}`) is decided at run, and one with
/// no secret is not judged here (a draft may be incomplete; the run
/// refuses what does not parse).
pub fn check_saved(url_template: &str) -> Result<(), PlacementError> {
    let pieces = template::parse(url_template).map_err(PlacementError::Template)?;
    if template::refs(&pieces, RefKind::Secret).is_empty() {
        return Ok(());
    }
    let has_vars = !template::refs(&pieces, RefKind::Var).is_empty();
    let mut first_error = None;
    for vars_as_digits in [false, true] {
        let mut secret_markers = Vec::new();
        let marked = render_with(&pieces, |kind, _| match kind {
            RefKind::Var if vars_as_digits => "0".to_string(),
            RefKind::Var => new_marker(),
            RefKind::Secret => {
                let m = new_marker();
                secret_markers.push(m.clone());
                m
            }
        });
        match Url::parse(&marked) {
            Ok(url) => {
                return if secret_markers
                    .iter()
                    .all(|m| secret_is_placed_safely(&url, m))
                {
                    Ok(())
                } else {
                    Err(PlacementError::SecretInAuthority)
                };
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
        if !has_vars {
            break;
        }
    }
    if only_digits_parse(&pieces, |_| "0".to_string()) {
        return Err(PlacementError::SecretInAuthority);
    }
    if has_vars {
        return Ok(());
    }
    // The parse failed: decided, whatever another marker would give (a
    // marker after `xn--` is sometimes valid punycode, sometimes not).
    Err(PlacementError::Invalid(
        first_error.expect("the loop ran and every parse failed"),
    ))
}

/// Where a run's request goes: the URL with every value filled in, whose
/// scheme, user, host and port do not depend on any secret.
pub struct Destination {
    pub url: Url,
}

impl std::fmt::Debug for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The path and query may hold a secret.
        write!(
            f,
            "Destination({}://{}:{:?})",
            self.url.scheme(),
            self.url.host_str().unwrap_or(""),
            self.url.port_or_known_default()
        )
    }
}

impl Destination {
    pub fn host(&self) -> url::Host<&str> {
        self.url.host().expect("checked when made")
    }

    pub fn host_str(&self) -> &str {
        self.url.host_str().expect("checked when made")
    }
}

/// The template rendered as `fill` says, refused past `cap` bytes before
/// anything past it is built.
fn render_capped(
    pieces: &[Piece<'_>],
    mut fill: impl FnMut(RefKind, &str) -> String,
    cap: usize,
) -> Result<Zeroizing<String>, PlacementError> {
    let mut out = Zeroizing::new(String::new());
    let mut counted = 0;
    for piece in pieces {
        let (part, secret) = match piece {
            Piece::Text(t) => (Zeroizing::new(t.to_string()), false),
            Piece::Ref { kind, name, .. } => {
                (Zeroizing::new(fill(*kind, name)), *kind == RefKind::Secret)
            }
        };
        counted += if secret {
            super::fill::counted_len(part.len())
        } else {
            part.len()
        };
        if counted > cap {
            return Err(PlacementError::TooLarge(cap));
        }
        out.push_str(&part);
    }
    Ok(out)
}

/// Percent-decoding, byte for byte (`%` not followed by two hex digits
/// stays).
fn percent_decoded(text: &str) -> Zeroizing<Vec<u8>> {
    let b = text.as_bytes();
    let mut out = Zeroizing::new(Vec::with_capacity(b.len()));
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Whether `filled` holds `value`, percent-encoded, exactly where
/// `marked` holds `marker`, and is the same URL everywhere else: the same
/// path, query and fragment around it, so no character of the value was
/// dropped (tab, newline), moved to another part (`#`, `?`), rewritten
/// (`\`, dot segments) or read as an escape (`%41`). In the query, `&`
/// and `+` are refused too: servers read them as a new parameter and a
/// space.
fn placed_exactly(marked: &Url, filled: &Url, marker: &str, value: &str) -> bool {
    let parts = |u: &Url| {
        [
            Some(u.path().to_string()),
            u.query().map(str::to_string),
            u.fragment().map(str::to_string),
        ]
    };
    let (m, f) = (parts(marked), parts(filled));
    let mut found = 0;
    for (i, (m, f)) in m.iter().zip(&f).enumerate() {
        let occurrences = m.as_deref().map_or(0, |m| m.matches(marker).count());
        found += occurrences;
        match occurrences {
            0 if m == f => {}
            1 => {
                let (Some(m), Some(f)) = (m, f) else {
                    return false;
                };
                let (pre, post) = m.split_once(marker).expect("counted");
                if f.len() < pre.len() + post.len() || !f.starts_with(pre) || !f.ends_with(post) {
                    return false;
                }
                let held = &f[pre.len()..f.len() - post.len()];
                let query = i == 1;
                if *percent_decoded(held) != *value.as_bytes()
                    || (query && value.contains(['&', '+']))
                {
                    return false;
                }
            }
            _ => return false,
        }
    }
    found == 1
}

/// The check at run. `vars` and `secrets` (name as written, value) are
/// keyed by lower-case name and hold every name the template refers to.
/// The filled URL is at most `cap` bytes.
pub fn resolve(
    url_template: &str,
    vars: &BTreeMap<String, String>,
    secrets: &BTreeMap<String, (&str, &str)>,
    cap: usize,
) -> Result<Destination, PlacementError> {
    let pieces = template::parse(url_template).map_err(PlacementError::Template)?;
    let mut markers: BTreeMap<String, String> = BTreeMap::new();
    let marked = render_capped(
        &pieces,
        |kind, name| {
            let key = name.to_ascii_lowercase();
            match kind {
                RefKind::Var => vars.get(&key).cloned().unwrap_or_default(),
                RefKind::Secret => markers.entry(key).or_insert_with(new_marker).clone(),
            }
        },
        cap,
    )?;
    let marked = Url::parse(&marked).map_err(|e| {
        let var = |name: &str| vars.get(&name.to_ascii_lowercase()).cloned();
        if only_digits_parse(&pieces, |name| var(name).unwrap_or_default()) {
            PlacementError::SecretInAuthority
        } else {
            PlacementError::Invalid(e)
        }
    })?;
    check_scheme(&marked)?;
    if marked.host().is_none() {
        return Err(PlacementError::NoHost);
    }
    if !markers
        .values()
        .all(|m| secret_is_placed_safely(&marked, m))
    {
        return Err(PlacementError::SecretInAuthority);
    }
    let filled = render_capped(
        &pieces,
        |kind, name| {
            let key = name.to_ascii_lowercase();
            match kind {
                RefKind::Var => vars.get(&key).cloned().unwrap_or_default(),
                RefKind::Secret => secrets
                    .get(&key)
                    .map(|s| s.1.to_string())
                    .unwrap_or_default(),
            }
        },
        cap,
    )?;
    // Never show the parser's view of the filled text: it may hold a value.
    let url = Url::parse(&filled).map_err(|_| PlacementError::Moved)?;
    let same = url.scheme() == marked.scheme()
        && url.username() == marked.username()
        && url.password() == marked.password()
        && url.host() == marked.host()
        && url.port_or_known_default() == marked.port_or_known_default();
    if !same {
        return Err(PlacementError::Moved);
    }
    for (key, marker) in &markers {
        let Some(&(name, value)) = secrets.get(key) else {
            return Err(PlacementError::Moved);
        };
        if !placed_exactly(&marked, &url, marker, value) {
            return Err(PlacementError::CannotPlace(name.to_string()));
        }
    }
    Ok(Destination { url })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(list: &[(&str, &str)]) -> BTreeMap<String, String> {
        list.iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect()
    }

    fn secrets<'a>(list: &[(&'a str, &'a str)]) -> BTreeMap<String, (&'a str, &'a str)> {
        list.iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), (*k, *v)))
            .collect()
    }

    const CAP: usize = 8 * 1024;

    #[test]
    fn secrets_stay_out_of_the_authority_at_save() {
        for bad in [
            "https://{{secret:T}}.evil.com/",
            "https://{{secret:T}}@api.example.com/",
            "https://u:{{secret:T}}@api.example.com/",
            "https://api.example.com:{{secret:T}}/",
            "https:///{{secret:T}}/",
            "https:/{{secret:T}}",
            "http:\\\\{{secret:T}}",
            "https:{{secret:T}}",
            "https://\t{{secret:T}}/",
            "{{var:SCHEME}}://{{secret:T}}/",
            "https://{{var:H}}{{secret:T}}/",
            "https://{{var:H}}:{{secret:T}}/",
            "http://[::ffff:{{secret:T}}]/",
        ] {
            assert_eq!(
                check_saved(bad),
                Err(PlacementError::SecretInAuthority),
                "{bad}"
            );
        }
        for ok in [
            "https://api.example.com/v2?token={{secret:T}}",
            "https://api.example.com/{{secret:T}}",
            "{{var:BASE}}/tickets?k={{secret:T}}",
            "https://api.example.com#{{secret:T}}",
            // A backslash ends a special URL's authority: this is a path.
            "https://api.example.com\\@{{secret:T}}/",
            "https://{{var:HOST}}/x",
            "https://api.example.com:{{var:PORT}}/{{secret:T}}",
            "",
            "not a url",
        ] {
            assert_eq!(check_saved(ok), Ok(()), "{ok}");
        }
        assert!(matches!(
            check_saved("{{secret:T}}"),
            Err(PlacementError::Invalid(_))
        ));
    }

    #[test]
    fn the_random_marker_never_decides() {
        // After `xn--` a marker is sometimes valid punycode and sometimes
        // not: either way the secret is refused, at save and at run.
        let s = secrets(&[("T", "value-of-the-secret")]);
        for _ in 0..500 {
            assert!(check_saved("http://xn--{{secret:T}}.example/").is_err());
            assert!(resolve(
                "http://xn--{{secret:T}}.example/",
                &BTreeMap::new(),
                &s,
                CAP
            )
            .is_err());
        }
    }

    #[test]
    fn at_run_variables_are_filled_and_secrets_still_judged_by_the_parse() {
        let s = secrets(&[("T", "Mixed-Case.Value")]);
        let v = vars(&[("BASE", "https://api.example.com"), ("C", "guess")]);
        let d = resolve("{{var:BASE}}/x?k={{secret:T}}", &v, &s, CAP).unwrap();
        assert_eq!(d.host_str(), "api.example.com");
        assert_eq!(d.url.query(), Some("k=Mixed-Case.Value"));
        // A variable that ends the authority early or late decides it.
        let v = vars(&[("BASE", "https://")]);
        assert_eq!(
            resolve("{{var:BASE}}/{{secret:T}}/", &v, &s, CAP).unwrap_err(),
            PlacementError::SecretInAuthority
        );
        let v = vars(&[("C", "guess")]);
        let d = resolve("https://{{var:C}}@x.invalid/?k={{secret:T}}", &v, &s, CAP).unwrap();
        assert_eq!(d.host_str(), "x.invalid");
    }

    #[test]
    fn a_value_cannot_move_the_request() {
        // A value the parser keeps as it is stays in the path.
        let s = secrets(&[("T", "@evil.com/")]);
        let d = resolve(
            "https://api.example.com/{{secret:T}}",
            &BTreeMap::new(),
            &s,
            CAP,
        )
        .unwrap();
        assert_eq!(d.host_str(), "api.example.com");
        assert_eq!(d.url.path(), "/@evil.com/");
        // One it would drop, move or rewrite is refused, naming the secret.
        for value in [
            "/../../@evil.com",
            "a/./b",
            "\\\\evil.com",
            "#@evil.com:99",
            "\t\nx",
            "x%41y",
            "a?b",
        ] {
            let s = secrets(&[("Token", value)]);
            let err = resolve(
                "https://api.example.com/{{secret:TOKEN}}/x",
                &BTreeMap::new(),
                &s,
                CAP,
            )
            .unwrap_err();
            assert_eq!(
                err.to_string(),
                "Token cannot be placed in the URL; use a header or a query parameter row",
                "{value:?}"
            );
        }
    }

    #[test]
    fn the_url_holds_the_value_percent_encoded_exactly() {
        let v = BTreeMap::new();
        for (template, value, want) in [
            (
                "https://h.example/p/{{secret:T}}",
                "a b\"é",
                "/p/a%20b%22%C3%A9",
            ),
            (
                "https://h.example/p?k={{secret:T}}&z=1",
                "a=b/c?d",
                "k=a=b/c?d&z=1",
            ),
            ("https://h.example/p#{{secret:T}}", "f g", "f%20g"),
        ] {
            let s = secrets(&[("T", value)]);
            let d = resolve(template, &v, &s, CAP).unwrap();
            let got = d.url.as_str();
            assert!(got.ends_with(want), "{template} {value:?}: {got}");
        }
        // In the query, & and + would be read as a new parameter or a space.
        for value in ["a&b=c", "a+b"] {
            let s = secrets(&[("T", value)]);
            let err = resolve("https://h.example/?k={{secret:T}}", &v, &s, CAP).unwrap_err();
            assert!(matches!(err, PlacementError::CannotPlace(_)), "{value}");
        }
        // Twice in one URL: refused.
        let s = secrets(&[("T", "value-1234")]);
        let err = resolve("https://h.example/{{secret:T}}?k={{secret:T}}", &v, &s, CAP);
        assert!(matches!(err, Err(PlacementError::CannotPlace(_))));
    }

    #[test]
    fn a_filled_url_stops_at_its_cap() {
        let v = vars(&[("BIG", &"x".repeat(64 * 1024))]);
        let s = secrets(&[]);
        let err = resolve("https://h.example/{{var:BIG}}", &v, &s, CAP).unwrap_err();
        assert_eq!(
            err.to_string(),
            "URL: once filled in, it is larger than 8 KiB"
        );
    }

    #[test]
    fn other_schemes_and_hostless_urls_are_refused() {
        let none = BTreeMap::new();
        assert_eq!(
            resolve("ftp://x.example/", &BTreeMap::new(), &none, CAP).unwrap_err(),
            PlacementError::Scheme
        );
        assert!(matches!(
            resolve("nonsense", &BTreeMap::new(), &none, CAP).unwrap_err(),
            PlacementError::Invalid(_)
        ));
    }

    #[test]
    fn messages_hold_no_filled_text() {
        let s = secrets(&[("T", "SECRET-VALUE-123")]);
        let v = vars(&[("H", "guess-host")]);
        for template in [
            "https://{{var:H}}{{secret:T}}/",
            "https://{{secret:T}}/",
            "{{var:H}}",
        ] {
            let err = resolve(template, &v, &s, CAP).unwrap_err().to_string();
            assert!(!err.to_lowercase().contains("secret-value"), "{err}");
            assert!(!err.contains("guess"), "{err}");
        }
    }
}
