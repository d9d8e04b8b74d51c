//! Running an API block (SPEC §5): resolve its placeholders on the server,
//! decrypt each secret for this request only, check where the request may
//! go before any byte leaves, send it, and return the answer with every
//! secret it used redacted.

pub mod guard;
pub mod redact;

use crate::error::AppError;
use crate::model::RunResult;
use crate::server::audit::{self, Action, Target};
use crate::server::authz::Member;
use crate::server::crypto::{Keyring, SecretValue};
use crate::server::db::workflows as blocks;
use crate::server::db::{variables as rows, Db, DbError};
use crate::server::hosts;
use crate::template::{self, Piece, RefKind};
use redact::Redactor;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);
/// The Response region shows at most this much of a body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The one client every run goes through: timeouts, no redirects (a 3xx is
/// shown as it is, never followed), and the guarded resolver.
pub fn client(allow_private: bool, total_timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(total_timeout))
        .timeout(total_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(std::sync::Arc::new(guard::GuardedResolver {
            allow_private,
        }))
        .user_agent(concat!("varvault/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a reqwest client with rustls builds")
}

fn refuse(message: impl Into<String>) -> AppError {
    AppError::Invalid(message.into())
}

/// A secret decrypted for one run.
struct UsedSecret {
    id: i64,
    name: String,
    value: SecretValue,
    allowed: Vec<hosts::HostPattern>,
}

/// Substitutes placeholders; every referenced name is already loaded.
fn fill(
    text: &str,
    secrets: &BTreeMap<String, UsedSecret>,
    vars: &BTreeMap<String, String>,
) -> Result<Zeroizing<String>, AppError> {
    let pieces = template::parse(text).map_err(|e| refuse(e.to_string()))?;
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Ref {
                kind: RefKind::Secret,
                name,
                ..
            } => {
                let s = secrets
                    .get(&name.to_ascii_lowercase())
                    .ok_or_else(|| refuse(format!("Missing secret {name}")))?;
                out.push_str(s.value.expose());
            }
            Piece::Ref {
                kind: RefKind::Var,
                name,
                ..
            } => {
                let v = vars
                    .get(&name.to_ascii_lowercase())
                    .ok_or_else(|| refuse(format!("Missing variable {name}")))?;
                out.push_str(v);
            }
        }
    }
    Ok(out)
}

/// Runs block `block_id` for `member`.
pub async fn run(
    db: &Db,
    keyring: &Keyring,
    client: &reqwest::Client,
    allow_private: bool,
    member: &Member,
    block_id: i64,
) -> Result<RunResult, AppError> {
    let ws = member.workspace.id;
    let block = blocks::block(db.pool(), ws, block_id)
        .await?
        .ok_or(AppError::NotFound)?;

    // Everything the block refers to, from every field.
    let mut fields: Vec<&str> = vec![&block.url, &block.body];
    fields.extend(block.query.iter().map(|kv| kv.value.as_str()));
    fields.extend(block.headers.iter().map(|kv| kv.value.as_str()));
    let mut secret_names = Vec::new();
    let mut var_names = Vec::new();
    for field in &fields {
        let pieces = template::parse(field).map_err(|e| refuse(e.to_string()))?;
        secret_names.extend(template::refs(&pieces, RefKind::Secret));
        var_names.extend(template::refs(&pieces, RefKind::Var));
    }

    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let mut vars = BTreeMap::new();
    for name in var_names {
        let found = rows::by_name(&mut *conn, ws, &name).await?;
        match found.filter(|r| r.kind == "plain") {
            Some(r) => {
                vars.insert(name.to_ascii_lowercase(), r.plain_value.unwrap_or_default());
            }
            None => return Err(refuse(format!("Missing variable {name}"))),
        }
    }
    let mut secrets = BTreeMap::new();
    for name in secret_names {
        let key = name.to_ascii_lowercase();
        if secrets.contains_key(&key) {
            continue;
        }
        let Some(r) = rows::by_name(&mut *conn, ws, &name)
            .await?
            .filter(|r| r.kind == "secret")
        else {
            return Err(refuse(format!("Missing secret {name}")));
        };
        let (Some(blob), Some(kv)) = (r.ciphertext.as_deref(), r.key_version) else {
            return Err(AppError::Internal);
        };
        let value = keyring
            .open_value(&mut conn, ws, r.id, r.value_version, kv, blob)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "a secret does not decrypt");
                AppError::Internal
            })?;
        secrets.insert(
            key,
            UsedSecret {
                id: r.id,
                name: r.name.clone(),
                allowed: hosts::from_stored(&r.allowed_hosts),
                value,
            },
        );
    }
    drop(conn);
    let redactor = Redactor::new(
        secrets
            .values()
            .map(|s| (s.name.as_str(), s.value.expose())),
    );

    // The destination, checked before any byte leaves.
    let url_text = fill(&block.url, &secrets, &vars)?;
    let mut url = reqwest::Url::parse(url_text.trim())
        .map_err(|e| refuse(redactor.redact(&format!("The URL is not valid: {e}"))))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(refuse("The URL must start with http:// or https://"));
    }
    let host = url
        .host_str()
        .ok_or_else(|| refuse("The URL has no host"))?
        .to_string();
    let authority = format!(
        "{}://{}:{}@{}:{}",
        url.scheme(),
        url.username(),
        url.password().unwrap_or(""),
        host,
        url.port().map(|p| p.to_string()).unwrap_or_default()
    );
    if redactor.redact(&authority) != authority {
        return Err(refuse(
            "A secret may not stand in the URL's scheme, user, host or port",
        ));
    }
    for s in secrets.values() {
        if !s.allowed.is_empty() && !s.allowed.iter().any(|p| p.matches(&host)) {
            let list: Vec<String> = s.allowed.iter().map(ToString::to_string).collect();
            return Err(refuse(format!(
                "{} may only be sent to {}; {host} is not one of them. Nothing was sent.",
                s.name,
                list.join(", ")
            )));
        }
    }
    match url.host() {
        Some(url::Host::Ipv4(ip)) if !allow_private && !guard::is_public(ip.into()) => {
            return Err(refuse(guard::refusal(&host, ip.into())))
        }
        Some(url::Host::Ipv6(ip)) if !allow_private && !guard::is_public(ip.into()) => {
            return Err(refuse(guard::refusal(&host, ip.into())))
        }
        Some(url::Host::Domain(name)) => {
            let port = url.port_or_known_default().unwrap_or(80);
            guard::resolve(name, port, allow_private)
                .await
                .map_err(refuse)?;
        }
        _ => {}
    }

    for kv in &block.query {
        if kv.name.trim().is_empty() {
            continue;
        }
        let value = fill(&kv.value, &secrets, &vars)?;
        url.query_pairs_mut().append_pair(kv.name.trim(), &value);
    }
    let method = reqwest::Method::from_bytes(block.method.as_bytes())
        .map_err(|_| refuse("Unknown method"))?;
    let mut request = client.request(method, url);
    for kv in &block.headers {
        if kv.name.trim().is_empty() {
            continue;
        }
        let value = fill(&kv.value, &secrets, &vars)?;
        let name = reqwest::header::HeaderName::from_bytes(kv.name.trim().as_bytes())
            .map_err(|_| refuse(format!("{:?} is not a valid header name", kv.name)))?;
        let mut value = reqwest::header::HeaderValue::from_str(&value)
            .map_err(|_| refuse(format!("The value of header {} is not valid", kv.name)))?;
        value.set_sensitive(true);
        request = request.header(name, value);
    }
    if !block.body.is_empty() {
        let body = fill(&block.body, &secrets, &vars)?;
        request = request.body(body.to_string());
    }

    // Each secret's use is recorded before it leaves.
    if !secrets.is_empty() {
        let mut tx = db.begin_write().await?;
        let ids: Vec<i64> = secrets.values().map(|s| s.id).collect();
        blocks::mark_used(&mut tx, &ids).await?;
        for s in secrets.values() {
            let target = Target::variable("secret", s.id, &s.name);
            let detail = Some(format!("API block {} ({host})", block.name));
            audit::record(
                &mut tx,
                ws,
                &member.actor(),
                Action::SecretUsed,
                Some(&target),
                detail,
            )
            .await?;
        }
        tx.commit().await.map_err(DbError::from)?;
    }

    let started = Instant::now();
    let response = request
        .send()
        .await
        .map_err(|e| refuse(redactor.redact(&describe(&e))))?;
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                redactor.redact(&String::from_utf8_lossy(v.as_bytes())),
            )
        })
        .collect();
    let (body, truncated) = read_body(response, redactor.longest())
        .await
        .map_err(|e| refuse(redactor.redact(&describe(&e))))?;
    let duration_ms = started.elapsed().as_millis() as u64;
    let mut body = redactor.redact(&String::from_utf8_lossy(&body));
    if truncated {
        let mut cut = BODY_LIMIT.min(body.len());
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
    }
    Ok(RunResult {
        status: status.as_u16(),
        status_text: status.canonical_reason().unwrap_or("").to_string(),
        duration_ms,
        headers,
        body,
        truncated,
    })
}

/// The first 1 MiB of a body, plus enough to redact a value cut at the edge.
async fn read_body(
    mut response: reqwest::Response,
    margin: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let keep = BODY_LIMIT + margin;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > keep {
            body.truncate(keep);
            return Ok((body, true));
        }
    }
    let truncated = body.len() > BODY_LIMIT;
    Ok((body, truncated))
}

/// A request error in words, without the URL (it may hold a secret).
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "The request timed out (it may take 5 s to connect and 30 s in all)".into();
    }
    if err.is_connect() {
        let mut source = std::error::Error::source(err);
        let mut detail = String::new();
        while let Some(s) = source {
            detail = s.to_string();
            source = s.source();
        }
        return format!("Could not connect: {detail}");
    }
    let mut text = String::from("The request failed");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
