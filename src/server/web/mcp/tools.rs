//! The MCP tools as a model reads them: names, descriptions and JSON
//! Schemas of what goes in and what comes out. The rules behind them are
//! in `rules::agents`; `server` calls them.

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{json, Value};
use std::sync::Arc;

pub const LIST_SECRETS: &str = "list_secrets";
pub const LIST_VARIABLES: &str = "list_variables";
pub const HTTP_REQUEST: &str = "http_request";
pub const LIST_WORKFLOWS: &str = "list_workflows";
pub const RUN_BLOCK: &str = "run_block";
pub const REQUEST_SECRET: &str = "request_secret";

/// What the server tells a model once, at the start.
pub const INSTRUCTIONS: &str = "varvault keeps this workspace's API credentials. You never see a \
secret's value: write {{secret:NAME}} in a header value of http_request and varvault puts the \
value in on its server, sends the request only to the hosts the secret is bound to, and hides \
the value in the answer. Use list_secrets to find names. If a credential you need does not \
exist, call request_secret and give the person its link: never ask anyone to paste a secret \
into the chat or a tool argument.";

fn object(value: Value) -> Arc<JsonObject> {
    match value {
        Value::Object(map) => Arc::new(map),
        _ => unreachable!("schemas are written as objects"),
    }
}

fn list_input(what: &str) -> Value {
    json!({
        "type": "object",
        "properties": {
            "search": {"type": "string", "description": format!("Only {what} whose name contains this text (any case).")},
            "cursor": {"type": "string", "description": "The next_cursor of the previous page; omit for the first page."}
        },
        "additionalProperties": false
    })
}

fn list_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "placeholder": {"type": "string"},
                    "kind": {"type": "string", "enum": ["secret", "variable"]},
                    "visibility": {"type": "string", "enum": ["masked", "restricted"]},
                    "description": {"type": "string"},
                    "value": {"type": "string"},
                    "note": {"type": "string"},
                    "allowed_hosts": {"type": "array", "items": {"type": "string"}},
                    "agents": {"type": "string"},
                    "expires_on": {"type": "string"},
                    "expiry": {"type": "string"},
                    "health": {"type": "string"},
                    "used_in": {"type": "array", "items": {"type": "string"}}
                },
                "required": ["name", "placeholder", "kind", "used_in"]
            }},
            "next_cursor": {"type": "string"}
        },
        "required": ["items"]
    })
}

fn rows(what: &str) -> Value {
    json!({
        "type": "array",
        "maxItems": 100,
        "description": what,
        "items": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
            "required": ["name", "value"],
            "additionalProperties": false
        }
    })
}

fn run_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "status": {"type": "integer"},
            "status_text": {"type": "string"},
            "duration_ms": {"type": "integer"},
            "headers": {"type": "array", "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                "required": ["name", "value"]
            }},
            "body": {"type": "string"},
            "body_truncated": {"type": "boolean"},
            "notes": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["status", "status_text", "headers", "body", "body_truncated", "notes"]
    })
}

fn tool(name: &'static str, description: &'static str, input: Value, output: Value) -> Tool {
    let mut tool = Tool::new(name, description, object(input));
    tool.output_schema = Some(object(output));
    tool
}

/// Every tool, in the order a model should think of them: built once,
/// not on every call.
pub fn all() -> &'static [Tool] {
    static TOOLS: std::sync::OnceLock<Vec<Tool>> = std::sync::OnceLock::new();
    TOOLS.get_or_init(build)
}

fn build() -> Vec<Tool> {
    let read_only = |mut t: Tool, world: bool| {
        let mut notes = ToolAnnotations::default();
        notes.read_only_hint = Some(!world);
        notes.destructive_hint = Some(false);
        notes.open_world_hint = Some(world);
        t.annotations = Some(notes);
        t
    };
    vec![
        read_only(
            tool(
                LIST_SECRETS,
                "List the workspace's secrets: name, the placeholder to write ({{secret:NAME}}), \
             visibility, the hosts each may be sent to, whether agents may use it and where \
             (most only in a header value), expiry, how its last requests went and which \
             workflow blocks use it. Never a value. 50 a page: pass next_cursor as cursor for \
             more; search narrows by name.",
                list_input("secrets"),
                list_output(),
            ),
            false,
        ),
        read_only(
            tool(
                LIST_VARIABLES,
                "List the workspace's plain (non-secret) variables with their values (each cut at \
             1 KiB, with a note) and the placeholder to write ({{var:NAME}}). 50 a page: pass \
             next_cursor as cursor for more; search narrows by name.",
                list_input("variables"),
                list_output(),
            ),
            false,
        ),
        read_only(
            tool(
                HTTP_REQUEST,
                "Send an HTTP request from varvault's server. Write {{secret:NAME}} where a \
             credential goes (a header value such as Authorization: Bearer {{secret:NAME}}; \
             the URL, query or body only for secrets an owner allowed there) and {{var:NAME}} \
             for plain variables. varvault fills them in, sends only to the secret's allowed \
             hosts (never to private addresses or to varvault itself) and answers the status, \
             headers and body with every secret replaced by [REDACTED:NAME]. A refusal says \
             which rule and sends nothing.",
                json!({
                    "type": "object",
                    "properties": {
                        "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
                        "url": {"type": "string", "description": "https://host/path, may hold {{var:NAME}} (and {{secret:NAME}} where allowed)."},
                        "headers": rows("Request headers, e.g. {\"name\": \"Authorization\", \"value\": \"Bearer {{secret:NAME}}\"}."),
                        "query": rows("Query parameters added to the URL."),
                        "body": {"type": "string", "description": "The request body (at most 1 MiB once filled in)."}
                    },
                    "required": ["method", "url"],
                    "additionalProperties": false
                }),
                run_output(),
            ),
            true,
        ),
        read_only(
            tool(
                LIST_WORKFLOWS,
                "List the workspace's saved workflows and their API blocks (id, name, method, URL \
             template). Names are not unique: run a block by its block_id. 20 workflows a \
             page: pass next_cursor as cursor for more.",
                json!({
                    "type": "object",
                    "properties": {"cursor": {"type": "string", "description": "The next_cursor of the previous page."}},
                    "additionalProperties": false
                }),
                json!({
                    "type": "object",
                    "properties": {
                        "items": {"type": "array", "items": {
                            "type": "object",
                            "properties": {
                                "workflow_id": {"type": "integer"},
                                "name": {"type": "string"},
                                "blocks": {"type": "array", "items": {
                                    "type": "object",
                                    "properties": {
                                        "block_id": {"type": "integer"},
                                        "name": {"type": "string"},
                                        "method": {"type": "string"},
                                        "url": {"type": "string"}
                                    },
                                    "required": ["block_id", "name", "method", "url"]
                                }}
                            },
                            "required": ["workflow_id", "name", "blocks"]
                        }},
                        "next_cursor": {"type": "string"}
                    },
                    "required": ["items"]
                }),
            ),
            false,
        ),
        read_only(
            tool(
                RUN_BLOCK,
                "Run a saved API block (its block_id from list_workflows) as it is saved, with an \
             agent's rules, and answer as http_request does.",
                json!({
                    "type": "object",
                    "properties": {"block_id": {"type": "integer", "description": "From list_workflows."}},
                    "required": ["block_id"],
                    "additionalProperties": false
                }),
                run_output(),
            ),
            true,
        ),
        read_only(
            tool(
                REQUEST_SECRET,
                "When a credential you need is not in list_secrets: get a link to varvault's own \
             page where a person (an owner or admin) enters it. Give the person the link; \
             never ask for the value in the chat. Once saved it appears in list_secrets.",
                json!({
                    "type": "object",
                    "properties": {"name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$", "description": "The secret's name, e.g. STRIPE_API_KEY."}},
                    "required": ["name"],
                    "additionalProperties": false
                }),
                json!({
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "url": {"type": "string"},
                        "message": {"type": "string"}
                    },
                    "required": ["name", "url", "message"]
                }),
            ),
            false,
        ),
    ]
}
