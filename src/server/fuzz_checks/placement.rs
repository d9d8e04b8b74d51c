use super::parts;
use crate::server::rules::api_block::placement::{self, Destination, PlacementError};
use crate::template::{self, RefKind};
use std::collections::BTreeMap;

const CAP: usize = 64 * 1024;

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
/// The one thing the value may decide is the documented refusal "NAME
/// cannot be placed in the URL" (it holds a character the parser would
/// drop, move or rewrite); then the URL it sends holds the value
/// percent-encoded, which decodes back to it.
pub fn placement(data: &[u8]) {
    let [url, secret, var] = <[String; 3]>::try_from(parts(data, 3)).expect("three parts");
    let Ok(pieces) = template::parse(&url) else {
        let none = BTreeMap::new();
        assert!(placement::resolve(&url, &none, &BTreeMap::new(), CAP).is_err());
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
        let secrets: BTreeMap<String, (&str, &str)> = names(RefKind::Secret)
            .into_iter()
            .map(|n| (n, ("S", value)))
            .collect();
        placement::resolve(&url, &vars, &secrets, CAP)
    };
    let real = with(&secret);
    let benign = with("benign0value");
    match (&real, &benign) {
        (Ok(a), Ok(b)) => assert_eq!(authority(a), authority(b), "{url:?}"),
        (Err(_), Err(_)) => {}
        (Err(PlacementError::CannotPlace(_)), Ok(_)) => {}
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
