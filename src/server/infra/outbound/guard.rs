//! Where an outbound request may go (SPEC §5): http(s) only, never
//! to an address of IANA's special-purpose registries (loopback, private,
//! link-local, unique-local, multicast, metadata, translation and
//! documentation ranges, …), checked on the resolved address and again at
//! connect time, so DNS rebinding cannot slip through, unless private
//! networks are allowed. Addresses that embed an IPv4 address (mapped,
//! NAT64, 6to4) are judged by that address.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::LazyLock;

/// IANA IPv4 Special-Purpose Address Registry (every entry, whether or not
/// marked globally reachable: none is a place an API block should call),
/// plus multicast.
const SPECIAL_V4: &[&str] = &[
    "0.0.0.0/8",       // "this network"
    "10.0.0.0/8",      // private
    "100.64.0.0/10",   // shared address space (carrier-grade NAT)
    "127.0.0.0/8",     // loopback
    "169.254.0.0/16",  // link-local, cloud metadata among it
    "172.16.0.0/12",   // private
    "192.0.0.0/24",    // IETF protocol assignments
    "192.0.2.0/24",    // documentation
    "192.31.196.0/24", // AS112
    "192.52.193.0/24", // AMT
    "192.88.99.0/24",  // 6to4 relay anycast (deprecated)
    "192.168.0.0/16",  // private
    "192.175.48.0/24", // AS112 direct delegation
    "198.18.0.0/15",   // benchmarking
    "198.51.100.0/24", // documentation
    "203.0.113.0/24",  // documentation
    "224.0.0.0/4",     // multicast
    "240.0.0.0/4",     // reserved, broadcast
];

/// IANA IPv6 Special-Purpose Address Registry, plus multicast and the
/// deprecated site-local range. The ranges that embed an IPv4 address and
/// are judged by it are in [`embedded_v4`].
const SPECIAL_V6: &[&str] = &[
    "::/96",             // unspecified, loopback, IPv4-compatible (deprecated)
    "::ffff:0:0:0/96",   // IPv4-translated (SIIT)
    "64:ff9b:1::/48",    // local-use IPv4/IPv6 translation
    "100::/64",          // discard-only
    "100:0:0:1::/64",    // dummy prefix
    "2001::/23",         // IETF protocol assignments: Teredo, benchmarking, ORCHID, …
    "2001:db8::/32",     // documentation
    "2620:4f:8000::/48", // AS112-v6
    "3fff::/20",         // documentation
    "5f00::/16",         // segment routing SIDs
    "fc00::/7",          // unique local, fd00:ec2::254 among it
    "fe80::/10",         // link-local
    "fec0::/10",         // site-local (deprecated)
    "ff00::/8",          // multicast
];

static NETS_V4: LazyLock<Vec<Ipv4Net>> = LazyLock::new(|| {
    SPECIAL_V4
        .iter()
        .map(|n| n.parse().expect("a valid IPv4 range"))
        .collect()
});

static NETS_V6: LazyLock<Vec<Ipv6Net>> = LazyLock::new(|| {
    SPECIAL_V6
        .iter()
        .map(|n| n.parse().expect("a valid IPv6 range"))
        .collect()
});

fn in_any(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => NETS_V4.iter().any(|n| n.contains(&v4)),
        IpAddr::V6(v6) => NETS_V6.iter().any(|n| n.contains(&v6)),
    }
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped
/// (`::ffff:a.b.c.d`), NAT64's well-known prefix (`64:ff9b::/96`) and 6to4
/// (`2002:AABB:CCDD::/48`).
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    let nat64: Ipv6Net = "64:ff9b::/96".parse().expect("valid");
    if nat64.contains(&v6) {
        return Some(v4(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(v4(s[1], s[2]));
    }
    None
}

/// Whether `ip` is an ordinary public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    };
    !in_any(ip)
}

/// Every range refused, for the documentation and the tests.
pub fn special_ranges() -> Vec<IpNet> {
    NETS_V4
        .iter()
        .map(|n| IpNet::V4(*n))
        .chain(NETS_V6.iter().map(|n| IpNet::V6(*n)))
        .collect()
}

/// Why a destination is refused. It names no host or address: the host
/// may come from a variable, and no refusal carries text made by filling a
/// template.
pub const REFUSAL: &str = "Refused: the URL's host is a private, loopback, link-local or \
     otherwise non-public address; set VARVAULT_ALLOW_PRIVATE_NETWORKS=true to allow them";

/// Why a host may not be called; neither names the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("Could not resolve the URL's host")]
    Unresolved,
    #[error("{REFUSAL}")]
    Refused,
}

/// Resolves a host, keeping only addresses the policy allows.
pub async fn resolve(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, ResolveError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| ResolveError::Unresolved)?
        .collect();
    if addrs.is_empty() {
        return Err(ResolveError::Unresolved);
    }
    if allow_private {
        return Ok(addrs);
    }
    if addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(ResolveError::Refused);
    }
    Ok(addrs)
}

/// Where a request to `host`:`port` may go: an address literal must be
/// public, a name must resolve to public addresses only (both unless
/// `allow_private`). Returns the addresses it may reach; the client's
/// resolver and its connector check again on connect.
pub async fn check_host(
    host: url::Host<&str>,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, ResolveError> {
    let literal = |ip: IpAddr| {
        if allow_private || is_public(ip) {
            Ok(vec![SocketAddr::new(ip, port)])
        } else {
            Err(ResolveError::Refused)
        }
    };
    match host {
        url::Host::Ipv4(ip) => literal(ip.into()),
        url::Host::Ipv6(ip) => literal(ip.into()),
        url::Host::Domain(name) => resolve(name, port, allow_private).await,
    }
}

/// The outgoing client's resolver: the same check again at connect time.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        let fut = async move {
            let addrs = resolve(&host, 0, allow_private).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        };
        // The error itself, so the caller can tell a refusal from a failure.
        Box::pin(async move { fut.await.map_err(|e: ResolveError| Box::new(e).into()) })
            as Pin<Box<dyn Future<Output = _> + Send>>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn non_public_addresses_are_recognised() {
        for bad in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.9",
            "192.31.196.1",
            "192.52.193.1",
            "192.88.99.1",
            "192.175.48.1",
            "198.18.0.1",
            "::1",
            "::",
            "::7f00:1",
            "fe80::1",
            "fc00::1",
            "fd00:ec2::254",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:0:a00:1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "64:ff9b:1:ffff::8.8.8.8",
            "2001::1",
            "2001:0:4136:e378::1",
            "2001:2::1",
            "2001:db8::1",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "100::1",
            "2620:4f:8000::1",
            "3fff::1",
            "5f00::1",
            "fec0::1",
        ] {
            assert!(!is_public(ip(bad)), "{bad}");
        }
        for good in [
            "1.1.1.1",
            "93.184.216.34",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2a00:1450:4001::200e",
        ] {
            assert!(is_public(ip(good)), "{good}");
        }
    }

    #[test]
    fn every_range_parses() {
        assert_eq!(special_ranges().len(), SPECIAL_V4.len() + SPECIAL_V6.len());
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused_without_naming_them() {
        let err = resolve("localhost", 80, false).await.unwrap_err();
        assert_eq!(err, ResolveError::Refused);
        let text = err.to_string();
        assert!(text.contains("Refused"), "{text}");
        assert!(
            !text.contains("localhost") && !text.contains("127."),
            "{text}"
        );
        assert!(!resolve("localhost", 80, true).await.unwrap().is_empty());
    }
}
