//! What an AI agent may do with the workspace (issue 27), behind the MCP
//! tools (`web::mcp`): list names and plain values, send requests with
//! secrets through the API block engine, run saved blocks, and ask a
//! person for a secret that does not exist. Nothing here returns a
//! secret's value, and nothing changes the workspace but the audit log and
//! the secrets' health records a run keeps anyway.

use crate::error::AppError;
use crate::model::{
    BlockId, Day, Expiry, HttpMethod, KeyValue, Permission, RunResult, VariableKind, VariableName,
    VariableView, EXPIRING_SOON_DAYS,
};
use crate::server::infra::db::{now_ms, Db};
use crate::server::rules::api_block::{self, Engine, Outgoing, Via};
use crate::server::rules::variables::{self, ListRequest};
use crate::server::rules::workflows::{self, Fields};
use crate::server::web::authz::Actor;
use serde::Serialize;

/// A plain value is cut here in a list (a model reads every byte).
pub const PLAIN_VALUE_MAX: usize = 1024;
/// Workflows a `list_workflows` page holds (each read with its blocks).
pub const WORKFLOWS_PAGE: usize = 20;

/// One listed variable or secret: never a secret's value.
#[derive(Debug, Serialize)]
pub struct Listed {
    pub name: String,
    /// `{{secret:NAME}}` or `{{var:NAME}}`: what to write in a request.
    pub placeholder: String,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<&'static str>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// A plain variable's value, at most 1 KiB of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A secret's hosts; it can be sent nowhere else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_hosts: Option<Vec<String>>,
    /// Whether an agent may send this secret, and where in a request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agents: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    /// How the secret's last runs went ("last answer 401; failing").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
    /// "WORKFLOW › BLOCK" for each block that refers to it.
    pub used_in: Vec<String>,
}

/// A page of a list, and the cursor of the next one.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `list_secrets` / `list_variables`: 50 a page in natural name order.
pub async fn list(
    db: &Db,
    actor: &Actor,
    kind: VariableKind,
    search: &str,
    cursor: Option<String>,
) -> Result<Page<Listed>, AppError> {
    let request = ListRequest {
        search: search.to_string(),
        kind: Some(kind),
        after: cursor,
        ..ListRequest::default()
    };
    let page = variables::list(db, actor, &request).await?;
    let today = Day::of_ms(now_ms());
    let items = page
        .variables
        .into_iter()
        .map(|v| {
            let health = page
                .health
                .iter()
                .find(|(id, _)| *id == v.id)
                .map(|(_, h)| describe_health(h));
            listed(v, today, health)
        })
        .collect();
    Ok(Page {
        items,
        next_cursor: page.next,
    })
}

fn listed(v: VariableView, today: Day, health: Option<String>) -> Listed {
    let secret = v.kind == VariableKind::Secret;
    let (value, note) = match v.value.filter(|_| !secret) {
        Some(value) if value.len() > PLAIN_VALUE_MAX => {
            let mut end = PLAIN_VALUE_MAX;
            while !value.is_char_boundary(end) {
                end -= 1;
            }
            let note = format!(
                "value cut at 1 KiB of {} bytes; {{{{var:{}}}}} in a request sends it whole",
                value.len(),
                v.name
            );
            (Some(value[..end].to_string()), Some(note))
        }
        other => (other, None),
    };
    let agents = secret.then_some(match (v.allowed_hosts.is_empty(), v.agents_anywhere) {
        (true, _) => "not usable by agents: it has no allowed hosts",
        (false, false) => "usable in a header value only",
        (false, true) => "usable in a header value, the URL or the body",
    });
    let expiry = v
        .expires_on
        .as_deref()
        .and_then(Day::parse)
        .map(|day| Expiry::on(day, today))
        .filter(|e| {
            matches!(e, Expiry::Expired) || matches!(e, Expiry::In(n) if *n <= EXPIRING_SOON_DAYS)
        })
        .map(Expiry::label);
    Listed {
        placeholder: if secret {
            format!("{{{{secret:{}}}}}", v.name)
        } else {
            format!("{{{{var:{}}}}}", v.name)
        },
        kind: if secret { "secret" } else { "variable" },
        visibility: v.visibility.map(|vis| vis.as_str()),
        description: v.description,
        value,
        note,
        allowed_hosts: secret.then_some(v.allowed_hosts),
        agents,
        expires_on: v.expires_on,
        expiry,
        health,
        used_in: v
            .used_in
            .into_iter()
            .map(|u| format!("{} › {}", u.workflow, u.block))
            .collect(),
        name: v.name,
    }
}

fn describe_health(h: &crate::model::SecretHealth) -> String {
    let last = match h.last_status {
        Some(status) => format!("last answer {status}"),
        None => "last request got no answer".to_string(),
    };
    match &h.failing {
        Some(f) => format!("{last}; failing: the last runs were refused ({})", f.status),
        None => format!("{last}; {} of {} recent runs refused", h.refused, h.runs),
    }
}

/// An agent's request, as `http_request` takes it.
pub struct Request {
    pub method: HttpMethod,
    pub url: String,
    pub query: Vec<KeyValue>,
    pub headers: Vec<KeyValue>,
    pub body: String,
}

/// `http_request`: checked as a block is saved, then run by the API block
/// engine with an agent's rules.
pub async fn http_request(
    engine: Engine<'_>,
    actor: &Actor,
    request: Request,
) -> Result<RunResult, AppError> {
    actor.require(Permission::UseWorkflows)?;
    let fields = Fields {
        method: request.method,
        url: request.url,
        query: request.query,
        headers: request.headers,
        body: request.body,
    };
    let (f, _) = workflows::check_fields(engine.db, actor.workspace().id, fields).await?;
    let outgoing = Outgoing {
        block: None,
        name: "http_request".to_string(),
        via: Via::Mcp,
        method: f.method.as_str().to_string(),
        url: f.url,
        query: f.query,
        headers: f.headers,
        body: f.body,
    };
    api_block::run_outgoing(engine, actor, outgoing).await
}

/// `run_block`: a saved block, by id, with an agent's rules.
pub async fn run_block(
    engine: Engine<'_>,
    actor: &Actor,
    block: BlockId,
) -> Result<RunResult, AppError> {
    api_block::run(engine, actor, block, Via::Mcp).await
}

/// A saved block as an agent sees it: its name and where it goes (the
/// URL's template, never a filled value).
#[derive(Debug, Serialize)]
pub struct ListedBlock {
    pub block_id: BlockId,
    pub name: String,
    pub method: &'static str,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct ListedWorkflow {
    pub workflow_id: crate::model::WorkflowId,
    pub name: String,
    pub blocks: Vec<ListedBlock>,
}

/// `list_workflows`: 20 a page, each with its blocks; `cursor` is the
/// number of workflows already listed.
pub async fn list_workflows(
    db: &Db,
    actor: &Actor,
    cursor: Option<&str>,
) -> Result<Page<ListedWorkflow>, AppError> {
    let skip = match cursor {
        None => 0,
        Some(c) => c.parse::<usize>().map_err(|_| {
            AppError::invalid("cursor", "cursor must be a next_cursor given earlier")
        })?,
    };
    let all = workflows::list(db, actor).await?;
    let mut items = Vec::new();
    for w in all.iter().skip(skip).take(WORKFLOWS_PAGE) {
        let view = workflows::view(db, actor, w.id).await?;
        items.push(ListedWorkflow {
            workflow_id: w.id,
            name: w.name.clone(),
            blocks: view
                .blocks
                .into_iter()
                .map(|b| ListedBlock {
                    block_id: b.block.id,
                    name: b.block.name,
                    method: b.block.method.as_str(),
                    url: b.block.url,
                })
                .collect(),
        });
    }
    let next = skip + items.len();
    Ok(Page {
        items,
        next_cursor: (next < all.len()).then(|| next.to_string()),
    })
}

/// What `request_secret` answers: where a person enters the value.
#[derive(Debug, Serialize)]
pub struct SecretRequest {
    pub name: String,
    /// The Variables page's create panel with the name filled in, on
    /// varvault's own origin.
    pub url: String,
    pub message: String,
}

/// `request_secret`: a link for a person, never a place for the value.
/// `origin` is the public URL's (none: the link is a path on varvault's
/// own address).
pub async fn request_secret(
    db: &Db,
    actor: &Actor,
    origin: Option<&str>,
    name: &str,
) -> Result<SecretRequest, AppError> {
    actor.require(Permission::ReadVariables)?;
    let name = VariableName::parse(name).map_err(|m| AppError::invalid("name", m))?;
    if let Ok(existing) = variables::get_by_name(db, actor, name.as_str()).await {
        let what = match existing.kind {
            VariableKind::Secret => "a secret",
            VariableKind::Plain => "a plain variable",
        };
        return Err(AppError::conflict(
            "name",
            format!(
                "{} already exists as {what}; list_secrets and list_variables show it",
                existing.name
            ),
        ));
    }
    let slug = &actor.workspace().slug;
    let url = format!(
        "{}/w/{slug}/variables?new={}",
        origin.unwrap_or_default(),
        name.as_str()
    );
    let message = format!(
        "Ask a person who may create secrets in this workspace (an owner or admin) to open \
         {url} and enter the value of {} there, on varvault's own page. Never ask for the \
         value in the chat and never put it in a tool argument. Once it is saved, \
         list_secrets shows it and {{{{secret:{}}}}} sends it.",
        name.as_str(),
        name.as_str()
    );
    Ok(SecretRequest {
        name: name.as_str().to_string(),
        url,
        message,
    })
}
