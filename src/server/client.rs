//! Who is calling: the client address (believing `X-Forwarded-For` only
//! from trusted proxies) and whether a state-changing request comes from
//! our own origin.

use axum::http::{header, HeaderMap, Method};
use std::net::IpAddr;

/// An address or a CIDR block, from `VARVAULT_TRUSTED_PROXIES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(text: &str) -> Option<IpNet> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(IpNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses compare as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy; then
/// the right-most `X-Forwarded-For` entry that is not itself trusted.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
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

/// The scheme, host and port of a URL, as browsers send it in `Origin`.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    let authority = authority.rsplit('@').next()?;
    if authority.is_empty() || !(scheme == "http" || scheme == "https") {
        return None;
    }
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let authority = authority.strip_suffix(default_port).unwrap_or(authority);
    Some(format!("{scheme}://{authority}"))
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
/// request was sent to. Requests without either header are not from a
/// browser that could carry a victim's cookie cross-site, and pass.
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
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cidr_blocks_match() {
        let net = IpNet::parse("10.0.0.0/8").unwrap();
        assert!(net.contains("10.1.2.3".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(net.contains("::ffff:10.0.0.1".parse().unwrap()));
        let one = IpNet::parse("192.0.2.7").unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        assert!(IpNet::parse("10.0.0.0/33").is_none());
        assert!(IpNet::parse("fd00::/8")
            .unwrap()
            .contains("fd12::1".parse().unwrap()));
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = [IpNet::parse("10.0.0.0/8").unwrap()];
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
