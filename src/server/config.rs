//! Settings read from the environment at start-up.

use crate::server::client::{parse_net, IpNet};
use crate::server::crypto::master::{self, MasterKeySource};
use crate::server::session::SessionLimits;
use std::net::SocketAddr;
use std::path::PathBuf;

pub const DEFAULT_SITE_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/varvault.db";

#[derive(Debug, Clone)]
pub struct Config {
    /// Where the web server listens (`LEPTOS_SITE_ADDR`).
    pub site_addr: SocketAddr,
    /// `VARVAULT_DATABASE_URL`: `sqlite://PATH` or `postgres://...`.
    pub database_url: String,
    /// Directory holding the built browser bundle and public files
    /// (`LEPTOS_SITE_ROOT`), and the bundle's sub-directory in it.
    pub site_root: PathBuf,
    pub site_pkg_dir: String,
    /// `VARVAULT_PUBLIC_URL`: the address users reach; by default
    /// `http://` + the bound address.
    pub public_url: Option<String>,
    /// `VARVAULT_TRUSTED_PROXIES`: addresses or CIDR blocks whose
    /// `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// `VARVAULT_SESSION_IDLE_MINUTES`, `VARVAULT_SESSION_MAX_HOURS`.
    pub session: SessionLimits,
    /// `VARVAULT_MASTER_KEY` or `VARVAULT_MASTER_KEY_FILE`, else the
    /// embedded default `data/master.key`.
    pub master_key: MasterKeySource,
    /// `VARVAULT_AUDIT_RETENTION_DAYS`: audit entries older than this are
    /// deleted; `None` (unset) keeps them forever.
    pub audit_retention_days: Option<i64>,
    /// `VARVAULT_ALLOW_PRIVATE_NETWORKS=true`: API blocks may call private,
    /// loopback and link-local addresses (off by default).
    pub allow_private_networks: bool,
    /// `VARVAULT_OUTBOUND_TIMEOUT_SECONDS`: total time an API block's
    /// request may take (default 30; connecting takes at most 5).
    pub outbound_timeout: std::time::Duration,
    /// `VARVAULT_SHUTDOWN_GRACE_SECONDS`: after SIGTERM, how long requests
    /// in flight may take before the process exits anyway (default 10).
    pub shutdown_grace: std::time::Duration,
    /// `VARVAULT_BENCH_CEILING=true`: also serve `GET /bench/ceiling`, a
    /// bare handler outside every layer, the ceiling `bench/load.py`
    /// compares the app with. Off by default.
    pub bench_ceiling: bool,
}

pub const DEFAULT_MASTER_KEY_FILE: &str = "data/master.key";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not a valid socket address ({value:?}), e.g. 127.0.0.1:3000")]
    BadAddr { name: &'static str, value: String },
    #[error(transparent)]
    MasterKey(#[from] master::MasterKeyError),
    #[error("set either VARVAULT_MASTER_KEY or VARVAULT_MASTER_KEY_FILE, not both")]
    TwoMasterKeys,
    #[error("{name} must be {expected} (got {value:?})")]
    BadValue {
        name: &'static str,
        expected: &'static str,
        value: String,
    },
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str, default: &str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        let addr = get("LEPTOS_SITE_ADDR", DEFAULT_SITE_ADDR);
        let site_addr = addr.trim().parse().map_err(|_| ConfigError::BadAddr {
            name: "LEPTOS_SITE_ADDR",
            value: addr.clone(),
        })?;
        let public_url = lookup("VARVAULT_PUBLIC_URL").filter(|v| !v.trim().is_empty());
        if let Some(url) = &public_url {
            if crate::server::client::origin_of(url).is_none() {
                return Err(ConfigError::BadValue {
                    name: "VARVAULT_PUBLIC_URL",
                    expected: "an http:// or https:// URL",
                    value: url.clone(),
                });
            }
        }
        let proxies = get("VARVAULT_TRUSTED_PROXIES", "");
        let trusted_proxies = proxies
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                parse_net(p).ok_or(ConfigError::BadValue {
                    name: "VARVAULT_TRUSTED_PROXIES",
                    expected: "a comma-separated list of IP addresses or CIDR blocks",
                    value: p.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let positive = |name: &'static str, default: i64| {
            let text = get(name, &default.to_string());
            text.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(ConfigError::BadValue {
                    name,
                    expected: "a positive whole number",
                    value: text,
                })
        };
        let key_env = lookup("VARVAULT_MASTER_KEY").filter(|v| !v.trim().is_empty());
        let key_file = lookup("VARVAULT_MASTER_KEY_FILE").filter(|v| !v.trim().is_empty());
        let master_key = match (key_env, key_file) {
            (Some(_), Some(_)) => return Err(ConfigError::TwoMasterKeys),
            (Some(text), None) => {
                let text = zeroize::Zeroizing::new(text);
                MasterKeySource::Env(master::parse_base64(&text, "VARVAULT_MASTER_KEY")?)
            }
            (None, Some(path)) => MasterKeySource::File(PathBuf::from(path.trim())),
            (None, None) => MasterKeySource::Default(PathBuf::from(DEFAULT_MASTER_KEY_FILE)),
        };
        let audit_retention_days = match lookup("VARVAULT_AUDIT_RETENTION_DAYS") {
            Some(v) if !v.trim().is_empty() => Some(positive("VARVAULT_AUDIT_RETENTION_DAYS", 0)?),
            _ => None,
        };
        let defaults = SessionLimits::default();
        Ok(Config {
            site_addr,
            database_url: get("VARVAULT_DATABASE_URL", DEFAULT_DATABASE_URL),
            site_root: PathBuf::from(get("LEPTOS_SITE_ROOT", "target/site")),
            site_pkg_dir: get("LEPTOS_SITE_PKG_DIR", "pkg"),
            public_url,
            trusted_proxies,
            session: SessionLimits {
                idle_minutes: positive("VARVAULT_SESSION_IDLE_MINUTES", defaults.idle_minutes)?,
                max_hours: positive("VARVAULT_SESSION_MAX_HOURS", defaults.max_hours)?,
            },
            master_key,
            audit_retention_days,
            allow_private_networks: matches!(
                get("VARVAULT_ALLOW_PRIVATE_NETWORKS", "false")
                    .trim()
                    .to_ascii_lowercase()
                    .as_str(),
                "true" | "1" | "yes"
            ),
            outbound_timeout: std::time::Duration::from_secs(positive(
                "VARVAULT_OUTBOUND_TIMEOUT_SECONDS",
                30,
            )? as u64),
            shutdown_grace: std::time::Duration::from_secs(positive(
                "VARVAULT_SHUTDOWN_GRACE_SECONDS",
                10,
            )? as u64),
            bench_ceiling: get("VARVAULT_BENCH_CEILING", "false").trim() == "true",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let c = config(&[]).unwrap();
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, "sqlite://data/varvault.db");
        assert_eq!(c.site_root, PathBuf::from("target/site"));
    }

    #[test]
    fn session_limits_and_proxies_are_read() {
        let c = config(&[
            ("VARVAULT_SESSION_IDLE_MINUTES", "5"),
            ("VARVAULT_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1"),
        ])
        .unwrap();
        assert_eq!(c.session.idle_minutes, 5);
        assert_eq!(c.session.max_hours, 12);
        assert_eq!(c.trusted_proxies.len(), 2);
        assert!(config(&[("VARVAULT_SESSION_MAX_HOURS", "0")]).is_err());
        assert!(config(&[("VARVAULT_TRUSTED_PROXIES", "not-an-ip")]).is_err());
        assert!(config(&[("VARVAULT_PUBLIC_URL", "vault.example.com")]).is_err());
    }

    #[test]
    fn the_master_key_comes_from_one_place() {
        assert!(matches!(
            config(&[]).unwrap().master_key,
            MasterKeySource::Default(_)
        ));
        let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let c = config(&[("VARVAULT_MASTER_KEY", key)]).unwrap();
        assert!(matches!(c.master_key, MasterKeySource::Env(_)));
        assert!(
            !format!("{c:?}").contains(key),
            "the key must not be printed"
        );
        let err = config(&[("VARVAULT_MASTER_KEY", "short")]).unwrap_err();
        assert!(err.to_string().contains("VARVAULT_MASTER_KEY"), "{err}");
        assert!(!err.to_string().contains("short"), "{err}");
        let both = config(&[
            ("VARVAULT_MASTER_KEY", key),
            ("VARVAULT_MASTER_KEY_FILE", "/k"),
        ]);
        assert!(matches!(both, Err(ConfigError::TwoMasterKeys)));
    }

    #[test]
    fn a_bad_address_is_a_clear_error() {
        let err = config(&[("LEPTOS_SITE_ADDR", "localhost")]).unwrap_err();
        assert!(err.to_string().contains("LEPTOS_SITE_ADDR"), "{err}");
    }
}
