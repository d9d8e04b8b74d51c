//! Settings read from the environment at start-up.

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
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not a valid socket address ({value:?}), e.g. 127.0.0.1:3000")]
    BadAddr { name: &'static str, value: String },
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
        Ok(Config {
            site_addr,
            database_url: get("VARVAULT_DATABASE_URL", DEFAULT_DATABASE_URL),
            site_root: PathBuf::from(get("LEPTOS_SITE_ROOT", "target/site")),
            site_pkg_dir: get("LEPTOS_SITE_PKG_DIR", "pkg"),
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
    fn a_bad_address_is_a_clear_error() {
        let err = config(&[("LEPTOS_SITE_ADDR", "localhost")]).unwrap_err();
        assert!(err.to_string().contains("LEPTOS_SITE_ADDR"), "{err}");
    }
}
