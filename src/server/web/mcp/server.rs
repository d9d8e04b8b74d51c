//! The MCP server's handler: lists the tools and runs one per call with
//! the agent the guard proved (`mcp::guard`). Stateless: nothing is kept
//! between calls, and the server never sends a request of its own.

use super::tools::{self, *};
use crate::error::AppError;
use crate::model::{BlockId, HttpMethod, KeyValue, RunResult, VariableKind};
use crate::server::rules::agents;
use crate::server::rules::api_block::Engine;
use crate::server::web::authz::Actor;
use crate::server::web::state::AppState;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ElicitRequest,
    ElicitRequestParams, ErrorCode, Implementation, InputRequest, InputRequiredResult,
    ListToolsResult, PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig,
    Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// The JSON-RPC error a 2025-11-25 client that declared URL elicitation
/// gets from `request_secret` (`URLElicitationRequiredError`).
const URL_ELICITATION_REQUIRED: ErrorCode = ErrorCode(-32042);

#[derive(Clone)]
pub struct Agents {
    pub state: AppState,
}

impl ServerHandler for Agents {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("varvault", env!("CARGO_PKG_VERSION")))
            .with_instructions(tools::INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools::all().to_vec()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools::all().iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let actor = context
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Actor>())
            .cloned()
            .ok_or_else(|| {
                tracing::error!("an MCP call reached the handler without a proven agent");
                ErrorData::internal_error("internal error", None)
            })?;
        let name = request.name.to_string();
        let Some(tool) = tools::all().iter().find(|t| t.name == name) else {
            return Err(ErrorData::invalid_params(
                "Unknown tool; tools/list names them",
                None,
            ));
        };
        let args = Value::Object(request.arguments.clone().unwrap_or_default());
        if let Some(field) = crate::server::web::nul::in_json(&args) {
            let field = if field.is_empty() {
                "arguments".into()
            } else {
                field
            };
            return Err(ErrorData::invalid_params(
                format!("{field}: text may not hold a NUL character"),
                None,
            ));
        }
        // A call that sends is audited by the engine, in the write that
        // records its secrets' use; the others (and refused sends) here.
        let sends = tool.name == HTTP_REQUEST || tool.name == RUN_BLOCK;
        if !sends {
            audit_call(&self.state, &actor, &tool.name)
                .await
                .map_err(protocol_error)?;
        }
        if tool.name == REQUEST_SECRET {
            return self.request_secret(&actor, &request, &context, args).await;
        }
        let result = self.run(&actor, &tool.name, args).await;
        if sends && !matches!(result, Ok(Ok(_))) {
            let refused = format!("{} (refused)", tool.name);
            audit_call(&self.state, &actor, &refused)
                .await
                .map_err(protocol_error)?;
        }
        let result = result?;
        Ok(match result {
            Ok(value) => CallToolResult::structured(value),
            Err(err) => refused(err)?,
        }
        .into())
    }
}

/// Each tool call is in the audit log under the token's name, as each
/// REST call is.
async fn audit_call(state: &AppState, actor: &Actor, tool: &str) -> Result<(), AppError> {
    crate::server::web::rest::audit_read(state, actor, &format!("via MCP: {tool}")).await
}

/// A tool's refusal as the model sees it: the rule, never a value (the
/// engine's messages are built without filled text and screened).
fn refused(err: AppError) -> Result<CallToolResult, ErrorData> {
    let text = match &err {
        AppError::Internal | AppError::Transport(_) => return Err(protocol_error(err)),
        AppError::Forbidden => {
            "This token may not do that: agent:use lists and sends, nothing more".into()
        }
        other => match other.field() {
            Some(field) => format!("{field}: {other}"),
            None => other.to_string(),
        },
    };
    Ok(CallToolResult::error(vec![ContentBlock::text(text)]))
}

fn protocol_error(err: AppError) -> ErrorData {
    match err {
        AppError::Unavailable(message) => ErrorData::internal_error(message, None),
        _ => ErrorData::internal_error(
            "Something went wrong on the server; the details are in its log",
            None,
        ),
    }
}

/// The arguments as `T`; a refusal names the field, never the input.
fn parse<T: DeserializeOwned>(tool: &str, args: Value) -> Result<T, ErrorData> {
    serde_json::from_value(args).map_err(|err| {
        let text = err.to_string();
        let message = match crate::server::web::rest::missing_field(&text) {
            Some(field) => format!("{tool}: {field} is required"),
            None if text.starts_with("unknown field") => {
                format!("{tool}: an argument is not in its input schema")
            }
            None => format!("{tool}: an argument has the wrong type (see its input schema)"),
        };
        ErrorData::invalid_params(message, None)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListArgs {
    #[serde(default)]
    search: String,
    cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpArgs {
    method: HttpMethod,
    url: String,
    #[serde(default)]
    headers: Vec<KeyValue>,
    #[serde(default)]
    query: Vec<KeyValue>,
    #[serde(default)]
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockArgs {
    block_id: BlockId,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CursorArgs {
    cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretArgs {
    name: String,
}

impl Agents {
    fn engine(&self) -> Engine<'_> {
        Engine::of(&self.state)
    }

    /// Runs tool `name`: its answer as JSON, or the rule that refused it.
    async fn run(
        &self,
        actor: &Actor,
        name: &str,
        args: Value,
    ) -> Result<Result<Value, AppError>, ErrorData> {
        let db = &self.state.db;
        let to_json = |v: Result<Value, AppError>| Ok(v);
        match name {
            LIST_SECRETS | LIST_VARIABLES => {
                let a: ListArgs = parse(name, args)?;
                let kind = if name == LIST_SECRETS {
                    VariableKind::Secret
                } else {
                    VariableKind::Plain
                };
                let page = agents::list(db, actor, kind, &a.search, a.cursor).await;
                to_json(page.map(|p| json!(p)))
            }
            HTTP_REQUEST => {
                let a: HttpArgs = parse(name, args)?;
                let request = agents::Request {
                    method: a.method,
                    url: a.url,
                    query: a.query,
                    headers: a.headers,
                    body: a.body,
                };
                let run = agents::http_request(self.engine(), actor, request).await;
                to_json(run.map(|r| self.answer(r)))
            }
            RUN_BLOCK => {
                let a: BlockArgs = parse(name, args)?;
                let run = agents::run_block(self.engine(), actor, a.block_id).await;
                to_json(run.map(|r| self.answer(r)))
            }
            LIST_WORKFLOWS => {
                let a: CursorArgs = parse(name, args)?;
                let page = agents::list_workflows(db, actor, a.cursor.as_deref()).await;
                to_json(page.map(|p| json!(p)))
            }
            _ => Err(ErrorData::invalid_params(
                "Unknown tool; tools/list names them",
                None,
            )),
        }
    }

    /// A run's answer for a model: the screened body cut at
    /// `VARVAULT_MCP_MAX_BODY`, with a note when cut.
    fn answer(&self, run: RunResult) -> Value {
        let max = self.state.settings.mcp_max_body;
        let mut body = run.body;
        let mut notes = run.notes;
        let mut truncated = run.truncated;
        if body.len() > max {
            let mut end = max;
            while !body.is_char_boundary(end) {
                end -= 1;
            }
            notes.push(format!(
                "The body was cut at {} KiB of {} bytes (VARVAULT_MCP_MAX_BODY).",
                max / 1024,
                body.len()
            ));
            body.truncate(end);
            truncated = true;
        }
        let headers: Vec<Value> = run
            .headers
            .into_iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect();
        json!({
            "status": run.status,
            "status_text": run.status_text,
            "duration_ms": run.duration_ms,
            "headers": headers,
            "body": body,
            "body_truncated": truncated,
            "notes": notes,
        })
    }

    /// `request_secret`: always the link; to a client that declared URL
    /// elicitation, also the request to open it (an input-required result
    /// on 2026-07-28, the URL-elicitation-required error on 2025-11-25).
    async fn request_secret(
        &self,
        actor: &Actor,
        request: &CallToolRequestParams,
        context: &RequestContext<RoleServer>,
        args: Value,
    ) -> Result<CallToolResponse, ErrorData> {
        let a: SecretArgs = parse(REQUEST_SECRET, args)?;
        let origin = self.state.settings.public_origin.as_deref();
        let asked = match agents::request_secret(&self.state.db, actor, origin, &a.name).await {
            Ok(asked) => asked,
            Err(err) => return Ok(refused(err)?.into()),
        };
        let answer = json!(asked);
        let url_elicitation = context
            .client_capabilities()
            .and_then(|c| c.elicitation)
            .is_some_and(|e| e.url.is_some());
        // Already shown to the person (the retry after the elicitation).
        if !url_elicitation || request.input_responses.is_some() || asked.url.starts_with('/') {
            return Ok(CallToolResult::structured(answer).into());
        }
        let version = context.protocol_version();
        if version.is_some_and(|v| v >= ProtocolVersion::V_2026_07_28) {
            let elicit = ElicitRequest::new(ElicitRequestParams::UrlElicitationParams {
                meta: None,
                message: asked.message.clone(),
                url: asked.url.clone(),
                elicitation_id: String::new(),
            });
            let requests = [("secret".to_string(), InputRequest::Elicitation(elicit))];
            let pending = InputRequiredResult::new(Some(requests.into_iter().collect()), None);
            return Ok(CallToolResponse::InputRequired(pending));
        }
        let data = json!({"elicitations": [{
            "mode": "url",
            "elicitationId": format!("secret-{}", asked.name),
            "url": asked.url,
            "message": asked.message,
        }]});
        Err(ErrorData::new(
            URL_ELICITATION_REQUIRED,
            asked.message,
            Some(data),
        ))
    }
}
