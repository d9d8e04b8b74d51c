use super::parts;
use crate::server::infra::hosts::HostPattern;
use std::net::IpAddr;

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
