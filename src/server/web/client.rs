//! Who is calling: the client address (believing `X-Forwarded-For` only
//! from trusted proxies) and whether a state-changing request comes from
//! our own origin.

use axum::http::{header, HeaderMap, Method};
use std::net::IpAddr;

pub use ipnet::IpNet;

/// A trusted-proxy entry: a CIDR block, or one address (a /32 or /128).
pub fn parse_net(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

/// IPv4-mapped IPv6 addresses compare as the IPv4 address they carry.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy; then
/// the right-most `X-Forwarded-For` entry that is not itself trusted.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(&canonical(ip)));
    if !is_trusted(peer) {
        return canonical(peer);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(*ip))
        .map(canonical)
        .unwrap_or(canonical(peer))
}

/// The scheme, host and port of an http(s) URL, as browsers send it in
/// `Origin` (WHATWG serialisation: lower-case host, no default port).
pub fn origin_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

/// True when an http(s) URL names this machine (`localhost`, 127.0.0.0/8,
/// `[::1]`): only then is whoever reaches it local.
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url.trim()) else {
        return false;
    };
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Loopback names of one origin are one origin: `localhost`, `127.0.0.1`
/// and `[::1]` on the same port reach the same local server.
fn loopback_alias(origin: &str) -> Option<String> {
    let (scheme, authority) = origin.split_once("://")?;
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, rest) = v6.split_once(']')?;
            (host, rest.strip_prefix(':'))
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let is_loopback =
        host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    is_loopback.then(|| format!("{scheme}://loopback:{}", port.unwrap_or("")))
}

fn same_origin(a: &str, b: &str) -> bool {
    a == b || matches!((loopback_alias(a), loopback_alias(b)), (Some(x), Some(y)) if x == y)
}

/// Whether a request may change state: safe methods always; others only
/// when `Origin` (or, without it, `Sec-Fetch-Site`) says it comes from our
/// own pages: the public URL's origin, or, when no public URL is known
/// (listening on 0.0.0.0 without `VARVAULT_PUBLIC_URL`), the host the
/// request was sent to. Browsers always send one of the two; a request
/// with neither passes only without a cookie (a script signing in), since
/// a cookie-authenticated call that no browser made is some other client
/// replaying a session, an API block among them.
pub fn allowed_origin(method: &Method, headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Some(origin) = origin.to_str().ok().and_then(origin_of) else {
            return false;
        };
        return match public_origin {
            Some(public) => same_origin(&origin, public),
            None => {
                let host = headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let authority = origin.split_once("://").map(|(_, a)| a).unwrap_or_default();
                let default_port = |h: &str| {
                    h.strip_suffix(":80")
                        .or_else(|| h.strip_suffix(":443"))
                        .unwrap_or(h)
                        .to_string()
                };
                !host.is_empty() && default_port(&host) == authority
            }
        };
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => !headers.contains_key(header::COOKIE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls_are_told_apart() {
        assert!(is_loopback_url("http://127.0.0.1:3000"));
        assert!(is_loopback_url("http://localhost/"));
        assert!(is_loopback_url("http://[::1]:8080"));
        assert!(!is_loopback_url("https://vault.example.com"));
        assert!(!is_loopback_url("http://10.0.0.5"));
        assert!(!is_loopback_url("http://localhost.example.com"));
    }
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn trusted_proxies_are_blocks_or_single_addresses() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let trusted = [parse_net("10.0.0.0/8").unwrap()];
        let h = HeaderMap::new();
        // An IPv4-mapped peer is the IPv4 address it carries.
        assert_eq!(
            client_addr(ip("::ffff:10.0.0.1"), &h, &trusted),
            ip("10.0.0.1")
        );
        let one = parse_net("192.0.2.7").unwrap();
        assert!(one.contains(&ip("192.0.2.7")));
        assert!(!one.contains(&ip("192.0.2.8")));
        assert!(parse_net("10.0.0.0/33").is_none());
        assert!(parse_net("not-an-ip").is_none());
        assert!(parse_net("fd00::/8").unwrap().contains(&ip("fd12::1")));
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = [parse_net("10.0.0.0/8").unwrap()];
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.2")]);
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(
            client_addr(peer, &h, &trusted),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(client_addr(stranger, &h, &trusted), stranger);
        // A client cannot hide behind a spoofed left-most entry.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9")]);
        assert_eq!(
            client_addr(peer, &h, &trusted),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn origins_compare_by_scheme_host_port() {
        assert_eq!(
            origin_of("https://Vault.Example.com/x").unwrap(),
            "https://vault.example.com"
        );
        assert_eq!(origin_of("https://h:443").unwrap(), "https://h");
        assert_eq!(
            origin_of("http://127.0.0.1:3000").unwrap(),
            "http://127.0.0.1:3000"
        );
        assert!(origin_of("null").is_none());
        let public = Some("http://127.0.0.1:3000");
        let post = Method::POST;
        assert!(allowed_origin(
            &post,
            &headers(&[("origin", "http://127.0.0.1:3000")]),
            public
        ));
        assert!(allowed_origin(
            &post,
            &headers(&[("origin", "http://localhost:3000")]),
            public
        ));
        assert!(allowed_origin(
            &post,
            &headers(&[("origin", "http://[::1]:3000")]),
            public
        ));
        assert!(!allowed_origin(
            &post,
            &headers(&[("origin", "http://localhost:3001")]),
            public
        ));
        assert!(!allowed_origin(
            &post,
            &headers(&[("origin", "https://evil.example")]),
            public
        ));
        assert!(!allowed_origin(
            &post,
            &headers(&[("origin", "null")]),
            public
        ));
        assert!(!allowed_origin(
            &post,
            &headers(&[("sec-fetch-site", "cross-site")]),
            public
        ));
        assert!(allowed_origin(
            &post,
            &headers(&[("sec-fetch-site", "same-origin")]),
            public
        ));
        assert!(allowed_origin(
            &Method::GET,
            &headers(&[("origin", "https://evil.example")]),
            public
        ));
        // Neither header: only without a cookie.
        assert!(allowed_origin(&post, &HeaderMap::new(), public));
        assert!(!allowed_origin(
            &post,
            &headers(&[("cookie", "varvault_session=abc")]),
            public
        ));
        assert!(allowed_origin(
            &Method::GET,
            &headers(&[("cookie", "varvault_session=abc")]),
            public
        ));
        let https = Some("https://vault.example.com");
        assert!(!allowed_origin(
            &post,
            &headers(&[("origin", "http://vault.example.com")]),
            https
        ));
        // No public URL: the Origin must name the host the request went to.
        let same = headers(&[
            ("origin", "https://vault.example.com"),
            ("host", "vault.example.com"),
        ]);
        assert!(allowed_origin(&post, &same, None));
        let other = headers(&[
            ("origin", "https://evil.example"),
            ("host", "vault.example.com"),
        ]);
        assert!(!allowed_origin(&post, &other, None));
    }
}
