//! Allowed-host patterns of a secret (SPEC §4): `api.example.com` matches
//! that host only; `*.example.com` any subdomain at any depth, but not
//! `example.com`; an IP literal only itself. No ports, schemes or paths.
//! Names compare case-insensitively, in punycode, without a trailing dot.

use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Exact(String),
    /// The suffix after `*.`.
    Subdomains(String),
    Ip(IpAddr),
}

impl HostPattern {
    /// Parses one pattern as typed; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<HostPattern, String> {
        let raw = text.trim();
        let bad = |why: &str| Err(format!("\"{raw}\" is not a host pattern: {why}"));
        if raw.is_empty() {
            return bad("it is empty");
        }
        if raw.contains("://") || raw.contains('/') || raw.contains('@') {
            return bad("enter a host name only, without scheme, path or user");
        }
        let unbracketed = raw.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            return Ok(HostPattern::Ip(ip));
        }
        if raw.contains(':') {
            return bad("ports are not part of a pattern");
        }
        let (wildcard, name) = match raw.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        if name.contains('*') {
            return bad("a wildcard may only stand first, as in *.example.com");
        }
        let name = normalize_name(name).ok_or_else(|| {
            format!("\"{raw}\" is not a host pattern: it is not a valid host name")
        })?;
        // "192.0.2.2." is an address once its root dot is gone: it must
        // match as one, and read back as the same pattern (found by the
        // host_patterns fuzz target).
        if let Ok(ip) = name.parse::<IpAddr>() {
            return if wildcard {
                bad("a wildcard needs a host name after *., not an address")
            } else {
                Ok(HostPattern::Ip(ip))
            };
        }
        if wildcard {
            if !name.contains('.') {
                return bad("a wildcard needs at least two labels after *., as in *.example.com");
            }
            Ok(HostPattern::Subdomains(name))
        } else {
            Ok(HostPattern::Exact(name))
        }
    }

    /// Whether `host` (as a URL gives it) is allowed by this pattern.
    pub fn matches(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            return matches!(self, HostPattern::Ip(p) if *p == ip);
        }
        let Some(host) = normalize_name(host) else {
            return false;
        };
        match self {
            HostPattern::Exact(name) => host == *name,
            HostPattern::Subdomains(suffix) => host
                .strip_suffix(suffix.as_str())
                .is_some_and(|prefix| prefix.len() > 1 && prefix.ends_with('.')),
            HostPattern::Ip(_) => false,
        }
    }
}

impl std::fmt::Display for HostPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostPattern::Exact(name) => f.write_str(name),
            HostPattern::Subdomains(suffix) => write!(f, "*.{suffix}"),
            HostPattern::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// Lower-case punycode without a trailing dot, or `None` when not a valid
/// DNS name.
fn normalize_name(name: &str) -> Option<String> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let ascii = idna::domain_to_ascii_strict(name).ok()?;
    let valid = !ascii.is_empty()
        && ascii.len() <= 253
        && ascii.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    valid.then_some(ascii)
}

/// A secret's allowed hosts, parsed: canonical patterns, deduplicated, in
/// the order given. Empty means "any public host" for a masked secret and
/// is refused for a restricted one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostPatterns(Vec<HostPattern>);

impl HostPatterns {
    /// Parses the "Allowed hosts" text (commas or new lines).
    pub fn parse(text: &str) -> Result<HostPatterns, String> {
        Self::parse_list(crate::model::split_host_patterns(text))
    }

    /// Parses a list with one pattern per item (a JSON array); blank items
    /// are skipped, an item holding two patterns is refused.
    pub fn parse_list<S: AsRef<str>>(
        items: impl IntoIterator<Item = S>,
    ) -> Result<HostPatterns, String> {
        let mut out: Vec<HostPattern> = Vec::new();
        for raw in items {
            let raw = raw.as_ref().trim();
            if raw.is_empty() {
                continue;
            }
            let pattern = HostPattern::parse(raw)?;
            if !out.contains(&pattern) {
                out.push(pattern);
            }
        }
        Ok(HostPatterns(out))
    }

    /// Parses the stored form (one canonical pattern per line). A line that
    /// no longer parses is an error, never skipped: skipping it could turn
    /// a list into an empty one, which for a masked secret means "any host".
    pub fn from_stored(text: &str) -> Result<HostPatterns, String> {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(HostPattern::parse)
            .collect::<Result<_, _>>()
            .map(HostPatterns)
    }

    pub fn to_stored(&self) -> String {
        self.0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `host` may receive the secret: an empty list allows any.
    pub fn allow(&self, host: &str) -> bool {
        self.is_empty() || self.0.iter().any(|p| p.matches(host))
    }
}

impl std::fmt::Display for HostPatterns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&list.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> HostPattern {
        HostPattern::parse(text).unwrap()
    }

    #[test]
    fn exact_names_match_only_themselves() {
        let pat = p("API.Example.com.");
        assert_eq!(pat.to_string(), "api.example.com");
        assert!(pat.matches("api.example.com"));
        assert!(pat.matches("API.EXAMPLE.COM."));
        assert!(!pat.matches("x.api.example.com"));
        assert!(!pat.matches("example.com"));
        assert!(!pat.matches("api.example.com.evil.org"));
    }

    #[test]
    fn wildcards_match_subdomains_at_any_depth_but_not_the_apex() {
        let pat = p("*.zendesk.com");
        assert!(pat.matches("acme.zendesk.com"));
        assert!(pat.matches("a.b.zendesk.com"));
        assert!(!pat.matches("zendesk.com"));
        assert!(!pat.matches("evilzendesk.com"));
        assert!(!pat.matches("zendesk.com.evil.org"));
    }

    #[test]
    fn ip_literals_match_only_themselves() {
        assert!(p("192.0.2.7").matches("192.0.2.7"));
        assert!(!p("192.0.2.7").matches("192.0.2.8"));
        assert!(p("[2001:db8::1]").matches("[2001:db8::1]"));
        assert!(!p("192.0.2.7").matches("seven.example.com"));
        // With the root's dot it is still the address, and reads back so.
        let dotted = p("192.0.2.7.");
        assert_eq!(dotted, HostPattern::Ip("192.0.2.7".parse().unwrap()));
        assert!(dotted.matches("192.0.2.7"));
    }

    #[test]
    fn names_compare_in_punycode() {
        let pat = p("bücher.example");
        assert_eq!(pat.to_string(), "xn--bcher-kva.example");
        assert!(pat.matches("xn--bcher-kva.example"));
        assert!(pat.matches("BÜCHER.example"));
    }

    #[test]
    fn ports_schemes_paths_and_odd_wildcards_are_refused() {
        for bad in [
            "api.example.com:443",
            "https://api.example.com",
            "api.example.com/v2",
            "user@api.example.com",
            "*",
            "*.com",
            "a.*.example.com",
            "*.192.0.2.7",
            "-bad-.example.com",
            "under_score.example.com",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lists_parse_and_deduplicate() {
        let list = HostPatterns::parse("api.example.com, *.zendesk.com\nAPI.example.com").unwrap();
        assert_eq!(list.to_stored(), "api.example.com\n*.zendesk.com");
        assert_eq!(list.to_string(), "api.example.com, *.zendesk.com");
        assert!(HostPatterns::parse("ok.example.com, bad:1").is_err());
        assert_eq!(HostPatterns::from_stored(&list.to_stored()).unwrap(), list);
        assert!(HostPatterns::from_stored("ok.example.com\nbad:1").is_err());
        assert!(HostPatterns::from_stored("").unwrap().is_empty());
        assert!(list.allow("x.zendesk.com") && !list.allow("example.com"));
        assert!(HostPatterns::default().allow("anything.example"));
    }
}
