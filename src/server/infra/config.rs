//! Settings read from the environment at start-up.

use crate::server::infra::crypto::master::{self, MasterKeySource};
use crate::server::web::client::{parse_net, IpNet};
use crate::server::web::session::SessionLimits;
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
    /// `VARVAULT_SECRET_HISTORY`: how many earlier values of each variable
    /// are kept for restore (default 20; 0 keeps none).
    pub secret_history: u32,
    /// `VARVAULT_MCP_MAX_BODY`: bytes of an answer's body an agent gets
    /// from `http_request` and `run_block` (default 64 KiB), with a note
    /// when cut.
    pub mcp_max_body: usize,
    /// `VARVAULT_ALLOW_PRIVATE_NETWORKS=true`: API blocks may call private,
    /// loopback and link-local addresses (off by default).
    pub allow_private_networks: bool,
    /// `VARVAULT_OUTBOUND_TIMEOUT_SECONDS`: total time an API block's
    /// request may take (default 30; connecting takes at most 5).
    pub outbound_timeout: std::time::Duration,
    /// `VARVAULT_SHUTDOWN_GRACE_SECONDS`: after SIGTERM, how long requests
    /// in flight may take before the process exits anyway (default 10).
    pub shutdown_grace: std::time::Duration,
    /// `VARVAULT_MAX_RUNS_PER_MEMBER`, `VARVAULT_MAX_RUNS`: API block runs
    /// in flight at once per member or token, and on this instance
    /// (defaults 4 and 32).
    pub max_runs_per_caller: usize,
    pub max_runs: usize,
    /// `VARVAULT_BENCH_CEILING=true`: also serve `GET /bench/ceiling`, a
    /// bare handler outside every layer, the ceiling `bench/load.py`
    /// compares the app with. Off by default.
    pub bench_ceiling: bool,
}

pub const DEFAULT_MASTER_KEY_FILE: &str = "data/master.key";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A setting clap could not parse: its one-line message names the
    /// variable (as the value name) and the rule.
    #[error("{0}")]
    Parse(String),
    #[error(transparent)]
    MasterKey(#[from] master::MasterKeyError),
    #[error("set either VARVAULT_MASTER_KEY or VARVAULT_MASTER_KEY_FILE, not both")]
    TwoMasterKeys,
}

/// Every setting, read from the environment by clap (each also has a
/// `--flag` for the command line). A value that does not parse is an
/// error naming the variable, never read as a default: `treu` is not
/// false. `Config::from_settings` makes the typed configuration.
#[derive(clap::Args, Debug, Clone)]
pub struct EnvSettings {
    /// Where the web server listens.
    #[arg(long, env = "LEPTOS_SITE_ADDR", value_name = "LEPTOS_SITE_ADDR",
          default_value = DEFAULT_SITE_ADDR)]
    site_addr: SocketAddr,
    /// `sqlite://PATH` or `postgres://...`; from the environment only (it
    /// may hold a password).
    #[arg(long, env = "VARVAULT_DATABASE_URL", value_name = "VARVAULT_DATABASE_URL",
          default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    database_url: String,
    /// The built browser bundle and public files.
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        value_name = "LEPTOS_SITE_ROOT",
        default_value = "target/site"
    )]
    site_root: PathBuf,
    #[arg(
        long,
        env = "LEPTOS_SITE_PKG_DIR",
        value_name = "LEPTOS_SITE_PKG_DIR",
        default_value = "pkg"
    )]
    site_pkg_dir: String,
    /// The address users reach (behind a proxy, the proxy's).
    #[arg(long, env = "VARVAULT_PUBLIC_URL", value_name = "VARVAULT_PUBLIC_URL",
          value_parser = parse_public_url)]
    public_url: Option<String>,
    /// Comma-separated addresses or CIDR blocks whose X-Forwarded-For is
    /// believed.
    #[arg(long, env = "VARVAULT_TRUSTED_PROXIES", value_name = "VARVAULT_TRUSTED_PROXIES",
          value_delimiter = ',', value_parser = parse_proxy)]
    trusted_proxies: Vec<IpNet>,
    #[arg(long, env = "VARVAULT_SESSION_IDLE_MINUTES",
          value_name = "VARVAULT_SESSION_IDLE_MINUTES",
          default_value_t = SessionLimits::default().idle_minutes,
          value_parser = clap::value_parser!(i64).range(1..))]
    session_idle_minutes: i64,
    #[arg(long, env = "VARVAULT_SESSION_MAX_HOURS", value_name = "VARVAULT_SESSION_MAX_HOURS",
          default_value_t = SessionLimits::default().max_hours,
          value_parser = clap::value_parser!(i64).range(1..))]
    session_max_hours: i64,
    /// The master key, standard base64 of 32 bytes. Parsed after clap, so
    /// no message ever repeats it.
    #[arg(
        long,
        env = "VARVAULT_MASTER_KEY",
        value_name = "VARVAULT_MASTER_KEY",
        hide_env_values = true,
        hide = true
    )]
    master_key: Option<String>,
    #[arg(
        long,
        env = "VARVAULT_MASTER_KEY_FILE",
        value_name = "VARVAULT_MASTER_KEY_FILE"
    )]
    master_key_file: Option<PathBuf>,
    /// Delete audit entries older than this many days (unset: keep them).
    #[arg(long, env = "VARVAULT_AUDIT_RETENTION_DAYS",
          value_name = "VARVAULT_AUDIT_RETENTION_DAYS",
          value_parser = clap::value_parser!(i64).range(1..))]
    audit_retention_days: Option<i64>,
    /// Earlier values kept per variable, for restore.
    #[arg(long, env = "VARVAULT_SECRET_HISTORY", value_name = "VARVAULT_SECRET_HISTORY",
          default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=1000))]
    secret_history: u32,
    /// Bytes of an answer's body an MCP client gets.
    #[arg(long, env = "VARVAULT_MCP_MAX_BODY", value_name = "VARVAULT_MCP_MAX_BODY",
          default_value_t = 64 * 1024, value_parser = clap::value_parser!(u64).range(1024..=1024 * 1024))]
    mcp_max_body: u64,
    /// Let API blocks call private, loopback and link-local addresses.
    #[arg(long, env = "VARVAULT_ALLOW_PRIVATE_NETWORKS",
          value_name = "VARVAULT_ALLOW_PRIVATE_NETWORKS", default_value = "false",
          action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    allow_private_networks: bool,
    /// Total time an API block's request may take.
    #[arg(long, env = "VARVAULT_OUTBOUND_TIMEOUT_SECONDS",
          value_name = "VARVAULT_OUTBOUND_TIMEOUT_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    outbound_timeout_seconds: u64,
    /// After SIGTERM, how long requests in flight may take.
    #[arg(long, env = "VARVAULT_SHUTDOWN_GRACE_SECONDS",
          value_name = "VARVAULT_SHUTDOWN_GRACE_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    shutdown_grace_seconds: u64,
    /// API block runs in flight at once per member or token.
    #[arg(long, env = "VARVAULT_MAX_RUNS_PER_MEMBER",
          value_name = "VARVAULT_MAX_RUNS_PER_MEMBER", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    max_runs_per_member: u32,
    /// API block runs in flight at once on this instance.
    #[arg(long, env = "VARVAULT_MAX_RUNS", value_name = "VARVAULT_MAX_RUNS",
          default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=10000))]
    max_runs: u32,
    /// Also serve `GET /bench/ceiling` (bench/load.py's baseline).
    #[arg(long, env = "VARVAULT_BENCH_CEILING", value_name = "VARVAULT_BENCH_CEILING",
          default_value = "false", action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    bench_ceiling: bool,
}

fn parse_public_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    match crate::server::web::client::origin_of(text) {
        Some(_) => Ok(text.to_string()),
        None => Err("expected an http:// or https:// URL".into()),
    }
}

fn parse_proxy(text: &str) -> Result<IpNet, String> {
    parse_net(text).ok_or_else(|| "expected IP addresses or CIDR blocks".into())
}

/// The first line of a clap error, without its `error: ` (the binary adds
/// its own): one line an operator reads.
fn one_line(err: clap::Error) -> ConfigError {
    let text = err.render().to_string();
    let line = text.lines().next().unwrap_or_default();
    ConfigError::Parse(line.trim_start_matches("error: ").to_string())
}

/// Settings that hold a secret (the master key; a database URL may carry a
/// password): accepted from the environment only, since a command line is
/// visible to every user of the machine (`ps`).
const ENVIRONMENT_ONLY: [(&str, &str); 2] = [
    ("master_key", "VARVAULT_MASTER_KEY"),
    ("database_url", "VARVAULT_DATABASE_URL"),
];

/// Refuses a secret-holding setting given as a command-line flag, naming
/// the variable to use instead (never the value).
pub fn refuse_secrets_on_command_line(matches: &clap::ArgMatches) -> Result<(), ConfigError> {
    for (id, env) in ENVIRONMENT_ONLY {
        if matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine) {
            return Err(ConfigError::Parse(format!(
                "give {env} in the environment, not on the command line, where other users \
                 of the machine can read it"
            )));
        }
    }
    Ok(())
}

/// An empty variable (`VARVAULT_PUBLIC_URL=` in a compose file) means
/// "not set", as it always has: clap would call it a missing value.
pub fn ignore_empty_env(mut command: clap::Command) -> clap::Command {
    let empty: Vec<clap::Id> = command
        .get_arguments()
        .filter(|arg| {
            arg.get_env()
                .and_then(std::env::var_os)
                .is_some_and(|v| v.is_empty())
        })
        .map(|arg| arg.get_id().clone())
        .collect();
    for id in empty {
        command = command.mut_arg(id, |arg| arg.env(None));
    }
    command
}

impl Config {
    /// Reads settings through `lookup` instead of the process environment,
    /// with the same parser, so tests need not touch the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        use clap::{Args, FromArgMatches};
        let mut command = EnvSettings::augment_args(clap::Command::new("varvault"));
        let mut argv = vec!["varvault".to_string()];
        for arg in command.get_arguments() {
            let (Some(env), Some(long)) = (arg.get_env(), arg.get_long()) else {
                continue;
            };
            if let Some(value) = lookup(&env.to_string_lossy()).filter(|v| !v.is_empty()) {
                argv.push(format!("--{long}={value}"));
            }
        }
        command = command.mut_args(|arg| arg.env(None));
        let matches = command.try_get_matches_from(argv).map_err(one_line)?;
        Self::from_settings(EnvSettings::from_arg_matches(&matches).map_err(one_line)?)
    }

    pub fn from_settings(s: EnvSettings) -> Result<Self, ConfigError> {
        let master_key = match (s.master_key, s.master_key_file) {
            (Some(_), Some(_)) => return Err(ConfigError::TwoMasterKeys),
            (Some(text), None) => {
                let text = zeroize::Zeroizing::new(text);
                MasterKeySource::Env(master::parse_base64(&text, "VARVAULT_MASTER_KEY")?)
            }
            (None, Some(path)) => MasterKeySource::File(path),
            (None, None) => MasterKeySource::Default(PathBuf::from(DEFAULT_MASTER_KEY_FILE)),
        };
        Ok(Config {
            site_addr: s.site_addr,
            database_url: s.database_url,
            site_root: s.site_root,
            site_pkg_dir: s.site_pkg_dir,
            public_url: s.public_url,
            trusted_proxies: s.trusted_proxies,
            session: SessionLimits {
                idle_minutes: s.session_idle_minutes,
                max_hours: s.session_max_hours,
            },
            master_key,
            audit_retention_days: s.audit_retention_days,
            secret_history: s.secret_history,
            mcp_max_body: s.mcp_max_body as usize,
            allow_private_networks: s.allow_private_networks,
            outbound_timeout: std::time::Duration::from_secs(s.outbound_timeout_seconds),
            shutdown_grace: std::time::Duration::from_secs(s.shutdown_grace_seconds),
            max_runs_per_caller: s.max_runs_per_member as usize,
            max_runs: s.max_runs as usize,
            bench_ceiling: s.bench_ceiling,
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
    fn what_does_not_parse_is_an_error_naming_the_setting() {
        for (name, value) in [
            ("VARVAULT_ALLOW_PRIVATE_NETWORKS", "treu"),
            ("VARVAULT_BENCH_CEILING", "maybe"),
            ("VARVAULT_OUTBOUND_TIMEOUT_SECONDS", "30s"),
            ("VARVAULT_SHUTDOWN_GRACE_SECONDS", "-1"),
            ("VARVAULT_AUDIT_RETENTION_DAYS", "0"),
            ("VARVAULT_SESSION_IDLE_MINUTES", "ten"),
            ("VARVAULT_SECRET_HISTORY", "-1"),
            ("VARVAULT_SECRET_HISTORY", "1001"),
        ] {
            let err = config(&[(name, value)]).unwrap_err().to_string();
            assert!(err.contains(name), "{name}={value}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        assert!(
            config(&[("VARVAULT_ALLOW_PRIVATE_NETWORKS", "yes")])
                .unwrap()
                .allow_private_networks
        );
        assert!(
            !config(&[("VARVAULT_ALLOW_PRIVATE_NETWORKS", "0")])
                .unwrap()
                .allow_private_networks
        );
        assert_eq!(
            config(&[("VARVAULT_AUDIT_RETENTION_DAYS", "7")])
                .unwrap()
                .audit_retention_days,
            Some(7)
        );
        assert_eq!(config(&[]).unwrap().secret_history, 20);
        assert_eq!(
            config(&[("VARVAULT_SECRET_HISTORY", "0")])
                .unwrap()
                .secret_history,
            0
        );
    }

    #[test]
    fn secrets_are_refused_on_the_command_line() {
        use clap::Args;
        let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let command =
            EnvSettings::augment_args(clap::Command::new("varvault")).mut_args(|a| a.env(None));
        for flag in [
            format!("--master-key={key}"),
            "--database-url=postgres://u:pw@h/db".into(),
        ] {
            let matches = command
                .clone()
                .try_get_matches_from(["varvault", &flag])
                .unwrap();
            let err = refuse_secrets_on_command_line(&matches)
                .unwrap_err()
                .to_string();
            assert!(err.contains("in the environment"), "{err}");
            assert!(!err.contains(key) && !err.contains("pw"), "{err}");
        }
        let matches = command.try_get_matches_from(["varvault"]).unwrap();
        assert!(refuse_secrets_on_command_line(&matches).is_ok());
    }

    #[test]
    fn a_bad_address_is_a_clear_error() {
        let err = config(&[("LEPTOS_SITE_ADDR", "localhost")]).unwrap_err();
        assert!(err.to_string().contains("LEPTOS_SITE_ADDR"), "{err}");
    }
}
