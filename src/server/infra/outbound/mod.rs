//! The one way out: every request varvault sends (API blocks, webhooks)
//! goes through [`Outbound`]. Timeouts, no redirects (a 3xx is shown as it
//! is, never followed), no proxy from the environment (a proxy would
//! connect on our behalf and skip the checks), a resolver that refuses
//! non-public addresses, a connector that checks the peer it reached, and
//! the `Varvault-Outbound` mark that every instance refuses on arrival.

pub mod guard;
pub mod own;

pub use guard::ResolveError;
pub use own::{OwnAddresses, SelfCall, SELF_CALL};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The header every outbound request carries; a request that carries it
/// is refused by every instance before routing (`startup`), so varvault
/// cannot be its own upstream through another instance or a relay.
pub const MARK: &str = "varvault-outbound";

/// Why a destination is refused before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    SelfCall(#[from] SelfCall),
    #[error(transparent)]
    Resolve(#[from] ResolveError),
}

/// The outbound client and what it checks against.
#[derive(Debug, Clone)]
pub struct Outbound {
    client: reqwest::Client,
    own: Arc<OwnAddresses>,
    allow_private: bool,
}

impl Outbound {
    pub fn new(allow_private: bool, total_timeout: Duration, own: OwnAddresses) -> Outbound {
        let own = Arc::new(own);
        let mut mark = reqwest::header::HeaderMap::new();
        mark.insert(MARK, reqwest::header::HeaderValue::from_static("1"));
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(total_timeout))
            .timeout(total_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .default_headers(mark)
            .dns_resolver(Arc::new(guard::GuardedResolver { allow_private }))
            .connector_layer(own::PeerCheckLayer {
                own: own.clone(),
                allow_private,
            })
            .user_agent(concat!("varvault/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a reqwest client with rustls builds");
        Outbound {
            client,
            own,
            allow_private,
        }
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub fn allow_private(&self) -> bool {
        self.allow_private
    }

    /// Whether `host` is varvault's public host (no lookup needed).
    pub fn is_own_host(&self, host: &url::Host<&str>) -> bool {
        self.own.is_public_host(host)
    }

    /// Checks a destination before anything is sent: not varvault by name,
    /// and every address it resolves to allowed and not varvault's.
    pub async fn check(&self, url: &url::Url) -> Result<(), Refusal> {
        let host = url.host().ok_or(ResolveError::Unresolved)?;
        if self.is_own_host(&host) {
            return Err(SelfCall.into());
        }
        let port = url.port_or_known_default().unwrap_or(80);
        let addrs: Vec<SocketAddr> = guard::check_host(host, port, self.allow_private).await?;
        if addrs.iter().any(|a| self.own.is_own(*a)) {
            return Err(SelfCall.into());
        }
        Ok(())
    }
}

/// The refusal behind a failed send, if the resolver or the connector
/// refused the destination (rather than the network failing).
pub fn refusal_in(err: &reqwest::Error) -> Option<Refusal> {
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<SelfCall>() {
            return Some((*r).into());
        }
        if let Some(r) = s.downcast_ref::<ResolveError>() {
            return Some((*r).into());
        }
        source = s.source();
    }
    None
}
