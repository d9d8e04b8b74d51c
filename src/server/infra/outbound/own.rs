//! varvault is never its own upstream (SPEC §5). A request that reached
//! varvault would run as whoever's cookie or token it carried, and its
//! answer (or an error quoting its input) would come back unredacted. So
//! an outbound request is refused when its host is the public URL's, or
//! when the peer is an address and port this instance listens on: checked
//! on the resolved addresses before anything is sent, and again by a
//! connector layer on the socket actually connected (DNS may answer
//! differently the second time). Other instances behind the same load
//! balancer are kept out by the `Varvault-Outbound` mark (`mod.rs`).

use super::guard::{is_public, ResolveError};
use hyper_util::client::legacy::connect::{Connection, HttpInfo};
use std::future::Future;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The refusal, in the words of SPEC §5.
pub const SELF_CALL: &str = "A block cannot call varvault itself";

/// An outbound request that would reach varvault itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{SELF_CALL}")]
pub struct SelfCall;

/// A host as compared: names lower-cased, in punycode, without a trailing
/// dot; addresses as the address they stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostKey {
    Name(String),
    Ip(IpAddr),
}

impl HostKey {
    fn of(host: &url::Host<&str>) -> HostKey {
        match host {
            url::Host::Domain(name) => {
                HostKey::Name(name.trim_end_matches('.').to_ascii_lowercase())
            }
            url::Host::Ipv4(ip) => HostKey::Ip(IpAddr::V4(*ip)),
            url::Host::Ipv6(ip) => HostKey::Ip(canonical(IpAddr::V6(*ip))),
        }
    }
}

/// IPv4-mapped IPv6 addresses are the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// Whether `ip` is an address of this machine: loopback, unspecified (a
/// connection to 0.0.0.0 reaches the local host), or one a socket can be
/// bound to, which is how the kernel says an address is ours.
fn is_local(ip: IpAddr) -> bool {
    let ip = canonical(ip);
    ip.is_loopback() || ip.is_unspecified() || UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok()
}

/// Where this instance can be reached: the public URL's host and the
/// addresses it listens on.
#[derive(Debug, Clone, Default)]
pub struct OwnAddresses {
    public_host: Option<HostKey>,
    listen: Vec<SocketAddr>,
}

impl OwnAddresses {
    pub fn new(public_url: Option<&str>, listen: Vec<SocketAddr>) -> OwnAddresses {
        let public_host = public_url
            .and_then(|u| url::Url::parse(u.trim()).ok())
            .and_then(|u| u.host().map(|h| HostKey::of(&h)));
        OwnAddresses {
            public_host,
            listen,
        }
    }

    /// Whether `host` is the public URL's host (any port).
    pub fn is_public_host(&self, host: &url::Host<&str>) -> bool {
        self.public_host.as_ref() == Some(&HostKey::of(host))
    }

    /// Whether a connection to `peer` reaches this instance: the same
    /// port as a listener, and its address, or any address of this
    /// machine for a listener on an unspecified address. A connection to
    /// an unspecified address reaches this machine, so any listener.
    pub fn is_own(&self, peer: SocketAddr) -> bool {
        let ip = canonical(peer.ip());
        self.listen.iter().any(|l| {
            l.port() == peer.port()
                && if l.ip().is_unspecified() {
                    is_local(ip)
                } else {
                    ip.is_unspecified() || canonical(l.ip()) == ip
                }
        })
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The connector layer: once a connection is open, and before a byte of
/// the request is written, checks the peer it reached.
#[derive(Debug, Clone)]
pub struct PeerCheckLayer {
    pub own: Arc<OwnAddresses>,
    pub allow_private: bool,
}

impl<S> tower::Layer<S> for PeerCheckLayer {
    type Service = PeerCheck<S>;
    fn layer(&self, inner: S) -> PeerCheck<S> {
        PeerCheck {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PeerCheck<S> {
    inner: S,
    layer: PeerCheckLayer,
}

impl PeerCheckLayer {
    /// Why a connection to `peer` must not be used, if it must not. A
    /// connection whose peer is unknown is refused too.
    fn refusal(&self, peer: Option<SocketAddr>) -> Option<BoxError> {
        let Some(peer) = peer else {
            return Some(Box::new(ResolveError::Refused));
        };
        if self.own.is_own(peer) {
            return Some(Box::new(SelfCall));
        }
        if !self.allow_private && !is_public(peer.ip()) {
            return Some(Box::new(ResolveError::Refused));
        }
        None
    }
}

impl<S, Req> tower::Service<Req> for PeerCheck<S>
where
    S: tower::Service<Req, Error = BoxError>,
    S::Response: Connection + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Req) -> Self::Future {
        let connecting = self.inner.call(request);
        let layer = self.layer.clone();
        Box::pin(async move {
            let conn = connecting.await?;
            let mut extras = axum::http::Extensions::new();
            conn.connected().get_extras(&mut extras);
            let peer = extras.get::<HttpInfo>().map(|info| info.remote_addr());
            match layer.refusal(peer) {
                // Dropping the connection closes it unused.
                Some(refusal) => Err(refusal),
                None => Ok(conn),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_listener_is_its_address_and_port() {
        let own = OwnAddresses::new(None, vec![addr("127.0.0.1:3000")]);
        assert!(own.is_own(addr("127.0.0.1:3000")));
        assert!(own.is_own(addr("[::ffff:127.0.0.1]:3000")));
        assert!(own.is_own(addr("0.0.0.0:3000")));
        assert!(own.is_own(addr("[::]:3000")));
        assert!(!own.is_own(addr("127.0.0.1:3001")));
        assert!(!own.is_own(addr("127.0.0.2:3000")));
        assert!(!own.is_own(addr("93.184.216.34:3000")));
    }

    #[test]
    fn an_unspecified_listener_is_every_local_address_at_its_port() {
        for listen in ["0.0.0.0:3000", "[::]:3000"] {
            let own = OwnAddresses::new(None, vec![addr(listen)]);
            for peer in [
                "127.0.0.1:3000",
                "127.0.0.2:3000",
                "0.0.0.0:3000",
                "[::1]:3000",
            ] {
                assert!(own.is_own(addr(peer)), "{listen} {peer}");
            }
            assert!(!own.is_own(addr("127.0.0.1:3001")), "{listen}");
            // TEST-NET-3: never an address of this machine.
            assert!(!own.is_own(addr("203.0.113.9:3000")), "{listen}");
        }
    }

    #[test]
    fn the_public_host_compares_as_browsers_do() {
        let own = OwnAddresses::new(Some("https://Vault.Example.com:8443/app"), vec![]);
        let parse = |u: &str| url::Url::parse(u).unwrap();
        for same in [
            "http://vault.example.com/",
            "https://VAULT.example.com.:1/x",
            "https://vault.example.com:8443/",
        ] {
            assert!(own.is_public_host(&parse(same).host().unwrap()), "{same}");
        }
        for other in ["https://example.com/", "https://vault.example.com.evil/"] {
            assert!(
                !own.is_public_host(&parse(other).host().unwrap()),
                "{other}"
            );
        }
        let own = OwnAddresses::new(Some("http://[::ffff:10.0.0.5]:80"), vec![]);
        assert!(own.is_public_host(&parse("http://10.0.0.5:9/").host().unwrap()));
        assert!(!OwnAddresses::default().is_public_host(&parse("http://x/").host().unwrap()));
    }
}
