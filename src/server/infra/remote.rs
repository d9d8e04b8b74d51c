//! `varvault remote …`: the same binary as a client of a running varvault's
//! REST API (issue 16), for CI and scripts. The address and the access
//! token come from the environment only (`VARVAULT_URL`, `VARVAULT_TOKEN`):
//! a command line is visible to every user of the machine. A value is read
//! from standard input, never from the command line either. The token and
//! values go only to that address: https (plain http to this machine
//! only), no redirect followed; and nothing the server says reaches the
//! terminal with control or bidirectional characters in it.

use clap::Subcommand;
use serde_json::Value;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum RemoteAction {
    /// Set an existing variable's value, read from standard input (a
    /// prompt on a terminal). The token's workspace is the one changed.
    Set {
        /// The variable's name (any case).
        name: String,
    },
    /// List the workspace's variables: name, kind, visibility, expiry.
    List {
        /// Only names containing this text.
        #[arg(long, default_value = "")]
        search: String,
    },
    /// Import a .env file: every line created, or updated as a new version,
    /// in one go; nothing when any line is refused.
    Import {
        file: PathBuf,
        /// plain or secret.
        #[arg(long, default_value = "secret")]
        kind: String,
        /// masked or restricted (secrets).
        #[arg(long)]
        visibility: Option<String>,
        /// Hosts new secrets may be sent to, comma-separated (required for
        /// restricted ones).
        #[arg(long, default_value = "")]
        allowed_hosts: String,
        /// Only show what would happen.
        #[arg(long)]
        dry_run: bool,
    },
    /// Speak MCP over standard input and output, for an AI agent on this
    /// machine: each message goes to VARVAULT_URL's /mcp with the token
    /// (which needs the agent:use scope).
    Mcp,
}

pub(crate) struct Remote {
    pub(crate) base: String,
    pub(crate) token: String,
    pub(crate) client: reqwest::Client,
}

impl Remote {
    pub(crate) fn from_env() -> Result<Remote, String> {
        let token = std::env::var("VARVAULT_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or("set VARVAULT_TOKEN to a workspace access token (vv_…)")?;
        let base = std::env::var("VARVAULT_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "http://127.0.0.1:3000".into());
        check_base(&base)?;
        let client = reqwest::Client::builder()
            .user_agent(concat!("varvault-remote/", env!("CARGO_PKG_VERSION")))
            .timeout(std::time::Duration::from_secs(30))
            // A 307/308 would send the token and the value elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Remote {
            base: base.trim_end_matches('/').to_string(),
            token: token.trim().to_string(),
            client,
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("cannot reach {}: {}", self.base, e.without_url()))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(format!(
                "{} answered with a redirect (HTTP {}); it was not followed: set VARVAULT_URL \
                 to the address that serves varvault",
                self.base,
                status.as_u16()
            ));
        }
        let text = response.text().await.map_err(|e| e.to_string())?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(value);
        }
        let detail = value["detail"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("HTTP {status}"));
        Err(printable(&match value["field"].as_str() {
            Some(field) => format!("{detail} ({field})"),
            None => detail,
        }))
    }
}

/// `VARVAULT_URL` must be https, or http to this machine (loopback).
fn check_base(base: &str) -> Result<(), String> {
    let url = url::Url::parse(base.trim())
        .map_err(|_| "VARVAULT_URL is not a URL like https://vault.example.com".to_string())?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(
            "VARVAULT_URL must start with https:// (http:// only to this machine): the token \
             and values would cross the network in the clear"
                .into(),
        ),
    }
}

/// Text from the server as it may be printed: no control characters (C0,
/// DEL, C1) and no invisible format or bidirectional ones, which could
/// rewrite what the terminal shows.
pub fn printable(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            !c.is_control()
                && !matches!(c,
                    '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
                    | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}'
                    | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}')
        })
        .collect()
}

/// Text in a path segment or a query value: unreserved characters as
/// they are, every other byte percent-encoded (a space is `%20`, not `+`).
fn path_segment(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

fn read_value() -> Result<String, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return rpassword::prompt_password("Value: ").map_err(|e| e.to_string());
    }
    let mut text = String::new();
    stdin
        .lock()
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    // One trailing newline is the end of the input, not of the value.
    let text = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    Ok(text.to_string())
}

/// Runs one `remote` action, after checking that the token belongs to
/// `workspace` when one is named; the error is the line to print.
pub async fn run(workspace: Option<&str>, action: RemoteAction) -> Result<(), String> {
    let remote = Remote::from_env()?;

    if let Some(wanted) = workspace {
        let answer = remote
            .call(reqwest::Method::GET, "/workspace", None)
            .await?;
        let actual = printable(answer["workspace"].as_str().unwrap_or_default());
        if !actual.eq_ignore_ascii_case(wanted.trim()) {
            return Err(format!(
                "VARVAULT_TOKEN belongs to workspace {actual:?}, not {wanted:?}: nothing was done"
            ));
        }
    }
    match action {
        RemoteAction::Mcp => return super::remote_mcp::serve(&remote).await,
        RemoteAction::Set { name } => {
            let value = read_value()?;
            let answer = remote
                .call(
                    reqwest::Method::PUT,
                    &format!("/variables/{}/value", path_segment(&name)),
                    Some(serde_json::json!({ "value": value })),
                )
                .await?;
            println!(
                "{}: new value set",
                printable(answer["name"].as_str().unwrap_or(&name))
            );
        }
        RemoteAction::List { search } => {
            let mut after: Option<String> = None;
            loop {
                let mut path = format!("/variables?search={}", path_segment(&search));
                if let Some(cursor) = &after {
                    path.push_str(&format!("&after={}", path_segment(cursor)));
                }
                let page = remote.call(reqwest::Method::GET, &path, None).await?;
                for v in page["variables"].as_array().into_iter().flatten() {
                    let field = |k: &str| printable(v[k].as_str().unwrap_or("-"));
                    println!(
                        "{}\t{}\t{}\t{}",
                        field("name"),
                        field("kind"),
                        field("visibility"),
                        field("expires_on")
                    );
                }
                match page["next"].as_str() {
                    Some(next) => after = Some(next.to_string()),
                    None => break,
                }
            }
        }
        RemoteAction::Import {
            file,
            kind,
            visibility,
            allowed_hosts,
            dry_run,
        } => {
            let env = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let hosts: Vec<&str> = allowed_hosts
                .split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .collect();
            let answer = remote
                .call(
                    reqwest::Method::POST,
                    "/variables:import",
                    Some(serde_json::json!({
                        "env": env, "kind": kind, "visibility": visibility,
                        "allowed_hosts": hosts, "dry_run": dry_run,
                    })),
                )
                .await?;
            for line in answer["lines"].as_array().into_iter().flatten() {
                println!(
                    "line {}\t{}\t{}{}",
                    line["line"].as_u64().unwrap_or(0),
                    printable(line["name"].as_str().unwrap_or("")),
                    printable(line["action"].as_str().unwrap_or("")),
                    line["reason"]
                        .as_str()
                        .map(|r| format!(": {}", printable(r)))
                        .unwrap_or_default()
                );
            }
            if answer["applied"].as_bool() == Some(true) {
                println!("imported");
            }
        }
    }
    Ok(())
}
